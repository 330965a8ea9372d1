package policy

import (
	"context"
	"errors"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// PutObjects applies the collection's write rule and the policy's write
// rules (CheckWrite against the latest stored version) to each object, and
// stores those that pass. Refusals are EFORBIDDEN results, audited.
//
// Each stored object carries the basis of its decision (kizuna.WriteBasis):
// if another writer stores a version of its id between the decision and
// the write, the store refuses it (kizuna.ErrStaleWrite) rather than store
// it on a stale decision, and the object is judged again on the new state,
// up to maxWriteAttempts times in all; after that its result is the
// conflict, which its sender may send again.
func (g *Guard) PutObjects(ctx context.Context, collection string, objs []*kizuna.Object) ([]kizuna.PutResult, error) {
	pr := kizuna.PrincipalFromContext(ctx)
	if pr == nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "no principal")
	}
	c, err := g.collection(ctx, collection)
	if err != nil {
		return nil, err
	}
	if !g.authz.CanWrite(ctx, c) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "principal %q may not write to collection %s", pr.Name, c.ID)
	}
	results := make([]kizuna.PutResult, len(objs))
	var todo []int
	for i, obj := range objs {
		if obj == nil {
			results[i] = kizuna.PutResult{Err: kizuna.Errorf(kizuna.EINVALID, "object at index %d: missing", i)}
			continue
		}
		todo = append(todo, i)
	}
	for attempt := 1; len(todo) > 0; attempt++ {
		stale, err := g.judgeAndPut(ctx, pr, c, objs, todo, results)
		if err != nil {
			return nil, err
		}
		if attempt == maxWriteAttempts {
			break
		}
		todo = stale
	}
	return results, nil
}

// maxWriteAttempts bounds how many times PutObjects judges and writes an
// object whose decision went stale before the write.
const maxWriteAttempts = 3

// judgeAndPut judges the objects objs[todo] on the latest stored versions
// and the owner records of their ids, stores those allowed, records each
// outcome in results, and returns the indexes of those the store refused
// because their decision went stale.
func (g *Guard) judgeAndPut(ctx context.Context, pr *kizuna.Principal, c *kizuna.Collection, objs []*kizuna.Object, todo []int, results []kizuna.PutResult) ([]int, error) {
	judged := make([]*kizuna.Object, len(todo))
	ids := make([]string, len(todo))
	for j, i := range todo {
		judged[j], ids[j] = objs[i], objs[i].ID
	}
	// The owner records first: a write between the two reads then shows
	// in the versions read, or else in the basis the store checks.
	owners, err := g.store.FindOwners(ctx, ids)
	if err != nil {
		return nil, err
	}
	previous, err := g.latest(ctx, c.ID, judged)
	if err != nil {
		return nil, err
	}
	var batch []*kizuna.Object
	var index []int
	var events []*kizuna.AuditEvent
	// A version is judged after the earlier versions of its id in the
	// batch, as the store will see them: the latest of them is its
	// previous version, and the owner record is the one they leave.
	inBatch := map[string]*kizuna.Object{}
	for _, i := range todo {
		obj := objs[i]
		st := Stored{Previous: previous[obj.ID], Owner: owners[obj.ID]}
		if st.Previous != nil {
			st.PreviousReadable = g.policy.Decide(pr, g.labelOf(ctx, st.Previous.LabelID, st.Previous.Label)).Allow
		}
		if earlier := inBatch[obj.ID]; earlier != nil && (st.Previous == nil || !earlier.Version.Before(st.Previous.Version)) {
			st.Previous, st.PreviousReadable = earlier, true
		}
		owner, err := g.policy.CheckWrite(ctx, pr, obj, obj.Label, st)
		if ex := exerciseCommunities(obj.Label); err == nil && ex != "" && !g.ExerciseView(c.ID) {
			// Outside the exercise view no read would show it: stored
			// there, it would be hidden from everyone yet held.
			owner, err = nil, kizuna.Errorf(kizuna.EINVALID, "%s: exercise data (%s) is stored only in the exercises collection; collection %s holds real data", obj.ID, ex, c.ID)
		}
		if err != nil {
			results[i] = kizuna.PutResult{ID: obj.ID, Version: obj.Version, Err: err}
			events = append(events, &kizuna.AuditEvent{
				Time: time.Now().UTC(), Principal: pr.ID, Action: "write.reject", Object: obj.ID, Decision: "deny",
				Reason: "collection " + c.ID + ": " + kizuna.ErrorMessage(err),
			})
			continue
		}
		// The store stores the version only if the decision's basis
		// still holds inside its transaction.
		// The store compares the latest version with the state before
		// the batch, the owner record with the state the batch's earlier
		// versions leave.
		basis := &kizuna.WriteBasis{Owner: st.Owner}
		if prev := previous[obj.ID]; prev != nil {
			basis.Found, basis.Version = true, prev.Version
		}
		obj.WriteBasis, obj.Owner = basis, owner
		if owner != nil {
			owners[obj.ID] = owner
		}
		if earlier := inBatch[obj.ID]; earlier == nil || !obj.Version.Before(earlier.Version) {
			inBatch[obj.ID] = obj
		}
		batch = append(batch, obj)
		index = append(index, i)
	}
	if len(events) > 0 {
		if err := g.store.AppendAudit(ctx, events...); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "the audit log could not record the refusal")
		}
	}
	if len(batch) == 0 {
		return nil, nil
	}
	stored, err := g.store.PutObjects(ctx, c.ID, batch)
	if err != nil {
		return nil, err
	}
	var stale []int
	for j, r := range stored {
		results[index[j]] = r
		if errors.Is(r.Err, kizuna.ErrStaleWrite) {
			stale = append(stale, index[j])
		}
	}
	return stale, nil
}

