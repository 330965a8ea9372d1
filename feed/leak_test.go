package feed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// TestExportsHoldOnlyWhatTheReaderMayRead stores indicators under TLP:GREEN,
// US SECRET//REL TO USA, JPN, US SECRET (no foreign release) and TLP:RED in
// a real store, reads them through the policy's guard as three readers, and
// checks that every export format of each reader holds exactly the values
// of the indicators that reader may read.
func TestExportsHoldOnlyWhatTheReaderMayRead(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pol, err := policy.New(policy.DefaultConfig(), db)
	if err != nil {
		t.Fatal(err)
	}
	guard := policy.NewGuard(pol, db)
	ing := ingest.New(db, guard, pol, nil)
	c := &kizuna.Collection{Title: "t", CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}, DefaultMarkingRefs: []string{policy.TLP2Green}}
	if err := db.CreateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	const usOrg = "identity--0f7c52b5-6c3a-4d0b-9d1e-5a8d2e4b7c61"
	marking := func(id string, ext map[string]any) json.RawMessage {
		ext["extension_type"] = "property-extension"
		b, _ := json.Marshal(map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id,
			"created": "2026-01-01T00:00:00.000Z", "created_by_ref": usOrg, "extensions": map[string]any{policy.ExtensionID: ext}})
		return b
	}
	relJPN := "marking-definition--1b0b8e6e-7a1c-4f3e-9b5d-2c4a6e8f0a11"
	noforn := "marking-definition--1b0b8e6e-7a1c-4f3e-9b5d-2c4a6e8f0a12"
	raws := []json.RawMessage{
		marking(relJPN, map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}),
		marking(noforn, map[string]any{"scheme": "USA", "level": "SECRET"}),
	}
	type ind struct {
		marking, ip, domain, hash string
	}
	inds := []ind{
		{policy.TLP2Green, "198.51.100.1", "green.example", strings.Repeat("1", 64)},
		{relJPN, "198.51.100.2", "rel-jpn.example", strings.Repeat("2", 64)},
		{noforn, "198.51.100.3", "noforn.example", strings.Repeat("3", 64)},
		{policy.TLP2Red, "198.51.100.4", "red.example", strings.Repeat("4", 64)},
	}
	for i, in := range inds {
		raws = append(raws, json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--2b0b8e6e-7a1c-4f3e-9b5d-2c4a6e8f0a%02d","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","created_by_ref":%q,"object_marking_refs":[%q],"name":"n%d","pattern":"[ipv4-addr:value = '%s'] OR [domain-name:value = '%s'] OR [file:hashes.'SHA-256' = '%s']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z"}`,
			i, usOrg, in.marking, i, in.ip, in.domain, in.hash)))
	}
	res, err := ing.Ingest(ingest.AsOperator(ctx), c.ID, raws)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("ingest %s: %v", r.ID, r.Err)
		}
	}
	readers := []struct {
		p    *kizuna.Principal
		sees []int
	}{
		{&kizuna.Principal{ID: "principal--a1", Name: "us", Nation: "USA", Organization: usOrg, Roles: []string{kizuna.RoleReader},
			Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}}, []int{0, 1, 2, 3}},
		{&kizuna.Principal{ID: "principal--a2", Name: "jp", Nation: "JPN", Organization: "identity--9a1b2c3d-0000-4000-8000-000000000002",
			Roles: []string{kizuna.RoleReader}, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}}, []int{0, 1}},
		{&kizuna.Principal{ID: "principal--a3", Name: "au", Nation: "AUS", Organization: "identity--9a1b2c3d-0000-4000-8000-000000000003",
			Roles: []string{kizuna.RoleReader}}, []int{0}},
	}
	for _, rd := range readers {
		t.Run(rd.p.Name, func(t *testing.T) {
			rctx := kizuna.NewContextWithPrincipal(ctx, rd.p)
			objs := feed.Pages(rctx, guard, kizuna.ObjectFilter{Collection: c.ID, Types: []string{"indicator"},
				Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true, Limit: 2})
			var outs []string
			var buf bytes.Buffer
			for _, l := range feed.Lists {
				buf.Reset()
				if _, err := feed.WriteBlocklist(&buf, objs, l, feed.Options{}); err != nil {
					t.Fatal(err)
				}
				outs = append(outs, buf.String())
			}
			for _, d := range []feed.Dialect{feed.Suricata, feed.Snort} {
				buf.Reset()
				set, err := feed.WriteRules(&buf, objs, feed.RuleOptions{Dialect: d})
				if err != nil {
					t.Fatal(err)
				}
				outs = append(outs, buf.String())
				for _, l := range set.Lists {
					buf.Reset()
					l.WriteTo(&buf)
					outs = append(outs, buf.String())
				}
			}
			buf.Reset()
			if _, err := feed.WriteCSV(&buf, objs, feed.CSVOptions{Columns: feed.CSVColumns}); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, buf.String())
			buf.Reset()
			if _, err := feed.WriteMISP(&buf, objs, feed.MISPOptions{Tags: func(l *kizuna.AccessLabel) ([]string, bool) {
				return []string{"kizuna:classified"}, true
			}}); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, buf.String())
			all := strings.Join(outs, "\n")
			for i, in := range inds {
				visible := false
				for _, s := range rd.sees {
					visible = visible || s == i
				}
				for _, v := range []string{in.ip, in.domain, in.hash, fmt.Sprintf("0a%02d", i)} {
					if got := strings.Contains(all, v); got != visible {
						t.Errorf("%s may read indicator %d: %v, but %q in the exports: %v", rd.p.Name, i, visible, v, got)
					}
				}
			}
		})
	}
}
