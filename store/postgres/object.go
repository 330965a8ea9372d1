package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// putBatchSize bounds the objects written in one transaction.
const putBatchSize = 1000

// errAborted reports that a statement failed inside a batch: PostgreSQL
// then refuses the rest of the transaction, so the batch is retried one
// object per transaction.
var errAborted = errors.New("batch aborted")

// errUnusable reports that the transaction of a batch of one failed.
var errUnusable = errors.New("transaction unusable")

// putTx is the state of one batch of PutObjects inside its transaction.
type putTx struct {
	*writeTx
	seq       int64
	lastAdded int64
	newLabels map[string]int64 // inserted by this transaction, by encoding
	// labelLocked: the transaction holds labelLock (lockLabels).
	labelLocked bool
}

// labelLock is the advisory lock key of label inserts.
const labelLock = 0x6b7a6c61626c

// lockLabels makes the transaction the only one inserting labels until it
// ends, so that label ids are committed in their order. Readers learn new
// labels by asking for the ids above the last they know (FindLabels, the
// guard's scope): a label whose id was taken before another's but committed
// after it would never be learnt, and the versions under it never read.
// New labels are rare (one per distinct marking combination), so the wait
// is too.
func (p *putTx) lockLabels(ctx context.Context) error {
	if p.labelLocked {
		return nil
	}
	if _, err := p.writeTx.Tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(labelLock)); err != nil {
		return err
	}
	p.labelLocked = true
	return nil
}

// PutObjects stores each object version. The versions of one call share
// transactions of up to putBatchSize objects, but each is atomic on its
// own: an object that must store a new label runs under a savepoint, a
// duplicate (id, version) is detected without an error (ON CONFLICT DO
// NOTHING), and any other failure makes the batch start again with one
// transaction per object.
func (db *DB) PutObjects(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	results := make([]kizuna.PutResult, 0, len(objs))
	for start := 0; ; start += putBatchSize {
		end := min(start+putBatchSize, len(objs))
		rs, err := db.putBatch(ctx, collection, objs[start:end], false)
		if errors.Is(err, errAborted) {
			rs = rs[:0]
			for _, o := range objs[start:end] {
				one, err := db.putBatch(ctx, collection, []*kizuna.Object{o}, true)
				if err != nil {
					return nil, err
				}
				rs = append(rs, one...)
			}
		} else if err != nil {
			return nil, err
		}
		results = append(results, rs...)
		if end == len(objs) {
			return results, nil
		}
	}
}

// putBatch stores objs in one transaction. Unless single, a failed
// statement aborts the batch with errAborted; when single, the failure is
// the object's result.
func (db *DB) putBatch(ctx context.Context, collection string, objs []*kizuna.Object, single bool) ([]kizuna.PutResult, error) {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	p := &putTx{writeTx: tx, newLabels: map[string]int64{}}
	// The row lock serialises the collection's writers until commit.
	err = tx.QueryRow(ctx, `SELECT seq, last_added FROM collections WHERE id = $1 OR alias = $1 FOR UPDATE`,
		collection).Scan(&p.seq, &p.lastAdded)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %q not found", collection)
	} else if err != nil {
		return nil, formatError(err, "locking collection %q", collection)
	}
	stale, err := p.staleBasis(ctx, objs)
	if err != nil {
		return nil, err
	}
	if stale == nil {
		stale = map[int]kizuna.PutResult{}
	}
	owners, err := p.claimOwners(ctx, objs, stale, single)
	if err != nil {
		return ownerFailure(objs, err, single)
	}
	var results []kizuna.PutResult
	var stored []storedFields
	if single {
		results, stored, err = p.putEach(ctx, objs, stale)
	} else {
		results, stored, err = p.putPipelined(ctx, objs, stale, owners)
	}
	if errors.Is(err, errUnusable) {
		// The object's own result reports the failure; nothing is committed.
		return results, nil
	} else if err != nil {
		return nil, err
	}
	if err := p.settleOwners(ctx, owners, objs, results); err != nil {
		return ownerFailure(objs, err, single)
	}
	if _, err := tx.Exec(ctx, `UPDATE collections SET last_added = $1 WHERE seq = $2`, p.lastAdded, p.seq); err != nil {
		return nil, formatError(err, "storing objects")
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, formatError(err, "committing objects")
	}
	db.labelCache.AddIDs(p.newLabels)
	created := 0
	for i, o := range objs {
		if results[i].Err == nil && results[i].Created {
			o.Collection, o.Version, o.DateAdded = collection, results[i].Version, results[i].DateAdded
			o.LabelID, o.Portions = stored[i].labelID, stored[i].portions
			created++
		}
	}
	db.stats.stored(created)
	return results, nil
}

