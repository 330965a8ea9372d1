package policytest

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// MemStore is a small in-memory store with the read semantics of the
// kizuna store contract that the policy depends on: labels kept once each
// with an id, filtering by access scope inside the query (zero scope sees
// nothing), latest version among the visible ones, paging with a cursor.
// It exists to test the policy and its guard; it is not a production store.
type MemStore struct {
	mu          sync.Mutex
	rows        []*kizuna.Object // in date_added order
	labels      []*kizuna.StoredLabel
	labelIDs    map[string]int64
	collections []*kizuna.Collection
	audit       []*kizuna.AuditEvent
	owners      map[string]*kizuna.Owner
	clock       time.Time
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{labelIDs: map[string]int64{}, owners: map[string]*kizuna.Owner{}, clock: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

var _ interface {
	kizuna.ObjectStore
	kizuna.LabelStore
	kizuna.MarkingStore
	kizuna.OwnerStore
	kizuna.CollectionStore
	kizuna.AuditStore
} = (*MemStore)(nil)

func (s *MemStore) labelID(l *kizuna.AccessLabel) int64 {
	b, _ := json.Marshal(l)
	if id, ok := s.labelIDs[string(b)]; ok {
		return id
	}
	id := int64(len(s.labels) + 1)
	s.labelIDs[string(b)] = id
	s.labels = append(s.labels, &kizuna.StoredLabel{ID: id, Label: *l})
	return id
}

// PutObjects stores copies of the objects; a nil Label is refused.
func (s *MemStore) PutObjects(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findCollection(collection) == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %s not found", collection)
	}
	// The latest version of each id before the batch, for the write
	// rules' basis (kizuna.WriteBasis).
	latest := map[string]time.Time{}
	for _, r := range s.rows {
		if r.Collection == collection && r.Version.After(latest[r.ID]) {
			latest[r.ID] = r.Version
		}
	}
	out := make([]kizuna.PutResult, len(objs))
	for i, o := range objs {
		if o.Label == nil {
			out[i] = kizuna.PutResult{ID: o.ID, Err: kizuna.Errorf(kizuna.EINVALID, "%s: no label", o.ID)}
			continue
		}
		dup := false
		for _, r := range s.rows {
			if r.Collection == collection && r.ID == o.ID && r.Version.Equal(o.Version) {
				if r.Hash != o.Hash {
					out[i] = kizuna.PutResult{ID: o.ID, Version: o.Version, Err: kizuna.Errorf(kizuna.ECONFLICT, "%s: another content under the same version", o.ID)}
				} else {
					out[i] = kizuna.PutResult{ID: o.ID, Version: o.Version, DateAdded: r.DateAdded}
				}
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		// Identical content is a no-op above, however the state changed.
		rec := s.owners[o.ID]
		if b := o.WriteBasis; b != nil {
			v, found := latest[o.ID]
			if found != b.Found || (found && !v.Equal(b.Version)) || !kizuna.SameOwner(b.Owner, rec) {
				out[i] = kizuna.PutResult{ID: o.ID, Version: o.Version, Err: kizuna.WrapError(kizuna.ECONFLICT, kizuna.ErrStaleWrite, "%s: another version was stored since the write was judged", o.ID)}
				continue
			}
		}
		if o.Type == "marking-definition" && rec != nil && rec.Content != o.Hash {
			out[i] = kizuna.PutResult{ID: o.ID, Version: o.Version, Err: kizuna.Errorf(kizuna.ECONFLICT, "%s: another definition is stored under this id", o.ID)}
			continue
		}
		if o.Owner != nil && (rec == nil || o.WriteBasis != nil) {
			r := *o.Owner
			s.owners[o.ID] = &r
		} else if rec == nil {
			s.owners[o.ID] = kizuna.DefaultOwner(o)
		}
		c := *o
		c.WriteBasis, c.Owner = nil, nil
		label := *o.Label
		c.Label, c.LabelID = &label, s.labelID(&label)
		c.Portions = make([]kizuna.Portion, len(o.Portions))
		for j, p := range o.Portions {
			pl := *p.Label
			c.Portions[j] = kizuna.Portion{Selectors: slices.Clone(p.Selectors), Label: nil, LabelID: s.labelID(&pl)}
		}
		s.clock = s.clock.Add(time.Microsecond)
		c.Collection, c.DateAdded = collection, s.clock
		s.rows = append(s.rows, &c)
		out[i] = kizuna.PutResult{ID: o.ID, Version: o.Version, Created: true, DateAdded: c.DateAdded}
	}
	return out, nil
}

func allowed(scope kizuna.AccessScope, id int64) bool {
	return scope.Unrestricted || slices.Contains(scope.LabelIDs, id)
}

// FindObjects filters by collection, ids, types, added_after, scope and
// versions (all, first, last, exact), in date_added order with paging.
// The cursor is the index of the next row.
func (s *MemStore) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findCollection(f.Collection) == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %s not found", f.Collection)
	}
	start := 0
	if f.Next != "" {
		n, err := strconv.Atoi(f.Next)
		if err != nil || n < 0 {
			return nil, kizuna.Errorf(kizuna.EINVALID, "malformed next cursor")
		}
		start = n
	}
	// Version selection considers only the versions the scope allows.
	var cand []int
	first, last := map[string]time.Time{}, map[string]time.Time{}
	for i, r := range s.rows {
		if r.Collection != f.Collection || !allowed(f.Access, r.LabelID) ||
			len(f.IDs) > 0 && !slices.Contains(f.IDs, r.ID) ||
			len(f.Types) > 0 && !slices.Contains(f.Types, r.Type) {
			continue
		}
		cand = append(cand, i)
		if t, ok := first[r.ID]; !ok || r.Version.Before(t) {
			first[r.ID] = r.Version
		}
		if t, ok := last[r.ID]; !ok || r.Version.After(t) {
			last[r.ID] = r.Version
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1 << 30
	}
	page := &kizuna.ObjectPage{}
	for _, i := range cand {
		r := s.rows[i]
		if i < start || f.AddedAfter != nil && !r.DateAdded.After(*f.AddedAfter) ||
			!versionMatches(f.Versions, r, first[r.ID], last[r.ID]) {
			continue
		}
		if len(page.Objects) == limit {
			page.More, page.Next = true, strconv.Itoa(i)
			break
		}
		c := *r
		label := *r.Label
		c.Label = &label
		if !f.IncludeRaw {
			c.Raw = nil
		}
		page.Objects = append(page.Objects, &c)
	}
	return page, nil
}

func versionMatches(v kizuna.VersionMatch, r *kizuna.Object, first, last time.Time) bool {
	if v.All {
		return true
	}
	if !v.First && !v.Last && len(v.At) == 0 {
		return r.Version.Equal(last)
	}
	if v.First && r.Version.Equal(first) || v.Last && r.Version.Equal(last) {
		return true
	}
	for _, t := range v.At {
		if r.Version.Equal(t) {
			return true
		}
	}
	return false
}

// DeleteObject removes the selected versions within the scope.
func (s *MemStore) DeleteObject(ctx context.Context, collection, id string, v kizuna.VersionMatch, access kizuna.AccessScope) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	kept := s.rows[:0]
	for _, r := range s.rows {
		if r.Collection == collection && r.ID == id && allowed(access, r.LabelID) && (v.All || !v.First && !v.Last && len(v.At) == 0 || versionMatches(v, r, r.Version, r.Version)) {
			n++
			continue
		}
		kept = append(kept, r)
	}
	s.rows = kept
	if n == 0 {
		return 0, kizuna.Errorf(kizuna.ENOTFOUND, "object %s not found", id)
	}
	return n, nil
}

// FindLabels returns the labels with an id above afterID.
func (s *MemStore) FindLabels(ctx context.Context, afterID int64) ([]*kizuna.StoredLabel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*kizuna.StoredLabel
	for _, l := range s.labels {
		if l.ID > afterID {
			c := *l
			out = append(out, &c)
		}
	}
	return out, nil
}

// FindMarkingDefinition returns a stored copy of the definition the id's
// owner record names.
func (s *MemStore) FindMarkingDefinition(ctx context.Context, id string) (*kizuna.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.owners[id]
	for _, r := range s.rows {
		if rec != nil && r.ID == id && r.Type == "marking-definition" && r.Hash == rec.Content {
			c := *r
			return &c, nil
		}
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "marking-definition %s not found", id)
}

// FindOwners returns the owner records of the ids that have one.
func (s *MemStore) FindOwners(ctx context.Context, ids []string) (map[string]*kizuna.Owner, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]*kizuna.Owner{}
	for _, id := range ids {
		if r := s.owners[id]; r != nil {
			c := *r
			out[id] = &c
		}
	}
	return out, nil
}

