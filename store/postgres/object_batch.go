package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/store/internal/rowcodec"
)

// putPipelined stores a batch in a few round trips: every row in one
// INSERT (insertRows), and the per-object lookups of the rarer steps (new
// labels, unversioned content, versions already stored) sent together
// (pgx.Batch). Duplicate (id, version) pairs are detected without an error
// (ON CONFLICT DO NOTHING, unless every id is new to the node); labels
// inserted for objects that end up not stored are deleted before commit,
// so a rejected object leaves no label.
// Any failed statement aborts the PostgreSQL transaction: the batch then
// reports errAborted and is stored again one object at a time.
func (p *putTx) putPipelined(ctx context.Context, objs []*kizuna.Object, stale map[int]kizuna.PutResult, owners *ownerClaims) ([]kizuna.PutResult, []storedFields, error) {
	results := make([]kizuna.PutResult, len(objs))
	stored := make([]storedFields, len(objs))
	encs := make([][]string, len(objs))
	pending := make([]bool, len(objs)) // valid and not yet decided
	for i, o := range objs {
		if r, ok := stale[i]; ok {
			results[i] = r
			continue
		}
		if o == nil {
			results[i].Err = kizuna.Errorf(kizuna.EINVALID, "object %d of the batch is missing", i)
			continue
		}
		results[i] = kizuna.PutResult{ID: o.ID, Version: truncate(o.Version)}
		if err := rowcodec.CheckPut(o); err != nil {
			results[i].Err = err
			continue
		}
		encs[i], results[i].Err = rowcodec.LabelEncodings(o)
		pending[i] = results[i].Err == nil
	}

	// Unversioned objects: the same content stored before is a no-op, and
	// so is a repeat inside this batch.
	if err := p.findStoredContent(ctx, objs, results, pending); err != nil {
		return nil, nil, err
	}

	inserted, err := p.resolveLabels(ctx, encs, pending)
	if err != nil {
		return nil, nil, err
	}

	// The rows, in order, each with its date_added, in one statement.
	var rows rowColumns
	var queued []int
	versions := make([]int64, len(objs))
	added := make([]int64, len(objs))
	for i, o := range objs {
		if !pending[i] {
			continue
		}
		ids := make([]int64, len(encs[i]))
		for j, enc := range encs[i] {
			ids[j], _ = p.cachedLabel(enc)
		}
		args, version, add, err := p.rowArgs(o, &results[i], ids, &stored[i])
		if err != nil {
			results[i].Err, pending[i] = err, false
			continue
		}
		versions[i], added[i] = version, add
		rows.add(args)
		queued = append(queued, i)
	}
	var taken []int // (id, version) already stored
	if len(queued) > 0 {
		inserted, err := p.insertRows(ctx, &rows, allNew(objs, queued, versions, owners))
		if err != nil {
			return nil, nil, errors.Join(errAborted, err)
		}
		for _, i := range queued {
			if inserted[added[i]] {
				results[i].Version, results[i].DateAdded, results[i].Created = rowcodec.FromMicros(versions[i]), rowcodec.FromMicros(added[i]), true
			} else {
				taken = append(taken, i)
			}
		}
	}

	if len(taken) > 0 {
		batch := &pgx.Batch{}
		for _, i := range taken {
			batch.Queue(`SELECT hash, date_added FROM objects WHERE collection = $1 AND id = $2 AND version = $3`,
				p.seq, objs[i].ID, versions[i])
		}
		br := p.SendBatch(ctx, batch)
		for _, i := range taken {
			var hash string
			var existing int64
			if err := br.QueryRow().Scan(&hash, &existing); err != nil {
				br.Close()
				return nil, nil, errors.Join(errAborted, err)
			}
			results[i].Err = sameVersion(objs[i], &results[i], hash, existing)
			stored[i] = storedFields{}
		}
		if err := br.Close(); err != nil {
			return nil, nil, errors.Join(errAborted, err)
		}
	}
	return results, stored, p.dropUnusedLabels(ctx, objs, results, encs, inserted)
}

