package rowcodec

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// fakeRow is a driver row holding the given column values. A nil value is
// SQL NULL: it may be scanned only into a pointer destination.
type fakeRow struct {
	vals []any
	err  error
}

func (r fakeRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	if len(dest) != len(r.vals) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		dv := reflect.ValueOf(d).Elem()
		if r.vals[i] == nil {
			if dv.Kind() != reflect.Pointer {
				return fmt.Errorf("scan: NULL into non-pointer column %d", i)
			}
			dv.SetZero()
			continue
		}
		v := reflect.ValueOf(r.vals[i])
		if dv.Kind() == reflect.Pointer && v.Kind() != reflect.Pointer {
			p := reflect.New(dv.Type().Elem())
			p.Elem().Set(v.Convert(dv.Type().Elem()))
			dv.Set(p)
			continue
		}
		if !v.CanConvert(dv.Type()) {
			return fmt.Errorf("scan: column %d: %T into %s", i, r.vals[i], dv.Type())
		}
		dv.Set(v.Convert(dv.Type()))
	}
	return nil
}

// MustCode fails tb unless err is a domain error with the code whose
// message contains want.
func MustCode(tb testing.TB, err error, code, want string) {
	tb.Helper()
	if kizuna.ErrorCode(err) != code {
		tb.Fatalf("error %v has code %q, want %q", err, kizuna.ErrorCode(err), code)
	}
	if !strings.Contains(kizuna.ErrorMessage(err), want) {
		tb.Fatalf("error message %q does not contain %q", kizuna.ErrorMessage(err), want)
	}
}
