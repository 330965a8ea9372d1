package stix

import "strings"

// dict checks a STIX dictionary: an object whose keys are 1 to 250 ASCII
// letters, digits, '-' or '_'. Upper case is allowed: the specification's own
// examples of HTTP headers and environment variables use it.
func (c *checker) dict(v *value, p *path) {
	if v.kind != kObject {
		c.errf(p, "must be a dictionary (JSON object), not a %s", v.kind)
		return
	}
	if len(v.obj) == 0 {
		c.errf(p, "must not be an empty dictionary; omit the property instead")
	}
	for i := range v.obj {
		m := &v.obj[i]
		q := p.child(m.key)
		if !isDictKey(m.key) {
			c.errf(&q, "dictionary key must be 1 to 250 ASCII letters, digits, '-' or '_'")
		}
		if m.val.kind == kNull {
			c.errf(&q, "must not be null")
		} else if m.val.kind == kArray && len(m.val.arr) == 0 {
			c.errf(&q, "must not be an empty list")
		}
	}
}

func isDictKey(s string) bool {
	if len(s) < 1 || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// hashLengths gives the hex length of the hash algorithms of
// hash-algorithm-ov whose values have a fixed form.
var hashLengths = map[string]int{
	"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128,
}

// hashNames maps the lowercase spelling of each hash-algorithm-ov name to
// the name itself, so that "sha256" or "sha-256" are reported as misspelt.
var hashNames = map[string]string{
	"md5": "MD5", "sha-1": "SHA-1", "sha1": "SHA-1", "sha-256": "SHA-256", "sha256": "SHA-256",
	"sha-512": "SHA-512", "sha512": "SHA-512", "sha3-256": "SHA3-256", "sha3-512": "SHA3-512",
	"ssdeep": "SSDEEP", "tlsh": "TLSH",
}

// hashes checks a hashes dictionary: keys from hash-algorithm-ov (exactly
// spelt) or custom names of 3 to 250 characters, values of the right form.
func (c *checker) hashes(v *value, p *path) {
	if v.kind != kObject {
		c.errf(p, "must be a hashes dictionary (JSON object), not a %s", v.kind)
		return
	}
	if len(v.obj) == 0 {
		c.errf(p, "must contain at least one hash")
	}
	for i := range v.obj {
		m := &v.obj[i]
		q := p.child(m.key)
		if !c.wantString(&m.val, &q) {
			continue
		}
		if canonical, ok := hashNames[lower(m.key)]; ok && canonical != m.key {
			c.warnf(&q, "hash algorithm should be spelt %q as hash-algorithm-ov has it", canonical)
			continue
		}
		if n, ok := hashLengths[m.key]; ok {
			if len(m.val.s) != n || !isHex(m.val.s) {
				c.errf(&q, "a %s hash must be %d hexadecimal digits", m.key, n)
			}
			continue
		}
		if _, known := hashNames[lower(m.key)]; known {
			if why := fuzzyHashForm(m.key, m.val.s); why != "" {
				c.errf(&q, "%s", why)
			}
			continue
		}
		if len(m.key) < 3 || len(m.key) > 250 || !isDictKey(m.key) {
			c.errf(&q, "custom hash algorithm names must be 3 to 250 ASCII letters, digits, '-' or '_'")
		}
		if m.val.s == "" {
			c.errf(&q, "must not be empty")
		}
	}
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// fuzzyHashForm says what is wrong with an SSDEEP or TLSH value, or "".
// SSDEEP: 1 to 128 characters of its base64 alphabet and ':' separators.
// TLSH: 70 alphanumerics, or the same after the "T1" version prefix that
// TLSH 4 writes.
func fuzzyHashForm(alg, s string) string {
	switch alg {
	case "SSDEEP":
		if s == "" || len(s) > 128 || !isAlnum(strings.Map(func(r rune) rune {
			if r == '/' || r == '+' || r == ':' || r == '.' {
				return 'a'
			}
			return r
		}, s)) {
			return "an SSDEEP hash must be 1 to 128 characters of A-Z, a-z, 0-9, '/', '+', ':' and '.'"
		}
	case "TLSH":
		t := s
		if len(t) == 72 && t[:2] == "T1" {
			t = t[2:]
		}
		if len(t) != 70 || !isAlnum(t) {
			return "a TLSH hash must be 70 letters and digits (after an optional \"T1\")"
		}
	}
	return ""
}
