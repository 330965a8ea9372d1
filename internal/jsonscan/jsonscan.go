// Package jsonscan checks the syntax of a JSON stream of any size in one
// pass and flat memory, several times faster than encoding/json's Decoder,
// and returns its skeleton: the value with the elements of its bulk arrays
// left out, small enough to hand to a decoder that judges its envelope.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxDepth is the deepest nesting accepted, as in encoding/json.
const MaxDepth = 10000

// SyntaxError is malformed JSON, at a byte offset of the input.
type SyntaxError struct {
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte offset %d: %s", e.Offset, e.Msg)
}

// Skeleton reads one JSON value from r, checks that it is well-formed (as
// encoding/json would: invalid UTF-8 in strings is accepted) and that
// nothing but white space follows it, and returns the value with the
// elements of its bulk arrays removed: a top-level array becomes [], and so
// does the array value of a top-level object member whose name is bulk.
// Everything else is returned as written. Errors are *SyntaxError, or the
// reader's own.
func Skeleton(r io.Reader, bulk string) ([]byte, error) {
	s := &scanner{r: r, buf: make([]byte, 0, 256<<10)}
	if err := s.top(bulk); err != nil {
		return nil, err
	}
	return s.out, nil
}

// scanner reads the input through its own buffer. While keep is set, the
// bytes it consumes are copied to out (from mark, on each refill and when
// keep is cleared).
type scanner struct {
	r     io.Reader
	buf   []byte
	pos   int
	base  int64 // input offset of buf[0]
	rerr  error // the reader's error, once buf is exhausted
	keep  bool
	mark  int
	out   []byte
	depth int
}

func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

func (s *scanner) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: s.offset(), Msg: fmt.Sprintf(format, args...)}
}

// fill reads more input; false at the end of the input (or on a read
// error, in rerr).
func (s *scanner) fill() bool {
	if s.keep {
		s.out = append(s.out, s.buf[s.mark:s.pos]...)
	}
	s.base += int64(s.pos)
	s.pos, s.mark = 0, 0
	s.buf = s.buf[:0]
	for s.rerr == nil {
		n, err := s.r.Read(s.buf[:cap(s.buf)])
		s.buf = s.buf[:n]
		if err != nil {
			s.rerr = err
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// eof is the error for input that ends inside a value.
func (s *scanner) eof() error {
	if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
		return s.rerr
	}
	return s.errorf("unexpected end of input")
}

func (s *scanner) startKeep() {
	s.keep, s.mark = true, s.pos
}

func (s *scanner) stopKeep() {
	s.out = append(s.out, s.buf[s.mark:s.pos]...)
	s.keep = false
}

// next skips white space and returns the next byte without consuming it;
// false at the end of the input.
func (s *scanner) next() (byte, bool) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// byte consumes one byte; false at the end of the input.
func (s *scanner) byte() (byte, bool) {
	if s.pos == len(s.buf) && !s.fill() {
		return 0, false
	}
	c := s.buf[s.pos]
	s.pos++
	return c, true
}

func (s *scanner) top(bulk string) error {
	c, ok := s.next()
	if !ok {
		if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
			return s.rerr
		}
		return s.errorf("empty input")
	}
	var err error
	switch c {
	case '[':
		err = s.value()
		s.out = append(s.out, "[]"...)
	case '{':
		err = s.topObject(bulk)
	default:
		s.startKeep()
		err = s.value()
		s.stopKeep()
	}
	if err != nil {
		return err
	}
	if c, ok := s.next(); ok {
		return s.errorf("invalid character %q after the top-level value", c)
	}
	if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
		return s.rerr
	}
	return nil
}

// topObject scans the top-level object, keeping every member but the
// elements of a bulk array.
func (s *scanner) topObject(bulk string) error {
	s.pos++ // '{'
	s.depth++
	s.out = append(s.out, '{')
	c, ok := s.next()
	if !ok {
		return s.eof()
	}
	if c == '}' {
		s.pos++
		s.out = append(s.out, '}')
		return nil
	}
	for {
		start := len(s.out)
		s.startKeep()
		if err := s.key(c); err != nil {
			return err
		}
		s.stopKeep()
		var key string
		isBulk := json.Unmarshal(bytes.TrimRight(bytes.TrimSpace(s.out[start:]), ":"), &key) == nil && key == bulk
		if c, ok = s.next(); !ok {
			return s.eof()
		}
		if isBulk && c == '[' {
			if err := s.value(); err != nil {
				return err
			}
			s.out = append(s.out, "[]"...)
		} else {
			s.startKeep()
			err := s.value()
			s.stopKeep()
			if err != nil {
				return err
			}
		}
		if c, ok = s.next(); !ok {
			return s.eof()
		}
		s.pos++
		switch c {
		case ',':
			s.out = append(s.out, ',')
		case '}':
			s.out = append(s.out, '}')
			s.depth--
			return nil
		default:
			s.pos--
			return s.errorf("invalid character %q after object key:value pair", c)
		}
		if c, ok = s.next(); !ok {
			return s.eof()
		}
	}
}

