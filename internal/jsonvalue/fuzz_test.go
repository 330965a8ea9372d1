package jsonvalue

import "testing"

// FuzzDecode checks Decode against encoding/json: the same inputs accepted,
// the same values, and an error placed inside the input otherwise.
func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDecode(t, data) })
}

// FuzzElements checks Elements, reading all at once and a byte at a time,
// against encoding/json decoding the input as a list.
func FuzzElements(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte("[" + c + "]"))
		f.Add([]byte("[1, " + c + "\n]"))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkElements(t, data) })
}
