package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// formatError maps a driver error to a domain error, in this one place. The
// message says what the store was doing; the driver's text stays in the
// wrapped error, for the logs only. Domain errors pass through unchanged.
func formatError(err error, format string, args ...any) error {
	mapped, what, ok := rowcodec.CommonError("postgres", err, format, args...)
	if ok {
		return mapped
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		if pgconn.Timeout(err) {
			return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "postgres: %s: timed out", what)
		}
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "postgres: %s: database unreachable", what)
		}
		return kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: %s failed", what)
	}
	switch pe.Code {
	case "23505": // unique_violation
		return kizuna.WrapError(kizuna.ECONFLICT, err, "postgres: %s: already exists", what)
	case "KZ001": // raised by the audit log's append-only trigger
		return kizuna.WrapError(kizuna.EFORBIDDEN, err, "postgres: %s: refused by a schema rule", what)
	case "40001", "40P01", "55P03", "57014", "53300", "57P01", "57P03":
		// serialization failure, deadlock, lock not available, cancelled,
		// too many connections, shutting down, not yet accepting.
		return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "postgres: %s: database busy", what)
	}
	if len(pe.Code) == 5 && pe.Code[:2] == "23" { // other integrity violations
		return kizuna.WrapError(kizuna.EINVALID, err, "postgres: %s: constraint violated", what)
	}
	if len(pe.Code) == 5 && pe.Code[:2] == "22" { // data exceptions: bad encoding, out of range
		return kizuna.WrapError(kizuna.EINVALID, err, "postgres: %s: value not storable", what)
	}
	return kizuna.WrapError(kizuna.EINTERNAL, err, "postgres: %s failed", what)
}
