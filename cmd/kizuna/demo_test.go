package main

import (
	"regexp"
	"strconv"
	"testing"
)

// TestDemo runs the demo briefly and checks that federation delivered:
// each node's analyst reads objects its node received from the others, and
// clearance makes a difference on every node.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("demo skipped in -short mode")
	}
	out := MustRunCLI(t, "demo", "--dir", t.TempDir(), "--for", "10ms")
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
}
