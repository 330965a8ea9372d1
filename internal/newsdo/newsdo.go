// Package newsdo encodes and decodes STIX 2.1 objects of the new types
// kizuna defines with extension-definitions (x-kizuna-…): the common
// envelope, the new-sdo extension that declares the type, and the type's
// own properties decoded strictly, each problem named with the object id
// and the JSON path.
package newsdo

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
	"github.com/kizuna-dev/kizuna/stix"
)

// Envelope is the common part of an object.
type Envelope struct {
	Type         string
	ID           string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	MarkingRefs  []string
}

// Definitions returns the extension-definition files (*.json) of dir in
// fsys by file name.
func Definitions(fsys fs.FS, dir string) map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(fsys, path.Join(dir, "*.json"))
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(fsys, n)
		out[path.Base(n)] = b
	}
	return out
}

// common are the properties the envelope and package stix handle, and the
// signature of the node an object came from, which the receiving node
// keeps on what its peers send (package federation).
var common = []string{"type", "spec_version", "id", "created", "modified", "created_by_ref", "revoked", "labels",
	"confidence", "lang", "external_references", "object_marking_refs", "granular_markings", "extensions",
	"x_kizuna_provenance"}

// Encode writes an object of type typ, declared by the extension-definition
// ext, from its envelope and its properties (a struct whose json tags name
// them; empty values are left out with omitempty).
func Encode(e Envelope, ext string, props any) ([]byte, error) {
	b, err := json.Marshal(props)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["type"], m["spec_version"], m["id"] = e.Type, "2.1", e.ID
	m["created"], m["modified"] = stix.FormatTimestamp(e.Created.UTC()), stix.FormatTimestamp(e.Modified.UTC())
	if e.CreatedByRef != "" {
		m["created_by_ref"] = e.CreatedByRef
	}
	if len(e.MarkingRefs) > 0 {
		m["object_marking_refs"] = e.MarkingRefs
	}
	m["extensions"] = map[string]any{ext: map[string]string{"extension_type": "new-sdo"}}
	return json.Marshal(m)
}

// Decode checks raw with the node's STIX validator, checks that it is of
// type typ declared by ext (and by nothing else), and decodes its own
// properties strictly into props. Errors: EINVALID listing every problem
// as "id: path: message".
func Decode(raw []byte, typ, ext string, props any) (Envelope, error) {
	var e Envelope
	_, problems := stix.Validate(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return e, kizuna.Errorf(kizuna.EINVALID, "$: must be a JSON object")
	}
	e.ID, _ = m["id"].(string)
	errs := &strictjson.Errors{File: e.ID}
	for _, p := range problems {
		errs.Addf(p.Path, "%s", p.Message)
	}
	if t, _ := m["type"].(string); t != typ {
		errs.Addf("$.type", "must be %q", typ)
	}
	exts, _ := m["extensions"].(map[string]any)
	if x, ok := exts[ext].(map[string]any); !ok || x["extension_type"] != "new-sdo" || len(x) != 1 {
		errs.Addf(strictjson.Member("$.extensions", ext), "must be {\"extension_type\": \"new-sdo\"}: it defines this object type")
	}
	for k := range exts {
		if k != ext {
			errs.Addf(strictjson.Member("$.extensions", k), "is not an extension of this type")
		}
	}
	if len(errs.List) > 0 {
		return e, kizuna.Errorf(kizuna.EINVALID, "%s", joined(errs))
	}
	own := map[string]any{}
	for k, v := range m {
		if !contains(common, k) {
			own[k] = v
		}
	}
	b, _ := json.Marshal(own)
	if err := strictjson.Decode(b, e.ID, props); err != nil {
		return e, kizuna.Errorf(kizuna.EINVALID, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	var head struct {
		Created      string   `json:"created"`
		Modified     string   `json:"modified"`
		CreatedByRef string   `json:"created_by_ref"`
		MarkingRefs  []string `json:"object_marking_refs"`
	}
	_ = json.Unmarshal(raw, &head) // validated above
	e.Type = typ
	e.Created, _ = stix.ParseTimestamp(head.Created)
	e.Modified, _ = stix.ParseTimestamp(head.Modified)
	e.CreatedByRef, e.MarkingRefs = head.CreatedByRef, head.MarkingRefs
	return e, nil
}

func joined(errs *strictjson.Errors) string {
	s := make([]string, len(errs.List))
	for i, x := range errs.List {
		s[i] = x.Error()
	}
	return strings.Join(s, "; ")
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
