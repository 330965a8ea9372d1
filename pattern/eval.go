package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// sdoTypes are the STIX 2.1 object types that are not cyber-observable
// objects; a STIX 2.1 pattern naming one of them matches nothing.
var sdoTypes = map[string]bool{
	"attack-pattern": true, "bundle": true, "campaign": true, "course-of-action": true,
	"extension-definition": true, "grouping": true, "identity": true, "incident": true,
	"indicator": true, "infrastructure": true, "intrusion-set": true, "language-content": true,
	"location": true, "malware": true, "malware-analysis": true, "marking-definition": true,
	"note": true, "observed-data": true, "opinion": true, "relationship": true, "report": true,
	"threat-actor": true, "tool": true, "sighting": true, "vulnerability": true,
}

// stepKey takes a property step on every value, converting _hex and _bin
// properties to binary and following _ref and _refs references inside the
// observation.
func stepKey(o *Observation, root *ObservedObject, cur []any, key string, out []any) ([]any, error) {
	out = out[:0]
	for _, v := range cur {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		x, ok := m[key]
		if !ok {
			continue
		}
		switch {
		case strings.HasSuffix(key, "_hex"):
			s, isStr := x.(string)
			b, err := hex.DecodeString(s)
			if !isStr || err != nil {
				return nil, &DataError{Object: root.Ref, Path: key, Msg: "not a hex string"}
			}
			x = b
		case strings.HasSuffix(key, "_bin"):
			s, isStr := x.(string)
			b, err := base64.StdEncoding.DecodeString(s)
			if !isStr || err != nil {
				return nil, &DataError{Object: root.Ref, Path: key, Msg: "not a base64 string"}
			}
			x = b
		}
		out = append(out, x)
	}
	switch {
	case strings.HasSuffix(key, "_ref"):
		refs := out[:0]
		for _, x := range out {
			id, ok := x.(string)
			if !ok {
				return nil, &DataError{Object: root.Ref, Path: key, Msg: fmt.Sprintf("reference is not a string: %v", x)}
			}
			if i, ok := o.ref(id); ok {
				refs = append(refs, o.Objects[i].Props)
			}
		}
		return refs, nil
	case strings.HasSuffix(key, "_refs"):
		lists := out[:0]
		for _, x := range out {
			l, ok := x.([]any)
			if !ok {
				return nil, &DataError{Object: root.Ref, Path: key, Msg: "reference list is not a list"}
			}
			var objs []any
			for _, r := range l {
				id, ok := r.(string)
				if !ok {
					return nil, &DataError{Object: root.Ref, Path: key, Msg: fmt.Sprintf("reference is not a string: %v", r)}
				}
				if i, ok := o.ref(id); ok {
					objs = append(objs, o.Objects[i].Props)
				}
			}
			if len(objs) > 0 {
				lists = append(lists, objs)
			}
		}
		return lists, nil
	}
	return out, nil
}

// selectValuesInto returns the values the path selects from one root
// object, reusing buf for the common one-step path on a plain property.
func selectValuesInto(o *Observation, root *ObservedObject, steps []PathStep, buf []any) ([]any, error) {
	if len(steps) == 1 && !steps[0].special {
		if x, ok := root.Props[steps[0].Key]; ok {
			return append(buf[:0], x), nil
		}
		return nil, nil
	}
	// Two-step paths through a dictionary (file:hashes.MD5) or a single
	// reference (network-traffic:dst_ref.value) are common enough for a
	// direct route; anything unusual takes the general one below.
	if len(steps) == 2 && !steps[0].IsIndex && !steps[1].IsIndex && !steps[1].special {
		if x, ok := directStep(o, root, steps[0]); ok {
			if m, isMap := x.(map[string]any); isMap {
				if y, found := m[steps[1].Key]; found {
					return append(buf[:0], y), nil
				}
				return nil, nil
			}
		}
	}
	// Two scratch slices take turns holding the current values, so that a
	// path through references allocates nothing in the common case.
	var a, b [4]any
	cur, next := append(a[:0], root.Props), b[:0]
	var err error
	for _, s := range steps {
		switch {
		case s.Star:
			var out []any
			for _, v := range cur {
				if l, ok := v.([]any); ok {
					out = append(out, l...)
				}
			}
			cur = out
		case s.IsIndex:
			out := cur[:0:0]
			for _, v := range cur {
				if l, ok := v.([]any); ok && s.Index >= 0 && s.Index < int64(len(l)) {
					out = append(out, l[s.Index])
				}
			}
			cur = out
		default:
			var out []any
			if out, err = stepKey(o, root, cur, s.Key, next); err != nil {
				return nil, err
			}
			cur, next = out, cur[:0]
		}
		if len(cur) == 0 {
			return nil, nil
		}
	}
	return append(buf[:0], cur...), nil
}

// directStep takes a first step into a plain dictionary property or through
// a single resolvable reference; ok is false when the general route is needed.
func directStep(o *Observation, root *ObservedObject, s PathStep) (any, bool) {
	x, found := root.Props[s.Key]
	if !found {
		return nil, false
	}
	if !s.special {
		return x, true
	}
	if !strings.HasSuffix(s.Key, "_ref") {
		return nil, false
	}
	id, isStr := x.(string)
	if !isStr {
		return nil, false
	}
	if i, ok := o.ref(id); ok {
		return o.Objects[i].Props, true
	}
	return nil, false
}

func isSpecialKey(k string) bool {
	return strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") ||
		strings.HasSuffix(k, "_hex") || strings.HasSuffix(k, "_bin")
}

// evalComparison reports whether the comparison holds for one root object:
// some selected value passes the test (with NOT applied to each value).
// EXISTS holds when the path selects anything; NOT EXISTS when it selects
// nothing from an object of the type.
func evalComparison(o *Observation, root *ObservedObject, c *Comparison) (bool, error) {
	var buf [1]any
	vals, err := selectValuesInto(o, root, c.Path.Steps, buf[:0])
	if err != nil {
		return false, err
	}
	if c.Op == OpExists {
		return (len(vals) > 0) != c.Negated, nil
	}
	for _, v := range vals {
		ok, err := c.matcher.test(c, v)
		if err != nil {
			return false, err
		}
		if ok != c.Negated {
			return true, nil
		}
	}
	return false, nil
}

// evalExpr evaluates a comparison expression on one root object. AND and OR
// combine results on the same root object, which is what makes
// [file:name = 'a' AND file:size = 1] describe a single file.
func evalExpr(o *Observation, root *ObservedObject, e ComparisonExpr, v20 bool) (bool, error) {
	switch x := e.(type) {
	case *Comparison:
		if root.Type != x.Path.Type || !v20 && sdoTypes[root.Type] {
			return false, nil
		}
		return evalComparison(o, root, x)
	case *ComparisonBinary:
		l, err := evalExpr(o, root, x.Left, v20)
		if err != nil {
			return false, err
		}
		if l != x.And {
			return l, nil
		}
		return evalExpr(o, root, x.Right, v20)
	}
	return false, fmt.Errorf("unknown comparison node %T", e)
}

// leafMatches reports whether some object of the observation satisfies the
// bracketed expression.
func leafMatches(o *Observation, leaf *ObservationSimple, v20 bool) (bool, error) {
	for i := range o.Objects {
		ok, err := evalExpr(o, &o.Objects[i], leaf.Expr, v20)
		if err != nil {
			return false, fmt.Errorf("%s: %w", o.ID, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}
