package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// putBatchSize bounds the objects written in one transaction, so that a
// huge import does not hold the write lock for long (5,000 objects is a
// few hundred milliseconds). Larger transactions write fewer pages per
// object: an object's entry in the id index lands on a random page, and a
// page that several objects of one transaction change is written once.
// Measured with bench ingest at 100,000 objects on 2 cores, 5,000 rather
// than 1,000 saved some 8 CPU-µs per object (about 58 to 50).
const putBatchSize = 5000

// putTx is the state of one batch of PutObjects inside its transaction.
type putTx struct {
	*writeTx
	seq       int64 // collection key
	lastAdded int64 // the latest date_added assigned, in microseconds
	// newLabels are the labels this transaction inserted, by encoding;
	// they join the DB's cache only once committed.
	newLabels map[string]int64

	findVersion, findHash, insert, findLabel, insertLabel, savepoint, rollbackTo, release *sql.Stmt
}

func (tx *writeTx) preparePut(ctx context.Context, seq int64) (*putTx, error) {
	p := &putTx{writeTx: tx, seq: seq, newLabels: map[string]int64{}}
	for _, s := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&p.findVersion, `SELECT hash, date_added FROM objects WHERE collection = ? AND id = ? AND version = ?`},
		{&p.findHash, `SELECT version, date_added FROM objects WHERE collection = ? AND id = ? AND hash = ? ORDER BY version LIMIT 1`},
		{&p.insert, `INSERT INTO objects (collection, date_added, id, version, type, spec_version, created, modified,
			revoked, created_by_ref, marking_refs, granular_markings, label_id, portions, hash, origin, raw)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&p.findLabel, `SELECT id FROM labels WHERE encoding = ?`},
		{&p.insertLabel, `INSERT INTO labels (encoding) VALUES (?)`},
		{&p.savepoint, `SAVEPOINT put_object`},
		{&p.rollbackTo, `ROLLBACK TO put_object`},
		{&p.release, `RELEASE put_object`},
	} {
		stmt, err := tx.PrepareContext(ctx, s.sql)
		if err != nil {
			return nil, formatError(err, "preparing a statement")
		}
		*s.stmt = stmt
	}
	err := tx.QueryRowContext(ctx, `SELECT last_added FROM collections WHERE seq = ?`, seq).Scan(&p.lastAdded)
	if err != nil {
		return nil, formatError(err, "reading the collection's last date_added")
	}
	return p, nil
}

// nextDateAdded returns the date_added of the next version: now, or one
// microsecond after the previous one when the clock has not moved on (or
// stepped back). The write lock is held, so no other writer interleaves.
func (p *putTx) nextDateAdded() int64 {
	p.lastAdded = max(rowcodec.Micros(p.now), p.lastAdded+1)
	return p.lastAdded
}

// PutObjects stores each object version. The versions of one call share
// write transactions of up to putBatchSize objects, for speed, but each is
// atomic on its own: an object whose storing takes more than one statement
// (its label is new) runs under its own SAVEPOINT, and a rejected object
// rolls back to it, leaving no row and no label while the others are kept.
func (db *DB) PutObjects(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	results := make([]kizuna.PutResult, 0, len(objs))
	for start := 0; ; start += putBatchSize {
		end := min(start+putBatchSize, len(objs))
		rs, err := db.putBatch(ctx, collection, objs[start:end])
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
		if end == len(objs) {
			return results, nil
		}
	}
}

func (db *DB) putBatch(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	seq, _, err := tx.collectionSeq(ctx, collection)
	if err != nil {
		return nil, err
	}
	p, err := tx.preparePut(ctx, seq)
	if err != nil {
		return nil, err
	}
	stale, err := tx.staleBasis(ctx, seq, objs)
	if err != nil {
		return nil, err
	}
	owners, err := tx.ownerTx(ctx, objs)
	if err != nil {
		return nil, err
	}
	results := make([]kizuna.PutResult, len(objs))
	stored := make([]storedFields, len(objs))
	// The statements of each object run without ctx: the driver watches a
	// cancellable context with a goroutine per statement, which cost more
	// than a one-row insert. ctx is checked between objects instead.
	octx := context.WithoutCancel(ctx)
	for i, o := range objs {
		if r, ok := stale[i]; ok {
			results[i] = r
			continue
		}
		if o != nil {
			refusal, err := owners.Check(o, func(o *kizuna.Object) (bool, error) { return tx.sameContent(octx, seq, o) })
			if err != nil {
				return nil, err
			}
			if refusal != nil {
				results[i] = rowcodec.OwnerResult(o, refusal)
				continue
			}
		}
		results[i], stored[i] = p.putObject(octx, i, o)
		if ctx.Err() != nil {
			return nil, formatError(ctx.Err(), "storing objects")
		}
		if results[i].Err == nil && results[i].Created {
			owners.Stored(o)
		}
	}
	if err := tx.writeOwners(ctx, owners); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE collections SET last_added = ? WHERE seq = ?`, p.lastAdded, seq); err != nil {
		return nil, formatError(err, "storing objects")
	}
	if err := tx.commit(); err != nil {
		return nil, formatError(err, "committing objects")
	}
	db.labelCache.AddIDs(p.newLabels)
	// Only a committed version tells its caller where it was stored.
	for i, o := range objs {
		if results[i].Err == nil && results[i].Created {
			o.Collection = collection
			o.Version = results[i].Version
			o.DateAdded = results[i].DateAdded
			o.LabelID = stored[i].labelID
			o.Portions = stored[i].portions
		}
	}
	return results, nil
}

