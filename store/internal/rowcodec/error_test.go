package rowcodec

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

func TestCommonError(t *testing.T) {
	if mapped, _, ok := CommonError("test", nil, "x"); mapped != nil || !ok {
		t.Errorf("nil maps to %v, %v; want nil, true", mapped, ok)
	}
	domain := kizuna.Errorf(kizuna.ENOTFOUND, "gone")
	if mapped, _, ok := CommonError("test", fmt.Errorf("wrapped: %w", domain), "x"); !ok || kizuna.ErrorCode(mapped) != kizuna.ENOTFOUND {
		t.Errorf("a domain error maps to %v, %v; want it unchanged", mapped, ok)
	}
	mapped, what, ok := CommonError("test", fmt.Errorf("driver: %w", context.DeadlineExceeded), "reading %s", "labels")
	if !ok || what != "reading labels" || !errors.Is(mapped, context.DeadlineExceeded) {
		t.Errorf("an expired context maps to %v, %q, %v", mapped, what, ok)
	}
	MustCode(t, mapped, kizuna.EUNAVAILABLE, "test: reading labels: request cancelled")
	driver := errors.New("disk I/O error")
	if mapped, what, ok := CommonError("test", driver, "storing %d objects", 3); ok || mapped != nil || what != "storing 3 objects" {
		t.Errorf("a driver error maps to %v, %q, %v; want it left to the store", mapped, what, ok)
	}
}
