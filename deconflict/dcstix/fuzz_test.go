package dcstix_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
)

// FuzzDecode: registrations and notices of any content never panic, and
// every error names the object's path.
func FuzzDecode(f *testing.F) {
	a, _ := dcstix.EncodeAction(takedown)
	n, _ := dcstix.EncodeNotice(notice, "identity--b0000000-0000-4000-8000-000000000009", notice.MarkingRefs)
	f.Add(a)
	f.Add(n)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func([]byte) error{
			func(b []byte) error { _, err := dcstix.DecodeAction(b); return err },
			func(b []byte) error { _, err := dcstix.DecodeNotice(b); return err },
		} {
			if err := decode(data); err != nil && !strings.Contains(err.Error(), "$") {
				t.Fatalf("error without a path: %v", err)
			}
		}
	})
}
