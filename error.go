package kizuna

import (
	"errors"
	"fmt"
)

// Error codes. Codes are append-only: adapters map them to transport status
// codes in one table each (the TAXII layer maps them to HTTP statuses).
const (
	ECONFLICT     = "conflict"       // the request conflicts with stored state
	EINTERNAL     = "internal"       // a fault inside the node; the message is generic
	EINVALID      = "invalid"        // the input is malformed or violates a rule
	ENOTFOUND     = "not_found"      // absent, or not visible to the caller
	EUNAUTHORIZED = "unauthorized"   // no valid credentials
	EFORBIDDEN    = "forbidden"      // authenticated but not allowed to act
	ETOOLARGE     = "too_large"      // the input exceeds a configured limit
	EUNSUPPORTED  = "unsupported"    // a media type or version the node cannot serve
	EUNAVAILABLE  = "unavailable"    // temporarily unable (shutting down, rate limited)
	ESCHEMA       = "schema_too_new" // the data directory was written by a newer binary
)

// Error is a domain error. Message is safe to show to a client; the wrapped
// Err, if any, is for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("kizuna error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("kizuna error: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error that carries err for the logs and a message for
// the client.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL
// for any other non-nil error, or "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err. Foreign errors get a
// generic message so that internals never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
