package misp

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
)

// Every relation the grouping table names is a relation of the MISP object
// template of that name (testdata/objects holds the templates' definitions
// from MISP/misp-objects), with the attribute type the conversion expects
// for the relations mapped by their own type.
func TestTemplatesMatchMISPObjects(t *testing.T) {
	for name, rels := range templates {
		data, err := os.ReadFile("testdata/objects/" + name + ".json")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var def struct {
			Name       string `json:"name"`
			Attributes map[string]struct {
				MISPAttribute string `json:"misp-attribute"`
			} `json:"attributes"`
		}
		if err := json.Unmarshal(data, &def); err != nil || def.Name != name {
			t.Fatalf("%s: %v (name %q)", name, err, def.Name)
		}
		var missing []string
		for rel, path := range rels {
			a, ok := def.Attributes[rel]
			if !ok {
				missing = append(missing, rel)
				continue
			}
			if path == "" && name != "url" {
				v := "x"
				if a.MISPAttribute == "malware-sample" {
					v = "a.exe|d41d8cd98f00b204e9800998ecf8427e"
				}
				if _, why := mapAttribute(&Attribute{Type: a.MISPAttribute, Value: v}); why != "" {
					t.Errorf("%s.%s: its type %s does not map on its own: %s", name, rel, a.MISPAttribute, why)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: relations not in the template: %v", name, missing)
		}
	}
}
