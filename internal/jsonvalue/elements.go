package jsonvalue

import (
	"bytes"
	"errors"
	"io"
)

// Element is one element of a top-level JSON array, as Elements reads it.
type Element struct {
	Index  int    // position in the array, from 0
	Offset int64  // byte offset of its first byte in the input
	Line   int    // line of its first byte, from 1
	Text   []byte // its JSON text; valid only until the callback returns
}

// Locate places an error of decoding e.Text in the whole input: the offset
// and line of a *SyntaxError become those of the input, and its path starts
// at the top-level array. Other errors are returned as they are.
func (e *Element) Locate(err error) error {
	var se *SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	se.Offset += e.Offset
	se.Line += e.Line - 1
	se.Path = PathSegment("", e.Index) + se.Path
	return err
}

// Elements reads a JSON array from r and calls fn with each of its elements
// in turn, without holding more than the element being read in memory. It
// checks the syntax of the array itself (brackets, commas, white space
// only after it) and finds where each element ends, but not that the
// element is well-formed: decode Text for that. An error of fn ends the
// reading and is returned; other errors are *SyntaxError or the reader's.
func Elements(r io.Reader, fn func(*Element) error) error {
	s := &splitter{r: r, buf: make([]byte, 0, 1<<20), line: 1}
	return s.array(fn)
}

// splitter reads r through buf. buf[:mark] may be dropped on the next read;
// base is the input offset of buf[0] and line the line of buf[pos].
type splitter struct {
	r    io.Reader
	buf  []byte
	pos  int
	mark int
	base int64
	line int
	rerr error
}

// more reads more input, keeping buf[mark:]. It reports false at the end of
// the input or on a read error (in s.rerr).
func (s *splitter) more() bool {
	if s.rerr != nil {
		return false
	}
	if s.mark > 0 {
		n := copy(s.buf, s.buf[s.mark:])
		s.base += int64(s.mark)
		s.pos -= s.mark
		s.mark = 0
		s.buf = s.buf[:n]
	}
	if len(s.buf) == cap(s.buf) {
		s.buf = append(s.buf, 0)[:len(s.buf)]
	}
	for {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// readErr is the error for input that ended at s.pos.
func (s *splitter) readErr() error {
	if s.rerr != nil && s.rerr != io.EOF {
		return s.rerr
	}
	return s.errorf("unexpected end of JSON input")
}

func (s *splitter) errorf(msg string, c ...byte) error {
	if len(c) > 0 {
		msg = quoteChar(c[0]) + " " + msg
	}
	return &SyntaxError{Offset: s.base + int64(s.pos), Line: s.line, Msg: msg}
}

// space skips white space and returns the next byte, false at the end.
func (s *splitter) space() (byte, bool) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case '\n':
				s.line++
				fallthrough
			case ' ', '\t', '\r':
				s.pos++
			default:
				return c, true
			}
		}
		s.mark = s.pos
		if !s.more() {
			return 0, false
		}
	}
}

func (s *splitter) array(fn func(*Element) error) error {
	c, ok := s.space()
	if !ok {
		return s.readErr()
	}
	if c != '[' {
		return s.errorf("looking for the beginning of an array", c)
	}
	s.pos++
	if c, ok = s.space(); !ok {
		return s.readErr()
	}
	if c == ']' {
		s.pos++
		return s.end()
	}
	el := &Element{}
	for i := 0; ; i++ {
		s.mark = s.pos
		if err := s.element(); err != nil {
			if se, ok := err.(*SyntaxError); ok {
				se.Path = PathSegment("", i)
			}
			return err
		}
		el.Index, el.Offset, el.Line, el.Text = i, s.base+int64(s.mark), s.line, s.buf[s.mark:s.pos]
		if err := fn(el); err != nil {
			return err
		}
		s.line += bytes.Count(el.Text, []byte{'\n'})
		s.mark = s.pos
		if c, ok = s.space(); !ok {
			return s.readErr()
		}
		s.pos++
		switch c {
		case ',':
			if c, ok = s.space(); !ok {
				return s.readErr()
			}
			if c == ']' {
				return s.errorf("looking for the beginning of a value", c)
			}
			continue
		case ']':
			return s.end()
		}
		s.pos--
		return s.errorf("after array element", c)
	}
}

// end checks that only white space follows the array.
func (s *splitter) end() error {
	if c, ok := s.space(); ok {
		return s.errorf("after top-level value", c)
	}
	if s.rerr != io.EOF {
		return s.rerr
	}
	return nil
}

// element moves s.pos past the element starting at s.pos (s.mark): a
// container to its closing bracket, a string to its closing quote, anything
// else to the next delimiter.
func (s *splitter) element() error {
	var depth int
	var inString bool
	switch s.buf[s.pos] {
	case '{', '[':
	case '"':
		inString = true
		s.pos++
	case ',', ']', '}':
		return s.errorf("looking for the beginning of a value", s.buf[s.pos])
	default:
		for {
			for s.pos < len(s.buf) {
				switch s.buf[s.pos] {
				case ' ', '\t', '\n', '\r', ',', ']', '}', '[', '{', '"':
					return nil
				}
				s.pos++
			}
			if !s.more() {
				return nil // the decoder judges the element; end() the rest
			}
		}
	}
	for {
		buf := s.buf
		i := s.pos
		for i < len(buf) {
			if inString {
				// The closing quote is the next one not escaped: one
				// after an even run of backslashes (the run stays inside
				// the string, which lies in buf from its opening quote).
				k := bytes.IndexByte(buf[i:], '"')
				if k < 0 {
					i = len(buf)
					break
				}
				q := i + k
				j := q - 1
				for buf[j] == '\\' {
					j--
				}
				i = q + 1
				if (q-1-j)%2 == 1 {
					continue
				}
				inString = false
				if depth == 0 {
					s.pos = i
					return nil
				}
				continue
			}
			switch buf[i] {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.pos = i + 1
					return nil
				}
			}
			i++
		}
		s.pos = len(buf)
		if !s.more() {
			return s.readErr()
		}
	}
}
