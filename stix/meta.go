package stix

import (
	"bytes"
	"fmt"
)

// tlp1 holds the four TLP 1.0 marking definitions STIX 2.1 predefines
// (section 7.2.1.4), in canonical JSON. An object with one of these ids must
// be exactly the predefined object.
var tlp1 = map[string]string{}

// tlp2 maps the OASIS TLP 2.0 marking-definition ids to their tlp_2_0 value.
var tlp2 = map[string]string{
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}

// tlp2Extension is the extension-definition of the OASIS TLP 2.0 markings.
const tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

func init() {
	for _, t := range []struct{ id, color, name string }{
		{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white", "TLP:WHITE"},
		{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green", "TLP:GREEN"},
		{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber", "TLP:AMBER"},
		{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red", "TLP:RED"},
	} {
		raw := fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":%q,"definition":{"tlp":%q}}`, t.id, t.name, t.color)
		canon, err := Canonical([]byte(raw))
		if err != nil {
			panic(err) // a constant above is malformed
		}
		tlp1[t.id] = string(canon)
	}
}

var tlpDefinitionShape = &shape{
	required: []string{"tlp"},
	props:    map[string]prop{"tlp": enum("white", "green", "amber", "red")},
}

var statementDefinitionShape = &shape{
	required: []string{"statement"},
	props:    map[string]prop{"statement": pString},
}

var metaSpecs = map[string]*typeSpec{
	"marking-definition": {shape: shape{required: []string{"created"}, props: map[string]prop{
		"name": pString, "definition_type": pString, "definition": pHandled,
		"modified": pForbidden, "revoked": pForbidden, "labels": pForbidden, "confidence": pForbidden,
		"lang": pForbidden},
		check: checkMarkingDefinition}},
	"language-content": {shape: shape{required: []string{"object_ref", "contents"}, props: map[string]prop{
		"object_ref": pAnyRef, "object_modified": pTimestamp, "contents": pHandled},
		check: checkLanguageContent}},
	"extension-definition": {shape: shape{required: []string{"created_by_ref", "name", "schema", "version", "extension_types"},
		props: map[string]prop{
			"name": pString, "description": pString, "schema": pString, "version": pString,
			"extension_types": enums(extensionTypes...), "extension_properties": pStrings},
		check: checkExtensionDefinition}},
}

// checkExtensionDefinition: extension_properties names the properties a
// toplevel-property-extension adds, and only such an extension has them.
func checkExtensionDefinition(c *checker, v *value, p *path) {
	if v.get("extension_properties") == nil {
		return
	}
	if t := v.get("extension_types"); t != nil && t.kind == kArray {
		for i := range t.arr {
			if stringOf(&t.arr[i]) == "toplevel-property-extension" {
				return
			}
		}
	}
	q := p.child("extension_properties")
	c.errf(&q, "is only for an extension-definition whose extension_types include toplevel-property-extension")
}

// checkMarkingDefinition applies the marking-definition rules: the legacy
// definition_type/definition pair, or extensions; the predefined TLP
// markings exactly as STIX defines them.
func checkMarkingDefinition(c *checker, v *value, p *path) {
	dt, def := v.get("definition_type"), v.get("definition")
	dp := p.child("definition")
	switch {
	case dt == nil && def == nil:
		if v.get("extensions") == nil {
			c.errf(p, "a marking-definition needs definition_type and definition, or extensions")
		}
	case dt == nil:
		q := p.child("definition_type")
		c.errf(&q, "is required with definition")
	case def == nil:
		c.errf(&dp, "is required with definition_type")
	case dt.kind == kString:
		switch dt.s {
		case "tlp":
			c.object(def, &dp, tlpDefinitionShape)
		case "statement":
			c.object(def, &dp, statementDefinitionShape)
		default:
			q := p.child("definition_type")
			c.warnf(&q, "%q is not a definition type STIX defines (tlp, statement)", truncate(dt.s, 40))
			c.object(def, &dp, &shape{})
		}
	}
	id := stringOf(v.get("id"))
	c.noSelfMarking(v, p, id)
	if want, ok := tlp1[id]; ok {
		got, err := appendCanonical(nil, v)
		if err == nil && !bytes.Equal(got, []byte(want)) {
			c.errf(p, "%s is a predefined TLP 1.0 marking and must be exactly %s", id, want)
		}
	} else if dt != nil && dt.kind == kString && dt.s == "tlp" {
		c.errf(p, "a tlp marking-definition must use the predefined TLP 1.0 id and content of STIX 2.1 section 7.2.1.4")
	}
	if color, ok := tlp2[id]; ok {
		ext := v.get("extensions")
		var got string
		if ext != nil && ext.kind == kObject {
			if e := ext.get(tlp2Extension); e != nil && e.kind == kObject {
				got = stringOf(e.get("tlp_2_0"))
			}
		}
		if got != color {
			q := p.child("extensions")
			c.errf(&q, "%s is the OASIS TLP 2.0 %s marking; its %s tlp_2_0 must be %q", id, color, tlp2Extension, color)
		}
	}
}

// noSelfMarking: a marking-definition must not mark itself, in
// object_marking_refs or in a granular marking (the circle has no ground).
func (c *checker) noSelfMarking(v *value, p *path, id string) {
	if id == "" {
		return
	}
	if r := v.get("object_marking_refs"); r != nil && r.kind == kArray {
		rp := p.child("object_marking_refs")
		for i := range r.arr {
			if stringOf(&r.arr[i]) == id {
				q := rp.at(i)
				c.errf(&q, "a marking-definition must not mark itself")
			}
		}
	}
	if g := v.get("granular_markings"); g != nil && g.kind == kArray {
		gp := p.child("granular_markings")
		for i := range g.arr {
			if stringOf(g.arr[i].get("marking_ref")) == id {
				q := gp.at(i)
				r := q.child("marking_ref")
				c.errf(&r, "a marking-definition must not mark itself")
			}
		}
	}
}

// checkLanguageContent checks contents: a dictionary of RFC 5646 language
// tags to dictionaries of translated properties, each named as a property
// and, like a property, neither null nor an empty list.
func checkLanguageContent(c *checker, v *value, p *path) {
	cv := v.get("contents")
	if cv == nil {
		return
	}
	q := p.child("contents")
	if cv.kind != kObject || len(cv.obj) == 0 {
		c.errf(&q, "must be a non-empty dictionary of language tags to dictionaries")
		return
	}
	for i := range cv.obj {
		m := &cv.obj[i]
		r := q.child(m.key)
		if !isLangTag(m.key) {
			c.errf(&r, "%q is not an RFC 5646 language tag", truncate(m.key, 32))
		}
		if m.val.kind != kObject || len(m.val.obj) == 0 {
			c.errf(&r, "must be a non-empty dictionary of property names to translations")
			continue
		}
		for j := range m.val.obj {
			t := &m.val.obj[j]
			s := r.child(t.key)
			if !isPropertyName(t.key) {
				c.errf(&s, "must be the name of a property: 3 to 250 characters of a-z, 0-9 and '_', starting with a letter")
				continue
			}
			c.customValue("", &t.val, &s)
		}
	}
}

// validateBundle validates a bundle and each object in it.
func (c *checker) validateBundle(v *value) {
	idv := v.get("id")
	c.id = truncate(stringOf(idv), 300)
	ip := root.child("id")
	switch {
	case idv == nil:
		c.errf(&ip, "is required")
	case idv.kind != kString:
		c.errf(&ip, "must be a string, not a %s", idv.kind)
	default:
		if typ, _, why := parseIdentifier(idv.s); why != "" {
			c.errf(&ip, "%s", why)
		} else if typ != "bundle" {
			c.errf(&ip, "the id's type prefix %q must be \"bundle\"", typ)
		}
	}
	for i := range v.obj {
		m := &v.obj[i]
		q := root.child(m.key)
		switch m.key {
		case "type", "id", "objects":
		case "spec_version":
			c.warnf(&q, "a STIX 2.1 bundle has no spec_version (that was STIX 2.0)")
		default:
			c.customProperty(m, &q, false)
		}
	}
	objs := v.get("objects")
	if objs == nil {
		return
	}
	op := root.child("objects")
	if objs.kind != kArray {
		c.errf(&op, "must be a list, not a %s", objs.kind)
		return
	}
	bundleID := c.id
	for i := range objs.arr {
		e := &objs.arr[i]
		sub := &checker{}
		if id := e.get("id"); id == nil || id.kind != kString {
			sub.id = fmt.Sprintf("object at index %d", i)
		}
		if e.kind != kObject {
			q := op.at(i)
			c.errf(&q, "must be a JSON object, not a %s", e.kind)
			continue
		}
		if t := e.get("type"); t != nil && t.kind == kString && t.s == "bundle" {
			q := op.at(i)
			c.errf(&q, "a bundle must not contain a bundle")
			continue
		}
		sub.validateObject(e)
		c.absorb(sub)
	}
	c.id = bundleID
}

// absorb adds the problems of an object of a bundle to the bundle's,
// within the bound on listed problems.
func (c *checker) absorb(sub *checker) {
	for _, p := range sub.errs {
		if len(c.errs) < maxProblems {
			c.errs = append(c.errs, p)
		} else {
			c.moreErrs++
		}
	}
	for _, p := range sub.warns {
		if len(c.warns) < maxProblems {
			c.warns = append(c.warns, p)
		} else {
			c.moreWarns++
		}
	}
	c.moreErrs += sub.moreErrs
	c.moreWarns += sub.moreWarns
}
