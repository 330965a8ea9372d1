package sector

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// CSFElement is a function, category or subcategory of the NIST
// Cybersecurity Framework 2.0 as its OSCAL catalog gives it.
type CSFElement struct {
	ID        string `json:"id"`    // "GV", "GV.OC", "GV.OC-01"
	Class     string `json:"class"` // "function", "category" or "subcategory"
	Title     string `json:"title"`
	Statement string `json:"statement,omitempty"`
	Parent    string `json:"parent,omitempty"`
	// Withdrawn marks a CSF 1.1 element that CSF 2.0 withdrew; MovedTo
	// names where its content went.
	Withdrawn bool     `json:"withdrawn,omitempty"`
	MovedTo   []string `json:"moved_to,omitempty"`
}

// CSF is the loaded NIST CSF 2.0 catalog.
type CSF struct {
	Title        string
	Version      string // the catalog's version
	OSCALVersion string
	order        []string // element ids in the catalog's sort order
	pos          map[string]int
	elements     map[string]*CSFElement
}

// oscalControl is the part of an OSCAL group or control this package
// reads; OSCAL has many more properties, which are ignored.
type oscalControl struct {
	ID    string `json:"id"`
	Class string `json:"class"`
	Title string `json:"title"`
	Props []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"props"`
	Links []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
	Parts []struct {
		Name  string `json:"name"`
		Prose string `json:"prose"`
	} `json:"parts"`
	Controls []*oscalControl `json:"controls"`
}

type oscalCatalog struct {
	Catalog *struct {
		Metadata struct {
			Title        string `json:"title"`
			Version      string `json:"version"`
			OSCALVersion string `json:"oscal-version"`
		} `json:"metadata"`
		Groups []*oscalControl `json:"groups"`
	} `json:"catalog"`
}

// LoadCSF reads the OSCAL CSF 2.0 catalog name of fsys.
func LoadCSF(fsys fs.FS, name string) (*CSF, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s: %v", name, err)
	}
	return ParseCSF(data, name)
}

// ParseCSF reads an OSCAL catalog of the CSF: groups are functions, their
// controls categories, and theirs subcategories. Errors: EINVALID naming
// the file and the JSON path.
func ParseCSF(data []byte, file string) (*CSF, error) {
	ps := &problems{file: file}
	var doc oscalCatalog
	if err := json.Unmarshal(data, &doc); err != nil {
		path, msg := describeDecodeError(err)
		ps.add(path, "%s", msg)
		return nil, ps.err()
	}
	if doc.Catalog == nil {
		ps.add("$.catalog", "is required: the file is not an OSCAL catalog")
		return nil, ps.err()
	}
	c := &CSF{Title: doc.Catalog.Metadata.Title, Version: doc.Catalog.Metadata.Version,
		OSCALVersion: doc.Catalog.Metadata.OSCALVersion, elements: map[string]*CSFElement{}}
	if len(doc.Catalog.Groups) == 0 {
		ps.add("$.catalog.groups", "the catalog has no functions")
	}
	classes := []string{"function", "category", "subcategory"}
	sortIDs := map[string]string{} // OSCAL sort-id: the framework's own order
	var walk func(path string, ctl *oscalControl, depth int, parent string)
	walk = func(path string, ctl *oscalControl, depth int, parent string) {
		if ctl == nil {
			ps.add(path, "must be an object")
			return
		}
		if depth >= len(classes) {
			ps.add(path, "a subcategory cannot hold controls")
			return
		}
		if ctl.Class != classes[depth] {
			ps.add(path+".class", "is %q; a %s is expected here", ctl.Class, classes[depth])
		}
		if ctl.ID == "" || c.elements[ctl.ID] != nil {
			ps.add(path+".id", "%q must be present and unique", ctl.ID)
			return
		}
		e := &CSFElement{ID: ctl.ID, Class: classes[depth], Title: ctl.Title, Parent: parent}
		for _, p := range ctl.Props {
			switch {
			case p.Name == "status" && p.Value == "withdrawn":
				e.Withdrawn = true
			case p.Name == "sort-id":
				sortIDs[e.ID] = p.Value
			}
		}
		for _, l := range ctl.Links {
			if l.Rel == "moved_to" || l.Rel == "incorporated_into" {
				e.MovedTo = append(e.MovedTo, l.Href)
			}
		}
		for _, p := range ctl.Parts {
			if p.Name == "statement" || p.Name == "overview" {
				e.Statement = p.Prose
			}
		}
		c.elements[e.ID] = e
		c.order = append(c.order, e.ID)
		for i, sub := range ctl.Controls {
			walk(at(path+".controls", i), sub, depth+1, e.ID)
		}
	}
	for i, g := range doc.Catalog.Groups {
		walk(at("$.catalog.groups", i), g, 0, "")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	// The file lists categories alphabetically; the sort-ids give the
	// framework's order (GV.OC, GV.RM, GV.RR, ...). Elements without one
	// keep their place after those with one.
	slices.SortStableFunc(c.order, func(a, b string) int {
		sa, oka := sortIDs[a]
		sb, okb := sortIDs[b]
		switch {
		case oka && okb:
			return strings.Compare(sa, sb)
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	c.pos = make(map[string]int, len(c.order))
	for i, id := range c.order {
		c.pos[id] = i
	}
	return c, nil
}

// Element returns the function, category or subcategory with the id, or
// nil.
func (c *CSF) Element(id string) *CSFElement { return c.elements[id] }

// Current returns the elements of a class ("function", "category",
// "subcategory") that CSF 2.0 has not withdrawn, in catalog order.
func (c *CSF) Current(class string) []*CSFElement {
	var out []*CSFElement
	for _, id := range c.order {
		if e := c.elements[id]; e.Class == class && !e.Withdrawn {
			out = append(out, e)
		}
	}
	return out
}

// index returns the position of an element in the framework's order.
func (c *CSF) index(id string) int { return c.pos[id] }
