package jsonvalue

import (
	"unicode/utf16"
	"unicode/utf8"
)

// str reads the string at d.pos (a '"'). A string without escapes and
// with valid UTF-8 is a part of d.s; others are unescaped into a new string,
// invalid UTF-8 and lone surrogates becoming U+FFFD, as in encoding/json.
func (d *decoder) str() (string, error) {
	start := d.pos + 1
	i := start
	for i < len(d.s) {
		c := d.s[i]
		if c == '"' {
			d.pos = i + 1
			return d.s[start:i], nil
		}
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	return d.strSlow(start, i)
}

// strSlow continues str from i, the first byte that needs a closer look.
func (d *decoder) strSlow(start, i int) (string, error) {
	b := append(d.buf[:0], d.s[start:i]...)
	plain := true // b equals d.s[start:i]
	for {
		if i >= len(d.s) {
			d.pos = i
			return "", d.errorf("unexpected end of JSON input")
		}
		c := d.s[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = b
			if plain {
				return d.s[start:i], nil
			}
			return string(b), nil
		case c < ' ':
			d.pos = i
			return "", d.errorf("%s in string literal", quoteChar(c))
		case c < utf8.RuneSelf && c != '\\':
			b = append(b, c)
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(d.s[i:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			b = utf8.AppendRune(b, r)
			i += size
		default: // a backslash
			plain = false
			if i+1 >= len(d.s) {
				d.pos = i + 1
				return "", d.errorf("unexpected end of JSON input")
			}
			switch e := d.s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, err := d.hex4(i + 2)
				if err != nil {
					return "", err
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair needs the second half right after; otherwise
					// U+FFFD, and the next escape is read on its own.
					if r2, ok := d.peekHex4(i); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				d.pos = i + 1
				return "", d.errorf("%s in string escape code", quoteChar(e))
			}
			i += 2
		}
	}
}

// hex4 reads the four hex digits of a \u escape starting at i.
func (d *decoder) hex4(i int) (rune, error) {
	var r rune
	for j := i; j < i+4; j++ {
		if j >= len(d.s) {
			d.pos = j
			return 0, d.errorf("unexpected end of JSON input")
		}
		v, ok := hexValue(d.s[j])
		if !ok {
			d.pos = j
			return 0, d.errorf("%s in \\u hexadecimal character escape", quoteChar(d.s[j]))
		}
		r = r<<4 | v
	}
	return r, nil
}

// peekHex4 reports the rune of a well-formed \uXXXX escape at i.
func (d *decoder) peekHex4(i int) (rune, bool) {
	if i+6 > len(d.s) || d.s[i] != '\\' || d.s[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.s[i+2 : i+6]) {
		v, ok := hexValue(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | v
	}
	return r, true
}

func hexValue(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10), true
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}
