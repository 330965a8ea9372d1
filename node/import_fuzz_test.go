package node

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzCheckEnvelope checks the import's first pass against the STIX
// decoder it stands for: whatever it accepts, the decoder reads to the end
// without an error (so that the second pass never stops halfway), and it
// refuses what the decoder accepts only for nesting deeper than the limit
// it counts from the top.
func FuzzCheckEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"type":"bundle","id":"bundle--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[{"type":"x"}]}`,
		`{"objects":[{"a":1}],"type":"bundle","id":"bundle--x"}`,
		`{"objects":[],"type":"report"}`, `[{"a":1},2] x`, `{"id":"a","objects":[1],"objects":[]}`,
		`{"type":"indicator","id":"indicator--6a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60"}`, `"s"`, `[]`, `{"objects":5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := checkEnvelope(bytes.NewReader(data))
		slow := decodeAll(bytes.NewReader(data))
		if fast == nil && slow != nil {
			t.Fatalf("the check accepts %q, which the decoder refuses: %v", data, slow)
		}
		if fast != nil && slow == nil && !strings.Contains(fast.Error(), "exceeded max depth") {
			t.Fatalf("the check refuses %q (%v), which the decoder accepts", data, fast)
		}
	})
}
