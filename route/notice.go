package route

import (
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/sector"
)

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

// path describes a route for people.
func (r *Router) path(c *Concern, sectorID string, link *sector.Link) Path {
	out := Path{Concerned: c.Sector, Sector: sectorID, Relation: RelationSame, Reason: c.Reason}
	if link != nil {
		// The link reads concerned → recipient; the notice states the
		// recipient's sector's relation to the concerned one.
		back := link.Reverse()
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
		if d := strings.Compare(a.Concerned, b.Concerned); d != 0 {
			return d
		}
		if d := strings.Compare(a.Sector, b.Sector); d != 0 {
			return d
		}
		return strings.Compare(a.Reason, b.Reason)
	})
}
