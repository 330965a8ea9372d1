package sector_test

import (
	"slices"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// FuzzParseCatalog: no input panics the loader, a failure is EINVALID,
// and an accepted file's links read the same both ways.
func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(minimal))
	if b, err := sector.Defaults.ReadFile("defaults/sectors.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"version":"1","sources":{},"nations":[{"nation":"USA","prefix":"us","vocabulary":"v","version":"1","sources":[],"sectors":[{"id":"us.a","name":"A"}]}],"crosswalk":[],"unmapped":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := sector.Parse(data, "f.json")
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("error code %s: %v", kizuna.ErrorCode(err), err)
			}
			return
		}
		for _, v := range c.Nations() {
			for _, s := range v.Sectors {
				for _, l := range c.Links(s.ID, sector.LinkOptions{Weak: true, Pivot: true}) {
					back := c.Links(l.To, sector.LinkOptions{Weak: true, Pivot: true})
					if !slices.ContainsFunc(back, func(b sector.Link) bool { return b.To == s.ID && b.Relation == l.Relation.Inverse() }) {
						t.Fatalf("%s %s %s has no inverse", s.ID, l.Relation, l.To)
					}
				}
			}
		}
	})
}

// FuzzParseOrganization: no identity panics the parser; an accepted one
// whose sectors are configured survives WithSectors unchanged.
func FuzzParseOrganization(f *testing.F) {
	c, err := sector.DefaultCatalog()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(portIdentity(`{"extension_type": "property-extension", "national_sectors": ["jp.ports", "jp.logistics"]}`))
	f.Add(portIdentity(`{"extension_type": "property-extension", "national_sectors": ["jp.ports", "Ports"]}`))
	f.Add([]byte(`{"type":"identity","id":"identity--7d1e2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b","sectors":["x"]}`))
	f.Add([]byte(`{"type":"identity","id":"identity--7d1e2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b","extensions":{"` + sector.ExtSectors + `":null}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := sector.ParseOrganization(raw)
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("error code %s: %v", kizuna.ErrorCode(err), err)
			}
			return
		}
		if _, _, err := sector.ObjectSectors(raw); err != nil {
			t.Fatalf("ParseOrganization accepted what ObjectSectors refuses: %v", err)
		}
		if len(o.Sectors) == 0 || c.CheckSectors(o.ID, o.Sectors) != nil {
			return
		}
		again, err := c.WithSectors(raw, o.Sectors)
		if err != nil {
			t.Fatalf("WithSectors: %v", err)
		}
		o2, err := sector.ParseOrganization(again)
		if err != nil || !slices.Equal(o2.Sectors, o.Sectors) {
			t.Fatalf("round trip: %v %v → %v", err, o.Sectors, o2)
		}
	})
}

// FuzzParseTiersAndProfiles: neither loader panics; failures are EINVALID.
func FuzzParseTiersAndProfiles(f *testing.F) {
	cfg, err := sector.DefaultConfig()
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"defaults/tiers.json", "defaults/profiles.json"} {
		if b, err := sector.Defaults.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"version":"1","nations":[{"nation":"USA","basis":"b","tiers":[{"tier":1,"name":"n","sectors":["us.energy"]}]}]}`))
	f.Add([]byte(`{"version":"1","catalog":"c","profiles":[{"id":"p","nation":"USA","sectors":["us.energy"],"title":"t","basis":"b","requirements":[{"subcategory":"GV.OC-01","tier":2}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := sector.ParseTiers(data, "t.json", cfg.Catalog); err != nil && kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Fatalf("tiers: %v", err)
		}
		p, err := sector.ParseProfiles(data, "p.json", cfg.Catalog, cfg.Profiles.CSF())
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("profiles: %v", err)
			}
			return
		}
		for _, pr := range p.Profiles {
			for _, s := range pr.Sectors {
				p.Compare(cfg.Catalog, s) // must not panic
			}
		}
	})
}

// FuzzParseCSF: the OSCAL reader does not panic; an accepted catalog's
// elements have parents that exist.
func FuzzParseCSF(f *testing.F) {
	f.Add([]byte(`{"catalog":{"metadata":{"title":"t","version":"1"},"groups":[{"id":"GV","class":"function","controls":[{"id":"GV.OC","class":"category","controls":[{"id":"GV.OC-01","class":"subcategory","props":[{"name":"sort-id","value":"1"}]}]}]}]}}`))
	f.Add([]byte(`{"catalog":{"groups":[{"id":"GV","class":"category"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := sector.ParseCSF(data, "c.json")
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("%v", err)
			}
			return
		}
		for _, class := range []string{"category", "subcategory"} {
			for _, e := range c.Current(class) {
				if c.Element(e.Parent) == nil {
					t.Fatalf("%s has no parent %q", e.ID, e.Parent)
				}
			}
		}
	})
}
