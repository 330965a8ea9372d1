// Package route sends notice of an object or incident to the
// organisations that must act on it: those of the sectors it concerns and
// of the sectors the crosswalk relates to them, in every nation, each
// notice naming the relation ("US Transportation Systems → JP 港湾 (Port
// services): subset-of"). Routing never widens access: a notice goes only
// to a principal who may read the object and everything that makes it
// concern the sector, by the node's one access decision (Access). When
// organisations of a concerned sector may not read the object, routing
// offers its originator and the releasers a tearline (BuildTearline);
// none is made without a releaser's approval.
//
// Delivery is an interface: an in-memory inbox, and signed webhooks whose
// queue is persisted through Outbox.
package route

import (
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// Directory finds the organisations of a sector and the principals that
// act for them on this node.
type Directory interface {
	// Organizations returns the organisations that carry the sector id.
	Organizations(sector string) []*sector.Organization
	// Principals returns the principals of an organisation (an identity
	// id).
	Principals(org string) []*kizuna.Principal
	// Releasers returns the principals that hold kizuna.RoleReleaser.
	Releasers() []*kizuna.Principal
}

// Options select the sectors routing follows from a concerned sector.
type Options struct {
	Weak    bool     // follow weak crosswalk mappings too
	Pivot   bool     // follow the pivot (National Critical Functions) where the crosswalk has no mapping
	Nations []string // route to organisations of these nations' sectors only (all when empty)
}

// Router computes the notices of a subject. It holds configuration only
// and is safe for concurrent use when its Directory and Access are.
type Router struct {
	Catalog   *sector.Catalog
	Directory Directory
	Access    Access
	Options   Options
	// Now stamps notices; time.Now when nil.
	Now func() time.Time
}

// Relation values of a Path besides the crosswalk's.
const RelationSame = "same" // the recipient's sector is the concerned sector

// Path is one way a notice reached its recipient: the concerned sector,
// the recipient organisation's sector, and how they relate.
type Path struct {
	Concerned string `json:"concerned"` // the sector the object concerns
	Sector    string `json:"sector"`    // the recipient organisation's sector
	// Relation is how Sector relates to Concerned: RelationSame or a
	// crosswalk relation ("jp.ports subset-of us.transportation").
	Relation  string `json:"relation"`
	Weak      bool   `json:"weak,omitempty"`
	Via       string `json:"via,omitempty"` // the pivot function, when the crosswalk has no mapping
	Rationale string `json:"rationale,omitempty"`
	Reason    string `json:"reason"` // why the object concerns Concerned
	// Text names the path for people: "US Transportation Systems → JP 港湾
	// (Port services): subset-of".
	Text string `json:"text"`
}

// Notice tells a principal that an object it may read concerns its
// organisation's sectors. It carries no content of the object: the
// recipient reads that through the node, under its own access.
type Notice struct {
	// ID is the same for the same object version and principal, so that
	// routing a version again is idempotent.
	ID           string    `json:"id"`
	Principal    string    `json:"principal"`
	Organization string    `json:"organization"`
	Object       string    `json:"object"`
	ObjectType   string    `json:"object_type"`
	Version      time.Time `json:"version"`
	Paths        []Path    `json:"paths"`
	Created      time.Time `json:"created"`
}

// Withheld is an organisation of a concerned sector none of whose
// principals may read the object.
type Withheld struct {
	Organization string   `json:"organization"`
	Name         string   `json:"name,omitempty"`
	Sectors      []string `json:"sectors"`
	Principals   int      `json:"principals"`
}

// Offer proposes a tearline to the object's originator and to releasers:
// organisations that must act may not read the object. It is only an
// offer; nothing is released without a releaser's approval.
type Offer struct {
	Object   string     `json:"object"`
	Version  time.Time  `json:"version"`
	Withheld []Withheld `json:"withheld"`
	// Offerees are the principal ids it is offered to: the originator's
	// principals and the releasers who may read the object.
	Offerees []string `json:"offerees"`
}

// Result is the outcome of routing one subject.
type Result struct {
	Notices  []Notice   `json:"notices"`
	Withheld []Withheld `json:"withheld"`
	Offer    *Offer     `json:"offer,omitempty"`
}

// candidate gathers the paths by which one principal was reached.
type candidate struct {
	pr    *kizuna.Principal
	org   *sector.Organization
	paths []route
}

// route is a path before the recipient's access to its evidence is
// judged.
type route struct {
	concern *Concern
	sector  string
	link    *sector.Link
}

// Route computes the notices of a subject: for each concerned sector, the
// organisations of that sector and of every sector linked to it; for each
// of their principals who may read the object, one notice with the paths
// whose evidence the principal may read too. Organisations none of whose
// principals may read the object are withheld, and a tearline is offered.
func (r *Router) Route(s Subject) *Result {
	res := &Result{}
	if s.Object == nil || len(s.Concerns) == 0 {
		return res
	}
	cands := map[string]*candidate{}
	var order []string
	reach := func(c *Concern, sectorID string, l *sector.Link) {
		for _, org := range r.Directory.Organizations(sectorID) {
			for _, pr := range r.Directory.Principals(org.ID) {
				cd := cands[pr.ID]
				if cd == nil {
					cd = &candidate{pr: pr, org: org}
					cands[pr.ID] = cd
					order = append(order, pr.ID)
				}
				cd.paths = append(cd.paths, route{concern: c, sector: sectorID, link: l})
			}
		}
	}
	opts := sector.LinkOptions{Weak: r.Options.Weak, Pivot: r.Options.Pivot, Nations: r.Options.Nations}
	for i := range s.Concerns {
		c := &s.Concerns[i]
		if !r.Catalog.Known(c.Sector) {
			continue
		}
		if len(opts.Nations) == 0 || slices.Contains(opts.Nations, r.Catalog.Sector(c.Sector).Nation()) {
			reach(c, c.Sector, nil)
		}
		for _, l := range r.Catalog.Links(c.Sector, opts) {
			reach(c, l.To, &l)
		}
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	created := now().UTC()
	withheld := map[string]*Withheld{}
	readers := map[string]bool{} // organisations with a principal who may read
	ev := newEvidenceCache(r.Access)
	for _, id := range order {
		cd := cands[id]
		if !r.Access.Readable(cd.pr, s.Object) {
			w := withheld[cd.org.ID]
			if w == nil {
				w = &Withheld{Organization: cd.org.ID, Name: cd.org.Name}
				withheld[cd.org.ID] = w
			}
			w.Principals++
			for _, p := range cd.paths {
				if !slices.Contains(w.Sectors, p.sector) {
					w.Sectors = append(w.Sectors, p.sector)
				}
			}
			continue
		}
		readers[cd.org.ID] = true
		n := Notice{ID: noticeID(s.Object, cd.pr.ID), Principal: cd.pr.ID, Organization: cd.org.ID,
			Object: s.Object.ID, ObjectType: s.Object.Type, Version: s.Object.Version, Created: created}
		for _, p := range cd.paths {
			if ev.visible(cd.pr, p.concern.Evidence) {
				n.Paths = append(n.Paths, r.path(p))
			}
		}
		if len(n.Paths) == 0 {
			continue // it may read the object, but not why it concerns its sector
		}
		sortPaths(n.Paths)
		n.Paths = slices.CompactFunc(n.Paths, func(a, b Path) bool { return a == b })
		res.Notices = append(res.Notices, n)
	}
	// The same notices in the same order whatever the directory's order.
	slices.SortFunc(res.Notices, func(a, b Notice) int { return compareStrings(a.Principal, b.Principal) })
	for org, w := range withheld {
		if !readers[org] {
			res.Withheld = append(res.Withheld, *w)
		}
	}
	slices.SortFunc(res.Withheld, func(a, b Withheld) int { return compareStrings(a.Organization, b.Organization) })
	if len(res.Withheld) > 0 {
		res.Offer = r.offer(s.Object, res.Withheld)
	}
	return res
}

// path describes a route for people.
func (r *Router) path(p route) Path {
	out := Path{Concerned: p.concern.Sector, Sector: p.sector, Relation: RelationSame, Reason: p.concern.Reason}
	if p.link != nil {
		// The link reads concerned → recipient; the notice states the
		// recipient's sector's relation to the concerned one.
		back := p.link.Reverse()
		out.Relation, out.Weak, out.Via, out.Rationale = string(back.Relation), back.Weak, back.Via, back.Rationale
	}
	out.Text = r.Catalog.Label(out.Concerned)
	if out.Relation != RelationSame {
		out.Text += " → " + r.Catalog.Label(out.Sector) + ": " + out.Relation
		if out.Weak {
			out.Text += " (weak)"
		}
		if out.Via != "" {
			out.Text += " (via " + out.Via + ")"
		}
	}
	return out
}

// offer names who may release a tearline: the originator's principals and
// the releasers, among those who may read the object.
func (r *Router) offer(obj *kizuna.Object, withheld []Withheld) *Offer {
	o := &Offer{Object: obj.ID, Version: obj.Version, Withheld: withheld}
	var prs []*kizuna.Principal
	if obj.CreatedByRef != "" {
		prs = append(prs, r.Directory.Principals(obj.CreatedByRef)...)
	}
	prs = append(prs, r.Directory.Releasers()...)
	for _, pr := range prs {
		if !slices.Contains(o.Offerees, pr.ID) && r.Access.Readable(pr, obj) {
			o.Offerees = append(o.Offerees, pr.ID)
		}
	}
	return o
}

// relationRank orders paths: the same sector first, then the closest
// relations, weak mappings and pivot links last.
func relationRank(p Path) int {
	rank := 0
	switch p.Relation {
	case RelationSame:
	case string(sector.EquivalentTo):
		rank = 1
	case string(sector.SubsetOf):
		rank = 2
	case string(sector.SupersetOf):
		rank = 3
	default:
		rank = 4
	}
	if p.Weak {
		rank += 10
	}
	if p.Via != "" {
		rank += 20
	}
	return rank
}

func sortPaths(ps []Path) {
	slices.SortStableFunc(ps, func(a, b Path) int {
		if d := relationRank(a) - relationRank(b); d != 0 {
			return d
		}
		if d := compareStrings(a.Concerned, b.Concerned); d != 0 {
			return d
		}
		if d := compareStrings(a.Sector, b.Sector); d != 0 {
			return d
		}
		return compareStrings(a.Reason, b.Reason)
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
