package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// GuardStore is what a Guard wraps: the object, label, owner, collection and
// audit stores of a node (kizuna.Store satisfies it).
type GuardStore interface {
	kizuna.ObjectStore
	kizuna.LabelStore
	kizuna.OwnerStore
	kizuna.CollectionStore
	kizuna.AuditStore
}

// Guard puts the access decision in front of the stores for the principal
// in ctx. Reads are filtered inside the store query by the label ids the
// decision allows (so paging and counts cover only what the reader may
// see), then every object is checked again and its hidden portions removed.
// A context without a principal sees nothing. Denials of by-id requests for
// objects that exist, and every read of classified material, are audited;
// a read whose audit record cannot be written fails.
type Guard struct {
	policy *Policy
	store  GuardStore
	authz  Authorizer
	scopes *scopeCache
	// collections caches the collections found, by the id or alias asked
	// for. Collections never change once created and are never deleted, so
	// a found collection stays right; a missing one is asked again.
	collections sync.Map
	// exerciseViews holds the ids of the collections whose reads are the
	// exercise view (SetExerciseView).
	exerciseViews sync.Map
	// exercisePeers decides whether a peer may receive an exercise's data
	// (SetExercisePeers; nil: no peer may).
	exercisePeers atomic.Pointer[ExercisePeers]
}

// ExercisePeers decides whether the node of a peer (a principal with the
// peer role) takes part in an exercise: "" when it does, else why not.
// An error fails the read.
type ExercisePeers func(ctx context.Context, peer *kizuna.Principal, exerciseID string) (refusal string, err error)

// SetExercisePeers installs the decision on peers' nodes for exercise data:
// in the exercise view, a peer reads (and so receives by federation) the
// data of an exercise only when f admits its node; refusals are audited.
// Until it is set no peer reads exercise data (docs/exercises.md, rule 3).
func (g *Guard) SetExercisePeers(f ExercisePeers) {
	g.exercisePeers.Store(&f)
}

// exercisePeer returns a denial when pr is a peer whose node does not take
// part in one of the exercises, else nil.
func (g *Guard) exercisePeer(ctx context.Context, pr *kizuna.Principal, exercises []string) (*Decision, error) {
	if !pr.HasRole(kizuna.RolePeer) {
		return nil, nil
	}
	f := g.exercisePeers.Load()
	for _, id := range exercises {
		refusal := "no exercise is open to peers on this node"
		if f != nil && *f != nil {
			var err error
			if refusal, err = (*f)(ctx, pr, id); err != nil {
				return nil, err
			}
		}
		if refusal != "" {
			d := deny(RuleExercise, "peer %q may not receive data of exercise %s: %s", pr.Name, id, refusal)
			return &d, nil
		}
	}
	return nil, nil
}

var (
	_ kizuna.ObjectStore     = (*Guard)(nil)
	_ kizuna.CollectionStore = (*Guard)(nil)
)

// NewGuard returns a Guard around store.
func NewGuard(p *Policy, store GuardStore) *Guard {
	return &Guard{policy: p, store: store, scopes: newScopeCache()}
}

// SetExerciseView makes the reads of a collection (by id) the exercise
// view: the only reads in which exercise data (a label requiring an
// "exercise:" community) appears. Every other read — other collections,
// Scope, and what is built on them: exports, feeds, the matcher, routing —
// leaves it out, for the exercise's participants too, so that exercise data
// is never mixed into real results (docs/exercises.md, rule 2).
func (g *Guard) SetExerciseView(collectionID string) {
	g.exerciseViews.Store(collectionID, true)
}

// ExerciseView reports whether the reads of the collection (by id) are the
// exercise view.
func (g *Guard) ExerciseView(collectionID string) bool {
	_, ok := g.exerciseViews.Load(collectionID)
	return ok
}

// Scope returns the access scope of the principal in ctx outside the
// exercise view: the ids of the stored labels the decision allows, but
// those of exercise data. No principal gets the zero scope, which sees
// nothing.
func (g *Guard) Scope(ctx context.Context) (kizuna.AccessScope, error) {
	return g.scopeOf(ctx, false)
}

// scopeOf is Scope, in the exercise view or not.
func (g *Guard) scopeOf(ctx context.Context, exerciseView bool) (kizuna.AccessScope, error) {
	pr := kizuna.PrincipalFromContext(ctx)
	if pr == nil {
		return kizuna.AccessScope{}, nil
	}
	if err := g.scopes.refresh(ctx, g.store); err != nil {
		return kizuna.AccessScope{}, err
	}
	return g.scopes.scope(g.policy, pr, exerciseView), nil
}

