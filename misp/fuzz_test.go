package misp

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kizuna-dev/kizuna/stix"
)

// FuzzConvert reads arbitrary bytes as MISP JSON and converts what reads:
// no panic, and every object returned is valid STIX that carries markings.
func FuzzConvert(f *testing.F) {
	files, _ := filepath.Glob("testdata/feed/5*.json")
	more, _ := filepath.Glob("testdata/events/*.json")
	for _, name := range append(files, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) < 40_000 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"Event":{"uuid":"5e000000-0000-4000-8000-000000000001","date":"2023-01-01","distribution":"4","SharingGroup":{"uuid":"5d7a1f2e-3c4b-4a59-8e6d-1f0a2b3c4d5e"},"Attribute":[{"uuid":"5f000000-0000-4000-8000-000000000001","type":"domain|ip","value":"a.example|10.0.0.1","to_ids":false}],"Object":[{"uuid":"5f000000-0000-4000-8000-000000000002","name":"file","Attribute":[{"type":"size-in-bytes","object_relation":"size-in-bytes","value":"12","to_ids":true}]}]}}`))
	cfg, err := LoadConfig("testdata/mapping.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := ReadEvents("fuzz.json", bytes.NewReader(data))
		if err != nil {
			return
		}
		c := NewConverter(cfg)
		for _, ev := range evs {
			objs, err := c.Convert("fuzz.json", ev)
			if err != nil {
				continue
			}
			for _, raw := range objs {
				o, err := stix.Parse(raw)
				if err != nil {
					t.Fatalf("invalid object returned: %v\n%s", err, raw)
				}
				if len(o.MarkingRefs) == 0 {
					t.Fatalf("an object without markings: %s", raw)
				}
			}
		}
	})
}
