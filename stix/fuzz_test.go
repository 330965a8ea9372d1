package stix

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// FuzzParse checks that Parse never panics, fails only with EINVALID, agrees
// with Validate, and that an accepted object's hash is the hash of its
// canonical form. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		obj, err := Parse(raw)
		_, errs := Validate(raw)
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("Parse error code %q, want %q: %v", kizuna.ErrorCode(err), kizuna.EINVALID, err)
			}
			if len(errs) == 0 && !isBundle(raw) {
				t.Fatalf("Parse failed but Validate found no error: %v", err)
			}
			return
		}
		if len(errs) > 0 {
			t.Fatalf("Parse accepted an object Validate rejects: %v", errs)
		}
		if obj.ID == "" || obj.Type == "" || obj.SpecVersion != "2.1" {
			t.Fatalf("accepted object without envelope: %+v", obj)
		}
		canon, err := Canonical(raw)
		if err != nil {
			t.Fatalf("Canonical failed on an accepted object: %v", err)
		}
		sum := sha256.Sum256(canon)
		if obj.Hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("Hash %s is not the SHA-256 of the canonical form", obj.Hash)
		}
		if !bytes.Equal(obj.Raw, bytes.TrimSpace(raw)) {
			t.Fatalf("Raw is not the trimmed input")
		}
	})
}

func isBundle(raw []byte) bool {
	var env struct{ Type string }
	return json.Unmarshal(raw, &env) == nil && env.Type == "bundle"
}

// FuzzCanonical checks that the canonical form is valid JSON with the same
// meaning as the input, and a fixed point of Canonical.
func FuzzCanonical(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := Canonical(raw)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Canonical produced invalid JSON %q", out)
		}
		again, err := Canonical(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Canonical is not idempotent: %q -> %q (%v)", out, again, err)
		}
		var a, b any
		if json.Unmarshal(raw, &a) != nil {
			t.Fatalf("Canonical accepted %q, which encoding/json rejects", raw)
		}
		if err := json.Unmarshal(out, &b); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("canonical form %q differs in meaning from %q", out, raw)
		}
	})
}

// FuzzCanonicalSplit checks that CanonicalSplit agrees with Canonical of
// the object rebuilt without the omitted member, and refuses what
// Canonical refuses.
func FuzzCanonicalSplit(f *testing.F) {
	f.Add([]byte(`{"id":"x--1","sig":{"k":"v"},"n":1e2}`), "sig")
	f.Add([]byte(`{"a":"\u00e9","b":[1,{"c":null}]}`), "a")
	f.Fuzz(func(t *testing.T, raw []byte, omit string) {
		out, picked, err := CanonicalSplit(raw, omit, omit)
		_, werr := Canonical(raw)
		if err != nil {
			var m map[string]json.RawMessage
			if werr == nil && json.Unmarshal(raw, &m) == nil && m != nil {
				t.Fatalf("CanonicalSplit refused the object %q that Canonical accepts: %v", raw, err)
			}
			return
		}
		if werr != nil {
			t.Fatalf("CanonicalSplit accepted %q, which Canonical refuses: %v", raw, werr)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			t.Fatalf("CanonicalSplit accepted %q, which is not an object", raw)
		}
		if v, ok := m[omit]; ok != (picked[0] != nil) {
			t.Fatalf("picked %q for member %q of %q", picked[0], omit, raw)
		} else if ok {
			if c, err := Canonical(v); err != nil || !bytes.Equal(c, picked[0]) {
				t.Fatalf("picked %q, want %q", picked[0], c)
			}
		}
		delete(m, omit)
		rest, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Canonical(rest)
		if err != nil || !bytes.Equal(out, want) {
			t.Fatalf("CanonicalSplit(%q, %q) = %q, want %q (%v)", raw, omit, out, want, err)
		}
	})
}

// FuzzDecoder checks that the decoder never panics, returns only JSON
// values, and stops after an error or io.EOF.
func FuzzDecoder(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		d := NewDecoder(bytes.NewReader(raw))
		for i := 0; ; i++ {
			if i > len(raw) {
				t.Fatalf("decoder returned more values than the input has bytes")
			}
			obj, err := d.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && kizuna.ErrorCode(err) != kizuna.EINVALID {
					t.Fatalf("error code %q: %v", kizuna.ErrorCode(err), err)
				}
				if _, again := d.Next(); again == nil {
					t.Fatalf("Next succeeded after %v", err)
				}
				return
			}
			if !json.Valid(obj) {
				t.Fatalf("decoder returned invalid JSON %q", obj)
			}
		}
	})
}
