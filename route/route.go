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
	"strings"
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

// Result is the outcome of routing one subject. Notices are in the order
// the Directory lists the principals, concern by concern. Withheld and
// Offer describe who may not read the object: they are for the offerees
// (who may read it) and the node's operators, never for the recipients.
type Result struct {
	Notices  []Notice   `json:"notices"`
	Withheld []Withheld `json:"withheld"`
	Offer    *Offer     `json:"offer,omitempty"`
}

// candidate gathers the routes by which one principal was reached (most
// are reached by one: it is kept inline).
type candidate struct {
	pr    *kizuna.Principal
	org   *sector.Organization
	first int32   // index into the routing's routes
	more  []int32 // further routes
}

// reach is one way to a sector's organisations: the concern, the sector,
// and the path as the notice states it.
type reach struct {
	concern int // index into the subject's concerns
	sector  string
	path    Path
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
	// The routes first: each (concern, sector) once, with its path text.
	var routes []reach
	opts := sector.LinkOptions{Weak: r.Options.Weak, Pivot: r.Options.Pivot, Nations: r.Options.Nations}
	for i := range s.Concerns {
		c := &s.Concerns[i]
		if !r.Catalog.Known(c.Sector) {
			continue
		}
		if len(opts.Nations) == 0 || slices.Contains(opts.Nations, r.Catalog.Sector(c.Sector).Nation()) {
			routes = append(routes, reach{concern: i, sector: c.Sector, path: r.path(c, c.Sector, nil)})
		}
		for _, l := range r.Catalog.Links(c.Sector, opts) {
			routes = append(routes, reach{concern: i, sector: l.To, path: r.path(c, l.To, &l)})
		}
	}
	reached := 0
	for _, rt := range routes {
		reached += len(r.Directory.Organizations(rt.sector))
	}
	index := make(map[*kizuna.Principal]int32, reached)
	cands := make([]candidate, 0, reached)
	for ri, rt := range routes {
		for _, org := range r.Directory.Organizations(rt.sector) {
			for _, pr := range r.Directory.Principals(org.ID) {
				if ci, ok := index[pr]; ok {
					cands[ci].more = append(cands[ci].more, int32(ri))
					continue
				}
				index[pr] = int32(len(cands))
				cands = append(cands, candidate{pr: pr, org: org, first: int32(ri)})
			}
		}
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	created := now().UTC()
	withheld := map[*sector.Organization]*Withheld{}
	readable := make([]bool, len(cands))
	ev := newEvidenceCache(r.Access, s.Concerns)
	res.Notices = make([]Notice, 0, len(cands))
	for i := range cands {
		cd := &cands[i]
		if readable[i] = r.Access.Readable(cd.pr, s.Object); !readable[i] {
			w := withheld[cd.org]
			if w == nil {
				w = &Withheld{Organization: cd.org.ID, Name: cd.org.Name}
				withheld[cd.org] = w
			}
			w.Principals++
			for k := -1; k < len(cd.more); k++ {
				ri := cd.first
				if k >= 0 {
					ri = cd.more[k]
				}
				if !slices.Contains(w.Sectors, routes[ri].sector) {
					w.Sectors = append(w.Sectors, routes[ri].sector)
				}
			}
			continue
		}
		ev.reset(cd.pr)
		var paths []Path
		for k := -1; k < len(cd.more); k++ {
			ri := cd.first
			if k >= 0 {
				ri = cd.more[k]
			}
			if ev.visible(routes[ri].concern) {
				paths = append(paths, routes[ri].path)
			}
		}
		if len(paths) == 0 {
			continue // it may read the object, but not why it concerns its sector
		}
		if len(paths) > 1 {
			sortPaths(paths)
			paths = slices.CompactFunc(paths, func(a, b Path) bool { return a == b })
		}
		res.Notices = append(res.Notices, Notice{ID: noticeID(s.Object, cd.pr.ID), Principal: cd.pr.ID, Organization: cd.org.ID,
			Object: s.Object.ID, ObjectType: s.Object.Type, Version: s.Object.Version, Paths: paths, Created: created})
	}
	if len(withheld) > 0 {
		// An organisation one of whose principals may read the object is
		// not withheld: a tearline is not what it lacks.
		for i := range cands {
			if readable[i] {
				delete(withheld, cands[i].org)
			}
		}
		for _, w := range withheld {
			res.Withheld = append(res.Withheld, *w)
		}
	}
	slices.SortFunc(res.Withheld, func(a, b Withheld) int { return strings.Compare(a.Organization, b.Organization) })
	if len(res.Withheld) > 0 {
		res.Offer = r.offer(s.Object, res.Withheld)
	}
	return res
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
