package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// TestDemo runs the demo briefly and checks that federation delivered:
// each node's analyst reads objects its node received from the others, and
// clearance makes a difference on every node.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("demo skipped in -short mode")
	}
	dir := t.TempDir()
	out := MustRunCLI(t, "demo", "--dir", dir, "--for", "10ms")
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^(USA|JPN|AUS)\s+(\S+)\s+.*?\s(\d+)\s+kzn_`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[3])
		counts[m[1]+"/"+m[2]] = n
	}
	if len(counts) != 9 {
		t.Fatalf("the demo listed %d principals, want 9:\n%s", len(counts), out)
	}
	for _, c := range []struct{ more, less string }{
		{"USA/usa-analyst", "USA/usa-contractor"},
		{"JPN/jpn-analyst", "JPN/jpn-operator"},
		{"AUS/aus-analyst", "AUS/aus-reader"},
	} {
		if counts[c.more] <= counts[c.less] {
			t.Errorf("%s reads %d objects, %s %d: clearance made no difference", c.more, counts[c.more], c.less, counts[c.less])
		}
	}
	// Only USA and JPN publish; AUS reads only what federation brought.
	if counts["AUS/aus-analyst"] == 0 {
		t.Errorf("nothing reached the AUS node:\n%s", out)
	}
	// Nothing was pre-seeded: the SECRET//REL TO USA, JPN marking reached
	// JPN from USA with the objects it marks, and never AUS.
	const relJPN = "marking-definition--23741431-df25-49ed-9ef7-26585e32be68"
	for _, c := range []struct {
		node, origin string
		want         bool
	}{{"usa", "", true}, {"jpn", "usa", true}, {"aus", "", false}} {
		var found []*kizuna.Object
		for _, coll := range []string{node.DirectoryAlias, node.DefaultAlias} {
			found = append(found, storedVersions(t, filepath.Join(dir, c.node), coll, relJPN)...)
		}
		if !c.want && len(found) > 0 {
			t.Errorf("the %s node holds %s", c.node, relJPN)
		}
		if c.want && (len(found) != 1 || found[0].Origin != c.origin) {
			t.Errorf("the %s node holds %d copies of %s, want one from %q", c.node, len(found), relJPN, c.origin)
		}
	}
}

// storedVersions returns the versions of id a collection of a data
// directory holds, read from its store.
func storedVersions(t *testing.T, dir, collection, id string) []*kizuna.Object {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, node.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	page, err := db.FindObjects(ctx, kizuna.ObjectFilter{Collection: collection, IDs: []string{id}, Versions: kizuna.VersionMatch{All: true},
		Access: kizuna.AccessScope{Unrestricted: true}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Objects
}
