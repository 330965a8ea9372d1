package stix

import (
	"net/netip"
	"strings"
)

// isURI reports whether s is an absolute URI by the grammar of RFC 3986
// (section 3): a scheme, then a hierarchical part, query and fragment made
// only of the characters the RFC allows there, percent-encoding included.
// Spaces and characters beyond ASCII are not allowed (an IRI must be
// percent-encoded into a URI first).
func isURI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || !isScheme(s[:colon]) {
		return false
	}
	rest := s[colon+1:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		if !uriChars(rest[i+1:], "/?:@") {
			return false
		}
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		if !uriChars(rest[i+1:], "/?:@") {
			return false
		}
		rest = rest[:i]
	}
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if !isAuthority(rest[:end]) {
			return false
		}
		rest = rest[end:]
	}
	return uriChars(rest, "/:@")
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// isAuthority checks [ userinfo "@" ] host [ ":" port ].
func isAuthority(a string) bool {
	if i := strings.IndexByte(a, '@'); i >= 0 {
		if !uriChars(a[:i], ":") {
			return false
		}
		a = a[i+1:]
	}
	host := a
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 || !isIPLiteral(a[1:end]) {
			return false
		}
		host, a = "", a[end+1:]
		if a != "" && a[0] != ':' {
			return false
		}
	} else if i := strings.IndexByte(a, ':'); i >= 0 {
		host, a = a[:i], a[i:]
	} else {
		a = ""
	}
	if a != "" && !isDigits(a[1:]) {
		return false // the port
	}
	return uriChars(host, "")
}

// isIPLiteral checks the inside of "[...]": an IPv6 address or an
// IPvFuture ("v" hex "." ...).
func isIPLiteral(s string) bool {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') {
		dot := strings.IndexByte(s, '.')
		return dot > 1 && isHexDigits(s[1:dot]) && dot < len(s)-1 && uriChars(s[dot+1:], ":") && !strings.Contains(s[dot+1:], "%")
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == ""
}

func isHexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// uriChars reports whether s is made of unreserved characters, sub-delims,
// percent-encoded octets and the characters of extra.
func uriChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=", c) >= 0, strings.IndexByte(extra, c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHexByte(s[i+1]) || !isHexByte(s[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

// uriProp checks a property that holds a URL: an absolute RFC 3986 URI.
func (c *checker) uriProp(v *value, p *path) {
	if c.wantString(v, p) && !isURI(v.s) {
		c.errf(p, "%q is not an absolute RFC 3986 URI (a scheme, and only the characters RFC 3986 allows, percent-encoding the others)", truncate(v.s, 80))
	}
}
