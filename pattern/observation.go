package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kizuna-dev/kizuna/internal/jsonvalue"
)

// Observation is one observed-data object with the cyber-observable objects
// (SCOs) it carries: in STIX 2.1 the SCOs its object_refs name, in STIX 2.0
// the values of its "objects" dictionary. Patterns are evaluated over one or
// more observations.
type Observation struct {
	ID      string    // the observed-data id
	First   time.Time // first_observed
	Last    time.Time // last_observed
	Count   int64     // number_observed, at least 1
	Objects []ObservedObject
	// refs resolves a reference (an SCO id in 2.1, a dictionary key in 2.0)
	// to an index in Objects; nil when Objects are few enough to search
	// (smallRefs), which spares a map per observation.
	refs map[string]int
}

// smallRefs is the most SCOs an observation resolves references to by
// searching its Objects.
const smallRefs = 8

// ref returns the index in Objects of the SCO a reference names.
func (o *Observation) ref(id string) (int, bool) {
	if o.refs != nil {
		i, ok := o.refs[id]
		return i, ok
	}
	for i := range o.Objects {
		if o.Objects[i].Ref == id {
			return i, true
		}
	}
	return 0, false
}

// ObservedObject is one SCO of an observation. Ref is what references to it
// use: its id (2.1) or its key in the objects dictionary (2.0).
type ObservedObject struct {
	Ref   string
	Type  string
	Props map[string]any
}

// DataError reports observation data that cannot be evaluated, naming the
// object and the JSON path.
type DataError struct {
	Object string // object id or position
	Path   string // JSON path inside the object
	Msg    string
}

// Error formats the error as "object: path: message".
func (e *DataError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", e.Object, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Object, e.Path, e.Msg)
}

// ParseObservations reads observations in the form the given STIX version
// uses: for 2.1 a bundle or a JSON array of bundles, whose observed-data
// objects are paired with the SCOs their object_refs name (SCOs may sit in
// any of the bundles); for 2.0 an observed-data object or an array of them.
func ParseObservations(data []byte, v Version) ([]*Observation, error) {
	doc, err := jsonvalue.Decode(data)
	if se, ok := err.(*jsonvalue.SyntaxError); ok && v != V20 {
		rest := bytes.TrimLeft(data, " \t\r\n")
		isList := len(rest) > 0 && rest[0] == '['
		return nil, fmt.Errorf("observations: %w", syntaxError(se, !isList))
	}
	if err != nil {
		return nil, fmt.Errorf("observations: %w", err)
	}
	if v == V20 {
		return observationsV20(doc)
	}
	return observationsV21(doc)
}

func asList(doc any) []any {
	if l, ok := doc.([]any); ok {
		return l
	}
	return []any{doc}
}

func observationsV21(doc any) ([]*Observation, error) {
	list := asList(doc)
	bundles := make([]*Bundle, len(list))
	for i, b := range list {
		var err error
		if bundles[i], err = bundleOf(b, "bundle["+strconv.Itoa(i)+"]"); err != nil {
			return nil, err
		}
	}
	return PairBundles(bundles)
}

func observationsV20(doc any) ([]*Observation, error) {
	var out []*Observation
	for i, d := range asList(doc) {
		od, ok := d.(map[string]any)
		where := fmt.Sprintf("observed-data[%d]", i)
		if !ok {
			return nil, &DataError{Object: where, Msg: "not a JSON object"}
		}
		id, _ := od["id"].(string)
		if id != "" {
			where = id
		}
		o, err := observationHeader(od, where)
		if err != nil {
			return nil, err
		}
		o.ID = id
		objs, _ := od["objects"].(map[string]any)
		for _, k := range sortedKeys(objs) {
			obj, ok := objs[k].(map[string]any)
			if !ok {
				continue
			}
			o.add(k, obj, len(objs))
		}
		out = append(out, o)
	}
	return out, nil
}

// add appends an SCO that references name by ref, unless one with that
// ref is there already. n is how many SCOs the observation may get: more
// than smallRefs need the map.
func (o *Observation) add(ref string, obj map[string]any, n int) {
	if o.refs == nil && n > smallRefs {
		o.refs = make(map[string]int, n)
	}
	if _, dup := o.ref(ref); dup {
		return
	}
	typ, _ := obj["type"].(string)
	if o.refs != nil {
		o.refs[ref] = len(o.Objects)
	}
	o.Objects = append(o.Objects, ObservedObject{Ref: ref, Type: typ, Props: obj})
}

// observationHeader reads the properties every observed-data needs for
// matching: first_observed, last_observed and number_observed.
func observationHeader(od map[string]any, where string) (*Observation, error) {
	o := &Observation{ID: where}
	for _, k := range []string{"first_observed", "last_observed", "number_observed"} {
		if _, ok := od[k]; !ok {
			return nil, &DataError{Object: where, Path: k, Msg: "missing"}
		}
	}
	var err error
	for _, t := range [...]struct {
		key string
		dst *time.Time
	}{{"first_observed", &o.First}, {"last_observed", &o.Last}} {
		s, ok := od[t.key].(string)
		if !ok {
			return nil, &DataError{Object: where, Path: t.key, Msg: "not a timestamp string"}
		}
		if *t.dst, err = parseTimestamp(s); err != nil {
			return nil, &DataError{Object: where, Path: t.key, Msg: err.Error()}
		}
	}
	n, ok := od["number_observed"].(json.Number)
	if !ok {
		return nil, &DataError{Object: where, Path: "number_observed", Msg: "not a number"}
	}
	if o.Count, err = n.Int64(); err != nil || o.Count < 1 {
		return nil, &DataError{Object: where, Path: "number_observed", Msg: fmt.Sprintf("must be an integer of at least 1, got %s", n)}
	}
	return o, nil
}