// labelOf returns the label of a stored version: the store's label by id
// (what the query filtered on), else the one the object carries.
func (g *Guard) labelOf(ctx context.Context, id int64, carried *kizuna.AccessLabel) *kizuna.AccessLabel {
	if id != 0 {
		if l := g.scopes.label(id); l != nil {
			return l
		}
		if g.scopes.refresh(ctx, g.store) == nil {
			if l := g.scopes.label(id); l != nil {
				return l
			}
		}
	}
	return carried
}

// collection finds a collection the principal may see (read or write);
// others are ENOTFOUND, as if they did not exist.
func (g *Guard) collection(ctx context.Context, id string) (*kizuna.Collection, error) {
	var c *kizuna.Collection
	if v, ok := g.collections.Load(id); ok {
		c = v.(*kizuna.Collection)
	} else {
		found, err := g.store.FindCollectionByID(ctx, id)
		if err != nil {
			return nil, err
		}
		g.collections.Store(id, found)
		c = found
	}
	dup := *c // callers get their own copy of the cached value
	c = &dup
	if !g.authz.CanRead(ctx, c) && !g.authz.CanWrite(ctx, c) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %s not found", id)
	}
	return c, nil
}

// scopeRetries bounds how many times a page is read again because labels
// the reader may see were stored while it was read.
const scopeRetries = 3

// findInScope reads the page from the store within the reader's scope.
// A version stored under a label new to the guard after the scope was taken
// and before the query ran is left out by the query, while a version stored
// after it, under a known label, is not: a client following added_after
// would move past the first for good. Labels are committed with or before
// their versions, and learnt in the order of their ids (which the stores
// commit in order), so when the labels stored by the end of the query add
// nothing to the reader's scope the page misses nothing it may read;
// otherwise it is read again.
func (g *Guard) findInScope(ctx context.Context, filter kizuna.ObjectFilter, collection string, exerciseView bool) (*kizuna.ObjectPage, error) {
	scope, err := g.scopeOf(ctx, exerciseView)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		f := filter
		f.Collection = collection
		f.Access = scope // never the caller's: the guard decides
		known := g.scopes.known()
		page, err := g.store.FindObjects(ctx, f)
		if err != nil {
			return nil, err
		}
		if attempt == scopeRetries {
			return page, nil
		}
		if err := g.scopes.refresh(ctx, g.store); err != nil {
			return nil, err
		}
		if g.scopes.known() == known {
			return page, nil
		}
		again, err := g.scopeOf(ctx, exerciseView)
		if err != nil {
			return nil, err
		}
		if len(again.LabelIDs) == len(scope.LabelIDs) {
			return page, nil
		}
		scope = again
	}
}

// FindObjects returns the page of versions the principal may see.
func (g *Guard) FindObjects(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	pr := kizuna.PrincipalFromContext(ctx)
	if pr == nil {
		return &kizuna.ObjectPage{}, nil
	}
	c, err := g.collection(ctx, filter.Collection)
	if err != nil {
		return nil, err
	}
	if !g.authz.CanRead(ctx, c) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "principal %q may not read collection %s", pr.Name, c.ID)
	}
	exerciseView := g.ExerciseView(c.ID)
	page, err := g.findInScope(ctx, filter, c.ID, exerciseView)
	if err != nil {
		return nil, err
	}
	var events []*kizuna.AuditEvent
	var classified []string // one note per classified version read
	judge := pageJudge{g: g, pr: pr, exerciseView: exerciseView}
	// The versions as the reader may see them: the store's own objects when
	// they are the caller's to change, else copies (one allocation).
	var outs []kizuna.Object
	if !page.Fresh {
		outs = make([]kizuna.Object, len(page.Objects))
	}
	visible := make([]*kizuna.Object, 0, len(page.Objects))
	var seen map[string]bool // only by-id requests need it
	if len(filter.IDs) > 0 {
		seen = map[string]bool{}
	}
	for i, obj := range page.Objects {
		out := obj
		if outs != nil {
			out = &outs[i]
		}
		ok, ev, note := judge.check(ctx, c, obj, filter.IncludeRaw, out)
		if ev != nil {
			events = append(events, ev)
		}
		if ok {
			visible = append(visible, out)
			if seen != nil {
				seen[obj.ID] = true
			}
			if note != "" {
				classified = append(classified, note)
			}
		}
	}
	if len(classified) > 0 {
		events = append(events, readEvent(pr, c, visible, classified))
	}
	if len(filter.IDs) > 0 && filter.Next == "" {
		denied, err := g.deniedByID(ctx, pr, c, filter.IDs, seen)
		if err != nil {
			return nil, err
		}
		events = append(events, denied...)
	}
	if len(events) > 0 {
		if err := g.store.AppendAudit(ctx, events...); err != nil {
			return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "the audit log could not record the read")
		}
	}
	return &kizuna.ObjectPage{Objects: visible, More: page.More, Next: page.Next, Fresh: true}, nil
}

