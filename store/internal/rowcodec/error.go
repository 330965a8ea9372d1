package rowcodec

import (
	"context"
	"errors"
	"fmt"

	"github.com/kizuna-dev/kizuna"
)

// CommonError maps the errors every driver reports alike: nil stays nil, a
// domain error passes through unchanged, and a cancelled or expired context
// is EUNAVAILABLE. ok is false for any other error, which the store maps by
// its driver's codes; what is then the formatted description of what the
// store was doing, and dialect names the store in the message.
func CommonError(dialect string, err error, format string, args ...any) (mapped error, what string, ok bool) {
	if err == nil {
		return nil, "", true
	}
	var ke *kizuna.Error
	if errors.As(err, &ke) {
		return err, "", true
	}
	what = fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "%s: %s: request cancelled", dialect, what), what, true
	}
	return nil, what, false
}
