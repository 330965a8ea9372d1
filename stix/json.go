package stix

import (
	"fmt"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is the JSON type of a value.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

// String names the kind as the validation messages do.
func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "list", "object"}[k]
}

// value is a parsed JSON value. Objects keep their members in input order, so
// that a selector or an error path can name them, and numbers keep their
// literal text, so that nothing is lost before canonicalisation.
type value struct {
	kind kind
	b    bool
	s    string // string contents, or the number literal
	arr  []value
	obj  []member
}

// member is one name/value pair of a JSON object.
type member struct {
	key string
	val value
}

// get returns the member named key, or nil.
func (v *value) get(key string) *value {
	for i := range v.obj {
		if v.obj[i].key == key {
			return &v.obj[i].val
		}
	}
	return nil
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 256

// syntaxError is a JSON syntax error at a byte offset of the input.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte offset %d: %s", e.offset, e.msg)
}

// parser is a strict JSON (I-JSON, RFC 7493) parser: it refuses duplicate
// member names, invalid UTF-8 and lone surrogates, which encoding/json lets
// through and which would make canonical forms and hashes ambiguous.
type parser struct {
	data []byte
	// src is one string copy of data: strings without escapes are slices of
	// it, which costs one allocation per input instead of one per string.
	src string
	pos int
	// Scratch stacks: the children of a container collect here and are
	// copied into one slice of the exact size when it closes.
	members []member
	values  []value
}

var parsers = sync.Pool{New: func() any { return new(parser) }}

// parseJSON parses exactly one JSON value that fills data (white space aside).
func parseJSON(data []byte) (value, error) {
	p := parsers.Get().(*parser)
	defer func() {
		// Drop references into the parsed tree before pooling.
		clear(p.members[:cap(p.members)])
		clear(p.values[:cap(p.values)])
		p.members, p.values, p.data, p.src = p.members[:0], p.values[:0], nil, ""
		parsers.Put(p)
	}()
	p.data, p.src, p.pos = data, string(data), 0
	p.skip()
	v, err := p.value(0)
	if err != nil {
		return value{}, err
	}
	p.skip()
	if p.pos != len(p.data) {
		return value{}, p.errf("unexpected data after the JSON value")
	}
	return v, nil
}

func (p *parser) errf(format string, args ...any) error {
	return &syntaxError{offset: p.pos, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skip() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (value, error) {
	if depth > maxDepth {
		return value{}, p.errf("nesting deeper than %d", maxDepth)
	}
	if p.pos >= len(p.data) {
		return value{}, p.errf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return value{kind: kString, s: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return value{kind: kBool, b: true}, p.literal("true")
	case c == 'f':
		return value{kind: kBool}, p.literal("false")
	case c == 'n':
		return value{kind: kNull}, p.literal("null")
	default:
		return value{}, p.errf("unexpected character %q", c)
	}
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.errf("invalid literal")
	}
	p.pos += len(word)
	return nil
}

func (p *parser) object(depth int) (value, error) {
	p.pos++ // '{'
	v := value{kind: kObject}
	p.skip()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	var seen map[string]struct{}
	base := len(p.members)
	for {
		p.skip()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return value{}, p.errf("expected a member name")
		}
		at := p.pos
		key, err := p.str()
		if err != nil {
			return value{}, err
		}
		if seen != nil {
			if _, dup := seen[key]; dup {
				return value{}, &syntaxError{at, fmt.Sprintf("duplicate member name %q", key)}
			}
			seen[key] = struct{}{}
		} else {
			siblings := p.members[base:]
			for i := range siblings {
				if siblings[i].key == key {
					return value{}, &syntaxError{at, fmt.Sprintf("duplicate member name %q", key)}
				}
			}
			if len(siblings) >= 16 {
				seen = make(map[string]struct{}, 2*len(siblings))
				for i := range siblings {
					seen[siblings[i].key] = struct{}{}
				}
				seen[key] = struct{}{}
			}
		}
		p.skip()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return value{}, p.errf("expected ':' after member name")
		}
		p.pos++
		p.skip()
		val, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		p.members = append(p.members, member{key: key, val: val})
		p.skip()
		if p.pos >= len(p.data) {
			return value{}, p.errf("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.obj = make([]member, len(p.members)-base)
			copy(v.obj, p.members[base:])
			clear(p.members[base:])
			p.members = p.members[:base]
			return v, nil
		default:
			return value{}, p.errf("expected ',' or '}' in object")
		}
	}
}

func (p *parser) array(depth int) (value, error) {
	p.pos++ // '['
	v := value{kind: kArray}
	p.skip()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		v.arr = []value{}
		return v, nil
	}
	base := len(p.values)
	for {
		p.skip()
		el, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		p.values = append(p.values, el)
		p.skip()
		if p.pos >= len(p.data) {
			return value{}, p.errf("unexpected end of input in list")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.arr = make([]value, len(p.values)-base)
			copy(v.arr, p.values[base:])
			clear(p.values[base:])
			p.values = p.values[:base]
			return v, nil
		default:
			return value{}, p.errf("expected ',' or ']' in list")
		}
	}
}

