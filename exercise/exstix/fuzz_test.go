package exstix_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/exercise/exstix"
)

// FuzzDecode: exercise objects of any content never panic, and every
// error names a path.
func FuzzDecode(f *testing.F) {
	objs, _, _ := objects(f)
	for _, b := range objs {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func([]byte) error{
			func(b []byte) error { _, err := exstix.DecodeExercise(b); return err },
			func(b []byte) error { _, err := exstix.DecodeRelease(b); return err },
			func(b []byte) error { _, err := exstix.DecodeReport(b); return err },
			func(b []byte) error { _, err := exstix.DecodeCorrective(b); return err },
		} {
			if err := decode(data); err != nil && !strings.Contains(err.Error(), "$") {
				t.Fatalf("error without a path: %v", err)
			}
		}
	})
}
