package defstix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

// reader reads the properties of one object, collecting every problem
// with the object id and the JSON path.
type reader struct {
	id    string
	probs []stix.Problem
}

func (r *reader) errf(path, format string, args ...any) {
	r.probs = append(r.probs, stix.Problem{ID: r.id, Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns the problems as one EINVALID error, or nil.
func (r *reader) err() error {
	if len(r.probs) == 0 {
		return nil
	}
	s := make([]string, len(r.probs))
	for i, p := range r.probs {
		s[i] = p.String()
	}
	return kizuna.Errorf(kizuna.EINVALID, "%s", strings.Join(s, "; "))
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// member is the path of a property below path, quoted when not a plain
// name, as package stix writes paths.
func member(path, key string) string {
	if plainKey.MatchString(key) {
		return path + "." + key
	}
	return path + "['" + key + "']"
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// parse checks an object with package stix (the envelope, identifiers,
// timestamps, markings, as at ingest) and decodes it for the reader. The
// type must be typ. ignore drops stix problems at the given paths and
// below them, which this package checks itself.
func parse(raw []byte, typ string, ignore ...string) (*reader, map[string]any, error) {
	_, errs := stix.Validate(raw)
	r := &reader{}
	for _, p := range errs {
		if !slices.ContainsFunc(ignore, func(at string) bool { return p.Path == at || strings.HasPrefix(p.Path, at+".") }) {
			r.probs = append(r.probs, p)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		if len(r.probs) == 0 {
			r.errf("$", "must be a JSON object")
		}
		return nil, nil, r.err()
	}
	r.id, _ = m["id"].(string)
	if t, _ := m["type"].(string); t != typ {
		r.errf("$.type", "must be %q, not %q", typ, t)
	}
	if len(r.probs) > 0 {
		for i := range r.probs {
			r.probs[i].ID = r.id
		}
		return nil, nil, r.err()
	}
	return r, m, nil
}

// only reports properties of m that are not allowed.
func (r *reader) only(m map[string]any, path string, allowed ...string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			r.errf(member(path, k), "is not a property defined here")
		}
	}
}

func (r *reader) str(m map[string]any, key, path string, required bool) string {
	v, ok := m[key]
	p := member(path, key)
	switch {
	case !ok:
		if required {
			r.errf(p, "is required")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.errf(p, "must be a string")
		return ""
	}
	if required && strings.TrimSpace(s) == "" {
		r.errf(p, "must not be empty")
	}
	return s
}

func (r *reader) enum(m map[string]any, key, path string, required bool, allowed []string) string {
	s := r.str(m, key, path, required)
	if s != "" && !slices.Contains(allowed, s) {
		r.errf(member(path, key), "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
	return s
}

var nationRE = regexp.MustCompile(`^[A-Z]{3}$`)

func (r *reader) nation(m map[string]any, key, path string, required bool) string {
	s := r.str(m, key, path, required)
	if s != "" && !nationRE.MatchString(s) {
		r.errf(member(path, key), "%q is not an ISO 3166-1 alpha-3 code", s)
	}
	return s
}

// ref reads an identifier whose type is one of types (any type when none).
func (r *reader) ref(m map[string]any, key, path string, required bool, types ...string) string {
	s := r.str(m, key, path, required)
	if s != "" {
		r.checkRef(s, member(path, key), types)
	}
	return s
}

var idRE = regexp.MustCompile(`^([a-z][a-z0-9-]+[a-z0-9])--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func (r *reader) checkRef(s, p string, types []string) {
	g := idRE.FindStringSubmatch(s)
	switch {
	case g == nil:
		r.errf(p, "%q is not a STIX identifier", truncate(s))
	case len(types) > 0 && !slices.Contains(types, g[1]):
		r.errf(p, "must reference %s, not %s", strings.Join(types, " or "), g[1])
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func (r *reader) list(m map[string]any, key, path string, required bool) []any {
	v, ok := m[key]
	p := member(path, key)
	if !ok {
		if required {
			r.errf(p, "is required")
		}
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		r.errf(p, "must be a list")
		return nil
	}
	if len(l) == 0 {
		r.errf(p, "must not be empty; omit it instead")
	}
	return l
}

// strs reads a list of strings; each is checked by check (nil: any).
func (r *reader) strs(m map[string]any, key, path string, required bool, check func(s, p string)) []string {
	var out []string
	for i, v := range r.list(m, key, path, required) {
		p := index(member(path, key), i)
		s, ok := v.(string)
		if !ok {
			r.errf(p, "must be a string")
			continue
		}
		if slices.Contains(out, s) {
			r.errf(p, "%q appears twice", truncate(s))
		}
		if check != nil {
			check(s, p)
		}
		out = append(out, s)
	}
	return out
}

func (r *reader) refs(m map[string]any, key, path string, required bool, types ...string) []string {
	return r.strs(m, key, path, required, func(s, p string) { r.checkRef(s, p, types) })
}

func (r *reader) nations(m map[string]any, key, path string, required bool) []string {
	return r.strs(m, key, path, required, func(s, p string) {
		if !nationRE.MatchString(s) {
			r.errf(p, "%q is not an ISO 3166-1 alpha-3 code", s)
		}
	})
}

func (r *reader) number(m map[string]any, key, path string, lo, hi float64) (float64, bool) {
	v, ok := m[key]
	if !ok {
		return 0, false
	}
	p := member(path, key)
	n, ok := v.(json.Number)
	if !ok {
		r.errf(p, "must be a number")
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || f < lo || f > hi {
		r.errf(p, "must be a number from %v to %v", lo, hi)
		return 0, false
	}
	return f, true
}

func (r *reader) integer(m map[string]any, key, path string, required bool, lo, hi int64) (int, bool) {
	v, ok := m[key]
	p := member(path, key)
	if !ok {
		if required {
			r.errf(p, "is required")
		}
		return 0, false
	}
	n, ok := v.(json.Number)
	i, err := n.Int64()
	if !ok || err != nil || i < lo || i > hi {
		r.errf(p, "must be an integer from %d to %d", lo, hi)
		return 0, false
	}
	return int(i), true
}

func (r *reader) boolean(m map[string]any, key, path string) bool {
	v, ok := m[key]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.errf(member(path, key), "must be a boolean")
	}
	return b
}

func (r *reader) ts(m map[string]any, key, path string, required bool) time.Time {
	s := r.str(m, key, path, required)
	if s == "" {
		return time.Time{}
	}
	t, err := stix.ParseTimestamp(s)
	if err != nil {
		r.errf(member(path, key), "%v", err)
	}
	return t
}

func (r *reader) object(m map[string]any, key, path string, required bool) map[string]any {
	v, ok := m[key]
	if !ok {
		if required {
			r.errf(member(path, key), "is required")
		}
		return nil
	}
	o, ok := v.(map[string]any)
	if !ok {
		r.errf(member(path, key), "must be an object")
	}
	return o
}

// objects reads a list of objects.
func (r *reader) objects(m map[string]any, key, path string, required bool) []map[string]any {
	var out []map[string]any
	for i, v := range r.list(m, key, path, required) {
		o, ok := v.(map[string]any)
		if !ok {
			r.errf(index(member(path, key), i), "must be an object")
			continue
		}
		out = append(out, o)
	}
	return out
}

// newSDO checks that the object declares the new-sdo extension of its
// type, and nothing but it.
func (r *reader) newSDO(m map[string]any, ext string) {
	e := r.object(m, "extensions", "$", true)
	if e == nil {
		return
	}
	x, ok := e[ext].(map[string]any)
	if !ok || x["extension_type"] != "new-sdo" {
		r.errf(member("$.extensions", ext), "must be {\"extension_type\": \"new-sdo\"}: it defines this object type")
	}
	r.only(e, "$.extensions", ext)
}

// envelope reads the common properties every object here has.
type envelope struct {
	ID, CreatedByRef  string
	Created, Modified time.Time
	MarkingRefs       []string
}

func (r *reader) envelope(m map[string]any) envelope {
	return envelope{
		ID: r.id, CreatedByRef: r.ref(m, "created_by_ref", "$", false, "identity"),
		Created: r.ts(m, "created", "$", true), Modified: r.ts(m, "modified", "$", true),
		MarkingRefs: r.refs(m, "object_marking_refs", "$", false, "marking-definition"),
	}
}

var commonProps = []string{"type", "spec_version", "id", "created", "modified", "created_by_ref", "revoked", "labels",
	"confidence", "lang", "external_references", "object_marking_refs", "granular_markings", "extensions",
	// The signature of the node an object came from, which the receiving
	// node keeps on what its peers send (package federation).
	"x_kizuna_provenance"}

// strict decodes v (a value read from the object) into out, refusing
// properties out does not have; a failure is a problem at path.
func (r *reader) strict(v any, path string, out any) {
	b, err := json.Marshal(v)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(out)
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if errors.As(err, &te) && te.Field != "" {
			path = path + "." + te.Field
			msg = "must be " + te.Type.String() + ", not a JSON " + te.Value
		}
		r.errf(path, "%s", msg)
	}
}

// write builds an object's JSON from the envelope and its properties.
func write(typ string, e envelope, props map[string]any, exts map[string]any) ([]byte, error) {
	m := map[string]any{"type": typ, "spec_version": "2.1", "id": e.ID,
		"created": stix.FormatTimestamp(e.Created), "modified": stix.FormatTimestamp(e.Modified)}
	if e.CreatedByRef != "" {
		m["created_by_ref"] = e.CreatedByRef
	}
	if len(e.MarkingRefs) > 0 {
		m["object_marking_refs"] = e.MarkingRefs
	}
	if len(exts) > 0 {
		m["extensions"] = exts
	}
	for k, v := range props {
		if !empty(v) {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// empty reports whether an optional value is to be left out.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case time.Time:
		return x.IsZero()
	case *int:
		return x == nil
	}
	return false
}

func tsOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stix.FormatTimestamp(t)
}
