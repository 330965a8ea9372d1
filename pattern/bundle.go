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
	ods   []map[string]any
	odIDs []string
	scos  []sco
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
			b.ods = append(b.ods, obj)
			b.odIDs = append(b.odIDs, id)
			continue
		}
		b.scos = append(b.scos, sco{id, obj})
	}
	return b, nil
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
	scos := make(map[string]map[string]any, nSCO)
	for _, b := range bundles {
		for _, s := range b.scos {
			scos[s.id] = s.obj
		}
	}
	out := make([]*Observation, 0, n)
	for _, b := range bundles {
		for i, od := range b.ods {
			o, err := observationHeader(od, b.odIDs[i])
			if err != nil {
				return nil, err
			}
			refs, ok := od["object_refs"].([]any)
			if !ok {
				return nil, &DataError{Object: o.ID, Path: "object_refs", Msg: "missing or not a list"}
			}
			if len(refs) > 0 {
				o.Objects = make([]ObservedObject, 0, len(refs))
			}
			for ri, r := range refs {
				id, ok := r.(string)
				if !ok {
					return nil, &DataError{Object: o.ID, Path: "object_refs[" + strconv.Itoa(ri) + "]", Msg: "not a string"}
				}
				if sco, found := scos[id]; found {
					o.add(id, sco, len(refs))
				}
			}
			out = append(out, o)
		}
	}
	return out, nil
}