// pageJudge judges the versions of one page for one principal. The
// decision and the classification of a label are pure functions of the
// principal and the label, stored labels never change, and a page holds few
// distinct labels: each is judged once per page rather than once per
// version and portion.
type pageJudge struct {
	g  *Guard
	pr *kizuna.Principal
	// exerciseView admits exercise data; outside it, a label of exercise
	// data is denied whatever the decision.
	exerciseView bool
	verdicts     map[verdictKey]*verdict
}

// verdictKey is a stored label id with the label the version carries
// (shared by every version of that id, as the store caches labels).
type verdictKey struct {
	id      int64
	carried *kizuna.AccessLabel
}

// verdict is the judgement of one label.
type verdict struct {
	label    *kizuna.AccessLabel // labelOf's: the guard's label for the id, else the carried one
	decision Decision            // the decision on label and, when they differ, on the carried label too
	// labelAllow is the decision on label alone, which a portion's
	// visibility follows (hiddenPortions).
	labelAllow bool
	// classified describes the label's classifications when it is
	// classified, else "".
	classified string
	copy       *kizuna.AccessLabel // what the page's readers get, made on first use
}

// judge returns the verdict on the label of a version or portion: its
// stored label id and the label it carries.
func (j *pageJudge) judge(ctx context.Context, id int64, carried *kizuna.AccessLabel) *verdict {
	key := verdictKey{id, carried}
	if v, ok := j.verdicts[key]; ok {
		return v
	}
	p := j.g.policy
	v := &verdict{label: j.g.labelOf(ctx, id, carried)}
	v.decision = p.Decide(j.pr, v.label)
	v.labelAllow = v.decision.Allow
	if v.decision.Allow && carried != nil && v.label != carried {
		v.decision = p.Decide(j.pr, carried) // both must allow
	}
	if p.Classified(v.label) {
		v.classified = describeClassifications(v.label)
	}
	if ex := exerciseCommunities(v.label); ex != "" {
		// Exercise data is audited like classified data: exercises are
		// evaluated from the reads the audit log shows.
		v.classified = strings.TrimSpace(v.classified + " " + ex)
		if !j.exerciseView {
			v.decision, v.labelAllow = deny(RuleExercise, "exercise data (%s) is read only in the exercise view", ex), false
		} else if v.decision.Allow {
			d, err := j.g.exercisePeer(ctx, j.pr, kizuna.ExercisesOfLabel(v.label))
			if err != nil {
				d = &Decision{Rule: RuleExercise, Reason: "the exercise's nodes could not be read: " + err.Error()}
			}
			if d != nil {
				v.decision, v.labelAllow = *d, false
			}
		}
	}
	if j.verdicts == nil {
		j.verdicts = map[verdictKey]*verdict{}
	}
	j.verdicts[key] = v
	return v
}

// check is the final per-object decision and portion redaction: it fills
// in out (a copy, or obj itself when the page is Fresh), the version as the
// reader may see it, and reports whether it may be shown at all, a denial
// to audit, and, for a version whose label or a visible portion's label is
// classified, a note for the page's read record. out may be obj itself:
// check changes only its Label, Hash and Raw, after reading what it needs
// of them.
func (j *pageJudge) check(ctx context.Context, c *kizuna.Collection, obj *kizuna.Object, withRaw bool, out *kizuna.Object) (bool, *kizuna.AuditEvent, string) {
	pr := j.pr
	v := j.judge(ctx, obj.LabelID, obj.Label)
	if !v.decision.Allow {
		if v.decision.Rule == RuleExercise && j.exerciseView {
			// A peer whose node is not in the exercise: the scope (by
			// label) admitted it, the exercise's node list does not.
			return false, denyEvent(pr, c, obj.ID, v.decision, "exercise egress"), ""
		}
		// The store's query should have excluded it: record the anomaly.
		return false, denyEvent(pr, c, obj.ID, v.decision, "returned by the store outside the reader's scope"), ""
	}
	var classified []string
	if v.classified != "" {
		classified = append(classified, v.classified)
	}
	var hidden []string
	if len(obj.Portions) > 0 {
		var withhold bool
		hidden, withhold = j.g.policy.hiddenPortions(pr, obj, func(portion kizuna.Portion) *kizuna.AccessLabel {
			pv := j.judge(ctx, portion.LabelID, portion.Label)
			if pv.classified != "" && pv.labelAllow {
				classified = append(classified, strings.Join(portion.Selectors, ", ")+": "+pv.classified)
			}
			return pv.label
		})
		if withhold {
			return false, nil, ""
		}
	}
	*out = *obj
	if v.copy == nil {
		v.copy = cloneLabel(v.label) // the cached label stays the store's
	}
	out.Label = v.copy
	if len(hidden) > 0 {
		out.Hash = "" // the digest of the whole content would let a reader confirm a guess of the hidden part
		if withRaw && len(obj.Raw) > 0 {
			raw, _, err := Redact(obj.Raw, hidden)
			if err != nil {
				return false, denyEvent(pr, c, obj.ID, deny(RuleUninterpretable, "redaction failed: %v", err), ""), ""
			}
			out.Raw = raw
		}
	}
	if len(classified) == 0 {
		return true, nil, ""
	}
	return true, nil, fmt.Sprintf("%s version %s: %s", obj.ID, obj.Version.UTC().Format("2006-01-02T15:04:05.000000Z"), strings.Join(classified, "; "))
}

