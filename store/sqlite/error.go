package sqlite

import (
	"errors"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// formatError maps a driver error to a domain error, in this one place. The
// message says what the store was doing; the driver's own text stays in the
// wrapped error, for the logs only. Domain errors pass through unchanged.
func formatError(err error, format string, args ...any) error {
	mapped, what, ok := rowcodec.CommonError("sqlite", err, format, args...)
	if ok {
		return mapped
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: %s failed", what)
	}
	switch code := se.Code(); code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return kizuna.WrapError(kizuna.ECONFLICT, err, "sqlite: %s: already exists", what)
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return kizuna.WrapError(kizuna.EFORBIDDEN, err, "sqlite: %s: refused by a schema rule", what)
	default:
		switch code & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "sqlite: %s: database busy", what)
		case sqlite3.SQLITE_INTERRUPT:
			return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "sqlite: %s: interrupted", what)
		case sqlite3.SQLITE_FULL:
			return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "sqlite: %s: disk full", what)
		case sqlite3.SQLITE_READONLY:
			return kizuna.WrapError(kizuna.EUNAVAILABLE, err, "sqlite: %s: database is read-only", what)
		case sqlite3.SQLITE_CONSTRAINT:
			return kizuna.WrapError(kizuna.EINVALID, err, "sqlite: %s: constraint violated", what)
		}
	}
	return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: %s failed", what)
}

// isConstraint reports whether err is a constraint violation: SQLite undoes
// the statement that caused it and the transaction goes on.
func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
