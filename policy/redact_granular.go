package policy

import (
	"strconv"
	"strings"
)

// fixGranular keeps a redacted object's granular markings consistent with
// what remains of it: the markings of removed portions are dropped (they
// would select nothing, which STIX forbids), and list indexes after a
// removed list element are renumbered, so that every remaining marking
// still marks the value it marked before. Only the selectors removed by this
// redaction count: a redaction list the object already carried changes
// nothing here.
func fixGranular(root map[string]any, removed []string) {
	entries, ok := root["granular_markings"].([]any)
	if !ok {
		return
	}
	kept := entries[:0]
	for _, e := range entries {
		m, ok := e.(map[string]any)
		if !ok {
			kept = append(kept, e)
			continue
		}
		selectors, _ := m["selectors"].([]any)
		var out []any
		for _, s := range selectors {
			str, ok := s.(string)
			if !ok {
				out = append(out, s)
				continue
			}
			if r, ok := renumber(str, removed); ok {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			continue
		}
		m["selectors"] = out
		kept = append(kept, m)
	}
	if len(kept) == 0 {
		delete(root, "granular_markings")
		return
	}
	root["granular_markings"] = kept
}

// renumber returns sel as it reads after the removed selectors were taken
// out, or false when sel was itself removed or lies inside a removed value.
func renumber(sel string, removed []string) (string, bool) {
	for _, r := range removed {
		if sel == r || strings.HasPrefix(sel, r+".") {
			return "", false
		}
	}
	parts := strings.Split(sel, ".")
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

// listIndex reads a selector step "[N]".
func listIndex(seg string) (int, bool) {
	if len(seg) < 3 || seg[0] != '[' || seg[len(seg)-1] != ']' {
		return 0, false
	}
	n, err := strconv.Atoi(seg[1 : len(seg)-1])
	return n, err == nil && n >= 0
}
