package federation

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// redactedProperty lists, in an object redacted for a reader, the
// granular-marking selectors whose content was removed.
const redactedProperty = "x_kizuna_redacted"

// fixGranular makes a redacted object consistent for a receiver that will
// validate and label it: the granular markings of removed portions are
// dropped (they select nothing any more), and the list indexes of the
// other selectors are renumbered where removed list elements closed the
// gap, so that every remaining marking still marks the value it marked at
// the origin. The portions removed are those raw's redaction list names
// beyond the list the stored original already carried (before, which
// this node did not remove and whose markings it leaves alone). An object
// without redactions is returned unchanged.
func fixGranular(raw json.RawMessage, before []string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $: not a JSON object", objectID(raw))
	}
	var removed []string
	if r, ok := m[redactedProperty]; !ok {
		return raw, nil
	} else if err := json.Unmarshal(r, &removed); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.%s: want a list of selectors", objectID(raw), redactedProperty)
	}
	removed = slices.DeleteFunc(removed, func(s string) bool { return slices.Contains(before, s) })
	gm, ok := m["granular_markings"]
	if !ok {
		return raw, nil
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(gm, &entries); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.granular_markings: want a list of objects", objectID(raw))
	}
	var kept []map[string]json.RawMessage
	for i, e := range entries {
		var selectors []string
		if err := json.Unmarshal(e["selectors"], &selectors); err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "%s: $.granular_markings[%d].selectors: want a list of strings", objectID(raw), i)
		}
		var out []string
		for _, sel := range selectors {
			if s, ok := renumber(sel, removed); ok {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			continue
		}
		e["selectors"], _ = json.Marshal(out) // strings always marshal
		kept = append(kept, e)
	}
	if len(kept) == 0 {
		delete(m, "granular_markings")
	} else {
		m["granular_markings"], _ = json.Marshal(kept) // re-encoding decoded JSON
	}
	return json.Marshal(m)
}

// renumber returns sel as it reads after the removed selectors were
// taken out, or false when sel was itself removed or lies inside a removed
// value.
func renumber(sel string, removed []string) (string, bool) {
	parts := strings.Split(sel, ".")
	for _, r := range removed {
		if sel == r || strings.HasPrefix(sel, r+".") {
			return "", false
		}
	}
	out := make([]string, len(parts))
	copy(out, parts)
	for i, p := range parts {
		j, ok := listIndex(p)
		if !ok {
			continue
		}
		list := strings.Join(parts[:i], ".")
		shift := 0
		for _, r := range removed {
			rp := strings.Split(r, ".")
			if len(rp) != i+1 || strings.Join(rp[:i], ".") != list {
				continue
			}
			if k, ok := listIndex(rp[i]); ok && k < j {
				shift++
			}
		}
		out[i] = "[" + strconv.Itoa(j-shift) + "]"
	}
	return strings.Join(out, "."), true
}

func listIndex(seg string) (int, bool) {
	if len(seg) < 3 || seg[0] != '[' || seg[len(seg)-1] != ']' {
		return 0, false
	}
	n, err := strconv.Atoi(seg[1 : len(seg)-1])
	return n, err == nil && n >= 0
}

// redactedList returns the redaction list an object carries, if any.
func redactedList(raw json.RawMessage) []string {
	var h struct {
		Redacted []string `json:"x_kizuna_redacted"`
	}
	_ = json.Unmarshal(raw, &h) // no list, or a malformed one, removes nothing
	return h.Redacted
}