// readEvent is the one audit record of a page's classified reads: one entry
// per page rather than per version keeps bulk reads (exports, federation
// egress) from turning every read into as many writes, while still naming
// every classified version the reader got.
func readEvent(pr *kizuna.Principal, c *kizuna.Collection, visible []*kizuna.Object, notes []string) *kizuna.AuditEvent {
	object := c.ID
	if len(notes) == 1 {
		object, _, _ = strings.Cut(notes[0], " ")
	}
	return &kizuna.AuditEvent{
		Time: time.Now().UTC(), Principal: pr.ID, Action: "read", Object: object, Decision: "allow",
		Reason: fmt.Sprintf("collection %s: %d classified version(s) of %d read: %s", c.ID, len(notes), len(visible), strings.Join(notes, " | ")),
	}
}

// deniedByID audits the requested ids that exist but that the reader may not
// see. Nothing of this reaches the reader: to it they are absent.
func (g *Guard) deniedByID(ctx context.Context, pr *kizuna.Principal, c *kizuna.Collection, ids []string, seen map[string]bool) ([]*kizuna.AuditEvent, error) {
	var missing []string
	for _, id := range ids {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	page, err := g.store.FindObjects(ctx, kizuna.ObjectFilter{
		Collection: c.ID, IDs: missing, Versions: kizuna.VersionMatch{Last: true},
		Access: kizuna.AccessScope{Unrestricted: true}, Limit: len(missing) + 1,
	})
	if err != nil {
		return nil, err
	}
	var events []*kizuna.AuditEvent
	done := map[string]bool{}
	for _, obj := range page.Objects {
		if seen[obj.ID] || done[obj.ID] {
			continue
		}
		done[obj.ID] = true
		l := g.labelOf(ctx, obj.LabelID, obj.Label)
		d := g.policy.Decide(pr, l)
		if ex := exerciseCommunities(l); d.Allow && ex != "" && !g.ExerciseView(c.ID) {
			d = deny(RuleExercise, "exercise data (%s) is read only in the exercise view", ex)
		}
		if d.Allow {
			continue // visible, only outside this page or version selection
		}
		events = append(events, denyEvent(pr, c, obj.ID, d, "requested by id"))
	}
	return events, nil
}

func cloneLabel(l *kizuna.AccessLabel) *kizuna.AccessLabel {
	c := *l
	c.Classifications = slices.Clone(l.Classifications)
	c.ReleasableTo = slices.Clone(l.ReleasableTo)
	c.Communities = slices.Clone(l.Communities)
	c.Audience = slices.Clone(l.Audience)
	c.Uninterpretable = slices.Clone(l.Uninterpretable)
	return &c
}

func denyEvent(pr *kizuna.Principal, c *kizuna.Collection, id string, d Decision, context string) *kizuna.AuditEvent {
	reason := fmt.Sprintf("collection %s: rule %s: %s", c.ID, d.Rule, d.Reason)
	if context != "" {
		reason += " (" + context + ")"
	}
	return &kizuna.AuditEvent{Time: time.Now().UTC(), Principal: pr.ID, Action: "deny", Object: id, Decision: "deny", Reason: reason}
}

// exerciseCommunities describes the exercise communities a label
// requires ("EXERCISE exercise:x-kizuna-exercise--…"), or "" for real data.
func exerciseCommunities(l *kizuna.AccessLabel) string {
	ids := kizuna.ExercisesOfLabel(l)
	if len(ids) == 0 {
		return ""
	}
	return "EXERCISE " + kizuna.ExerciseCommunityPrefix + strings.Join(ids, ", "+kizuna.ExerciseCommunityPrefix)
}

func describeClassifications(l *kizuna.AccessLabel) string {
	parts := make([]string, len(l.Classifications))
	for i, c := range l.Classifications {
		parts[i] = c.Scheme + ":" + c.Level
	}
	s := strings.Join(parts, ", ")
	if l.Releasable {
		s += " REL TO " + strings.Join(l.ReleasableTo, ", ")
	}
	return s
}
