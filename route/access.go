package route

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// Access is the access decision routing asks. Implementations must fail
// closed: a missing label, principal or object is unreadable.
type Access interface {
	// Readable reports whether pr may read obj: its label admits pr and no
	// required property of it is hidden (the object is not withheld).
	Readable(pr *kizuna.Principal, obj *kizuna.Object) bool
	// PropertyVisible reports whether pr, who may read obj, also sees its
	// top-level property (no granular marking hides any of it).
	PropertyVisible(pr *kizuna.Principal, obj *kizuna.Object, property string) bool
}

// Decider is a plain access decision over whole objects.
type Decider func(pr *kizuna.Principal, obj *kizuna.Object) bool

// DeciderAccess adapts a Decider. Since it cannot judge portions, it
// treats every property of an object with granular markings as hidden
// (fail closed); properties of other readable objects are visible.
type DeciderAccess struct{ Decide Decider }

// Readable asks the decider.
func (a DeciderAccess) Readable(pr *kizuna.Principal, obj *kizuna.Object) bool {
	return pr != nil && obj != nil && a.Decide(pr, obj)
}

// PropertyVisible is Readable for objects without portions, else false.
func (a DeciderAccess) PropertyVisible(pr *kizuna.Principal, obj *kizuna.Object, _ string) bool {
	return a.Readable(pr, obj) && len(obj.Portions) == 0 && len(obj.GranularMarkings) == 0
}

// PolicyAccess is the node's policy decision: the object's label, then
// its portions as the Guard judges them (a hidden required property
// withholds the object; a hidden portion hides the properties its
// selectors name).
type PolicyAccess struct{ Policy *policy.Policy }

// Readable decides on the object's label and required portions.
func (a PolicyAccess) Readable(pr *kizuna.Principal, obj *kizuna.Object) bool {
	if a.Policy == nil || obj == nil || obj.Label == nil || !a.Policy.Decide(pr, obj.Label).Allow {
		return false
	}
	for _, p := range obj.Portions {
		if !a.Policy.Decide(pr, p.Label).Allow && slices.ContainsFunc(p.Selectors, func(s string) bool { return policy.RequiredProperty(obj.Type, s) }) {
			return false
		}
	}
	return true
}

// PropertyVisible decides on the portions that cover the property.
func (a PolicyAccess) PropertyVisible(pr *kizuna.Principal, obj *kizuna.Object, property string) bool {
	if !a.Readable(pr, obj) {
		return false
	}
	for _, p := range obj.Portions {
		if slices.ContainsFunc(p.Selectors, func(s string) bool { return topProperty(s) == property }) && !a.Policy.Decide(pr, p.Label).Allow {
			return false
		}
	}
	return true
}

// topProperty returns the top-level property a granular-marking selector
// falls under ("extensions" of "extensions.x.y", "object_refs" of
// "object_refs.[2]").
func topProperty(selector string) string {
	if i := strings.IndexAny(selector, ".["); i >= 0 {
		return selector[:i]
	}
	return selector
}

// GuardAccess decides as a node's Guard reads: a principal may read an
// object when it may read the object's collection and the object's stored
// label id (and those of its required portions) is in the principal's
// access scope. It reads no object and writes no audit record. Errors of
// the stores deny. It caches each principal's scope for its lifetime:
// make one for each routing.
type GuardAccess struct {
	ctx   context.Context
	guard *policy.Guard
	mu    sync.Mutex
	seen  map[*kizuna.Principal]map[int64]bool
	colls map[string]bool // principal id + collection → readable
}

// NewGuardAccess returns a GuardAccess for one routing under ctx.
func NewGuardAccess(ctx context.Context, g *policy.Guard) *GuardAccess {
	return &GuardAccess{ctx: ctx, guard: g, seen: map[*kizuna.Principal]map[int64]bool{}, colls: map[string]bool{}}
}

