package misp

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/stix"
)

// TestCountMISPEvents converts every MISP event file under the directory
// KIZUNA_MISP_EVENTS names (skipped when unset) with the test mapping and
// prints the counts: how the published documentation's figures on real
// exports were made. Files that are not MISP events are listed and skipped.
func TestCountMISPEvents(t *testing.T) {
	dir := os.Getenv("KIZUNA_MISP_EVENTS")
	if dir == "" {
		t.Skip("set KIZUNA_MISP_EVENTS to a directory of MISP event files")
	}
	c := testConverter(t)
	c.cfg.Distribution["2"] = c.cfg.Distribution["1"] // count the mapping, not the refusals
	objects := 0
	var converted []*kizuna.Object
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		evs, err := ReadEvents(path, f)
		if err != nil {
			t.Logf("skipped: %v", err)
			return nil
		}
		for _, ev := range evs {
			objs, err := c.Convert(path, ev)
			if err != nil {
				t.Logf("skipped: %v", err)
				continue
			}
			objects += len(objs)
			for _, raw := range objs {
				o, err := stix.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				o.Label, o.LabelID = &kizuna.AccessLabel{TLP: kizuna.TLPGreen}, 1
				converted = append(converted, o)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Report.Problems = nil
	c.Report.WriteTo(os.Stdout)
	t.Logf("%d STIX objects", objects)
	// What of it the SOC feeds carry: the same indicators exported again.
	stream := func(yield func(*kizuna.Object, error) bool) {
		for _, o := range converted {
			if !yield(o, nil) {
				return
			}
		}
	}
	for _, d := range []feed.Dialect{feed.Suricata, feed.Snort} {
		set, err := feed.WriteRules(io.Discard, stream, feed.RuleOptions{Dialect: d})
		if err != nil {
			t.Fatal(err)
		}
		r := set.Report
		reasons := map[string]int{}
		for _, s := range r.Skipped {
			reasons[strings.Fields(strings.SplitN(s.Reason, ":", 2)[0])[0]]++
		}
		t.Logf("%s: indicators %d: exported %d (in part %d), left out %d, %d rules, %d list files; left out by first reason: %v",
			d, r.Read-total(r.Ignored), r.Exported, r.PartialCount, r.SkippedCount, r.Entries, len(set.Lists), reasons)
	}
}