// latest returns the latest stored version of each object, whoever may see
// it: the write rules protect what exists, not what the writer can see.
func (g *Guard) latest(ctx context.Context, collection string, objs []*kizuna.Object) (map[string]*kizuna.Object, error) {
	var ids []string
	for _, o := range objs {
		if o != nil {
			ids = append(ids, o.ID)
		}
	}
	out := map[string]*kizuna.Object{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		page, err := g.store.FindObjects(ctx, kizuna.ObjectFilter{
			Collection: collection, IDs: ids[:n], Versions: kizuna.VersionMatch{Last: true},
			Access: kizuna.AccessScope{Unrestricted: true}, Limit: n + 1, ForWrite: true,
		})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			out[o.ID] = o
		}
		ids = ids[n:]
	}
	return out, nil
}

// DeleteObject removes versions the principal may see, of an object its
// organisation owns or it acts for (kizuna.Owner; admins may remove any
// visible object). Invisible versions are neither removed nor counted, and
// an object with no visible version is ENOTFOUND.
func (g *Guard) DeleteObject(ctx context.Context, collection, id string, versions kizuna.VersionMatch, _ kizuna.AccessScope) (int, error) {
	pr := kizuna.PrincipalFromContext(ctx)
	if pr == nil {
		return 0, kizuna.Errorf(kizuna.ENOTFOUND, "object %s not found", id)
	}
	owners, err := g.store.FindOwners(ctx, []string{id})
	if err != nil {
		return 0, err
	}
	owner := ""
	if rec := owners[id]; rec != nil {
		owner = rec.Organization
	}
	if acting := g.policy.DeletingAs(pr, owner); acting != pr {
		pr, ctx = acting, kizuna.NewContextWithPrincipal(ctx, acting)
	}
	c, err := g.collection(ctx, collection)
	if err != nil {
		return 0, err
	}
	page, err := g.FindObjects(ctx, kizuna.ObjectFilter{Collection: c.ID, IDs: []string{id}, Versions: kizuna.VersionMatch{Last: true}, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(page.Objects) == 0 {
		return 0, kizuna.Errorf(kizuna.ENOTFOUND, "object %s not found", id)
	}
	_, owns := g.policy.actsAs(pr, owner, nil)
	if !g.authz.CanWrite(ctx, c) || (!pr.HasRole(kizuna.RoleAdmin) && !owns) {
		return 0, kizuna.Errorf(kizuna.EFORBIDDEN, "principal %q may not delete %s", pr.Name, id)
	}
	scope, err := g.scopeOf(ctx, g.ExerciseView(c.ID))
	if err != nil {
		return 0, err
	}
	return g.store.DeleteObject(ctx, c.ID, id, versions, scope)
}

// CreateCollection creates a collection; only admins may.
func (g *Guard) CreateCollection(ctx context.Context, c *kizuna.Collection) error {
	pr := kizuna.PrincipalFromContext(ctx)
	if pr == nil || pr.RevokedAt != nil || !pr.HasRole(kizuna.RoleAdmin) {
		return kizuna.Errorf(kizuna.EFORBIDDEN, "only an administrator may create collections")
	}
	return g.store.CreateCollection(ctx, c)
}

// FindCollectionByID returns the collection if the principal may read or
// write it; otherwise ENOTFOUND.
func (g *Guard) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	if kizuna.PrincipalFromContext(ctx) == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %s not found", id)
	}
	return g.collection(ctx, id)
}

// FindCollections returns the collections the principal may read or write.
func (g *Guard) FindCollections(ctx context.Context) ([]*kizuna.Collection, error) {
	if kizuna.PrincipalFromContext(ctx) == nil {
		return nil, nil
	}
	all, err := g.store.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	var out []*kizuna.Collection
	for _, c := range all {
		if g.authz.CanRead(ctx, c) || g.authz.CanWrite(ctx, c) {
			out = append(out, c)
		}
	}
	return out, nil
}