func (p *parser) number() (value, error) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if n := digits(); n == 0 {
		return value{}, p.errf("invalid number")
	} else if n > 1 && d[intStart] == '0' {
		return value{}, &syntaxError{intStart, "invalid number: leading zero"}
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return value{}, p.errf("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return value{}, p.errf("invalid number: no digits in exponent")
		}
	}
	return value{kind: kNumber, s: p.src[start:p.pos]}, nil
}

// str parses a string literal at p.pos and returns its contents.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: printable ASCII without escapes.
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			b := d[start:p.pos]
			p.pos++
			if s, ok := interned[string(b)]; ok { // no allocation
				return s, nil
			}
			return p.src[start : p.pos-1], nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		p.pos++
	}
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, d[start:p.pos]...)
	for {
		if p.pos >= len(d) {
			return "", p.errf("unterminated string")
		}
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errf("control character %#x in string", c)
		case c == '\\':
			var err error
			if buf, err = p.escape(buf); err != nil {
				return "", err
			}
		case c < 0x80:
			buf = append(buf, c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(d[p.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.errf("invalid UTF-8 in string")
			}
			buf = append(buf, d[p.pos:p.pos+n]...)
			p.pos += n
		}
	}
}

// escape decodes the escape sequence at p.pos onto buf.
func (p *parser) escape(buf []byte) ([]byte, error) {
	d := p.data
	if p.pos+1 >= len(d) {
		return nil, p.errf("unterminated escape")
	}
	c := d[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(buf, c), nil
	case 'b':
		return append(buf, '\b'), nil
	case 'f':
		return append(buf, '\f'), nil
	case 'n':
		return append(buf, '\n'), nil
	case 'r':
		return append(buf, '\r'), nil
	case 't':
		return append(buf, '\t'), nil
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return nil, err
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xDC00 || p.pos+1 >= len(d) || d[p.pos] != '\\' || d[p.pos+1] != 'u' {
				return nil, p.errf("lone surrogate \\u%04X", r)
			}
			p.pos += 2
			r2, err := p.hex4()
			if err != nil {
				return nil, err
			}
			if r2 < 0xDC00 || r2 > 0xDFFF {
				return nil, p.errf("lone surrogate \\u%04X", r)
			}
			r = utf16.DecodeRune(r, r2)
		}
		return utf8.AppendRune(buf, r), nil
	default:
		p.pos -= 2
		return nil, p.errf("invalid escape \\%c", c)
	}
}

func (p *parser) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		return 0, p.errf("truncated \\u escape")
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, p.errf("invalid \\u escape")
	}
	p.pos += 4
	return rune(n), nil
}
