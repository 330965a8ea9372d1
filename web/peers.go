package web

import (
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

func init() {
	register(page{Pattern: "GET /peers", Template: "peers.html", Nav: "nav.peers", NavPath: "/peers", Order: 50,
		Role: kizuna.RoleAdmin, Handle: (*Server).peers})
}

type peersData struct {
	Peers  []node.PeerHealth
	Totals node.FederationTotals
	// Window is how many audit entries the refusals are counted in.
	Window int
}

// peers shows each peer's synchronisation (admins only, like 'kizuna peer
// list'): the last version each confirmed, the deletions and retries
// waiting, and this instance's federation counters. Nothing of an object
// is shown: the page carries no object's marking.
func (s *Server) peers(v *View, r *http.Request) error {
	v.Title = v.T("peers.title")
	ps, tot, err := s.n.PeersHealth(r.Context())
	if err != nil {
		return err
	}
	v.Data = &peersData{Peers: ps, Totals: tot, Window: node.RefusalWindow}
	return nil
}
