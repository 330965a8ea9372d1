package misp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/misp"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

const importer = "identity--6b6c4a1e-2f3d-4c5b-8a9e-0d1c2b3a4f51"

type node struct {
	ctx   context.Context
	db    *sqlite.DB
	guard *policy.Guard
	ing   *ingest.Service
	c     *kizuna.Collection
}

func newNode(t *testing.T) *node {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pol, err := policy.New(policy.DefaultConfig(), db)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{ctx: ctx, db: db, guard: policy.NewGuard(pol, db)}
	n.ing = ingest.New(db, n.guard, pol, nil)
	n.c = &kizuna.Collection{Title: "misp", CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}, DefaultMarkingRefs: []string{policy.TLP2Clear}}
	if err := db.CreateCollection(ctx, n.c); err != nil {
		t.Fatal(err)
	}
	return n
}

// convertAll converts the feed directory and the galaxy event under the
// mapping: distribution 0 (and a feed event without one) is TLP:RED, whose
// audience is the importing organisation; 3 is TLP:GREEN.
func convertAll(t *testing.T) ([]json.RawMessage, *misp.Report) {
	t.Helper()
	cfg, err := misp.ParseConfig("mapping", []byte(`{"created_by_ref":"`+importer+`",
		"distribution":{"0":["`+policy.TLP2Red+`"],"3":["`+policy.TLP2Green+`"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := misp.NewConverter(cfg)
	var all []json.RawMessage
	if err := misp.ReadFeed(os.DirFS("testdata/feed"), func(file string, ev *misp.Event) error {
		objs, err := c.Convert(file, ev)
		all = append(all, objs...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("testdata/events/5acc88e9-265c-4f22-9d2b-b702950d210f.json")
	evs, err := misp.ReadEvents("galaxy", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := c.Convert("galaxy", evs[0])
	if err != nil {
		t.Fatal(err)
	}
	return append(all, objs...), c.Report
}

// The converted events are accepted by the node's ingest, importing them
// again changes nothing, and the markings the mapping gave decide who reads
// them.
func TestImportThroughIngest(t *testing.T) {
	n := newNode(t)
	objs, _ := convertAll(t)
	op := ingest.AsOperator(n.ctx)
	res, err := n.ing.Ingest(op, n.c.ID, objs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || !r.Created {
			t.Fatalf("%s: created %v, %v", r.ID, r.Created, r.Err)
		}
	}
	again, _ := convertAll(t)
	res, err = n.ing.Ingest(op, n.c.ID, again)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || r.Created {
			t.Errorf("re-import of %s: created %v, %v (want an unchanged no-op)", r.ID, r.Created, r.Err)
		}
	}
	read := func(org string) string {
		pr := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: "r", Nation: "JPN", Organization: org, Roles: []string{kizuna.RoleReader}}
		var buf bytes.Buffer
		if _, err := feed.WriteCSV(&buf, feed.Pages(kizuna.NewContextWithPrincipal(n.ctx, pr), n.guard,
			kizuna.ObjectFilter{Collection: n.c.ID, Versions: kizuna.VersionMatch{Last: true}, IncludeRaw: true}),
			feed.CSVOptions{Columns: []string{"value", "marking"}}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	own, other := read(importer), read("identity--00000000-0000-4000-8000-0000000000aa")
	// 98.126.156.210 is an ip-dst of the SunOrcal feed event (read as level 0,
	// TLP:RED); 3208efe9... is a sha256 of the PUBG event (level 3, TLP:GREEN).
	const feedIP, greenHash = "98.126.156.210", "3208efe96d14f5a6a2840daecbead6b0f4d73c5a05192a1a8eef8b50bbfb4bc1"
	if !strings.Contains(own, feedIP) || !strings.Contains(own, greenHash) {
		t.Errorf("the importing organisation does not read its import:\n%s", own)
	}
	if strings.Contains(other, feedIP) || !strings.Contains(other, greenHash) || strings.Contains(other, "TLP:RED") {
		t.Errorf("another organisation reads TLP:RED imports, or not the TLP:GREEN ones:\n%s", other)
	}
}

// A MISP event the node exports converts back to the same patterns.
func TestRoundTripThroughMISPExport(t *testing.T) {
	patterns := []string{"[ipv4-addr:value = '198.51.100.7']", "[domain-name:value = 'evil.example']",
		"[url:value = 'http://evil.example/a?b=c']", "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
		"[network-traffic:dst_ref.value = '198.51.100.9' AND network-traffic:dst_port = 443]"}
	var objs []*kizuna.Object
	for i, p := range patterns {
		raw, _ := json.Marshal(map[string]any{"type": "indicator", "spec_version": "2.1",
			"id": "indicator--00000000-4444-4444-8444-44444444440" + string(rune('0'+i)), "created": "2026-03-01T00:00:00.000Z",
			"modified": "2026-03-01T00:00:00.000Z", "pattern": p, "pattern_type": "stix", "valid_from": "2026-03-01T00:00:00Z"})
		objs = append(objs, &kizuna.Object{ID: "indicator--x" + string(rune('0'+i)), Type: "indicator", SpecVersion: "2.1", Raw: raw,
			Label: &kizuna.AccessLabel{TLP: kizuna.TLPAmber}})
	}
	var buf bytes.Buffer
	if _, err := feed.WriteMISP(&buf, func(yield func(*kizuna.Object, error) bool) {
		for _, o := range objs {
			if !yield(o, nil) {
				return
			}
		}
	}, feed.MISPOptions{}); err != nil {
		t.Fatal(err)
	}
	evs, err := misp.ReadEvents("export", &buf)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := misp.ParseConfig("m", []byte(`{"created_by_ref":"`+importer+`","distribution":{"0":["`+policy.TLP2Red+`"]}}`))
	c := misp.NewConverter(cfg)
	out, err := c.Convert("export", evs[0])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, raw := range out {
		var o struct {
			Pattern           string
			ObjectMarkingRefs []string `json:"object_marking_refs"`
		}
		json.Unmarshal(raw, &o)
		if o.Pattern != "" {
			got[o.Pattern] = true
			if len(o.ObjectMarkingRefs) != 2 {
				t.Errorf("%s: markings %v: want the event's distribution and the tlp:amber tag", o.Pattern, o.ObjectMarkingRefs)
			}
		}
	}
	for _, p := range patterns[:4] {
		if !got[p] {
			t.Errorf("%s did not come back; got %v", p, got)
		}
	}
	if !got["[network-traffic:dst_ref.value = '198.51.100.9' AND network-traffic:dst_port = 443]"] {
		t.Errorf("the ip-dst|port attribute did not come back; got %v", got)
	}
}