// ownerFailure turns a failed statement of the owner phase into the
// batch's outcome: errAborted, for a batch that is then stored one object
// at a time; for a batch of one, the object's own result (a value the
// database refuses), with nothing committed.
func ownerFailure(objs []*kizuna.Object, err error, single bool) ([]kizuna.PutResult, error) {
	if !single || len(objs) != 1 || objs[0] == nil {
		return nil, err
	}
	o := objs[0]
	return []kizuna.PutResult{rowcodec.OwnerResult(o, formatError(err, "storing object %s", o.ID))}, nil
}

// putEach stores the objects one statement at a time, for a batch of one.
// When a statement fails the transaction is unusable: the results are
// returned with nil stored fields, so that nothing is committed.
func (p *putTx) putEach(ctx context.Context, objs []*kizuna.Object, stale map[int]kizuna.PutResult) ([]kizuna.PutResult, []storedFields, error) {
	results := make([]kizuna.PutResult, len(objs))
	stored := make([]storedFields, len(objs))
	for i, o := range objs {
		if r, ok := stale[i]; ok {
			results[i] = r
			continue
		}
		var unexpected bool
		results[i], stored[i], unexpected = p.putObject(ctx, i, o)
		if ctx.Err() != nil {
			return nil, nil, formatError(ctx.Err(), "storing objects")
		}
		if unexpected {
			return results, nil, errUnusable
		}
	}
	return results, stored, nil
}

// staleBasis reads, inside the write transaction and under the
// collection's row lock, the latest stored version of each id whose write
// the write rules judged, and returns the results of those judged on a
// state that has changed since (kizuna.WriteBasis).
func (p *putTx) staleBasis(ctx context.Context, objs []*kizuna.Object) (map[int]kizuna.PutResult, error) {
	ids := rowcodec.BasisIDs(objs)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := p.Query(ctx, rowcodec.LatestQueryPostgres, p.seq, ids)
	if err != nil {
		return nil, formatError(err, "reading the latest versions")
	}
	latest, err := rowcodec.ScanLatest(rows)
	rows.Close()
	if err != nil {
		return nil, formatError(err, "reading the latest versions")
	}
	return rowcodec.StaleBasis(objs, latest, func(o *kizuna.Object) (bool, error) { return p.sameContent(ctx, o) })
}

type storedFields struct {
	labelID  int64
	portions []kizuna.Portion
}

func (p *putTx) nextDateAdded() int64 {
	p.lastAdded = max(rowcodec.Micros(p.now), p.lastAdded+1)
	return p.lastAdded
}

// putObject stores one version. unexpected is true when a statement failed
// for another reason than the object's own (so the transaction is aborted).
func (p *putTx) putObject(ctx context.Context, i int, o *kizuna.Object) (kizuna.PutResult, storedFields, bool) {
	if o == nil {
		return kizuna.PutResult{Err: kizuna.Errorf(kizuna.EINVALID, "object %d of the batch is missing", i)}, storedFields{}, false
	}
	res := kizuna.PutResult{ID: o.ID, Version: truncate(o.Version)}
	if err := rowcodec.CheckPut(o); err != nil {
		res.Err = err
		return res, storedFields{}, false
	}
	sf, err := p.insertObject(ctx, o, &res)
	if err != nil {
		var ke *kizuna.Error
		res.Created, res.Err = false, formatError(err, "storing object %s", o.ID)
		return res, storedFields{}, !errors.As(err, &ke)
	}
	return res, sf, false
}

// truncate returns t in UTC at the stored precision; the zero time stays
// zero.
func truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// insertObject stores o unless an identical version exists, and fills res.
func (p *putTx) insertObject(ctx context.Context, o *kizuna.Object, res *kizuna.PutResult) (storedFields, error) {
	var sf storedFields
	if res.Version.IsZero() {
		// An unversioned object is versioned by the date this content was
		// first stored; the same content again is a no-op.
		var version, added int64
		err := p.QueryRow(ctx, `SELECT version, date_added FROM objects WHERE collection = $1 AND id = $2 AND hash = $3
			ORDER BY version LIMIT 1`, p.seq, o.ID, o.Hash).Scan(&version, &added)
		if err == nil {
			res.Version, res.DateAdded = rowcodec.FromMicros(version), rowcodec.FromMicros(added)
			return sf, nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return sf, err
		}
	}
	encs, err := rowcodec.LabelEncodings(o)
	if err != nil {
		return sf, err
	}
	ids := make([]int64, len(encs))
	missing := false
	for j, enc := range encs {
		if id, ok := p.cachedLabel(enc); ok {
			ids[j] = id
		} else {
			missing = true
		}
	}
	if !missing {
		_, err := p.insertRow(ctx, p.writeTx.Tx, o, res, ids, &sf)
		return sf, err
	}
	// New labels and the row go together or not at all.
	if err := p.lockLabels(ctx); err != nil {
		return sf, err
	}
	sp, err := p.Begin(ctx)
	if err != nil {
		return sf, err
	}
	var inserted []string
	created, err := func() (bool, error) {
		for j, enc := range encs {
			if ids[j] != 0 {
				continue
			}
			if id, ok := p.newLabels[enc]; ok {
				ids[j] = id
				continue
			}
			err := sp.QueryRow(ctx, `INSERT INTO labels (encoding) VALUES ($1) ON CONFLICT (encoding) DO NOTHING RETURNING id`, enc).Scan(&ids[j])
			if errors.Is(err, pgx.ErrNoRows) {
				// Stored and committed by another writer.
				if err := sp.QueryRow(ctx, `SELECT id FROM labels WHERE encoding = $1`, enc).Scan(&ids[j]); err != nil {
					return false, err
				}
			} else if err != nil {
				return false, err
			} else {
				inserted = append(inserted, enc)
			}
			p.newLabels[enc] = ids[j]
		}
		return p.insertRow(ctx, sp, o, res, ids, &sf)
	}()
	if err != nil || !created {
		if rerr := sp.Rollback(ctx); rerr != nil && err == nil {
			err = rerr
		}
		for _, enc := range inserted {
			delete(p.newLabels, enc)
		}
		return sf, err
	}
	return sf, sp.Commit(ctx)
}