func (a *GuardAccess) scope(pr *kizuna.Principal) map[int64]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.seen[pr]; ok {
		return s
	}
	s := map[int64]bool{}
	if scope, err := a.guard.Scope(kizuna.NewContextWithPrincipal(a.ctx, pr)); err == nil {
		for _, id := range scope.LabelIDs {
			s[id] = true
		}
	}
	a.seen[pr] = s
	return s
}

func (a *GuardAccess) collection(pr *kizuna.Principal, id string) bool {
	key := pr.ID + "\x00" + id
	a.mu.Lock()
	ok, done := a.colls[key]
	a.mu.Unlock()
	if done {
		return ok
	}
	ctx := kizuna.NewContextWithPrincipal(a.ctx, pr)
	c, err := a.guard.FindCollectionByID(ctx, id)
	ok = err == nil && (policy.Authorizer{}).CanRead(ctx, c)
	a.mu.Lock()
	a.colls[key] = ok
	a.mu.Unlock()
	return ok
}

// Readable reports whether the Guard would return the object to pr.
func (a *GuardAccess) Readable(pr *kizuna.Principal, obj *kizuna.Object) bool {
	if pr == nil || obj == nil || obj.LabelID == 0 || obj.Collection == "" || !a.collection(pr, obj.Collection) {
		return false
	}
	s := a.scope(pr)
	if !s[obj.LabelID] {
		return false
	}
	for _, p := range obj.Portions {
		if !s[p.LabelID] && slices.ContainsFunc(p.Selectors, func(sel string) bool { return policy.RequiredProperty(obj.Type, sel) }) {
			return false
		}
	}
	return true
}

// PropertyVisible reports whether the Guard would leave the property in
// the object it returns to pr.
func (a *GuardAccess) PropertyVisible(pr *kizuna.Principal, obj *kizuna.Object, property string) bool {
	if !a.Readable(pr, obj) {
		return false
	}
	s := a.scope(pr)
	for _, p := range obj.Portions {
		if !s[p.LabelID] && slices.ContainsFunc(p.Selectors, func(sel string) bool { return topProperty(sel) == property }) {
			return false
		}
	}
	return true
}

// evidenceCache judges, for one principal at a time, whether it may read
// the evidence of each concern, each concern once.
type evidenceCache struct {
	access   Access
	concerns []Concern
	pr       *kizuna.Principal
	memo     []int8 // per concern: 0 not judged, 1 visible, -1 hidden
}

func newEvidenceCache(a Access, concerns []Concern) *evidenceCache {
	return &evidenceCache{access: a, concerns: concerns, memo: make([]int8, len(concerns))}
}

// reset starts judging for another principal.
func (c *evidenceCache) reset(pr *kizuna.Principal) {
	c.pr = pr
	clear(c.memo)
}

func (c *evidenceCache) visible(concern int) bool {
	if c.memo[concern] == 0 {
		c.memo[concern] = -1
		ok := true
		for _, e := range c.concerns[concern].Evidence {
			if !c.access.PropertyVisible(c.pr, e.Object, e.Property) {
				ok = false
				break
			}
		}
		if ok {
			c.memo[concern] = 1
		}
	}
	return c.memo[concern] == 1
}

// noticeID derives a notice's id from the object version and the
// principal, in the form of a STIX-like identifier.
func noticeID(obj *kizuna.Object, principal string) string {
	h := sha256.Sum256([]byte(obj.ID + "\x00" + obj.Version.UTC().Format("2006-01-02T15:04:05.000000000Z") + "\x00" + principal))
	var b [44]byte
	copy(b[:], "notice--")
	hex.Encode(b[8:16], h[0:4])
	b[16] = '-'
	hex.Encode(b[17:21], h[4:6])
	b[21] = '-'
	hex.Encode(b[22:26], h[6:8])
	b[26] = '-'
	hex.Encode(b[27:31], h[8:10])
	b[31] = '-'
	hex.Encode(b[32:44], h[10:16])
	return string(b[:])
}
