package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// RedactedProperty lists, in a redacted object, the granular-marking
// selectors whose content was removed for the reader.
const RedactedProperty = "x_kizuna_redacted"

// removed marks a value to drop; it is replaced in place first, so that the
// list indexes of the other selectors keep pointing where they did.
type removed struct{}

// Redact returns raw without the values the selectors name (STIX 2.1
// granular-marking selector syntax: "description", "labels.[1]",
// "external_references.[0].url") and with RedactedProperty listing the
// selectors that matched; the granular markings of the removed portions go
// too, and the others are renumbered to keep marking what they marked.
// Selectors that match nothing are ignored.
func Redact(raw json.RawMessage, selectors []string) (json.RawMessage, []string, error) {
	if out, done, ok := redactTop(raw, selectors); ok {
		return out, done, nil
	}
	return redactDecoded(raw, selectors)
}

// redactDecoded is Redact for any selectors: it decodes the object, removes
// the values and encodes it again.
func redactDecoded(raw json.RawMessage, selectors []string) (json.RawMessage, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as published
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("redact: %w", err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("redact: $: not a JSON object")
	}
	var done []string
	for _, sel := range selectors {
		if markRemoved(root, strings.Split(sel, ".")) {
			done = append(done, sel)
		}
	}
	if len(done) == 0 {
		return raw, nil, nil
	}
	sweep(root)
	slices.Sort(done)
	done = slices.Compact(done)
	fixGranular(root, done)
	if prev, ok := root[RedactedProperty].([]any); ok {
		// An object from a peer may already carry redactions.
		for _, s := range prev {
			if str, ok := s.(string); ok && !slices.Contains(done, str) {
				done = append(done, str)
			}
		}
		slices.Sort(done)
	}
	list := make([]any, len(done))
	for i, s := range done {
		list[i] = s
	}
	root[RedactedProperty] = list
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(root); err != nil {
		return nil, nil, fmt.Errorf("redact: %w", err)
	}
	return json.RawMessage(bytes.TrimSpace(buf.Bytes())), done, nil
}

// markRemoved replaces the value at path by removed{}; it reports whether
// the path resolved.
func markRemoved(node any, path []string) bool {
	if len(path) == 0 {
		return false
	}
	step, last := path[0], len(path) == 1
	switch n := node.(type) {
	case map[string]any:
		v, ok := n[step]
		if !ok {
			return false
		}
		if last {
			n[step] = removed{}
			return true
		}
		return markRemoved(v, path[1:])
	case []any:
		if !strings.HasPrefix(step, "[") || !strings.HasSuffix(step, "]") {
			return false
		}
		i, err := strconv.Atoi(step[1 : len(step)-1])
		if err != nil || i < 0 || i >= len(n) {
			return false
		}
		if last {
			n[i] = removed{}
			return true
		}
		return markRemoved(n[i], path[1:])
	}
	return false
}

// sweep deletes the values markRemoved marked.
func sweep(node any) any {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if _, gone := v.(removed); gone {
				delete(n, k)
				continue
			}
			n[k] = sweep(v)
		}
	case []any:
		out := n[:0]
		for _, v := range n {
			if _, gone := v.(removed); !gone {
				out = append(out, sweep(v))
			}
		}
		return out
	}
	return node
}

// hiddenPortions returns the selectors of the portions pr may not see and
// whether one of them is a required property (the object is withheld).
func (p *Policy) hiddenPortions(pr *kizuna.Principal, obj *kizuna.Object, labelOf func(kizuna.Portion) *kizuna.AccessLabel) (selectors []string, withhold bool) {
	for _, portion := range obj.Portions {
		if p.Decide(pr, labelOf(portion)).Allow {
			continue
		}
		for _, s := range portion.Selectors {
			selectors = append(selectors, s)
			if RequiredProperty(obj.Type, s) {
				withhold = true
			}
		}
	}
	return selectors, withhold
}