// allNew reports whether no row of queued can find its (id, version)
// stored: each id's owner record was made by this transaction (an id
// without a record has no version stored in any collection), and no (id,
// version) comes twice.
func allNew(objs []*kizuna.Object, queued []int, versions []int64, owners *ownerClaims) bool {
	type key struct {
		id      string
		version int64
	}
	seen := make(map[key]bool, len(queued))
	for _, i := range queued {
		k := key{objs[i].ID, versions[i]}
		if _, claimed := owners.claimed[k.id]; !claimed || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// findStoredContent decides the unversioned objects whose content is
// already stored, or repeated earlier in the batch.
func (p *putTx) findStoredContent(ctx context.Context, objs []*kizuna.Object, results []kizuna.PutResult, pending []bool) error {
	batch := &pgx.Batch{}
	var queued []int
	first := map[[2]string]int{} // (id, hash) -> first index in the batch
	for i, o := range objs {
		if !pending[i] || !results[i].Version.IsZero() {
			continue
		}
		key := [2]string{o.ID, o.Hash}
		if _, dup := first[key]; dup {
			continue
		}
		first[key] = i
		batch.Queue(`SELECT version, date_added FROM objects WHERE collection = $1 AND id = $2 AND hash = $3
			ORDER BY version LIMIT 1`, p.seq, o.ID, o.Hash)
		queued = append(queued, i)
	}
	if len(queued) == 0 {
		return nil
	}
	br := p.SendBatch(ctx, batch)
	for _, i := range queued {
		var version, added int64
		err := br.QueryRow().Scan(&version, &added)
		if err == nil {
			results[i].Version, results[i].DateAdded = rowcodec.FromMicros(version), rowcodec.FromMicros(added)
			pending[i] = false
		} else if !errors.Is(err, pgx.ErrNoRows) {
			br.Close()
			return errors.Join(errAborted, err)
		}
	}
	if err := br.Close(); err != nil {
		return errors.Join(errAborted, err)
	}
	// A repeat of content first seen in this batch is decided with it;
	// mark it for resolveDuplicates after the rows are stored.
	for i, o := range objs {
		if pending[i] && results[i].Version.IsZero() {
			if j := first[[2]string{o.ID, o.Hash}]; j != i {
				pending[i] = false
				results[i].Err = errRepeat{j}
			}
		}
	}
	return nil
}

// errRepeat marks an unversioned object whose content an earlier object of
// the batch carries; its result becomes that object's.
type errRepeat struct{ of int }

func (errRepeat) Error() string { return "repeated content" }

// resolveLabels gives every label of the pending objects an id, inserting
// the new ones, and returns the encodings this transaction inserted.
func (p *putTx) resolveLabels(ctx context.Context, encs [][]string, pending []bool) (map[string]bool, error) {
	var missing []string
	seen := map[string]bool{}
	for i := range encs {
		if !pending[i] {
			continue
		}
		for _, enc := range encs[i] {
			if _, ok := p.cachedLabel(enc); !ok && !seen[enc] {
				seen[enc] = true
				missing = append(missing, enc)
			}
		}
	}
	inserted := map[string]bool{}
	if len(missing) == 0 {
		return inserted, nil
	}
	if err := p.lockLabels(ctx); err != nil {
		return nil, errors.Join(errAborted, err)
	}
	batch := &pgx.Batch{}
	for _, enc := range missing {
		batch.Queue(`WITH ins AS (INSERT INTO labels (encoding) VALUES ($1) ON CONFLICT (encoding) DO NOTHING RETURNING id)
			SELECT id, true FROM ins UNION ALL SELECT id, false FROM labels WHERE encoding = $1 LIMIT 1`, enc)
	}
	br := p.SendBatch(ctx, batch)
	for _, enc := range missing {
		var id int64
		var isNew bool
		if err := br.QueryRow().Scan(&id, &isNew); err != nil {
			br.Close()
			return nil, errors.Join(errAborted, err)
		}
		p.newLabels[enc] = id
		if isNew {
			inserted[enc] = true
		}
	}
	if err := br.Close(); err != nil {
		return nil, errors.Join(errAborted, err)
	}
	return inserted, nil
}

// dropUnusedLabels settles repeated objects and deletes the labels this
// transaction inserted that no stored object uses.
func (p *putTx) dropUnusedLabels(ctx context.Context, objs []*kizuna.Object, results []kizuna.PutResult, encs [][]string, inserted map[string]bool) error {
	for i := range results {
		if r, ok := results[i].Err.(errRepeat); ok {
			results[i] = results[r.of]
			results[i].Created = false
			if results[i].Err == nil && objs[r.of] != nil {
				results[i].ID = objs[i].ID
			}
		}
	}
	if len(inserted) == 0 {
		return nil
	}
	used := map[string]bool{}
	for i, r := range results {
		if r.Err == nil && r.Created {
			for _, enc := range encs[i] {
				used[enc] = true
			}
		}
	}
	var drop []int64
	for enc := range inserted {
		if !used[enc] {
			drop = append(drop, p.newLabels[enc])
			delete(p.newLabels, enc)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	if _, err := p.Exec(ctx, `DELETE FROM labels WHERE id = ANY($1::bigint[])`, drop); err != nil {
		return errors.Join(errAborted, err)
	}
	return nil
}
