package misp

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Report.Problems = nil
	c.Report.WriteTo(os.Stdout)
	t.Logf("%d STIX objects", objects)
}
