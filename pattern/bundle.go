package pattern

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna/internal/jsonvalue"
)

// Bundle is one STIX 2.1 bundle, decoded and checked: its observed-data
// objects and its SCOs, not yet paired. Bundles are paired on their own
// (Observations) or together (PairBundles), where an observed-data may name
// SCOs of any bundle.
type Bundle struct {
	where string // how errors name the bundle: "bundle[12]"
	ods   []observedData
	scos  []sco
}

// observedData is an observed-data object of a bundle, its header read
// where the bundle is decoded. An error is kept for pairing to report, so
// that errors come in the same order however the bundles are decoded.
type observedData struct {
	header Observation // without Objects
	refs   []any
	err    error
}

type sco struct {
	id  string
	obj map[string]any
}

// syntaxError turns a *jsonvalue.SyntaxError inside a bundle of a list
// (its path starting "[12]") or inside the one bundle of a file (one) into
// a *DataError naming the object ("bundle[12].objects[3]") and the JSON path
// inside it. An error in the list itself is returned as it is.
func syntaxError(se *jsonvalue.SyntaxError, one bool) error {
	object, path := "bundle", se.Path
	if rest, ok := strings.CutPrefix(path, "["); ok && !one {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			object += "[" + rest[:end+1]
			path = rest[end+1:]
		}
	} else if !one {
		return se
	}
	path = strings.TrimPrefix(path, ".")
	if rest, ok := strings.CutPrefix(path, "objects["); ok {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			object += ".objects[" + rest[:end+1]
			path = strings.TrimPrefix(rest[end+1:], ".")
		}
	}
	return &DataError{Object: object, Path: path, Msg: fmt.Sprintf("malformed JSON at line %d, byte offset %d: %s", se.Line, se.Offset, se.Msg)}
}

// bundleOf checks a decoded bundle and sorts its objects.
func bundleOf(doc any, where string) (*Bundle, error) {
	bundle, ok := doc.(map[string]any)
	if !ok {
		return nil, &DataError{Object: where, Msg: "not a JSON object"}
	}
	objs, ok := bundle["objects"].([]any)
	if !ok {
		return nil, &DataError{Object: where, Path: "objects", Msg: "missing or not a list"}
	}
	b := &Bundle{where: where, scos: make([]sco, 0, len(objs))}
	for oi, o := range objs {
		obj, ok := o.(map[string]any)
		if !ok {
			return nil, &DataError{Object: objectWhere(where, oi), Msg: "not a JSON object"}
		}
		typ, _ := obj["type"].(string)
		id, _ := obj["id"].(string)
		if typ == "" || id == "" {
			return nil, &DataError{Object: objectWhere(where, oi), Msg: "object without a string type and id"}
		}
		if typ == "observed-data" {
			b.ods = append(b.ods, readObservedData(obj, id))
			continue
		}
		b.scos = append(b.scos, sco{id, obj})
	}
	return b, nil
}

// readObservedData reads what pairing needs of an observed-data object.
func readObservedData(obj map[string]any, id string) observedData {
	o, err := observationHeader(obj, id)
	if err != nil {
		return observedData{err: err}
	}
	od := observedData{header: *o}
	var ok bool
	if od.refs, ok = obj["object_refs"].([]any); !ok {
		od.err = &DataError{Object: id, Path: "object_refs", Msg: "missing or not a list"}
	}
	return od
}

func objectWhere(where string, i int) string {
	return where + ".objects[" + strconv.Itoa(i) + "]"
}

// Observations pairs the bundle's observed-data with the SCOs of the same
// bundle their object_refs name.
func (b *Bundle) Observations() ([]*Observation, error) {
	return PairBundles([]*Bundle{b})
}

// PairBundles pairs the observed-data of all the bundles with the SCOs
// their object_refs name, in any of the bundles (of several SCOs with one
// id, the last). References to SCOs that are absent are left out.
func PairBundles(bundles []*Bundle) ([]*Observation, error) {
	n, nSCO := 0, 0
	for _, b := range bundles {
		n += len(b.ods)
		nSCO += len(b.scos)
	}
	var scos scoIndex
	if len(bundles) == 1 && nSCO <= smallRefs {
		scos.list = bundles[0].scos
	} else {
		scos.m = make(map[string]map[string]any, nSCO)
		for _, b := range bundles {
			for _, s := range b.scos {
				scos.m[s.id] = s.obj
			}
		}
	}
	out := make([]*Observation, 0, n)
	for _, b := range bundles {
		for i := range b.ods {
			od := &b.ods[i]
			if od.err != nil {
				return nil, od.err
			}
			o := new(Observation)
			*o = od.header
			refs := od.refs
			if len(refs) > 0 {
				o.Objects = make([]ObservedObject, 0, len(refs))
			}
			for ri, r := range refs {
				id, ok := r.(string)
				if !ok {
					return nil, &DataError{Object: o.ID, Path: "object_refs[" + strconv.Itoa(ri) + "]", Msg: "not a string"}
				}
				if sco, found := scos.get(id); found {
					o.add(id, sco, len(refs))
				}
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// scoIndex finds SCOs by id: in a map, or for the few SCOs of one bundle in
// their list.
type scoIndex struct {
	m    map[string]map[string]any
	list []sco
}

// get returns the SCO with the id; of several, the last.
func (x *scoIndex) get(id string) (map[string]any, bool) {
	if x.m != nil {
		obj, ok := x.m[id]
		return obj, ok
	}
	for i := len(x.list) - 1; i >= 0; i-- {
		if x.list[i].id == id {
			return x.list[i].obj, true
		}
	}
	return nil, false
}