// staleBasis reads, inside the write transaction, the latest stored
// version of each id whose write the write rules judged, and returns the
// results of those judged on a state that has changed since
// (kizuna.WriteBasis).
func (tx *writeTx) staleBasis(ctx context.Context, seq int64, objs []*kizuna.Object) (map[int]kizuna.PutResult, error) {
	ids := rowcodec.BasisIDs(objs)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, rowcodec.LatestQuerySQLite, seq, jsonList(ids))
	if err != nil {
		return nil, formatError(err, "reading the latest versions")
	}
	latest, err := rowcodec.ScanLatest(rows)
	rows.Close()
	if err != nil {
		return nil, formatError(err, "reading the latest versions")
	}
	return rowcodec.StaleBasis(objs, latest, func(o *kizuna.Object) (bool, error) { return tx.sameContent(ctx, seq, o) })
}

// storedFields are what the store assigned to a new version.
type storedFields struct {
	labelID  int64
	portions []kizuna.Portion
}

// putObject stores one version and reports its outcome.
func (p *putTx) putObject(ctx context.Context, i int, o *kizuna.Object) (kizuna.PutResult, storedFields) {
	if o == nil {
		return kizuna.PutResult{Err: kizuna.Errorf(kizuna.EINVALID, "object %d of the batch is missing", i)}, storedFields{}
	}
	res := kizuna.PutResult{ID: o.ID, Version: o.Version.UTC().Truncate(time.Microsecond)}
	if err := rowcodec.CheckPut(o); err != nil {
		res.Err = err
		return res, storedFields{}
	}
	sf, err := p.insertObject(ctx, o, &res)
	if err != nil {
		res.Created, res.Err = false, formatError(err, "storing object %s", o.ID)
		return res, storedFields{}
	}
	return res, sf
}

