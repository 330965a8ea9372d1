package pattern

import (
	"net/netip"
	"strings"
	"time"
)

// ObservationFromValues builds one observation, seen once at the given time,
// from plain observable values, so that a caller holding only values (an API
// client asking "what matches 198.51.100.7?") can use the index. Each value
// becomes the SCO its shape suggests: an IPv4 or IPv6 address or CIDR block
// (ipv4-addr, ipv6-addr), a URL (url), an e-mail address (email-addr), a hex
// hash of 32, 40, 64 or 128 digits (a file with MD5, SHA-1, SHA-256 or
// SHA-512 hashes) or a domain name (domain-name). Values of no recognised
// shape are returned in unknown.
func ObservationFromValues(values []string, at time.Time) (obs *Observation, unknown []string) {
	obs = &Observation{First: at, Last: at, Count: 1, refs: map[string]int{}}
	for _, v := range values {
		typ, props := classifyValue(strings.TrimSpace(v))
		if typ == "" {
			unknown = append(unknown, v)
			continue
		}
		ref := typ + "--value-" + itoa(len(obs.Objects))
		props["type"] = typ
		props["id"] = ref
		obs.refs[ref] = len(obs.Objects)
		obs.Objects = append(obs.Objects, ObservedObject{Ref: ref, Type: typ, Props: props})
	}
	return obs, unknown
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

var hashByLength = map[int]string{32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}

func classifyValue(v string) (string, map[string]any) {
	if v == "" {
		return "", nil
	}
	if p, err := parseAddrOrPrefix(v, false); err == nil {
		if p.Addr().Is4() {
			return "ipv4-addr", map[string]any{"value": v}
		}
		return "ipv6-addr", map[string]any{"value": v}
	}
	if _, err := netip.ParseAddr(v); err == nil {
		return "ipv6-addr", map[string]any{"value": v}
	}
	if strings.Contains(v, "://") {
		return "url", map[string]any{"value": v}
	}
	if local, domain, ok := strings.Cut(v, "@"); ok && local != "" && isDomain(domain) {
		return "email-addr", map[string]any{"value": v}
	}
	if alg, ok := hashByLength[len(v)]; ok && isHexString(v) {
		return "file", map[string]any{"hashes": map[string]any{alg: v}}
	}
	if isDomain(v) {
		return "domain-name", map[string]any{"value": v}
	}
	return "", nil
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return s != ""
}

// isDomain accepts dot-separated labels of letters, digits and hyphens, at
// least two labels, the last not numeric.
func isDomain(s string) bool {
	s = strings.TrimSuffix(s, ".")
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(isLetter(c) && c != '_' || isDigit(c) || c == '-') {
				return false
			}
		}
	}
	return !isDigit(labels[len(labels)-1][0])
}
