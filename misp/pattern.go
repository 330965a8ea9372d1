package misp

import (
	"strconv"
	"strings"
)

// cmp is one comparison of a pattern being built: an object path, and a
// string or integer to compare it with.
type cmp struct {
	path   string // "ipv4-addr:value", "file:hashes.'SHA-256'"
	op     string // "=" unless set
	str    string
	num    int64
	numSet bool
}

func eq(path, value string) cmp      { return cmp{path: path, op: "=", str: value} }
func eqInt(path string, n int64) cmp { return cmp{path: path, op: "=", num: n, numSet: true} }
func subset(path, cidr string) cmp   { return cmp{path: path, op: "ISSUBSET", str: cidr} }
func (c cmp) typ() string            { t, _, _ := strings.Cut(c.path, ":"); return t }
func (c cmp) withPath(p string) cmp  { c.path = p; return c }
func (c cmp) String() string         { return c.path + " " + c.op + " " + c.literal() }
func quote(s string) string          { return "'" + escaper.Replace(s) + "'" }
func (c cmp) literal() string {
	if c.numSet {
		return strconv.FormatInt(c.num, 10)
	}
	return quote(c.str)
}

// escaper writes a string literal of the patterning grammar, where only a
// quote and a backslash are escaped.
var escaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// observation writes comparisons on one object joined by AND, in brackets.
func observation(cs []cmp) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return "[" + strings.Join(parts, " AND ") + "]"
}

// hashPath is the pattern path of a MISP hash type, with the name STIX's
// hashing-algorithm vocabulary gives it.
var hashNames = map[string]string{
	"md5": "MD5", "sha1": "'SHA-1'", "sha224": "'SHA-224'", "sha256": "'SHA-256'", "sha384": "'SHA-384'",
	"sha512": "'SHA-512'", "sha3-224": "'SHA3-224'", "sha3-256": "'SHA3-256'", "sha3-384": "'SHA3-384'",
	"sha3-512": "'SHA3-512'", "ssdeep": "SSDEEP", "tlsh": "TLSH",
}

// hashKey is the key of the hashes dictionary of an observable for a MISP
// hash type.
func hashKey(t string) string { return strings.Trim(hashNames[t], "'") }
