package rowcodec

import (
	"time"

	"github.com/kizuna-dev/kizuna"
)

// BasisIDs returns the distinct ids of the objects that carry a
// WriteBasis, whose latest stored versions the store must read inside its
// transaction.
func BasisIDs(objs []*kizuna.Object) []string {
	var ids []string
	seen := map[string]bool{}
	for _, o := range objs {
		if o != nil && o.WriteBasis != nil && !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// Rows is what both drivers' result sets offer.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// LatestQuerySQLite and LatestQueryPostgres read the latest stored version
// of each id, for ScanLatest; their parameters are the collection and the
// ids (a JSON list for SQLite, an array for PostgreSQL).
const (
	LatestQuerySQLite   = `SELECT id, MAX(version) FROM objects WHERE collection = ? AND id IN (SELECT value FROM json_each(?)) GROUP BY id`
	LatestQueryPostgres = `SELECT id, MAX(version) FROM objects WHERE collection = $1 AND id = ANY($2) GROUP BY id`
)

// ScanLatest reads the rows of a LatestQuery: the latest stored version
// of each id, in microseconds.
func ScanLatest(rows Rows) (map[string]int64, error) {
	latest := map[string]int64{}
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		latest[id] = v
	}
	return latest, rows.Err()
}

// StaleBasis returns, by their index in objs, the results of the objects
// whose WriteBasis no longer holds, given the latest stored version of
// each id (microseconds; absent when none is stored) read inside the
// transaction before any of objs was stored. Every version of a batch is
// judged against the state before the batch, as the write rules judged
// them. A version whose content is already stored (stored reports it) is
// left to the store's no-op, however the state changed: re-posting an
// identical object is a success.
func StaleBasis(objs []*kizuna.Object, latest map[string]int64, stored func(o *kizuna.Object) (bool, error)) (map[int]kizuna.PutResult, error) {
	var stale map[int]kizuna.PutResult
	for i, o := range objs {
		if o == nil || o.WriteBasis == nil {
			continue
		}
		v, found := latest[o.ID]
		b := o.WriteBasis
		if found == b.Found && (!found || v == Micros(b.Version)) {
			continue
		}
		if same, err := stored(o); err != nil {
			return nil, err
		} else if same {
			continue
		}
		if stale == nil {
			stale = map[int]kizuna.PutResult{}
		}
		stale[i] = kizuna.PutResult{ID: o.ID, Version: o.Version.UTC().Truncate(time.Microsecond), Err: kizuna.WrapError(kizuna.ECONFLICT,
			kizuna.ErrStaleWrite, "%s: another version of this object was stored while this one was being written; send it again", o.ID)}
	}
	return stale, nil
}