// value scans one value, after any white space.
func (s *scanner) value() error {
	c, ok := s.next()
	if !ok {
		return s.eof()
	}
	switch {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		return s.str()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.errorf("invalid character %q looking for beginning of value", c)
	}
}

func (s *scanner) push() error {
	s.depth++
	if s.depth > MaxDepth {
		return s.errorf("exceeded max depth")
	}
	return nil
}

func (s *scanner) object() error { return s.container('}') }

func (s *scanner) array() error { return s.container(']') }

// container scans an object (closed by '}') or an array (']') from its
// opening byte.
func (s *scanner) container(closing byte) error {
	s.pos++
	if err := s.push(); err != nil {
		return err
	}
	c, ok := s.next()
	if !ok {
		return s.eof()
	}
	if c == closing {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if closing == '}' {
			if err := s.key(c); err != nil {
				return err
			}
		}
		if err := s.value(); err != nil {
			return err
		}
		if c, ok = s.next(); !ok {
			return s.eof()
		}
		switch c {
		case ',':
			s.pos++
		case closing:
			s.pos++
			s.depth--
			return nil
		default:
			if closing == '}' {
				return s.errorf("invalid character %q after object key:value pair", c)
			}
			return s.errorf("invalid character %q after array element", c)
		}
		if c, ok = s.next(); !ok {
			return s.eof()
		}
	}
}

// key scans an object member's name and the colon after it; c is the next
// byte, which must open the name.
func (s *scanner) key(c byte) error {
	if c != '"' {
		return s.errorf("invalid character %q looking for the beginning of an object key string", c)
	}
	if err := s.str(); err != nil {
		return err
	}
	c, ok := s.next()
	if !ok {
		return s.eof()
	}
	if c != ':' {
		return s.errorf("invalid character %q after object key", c)
	}
	s.pos++
	return nil
}

// plain marks the bytes a string may hold without a second look.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (s *scanner) str() error {
	s.pos++ // '"'
	for {
		buf, i := s.buf, s.pos
		for i < len(buf) && plain[buf[i]] {
			i++
		}
		s.pos = i
		if i == len(buf) {
			if !s.fill() {
				return s.eof()
			}
			continue
		}
		switch c := buf[i]; {
		case c == '"':
			s.pos++
			return nil
		case c == '\\':
			s.pos++
			if err := s.escape(); err != nil {
				return err
			}
		default:
			return s.errorf("invalid character %q in string literal", c)
		}
	}
}

func (s *scanner) escape() error {
	c, ok := s.byte()
	if !ok {
		return s.eof()
	}
	switch c {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return nil
	case 'u':
		for range 4 {
			h, ok := s.byte()
			if !ok {
				return s.eof()
			}
			if !isHex(h) {
				s.pos--
				return s.errorf("invalid character %q in \\u hexadecimal character escape", h)
			}
		}
		return nil
	default:
		s.pos--
		return s.errorf("invalid character %q in string escape code", c)
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (s *scanner) literal(word string) error {
	for i := 0; i < len(word); i++ {
		c, ok := s.byte()
		if !ok {
			return s.eof()
		}
		if c != word[i] {
			s.pos--
			return s.errorf("invalid character %q in literal %s (expecting %q)", c, word, word[i])
		}
	}
	return nil
}

// peekByte returns the next byte without skipping white space.
func (s *scanner) peekByte() (byte, bool) {
	if s.pos == len(s.buf) && !s.fill() {
		return 0, false
	}
	return s.buf[s.pos], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() error {
	c, _ := s.byte()
	if c == '-' {
		if c, ok := s.byte(); !ok {
			return s.eof()
		} else if !isDigit(c) {
			s.pos--
			return s.errorf("invalid character %q in numeric literal", c)
		} else if c != '0' {
			s.digits()
		}
	} else if c != '0' {
		s.digits()
	}
	if c, ok := s.peekByte(); ok && c == '.' {
		s.pos++
		if err := s.someDigits(); err != nil {
			return err
		}
	}
	if c, ok := s.peekByte(); ok && (c == 'e' || c == 'E') {
		s.pos++
		if c, ok := s.peekByte(); ok && (c == '+' || c == '-') {
			s.pos++
		}
		if err := s.someDigits(); err != nil {
			return err
		}
	}
	return nil
}

// digits consumes zero or more digits.
func (s *scanner) digits() {
	for {
		c, ok := s.peekByte()
		if !ok || !isDigit(c) {
			return
		}
		s.pos++
	}
}

// someDigits consumes one or more digits.
func (s *scanner) someDigits() error {
	c, ok := s.peekByte()
	if !ok {
		return s.eof()
	}
	if !isDigit(c) {
		return s.errorf("invalid character %q in numeric literal", c)
	}
	s.digits()
	return nil
}
