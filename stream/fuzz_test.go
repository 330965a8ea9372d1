package stream_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/stream"
)

// FuzzParseCursor: an id a client sends is either refused or read into a
// cursor that writes back to an id reading the same.
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"0", "1765065600000000", "1765065600000000,5d2f0c1e-7a8b-4c9d-8e0f-1a2b3c4d5e6f=1765101234567890",
		"1,a%3Db=2,c=3", "1,a=2,a=3", "-1", "01", "1,=2", "1,a=", "1,a=b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := stream.ParseCursor(s)
		if err != nil {
			return
		}
		again, err := stream.ParseCursor(c.String())
		if err != nil {
			t.Fatalf("%q read as %q, which does not read: %v", s, c.String(), err)
		}
		if again.String() != c.String() {
			t.Fatalf("%q: %q then %q", s, c.String(), again.String())
		}
	})
}

// FuzzReader: any bytes read as a stream end in events and an error, never
// a panic, and an event's id never holds a line break or NUL.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"event: object\nid: 1\ndata: {}\n\n", ": c\n\n", "data: a\ndata: b\r\n\r\n", "id: x\x00y\ndata: z\n\n",
		"data", "\n\n\n", "event: e\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rd := stream.NewReader(bytes.NewReader(b))
		for range len(b) + 1 {
			m, err := rd.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("error %v", err)
				}
				return
			}
			if strings.ContainsAny(m.ID, "\n\r\x00") {
				t.Fatalf("id %q", m.ID)
			}
		}
		t.Fatal("more events than bytes")
	})
}