func (s *MemStore) findCollection(id string) *kizuna.Collection {
	for _, c := range s.collections {
		if c.ID == id || (c.Alias != "" && c.Alias == id) {
			return c
		}
	}
	return nil
}

// CreateCollection stores c.
func (s *MemStore) CreateCollection(ctx context.Context, c *kizuna.Collection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = kizuna.NewUUID()
	}
	if s.findCollection(c.ID) != nil {
		return kizuna.Errorf(kizuna.ECONFLICT, "collection %s exists", c.ID)
	}
	cc := *c
	s.collections = append(s.collections, &cc)
	return nil
}

// FindCollectionByID returns the collection with the id or alias.
func (s *MemStore) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.findCollection(id); c != nil {
		cc := *c
		return &cc, nil
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %s not found", id)
}

// FindCollections returns every collection.
func (s *MemStore) FindCollections(ctx context.Context) ([]*kizuna.Collection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*kizuna.Collection, len(s.collections))
	for i, c := range s.collections {
		cc := *c
		out[i] = &cc
	}
	return out, nil
}

// AppendAudit appends the events with sequence numbers.
func (s *MemStore) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		c := *e
		c.Seq = int64(len(s.audit) + 1)
		s.audit = append(s.audit, &c)
	}
	return nil
}

// FindAudit returns up to limit events after afterSeq.
func (s *MemStore) FindAudit(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*kizuna.AuditEvent
	for _, e := range s.audit {
		if e.Seq > afterSeq && (limit <= 0 || len(out) < limit) {
			c := *e
			out = append(out, &c)
		}
	}
	return out, nil
}