// insertObject stores o unless an identical version exists, and fills res.
// An unversioned object (an SCO) is versioned by the date this content was
// first stored, so the same content again is a no-op.
func (p *putTx) insertObject(ctx context.Context, o *kizuna.Object, res *kizuna.PutResult) (storedFields, error) {
	var sf storedFields
	if res.Version.IsZero() {
		var version, added int64
		err := p.findHash.QueryRowContext(ctx, p.seq, o.ID, o.Hash).Scan(&version, &added)
		if err == nil {
			res.Version, res.DateAdded = rowcodec.FromMicros(version), rowcodec.FromMicros(added)
			return sf, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return sf, err
		}
	}
	encs, err := rowcodec.LabelEncodings(o)
	if err != nil {
		return sf, err
	}
	ids := make([]int64, len(encs))
	var missing []int
	for j, enc := range encs {
		if id, ok := p.cachedLabel(enc); ok {
			ids[j] = id
		} else {
			missing = append(missing, j)
		}
	}
	// A single INSERT is atomic by itself; an object that must also store
	// a label gets a savepoint so that the label goes if the object does.
	var inserted []string
	if len(missing) > 0 {
		if _, err := p.savepoint.ExecContext(ctx); err != nil {
			return sf, err
		}
		created, err := p.insertWithLabels(ctx, o, res, encs, ids, missing, &inserted, &sf)
		if err != nil || !created {
			_, rerr := p.rollbackTo.ExecContext(ctx)
			for _, enc := range inserted {
				delete(p.newLabels, enc)
			}
			_, lerr := p.release.ExecContext(ctx)
			return sf, errors.Join(err, rerr, lerr)
		}
		_, err = p.release.ExecContext(ctx)
		return sf, err
	}
	_, err = p.insertRow(ctx, o, res, ids, &sf)
	return sf, err
}

// insertRow inserts the object row with its label ids (object first, then
// portions). It reports false when the (id, version) is already stored:
// the same content is a no-op, another content a conflict.
func (p *putTx) insertRow(ctx context.Context, o *kizuna.Object, res *kizuna.PutResult, ids []int64, sf *storedFields) (bool, error) {
	sf.labelID = ids[0]
	var portions sql.NullString
	if len(o.Portions) > 0 {
		sf.portions = make([]kizuna.Portion, len(o.Portions))
		for j, pt := range o.Portions {
			sf.portions[j] = kizuna.Portion{Selectors: pt.Selectors, Label: pt.Label, LabelID: ids[j+1]}
		}
		b, err := json.Marshal(rowcodec.StoredPortions(sf.portions))
		if err != nil {
			return false, kizuna.WrapError(kizuna.EINVALID, err, "object %s: portions cannot be encoded", o.ID)
		}
		portions = sql.NullString{String: string(b), Valid: true}
	}
	markingRefs, err := jsonOrNull(len(o.MarkingRefs), o.MarkingRefs)
	if err != nil {
		return false, kizuna.WrapError(kizuna.EINVALID, err, "object %s: object_marking_refs cannot be encoded", o.ID)
	}
	granular, err := jsonOrNull(len(o.GranularMarkings), o.GranularMarkings)
	if err != nil {
		return false, kizuna.WrapError(kizuna.EINVALID, err, "object %s: granular_markings cannot be encoded", o.ID)
	}
	added := p.nextDateAdded()
	version := rowcodec.Micros(res.Version)
	if res.Version.IsZero() {
		version = added
	}
	r, err := p.insert.ExecContext(ctx, p.seq, added, o.ID, version, o.Type, o.SpecVersion,
		nullMicros(o.Created), nullMicros(o.Modified), o.Revoked, o.CreatedByRef, markingRefs, granular,
		sf.labelID, portions, o.Hash, o.Origin, []byte(o.Raw))
	if err != nil {
		return false, err
	}
	if n, err := r.RowsAffected(); err != nil {
		return false, err
	} else if n == 1 {
		res.Version, res.DateAdded = rowcodec.FromMicros(version), rowcodec.FromMicros(added)
		res.Created = true
		return true, nil
	}
	// (id, version) is taken. The date_added drawn for the row is simply
	// not used; gaps are harmless, order is what counts.
	var hash string
	var existing int64
	if err := p.findVersion.QueryRowContext(ctx, p.seq, o.ID, version).Scan(&hash, &existing); err != nil {
		return false, err
	}
	if hash != o.Hash {
		return false, kizuna.Errorf(kizuna.ECONFLICT,
			"object %s version %s is already stored with a different content", o.ID, res.Version.Format(time.RFC3339Nano))
	}
	res.DateAdded = rowcodec.FromMicros(existing)
	return false, nil
}

// jsonOrNull encodes v, or returns NULL when n is zero.
func jsonOrNull(n int, v any) (sql.NullString, error) {
	if n == 0 {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}
