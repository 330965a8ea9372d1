package stix

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Problem is one finding of validation: the object it concerns (its id, or
// "" when none could be read), the JSON path of the offending value
// ("$.valid_until", "$.external_references[0].url") and what is wrong.
type Problem struct {
	ID      string
	Path    string
	Message string
}

// String formats the problem as "id: path: message".
func (p Problem) String() string {
	id := p.ID
	if id == "" {
		id = "object at index"
	}
	return id + ": " + p.Path + ": " + p.Message
}

// path is a JSON path built only when a problem is reported, so that
// validating a good object allocates no path strings.
type path struct {
	parent *path
	key    string
	index  int // list index when key is ""
}

var root = path{key: "$"}

// child returns the path of member key below p.
func (p *path) child(key string) path { return path{parent: p, key: key} }

// at returns the path of list element i below p.
func (p *path) at(i int) path { return path{parent: p, index: i} }

func (p *path) String() string {
	if p.parent == nil {
		return p.key
	}
	var b strings.Builder
	p.write(&b)
	return b.String()
}

func (p *path) write(b *strings.Builder) {
	if p.parent == nil {
		b.WriteString(p.key)
		return
	}
	p.parent.write(b)
	switch {
	case p.key == "":
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(p.index))
		b.WriteByte(']')
	case isPlainName(p.key):
		b.WriteByte('.')
		b.WriteString(p.key)
	default:
		b.WriteString("['")
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p.key, `\`, `\\`), `'`, `\'`))
		b.WriteString("']")
	}
}

// isPlainName reports whether a key can follow a '.' in a JSON path: a
// name of letters, digits and '_' that does not start with a digit.
func isPlainName(s string) bool {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// maxProblems bounds the problems listed for one input, so that a hostile
// object with a million bad list items cannot make a message of gigabytes.
const maxProblems = 100

// checker collects the problems of one object.
type checker struct {
	id    string
	warns []Problem
	errs  []Problem
	// moreErrs and moreWarns count the problems beyond maxProblems.
	moreErrs, moreWarns int
}

func (c *checker) errf(p *path, format string, args ...any) {
	if len(c.errs) >= maxProblems {
		c.moreErrs++
		return
	}
	c.errs = append(c.errs, Problem{ID: c.id, Path: p.String(), Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(p *path, format string, args ...any) {
	if len(c.warns) >= maxProblems {
		c.moreWarns++
		return
	}
	c.warns = append(c.warns, Problem{ID: c.id, Path: p.String(), Message: fmt.Sprintf(format, args...)})
}

// problems returns the errors and warnings, each list ending with a
// summary of the problems left out.
func (c *checker) problems() (warns, errs []Problem) {
	warns, errs = c.warns, c.errs
	if c.moreWarns > 0 {
		warns = append(warns, Problem{ID: c.id, Path: "$", Message: fmt.Sprintf("%d more warnings not listed", c.moreWarns)})
	}
	if c.moreErrs > 0 {
		errs = append(errs, Problem{ID: c.id, Path: "$", Message: fmt.Sprintf("%d more errors not listed", c.moreErrs)})
	}
	return warns, errs
}

// Validate checks one STIX object, or a bundle and every object in it,
// against the STIX 2.1 specification. Errors are violations of a MUST;
// warnings are violations of a SHOULD. Problems of an object inside a bundle
// carry that object's id and a path relative to that object.
func Validate(raw []byte) (warnings, errs []Problem) {
	v, err := parseJSON(trimSpace(raw))
	if err != nil {
		return nil, []Problem{{Path: "$", Message: err.Error()}}
	}
	c := &checker{}
	c.validateTop(&v)
	return c.problems()
}

// validateTop validates a top-level value: an object or a bundle.
func (c *checker) validateTop(v *value) {
	if v.kind != kObject {
		c.errf(&root, "must be a JSON object, not a %s", v.kind)
		return
	}
	if t := v.get("type"); t != nil && t.kind == kString && t.s == "bundle" {
		c.validateBundle(v)
		return
	}
	c.validateObject(v)
}

// Parse parses and validates one STIX 2.1 object and returns its envelope,
// its exact bytes (trimmed of outer white space) and the hash of its
// canonical JSON. A bundle is not an object: stream one with a Decoder.
// Failures are *kizuna.Error with code EINVALID whose message lists every
// problem found as "id: path: message", joined by "; ".
func Parse(raw []byte) (*kizuna.Object, error) {
	obj, _, err := ParseWithWarnings(raw)
	return obj, err
}

// ParseWithWarnings is Parse that also returns the warnings (violations of
// a SHOULD) of an accepted object, for the caller to pass on to the
// producer.
func ParseWithWarnings(raw []byte) (*kizuna.Object, []Problem, error) {
	obj, warns, _, err := parse(raw)
	return obj, warns, err
}

// ParseStrings is Parse that also returns the values of the named top-level
// properties of an accepted object that are strings ("" for one that is
// absent or not a string), so that a caller who checks some of them further
// need not decode the object a second time.
func ParseStrings(raw []byte, names ...string) (*kizuna.Object, []string, error) {
	obj, _, v, err := parse(raw)
	if err != nil {
		return nil, nil, err
	}
	vals := make([]string, len(names))
	for i, name := range names {
		vals[i] = stringOf(v.get(name))
	}
	return obj, vals, nil
}

// parse is ParseWithWarnings that also returns the parsed JSON.
func parse(raw []byte) (*kizuna.Object, []Problem, *value, error) {
	raw = trimSpace(raw)
	v, err := parseJSON(raw)
	if err != nil {
		return nil, nil, nil, invalid([]Problem{{Path: "$", Message: err.Error()}})
	}
	c := &checker{}
	if v.kind != kObject {
		c.errf(&root, "must be a JSON object, not a %s", v.kind)
		return nil, nil, nil, invalid(c.errs)
	}
	if t := v.get("type"); t != nil && t.kind == kString && t.s == "bundle" {
		c.id = truncate(stringOf(v.get("id")), 300)
		c.errf(&root, "a bundle is a transport envelope, not an object to store; send its objects")
		return nil, nil, nil, invalid(c.errs)
	}
	obj := c.validateObject(&v)
	warns, errs := c.problems()
	if len(errs) > 0 {
		return nil, nil, nil, invalid(errs)
	}
	canon, err := appendCanonical(make([]byte, 0, len(raw)), &v)
	if err != nil {
		c.errf(&root, "%v", err)
		return nil, nil, nil, invalid(c.errs)
	}
	sum := sha256.Sum256(canon)
	obj.Raw = raw
	obj.Hash = hex.EncodeToString(sum[:])
	return obj, warns, &v, nil
}

// invalid joins problems into one EINVALID error.
func invalid(problems []Problem) error {
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.String()
	}
	return kizuna.Errorf(kizuna.EINVALID, "%s", strings.Join(parts, "; "))
}

func trimSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// stringOf returns v's string, or "" when v is absent or not a string.
func stringOf(v *value) string {
	if v == nil || v.kind != kString {
		return ""
	}
	return v.s
}
