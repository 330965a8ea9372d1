package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kizuna-dev/kizuna"
)

// Decoder streams STIX objects out of a bundle ({"type":"bundle",
// "objects":[...]} with members in any order), a JSON array of objects, or a
// single object. It holds one object at a time, never the whole input.
//
// An object that is not valid STIX is not a decoder error: Next returns its
// bytes and Parse reports what is wrong with it. Malformed JSON and an
// invalid bundle envelope (type, id) are decoder errors; they name the byte
// offset. When a bundle lists its objects before its type or id, an envelope
// error can only be found after those objects were returned: a caller that
// must not act on objects of an invalid bundle should collect them until
// Next returns io.EOF. Memory grows with the largest single object, so the
// caller bounds the input (http.MaxBytesReader) as its policy requires.
type Decoder struct {
	rec   *recorder
	dec   *json.Decoder
	state int
	err   error

	start      int64 // offset of the top-level '{' of a single object
	typ, id    string
	sawType    bool
	sawID      bool
	sawObjects bool
}

const (
	stStart = iota
	stArray
	stObjects
	stDone
)

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	rec := &recorder{r: r}
	return &Decoder{rec: rec, dec: json.NewDecoder(rec)}
}

// recorder keeps the bytes read while on, so that a single top-level object
// can be returned exactly as it was written.
type recorder struct {
	r   io.Reader
	on  bool
	buf []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.on {
		r.buf = append(r.buf, p[:n]...)
	}
	return n, err
}

// Next returns the next object's JSON, or io.EOF after the last one.
func (d *Decoder) Next() (json.RawMessage, error) {
	if d.err != nil {
		return nil, d.err
	}
	raw, err := d.next()
	if err != nil {
		d.err = err
		d.rec.buf = nil
	}
	return raw, err
}

func (d *Decoder) next() (json.RawMessage, error) {
	switch d.state {
	case stStart:
		d.rec.on = true
		tok, err := d.dec.Token()
		if err == io.EOF {
			return nil, kizuna.Errorf(kizuna.EINVALID, "malformed JSON at byte offset 0: empty input")
		} else if err != nil {
			return nil, d.syntax(err)
		}
		switch tok {
		case json.Delim('['):
			d.rec.on, d.rec.buf = false, nil
			d.state = stArray
			return d.next()
		case json.Delim('{'):
			d.start = d.dec.InputOffset() - 1
			return d.members()
		default:
			return nil, d.errorf("the input must be a bundle, a list of objects or an object, not %v", tok)
		}
	case stArray:
		if d.dec.More() {
			return d.element()
		}
		if _, err := d.dec.Token(); err != nil { // ']'
			return nil, d.syntax(err)
		}
		if err := d.finish(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	case stObjects:
		if d.dec.More() {
			return d.element()
		}
		if _, err := d.dec.Token(); err != nil { // ']'
			return nil, d.syntax(err)
		}
		return d.members()
	default:
		return nil, io.EOF
	}
}

// element decodes one element of a list.
func (d *Decoder) element() (json.RawMessage, error) {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, d.syntax(err)
	}
	return raw, nil
}

// members reads the members of the top-level object until it finds the
// objects list of a bundle (and starts streaming it) or reaches the end.
func (d *Decoder) members() (json.RawMessage, error) {
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.syntax(err)
		}
		key, _ := tok.(string)
		bundleSoFar := !d.sawType || d.typ == "bundle"
		if key == "objects" && bundleSoFar {
			at := d.dec.InputOffset()
			tok, err := d.dec.Token()
			if err != nil {
				return nil, d.syntax(err)
			}
			if tok != json.Delim('[') {
				return nil, d.errorAt(at, "the objects of a bundle must be a list")
			}
			if d.sawObjects {
				return nil, d.errorAt(at, "duplicate member \"objects\"")
			}
			d.sawObjects = true
			d.rec.on, d.rec.buf = false, nil
			d.state = stObjects
			return d.next()
		}
		var raw json.RawMessage
		at := d.dec.InputOffset()
		if err := d.dec.Decode(&raw); err != nil {
			return nil, d.syntax(err)
		}
		switch key {
		case "type":
			if d.sawType {
				return nil, d.errorAt(at, "duplicate member \"type\"")
			}
			d.sawType = true
			if err := json.Unmarshal(raw, &d.typ); err != nil {
				return nil, d.errorAt(at, "type must be a string")
			}
			if d.typ == "bundle" {
				d.rec.on, d.rec.buf = false, nil
			} else if d.sawObjects {
				return nil, d.errorAt(at, "an object with an objects list must be a bundle, not %q", truncate(d.typ, 40))
			}
		case "id":
			if d.sawID {
				return nil, d.errorAt(at, "duplicate member \"id\"")
			}
			d.sawID = true
			_ = json.Unmarshal(raw, &d.id)
			if d.sawType && d.typ == "bundle" || d.sawObjects {
				if err := d.checkBundleID(at); err != nil {
					return nil, err
				}
			}
		}
	}
	if _, err := d.dec.Token(); err != nil { // '}'
		return nil, d.syntax(err)
	}
	end := d.dec.InputOffset()
	if d.typ == "bundle" || d.sawObjects {
		if !d.sawType {
			return nil, d.errorf("the bundle has no type")
		}
		if !d.sawID {
			return nil, d.errorf("the bundle has no id")
		}
		if err := d.checkBundleID(end); err != nil {
			return nil, err
		}
		if err := d.finish(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	// A single object: return its bytes exactly as read.
	if end > int64(len(d.rec.buf)) || d.start < 0 {
		return nil, d.errorf("internal offset error")
	}
	raw := bytes.Clone(d.rec.buf[d.start:end])
	d.rec.on, d.rec.buf = false, nil
	if err := d.finish(); err != nil {
		return nil, err
	}
	return raw, nil
}

func (d *Decoder) checkBundleID(at int64) error {
	typ, _, why := parseIdentifier(d.id)
	if why != "" {
		return d.errorAt(at, "bundle id: %s", why)
	}
	if typ != "bundle" {
		return d.errorAt(at, "bundle id %q must start with \"bundle--\"", truncate(d.id, 80))
	}
	return nil
}

// finish checks that nothing but white space follows the top-level value.
func (d *Decoder) finish() error {
	d.state = stDone
	if tok, err := d.dec.Token(); err != io.EOF {
		if err != nil {
			return d.syntax(err)
		}
		return d.errorf("unexpected %v after the top-level value", tok)
	}
	return nil
}

// syntax converts a decoding error into an EINVALID error naming the byte
// offset; errors of the underlying reader pass through unchanged.
func (d *Decoder) syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return kizuna.WrapError(kizuna.EINVALID, err, "malformed JSON at byte offset %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		return kizuna.WrapError(kizuna.EINVALID, err, "malformed JSON at byte offset %d: unexpected end of input", d.dec.InputOffset())
	default:
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return kizuna.WrapError(kizuna.EINVALID, err, "malformed JSON at byte offset %d: %v", ute.Offset, err)
		}
		return err
	}
}

func (d *Decoder) errorf(format string, args ...any) error {
	return d.errorAt(d.dec.InputOffset(), format, args...)
}

func (d *Decoder) errorAt(at int64, format string, args ...any) error {
	return kizuna.Errorf(kizuna.EINVALID, "invalid bundle at byte offset %d: %s", at, fmt.Sprintf(format, args...))
}
