package route

import (
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/sector"
)

// Index is an in-memory Directory built from the organisations' identities
// (local or received from peers) and the node's principals.
type Index struct {
	bySector  map[string][]*sector.Organization
	byOrg     map[string][]*kizuna.Principal
	releasers []*kizuna.Principal
}

var _ Directory = (*Index)(nil)

// NewIndex indexes organisations by their national sector ids and
// principals by their organisation. Revoked principals are left out.
func NewIndex(orgs []*sector.Organization, principals []*kizuna.Principal) *Index {
	ix := &Index{bySector: map[string][]*sector.Organization{}, byOrg: map[string][]*kizuna.Principal{}}
	for _, o := range orgs {
		for _, s := range o.Sectors {
			ix.bySector[s] = append(ix.bySector[s], o)
		}
	}
	for _, pr := range principals {
		if pr == nil || pr.RevokedAt != nil {
			continue
		}
		if pr.Organization != "" {
			ix.byOrg[pr.Organization] = append(ix.byOrg[pr.Organization], pr)
		}
		if pr.HasRole(kizuna.RoleReleaser) {
			ix.releasers = append(ix.releasers, pr)
		}
	}
	return ix
}

// Organizations returns the organisations that carry the sector id.
func (ix *Index) Organizations(sector string) []*sector.Organization { return ix.bySector[sector] }

// Principals returns the principals of an organisation.
func (ix *Index) Principals(org string) []*kizuna.Principal { return ix.byOrg[org] }

// Releasers returns the principals that hold kizuna.RoleReleaser.
func (ix *Index) Releasers() []*kizuna.Principal { return ix.releasers }