// insertSQL inserts one version unless its (id, version) is stored.
const insertSQL = `INSERT INTO objects (collection, date_added, id, version, type, spec_version, created, modified,
	revoked, created_by_ref, marking_refs, granular_markings, label_id, portions, hash, origin, raw)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
	ON CONFLICT (collection, id, version) DO NOTHING`

// rowArgs returns the arguments of insertSQL for o with its label ids
// (object first, then portions), drawing its date_added, and the version.
func (p *putTx) rowArgs(o *kizuna.Object, res *kizuna.PutResult, ids []int64, sf *storedFields) ([]any, int64, int64, error) {
	sf.labelID = ids[0]
	var portions *string
	if len(o.Portions) > 0 {
		sf.portions = make([]kizuna.Portion, len(o.Portions))
		sp := make([]rowcodec.StoredPortion, len(o.Portions))
		for j, pt := range o.Portions {
			sf.portions[j] = kizuna.Portion{Selectors: pt.Selectors, Label: pt.Label, LabelID: ids[j+1]}
			sp[j] = rowcodec.StoredPortion{Selectors: pt.Selectors, LabelID: ids[j+1]}
		}
		b, err := json.Marshal(sp)
		if err != nil {
			return nil, 0, 0, kizuna.WrapError(kizuna.EINVALID, err, "object %s: portions cannot be encoded", o.ID)
		}
		s := string(b)
		portions = &s
	}
	markingRefs, err := jsonOrNull(len(o.MarkingRefs), o.MarkingRefs)
	if err != nil {
		return nil, 0, 0, kizuna.WrapError(kizuna.EINVALID, err, "object %s: object_marking_refs cannot be encoded", o.ID)
	}
	granular, err := jsonOrNull(len(o.GranularMarkings), o.GranularMarkings)
	if err != nil {
		return nil, 0, 0, kizuna.WrapError(kizuna.EINVALID, err, "object %s: granular_markings cannot be encoded", o.ID)
	}
	added := p.nextDateAdded()
	version := rowcodec.Micros(res.Version)
	if res.Version.IsZero() {
		version = added
	}
	return []any{p.seq, added, o.ID, version, o.Type, o.SpecVersion, nullMicros(o.Created), nullMicros(o.Modified), o.Revoked,
		o.CreatedByRef, markingRefs, granular, sf.labelID, portions, o.Hash, o.Origin, []byte(o.Raw)}, version, added, nil
}

// sameVersion decides the outcome of a version whose (id, version) was
// already stored with the hash and date_added: the same content is a
// no-op, another content a conflict.
func sameVersion(o *kizuna.Object, res *kizuna.PutResult, hash string, existing int64) error {
	if hash != o.Hash {
		return kizuna.Errorf(kizuna.ECONFLICT,
			"object %s version %s is already stored with a different content", o.ID, res.Version.Format(time.RFC3339Nano))
	}
	res.DateAdded = rowcodec.FromMicros(existing)
	return nil
}

// insertRow inserts the object row; it reports false when the (id,
// version) is already stored.
func (p *putTx) insertRow(ctx context.Context, q pgx.Tx, o *kizuna.Object, res *kizuna.PutResult, ids []int64, sf *storedFields) (bool, error) {
	args, version, added, err := p.rowArgs(o, res, ids, sf)
	if err != nil {
		return false, err
	}
	tag, err := q.Exec(ctx, insertSQL, args...)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 1 {
		res.Version, res.DateAdded, res.Created = rowcodec.FromMicros(version), rowcodec.FromMicros(added), true
		return true, nil
	}
	var hash string
	var existing int64
	if err := q.QueryRow(ctx, `SELECT hash, date_added FROM objects WHERE collection = $1 AND id = $2 AND version = $3`,
		p.seq, o.ID, version).Scan(&hash, &existing); err != nil {
		return false, err
	}
	return false, sameVersion(o, res, hash, existing)
}

func jsonOrNull(n int, v any) (*string, error) {
	if n == 0 {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}
