package node

import (
	"context"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// PeerHealth is what the node knows of one peer's synchronisation: from
// the federation's persisted state, shared by every instance.
type PeerHealth struct {
	Name, Nation, URL string
	// Plain marks a TAXII server that does not sign.
	Plain       bool
	Collections []CollectionHealth
	// Refused counts the versions the peer refused among the last
	// RefusalWindow entries of the audit log (federation.refused);
	// LastRefusal is the latest of them (nil: none).
	Refused     int
	LastRefusal *kizuna.AuditEvent
}

// RefusalWindow is how many of the audit log's last entries PeersHealth
// reads for the peers' refusals.
const RefusalWindow = 10000

// CollectionHealth is the synchronisation of one collection with a peer.
type CollectionHealth struct {
	Local, Remote string
	Push, Pull    bool
	// LastPush is the date_added of the last local version the peer
	// confirmed (zero: none yet); LastPull that of the peer's last version
	// stored here.
	LastPush, LastPull time.Time
	// Deletes are the deletions waiting to reach the peer; Retries the
	// versions it refused for want of a marking-definition, to send once
	// more.
	Deletes, Retries int
}

// FederationTotals are this instance's federation counters since it
// started (kizuna_federation_objects_total on /metrics).
type FederationTotals struct {
	Running                                   bool
	Sent, Refused, Withheld, Pulled, Failures int64
}

// PeersHealth returns each peer's synchronisation state and this
// instance's federation counters. It is for admins: it names every peer
// and collection mapping.
func (n *Node) PeersHealth(ctx context.Context) ([]PeerHealth, FederationTotals, error) {
	var tot FederationTotals
	if n.fed != nil {
		st := n.fed.Stats()
		tot = FederationTotals{Running: true, Sent: st.Sent.Load(), Refused: st.Refused.Load(),
			Withheld: st.Withheld.Load() + st.MetaWithheld.Load(), Pulled: st.Pulled.Load(), Failures: st.Failures.Load()}
	}
	peers, err := n.Peers(ctx)
	if err != nil {
		return nil, tot, err
	}
	cursors, err := federation.OpenCursors(ctx, n.State)
	if err != nil {
		return nil, tot, err
	}
	refused, last, err := n.refusals(ctx)
	if err != nil {
		return nil, tot, err
	}
	out := make([]PeerHealth, 0, len(peers.Peers))
	for _, pc := range peers.Peers {
		ph := PeerHealth{Name: pc.Name, Nation: pc.Nation, URL: pc.URL, Plain: pc.Plain, Refused: refused[pc.Name], LastRefusal: last[pc.Name]}
		for _, m := range pc.Collections {
			ph.Collections = append(ph.Collections, CollectionHealth{
				Local: m.Local, Remote: m.Remote, Push: m.Push, Pull: m.Pull,
				LastPush: cursors.Get("push", pc.Name, m.Local), LastPull: cursors.Get("pull", pc.Name, m.Remote),
				Deletes: len(cursors.PendingDeletes(pc.Name, m.Local)), Retries: len(cursors.PendingRetries(pc.Name, m.Local)),
			})
		}
		out = append(out, ph)
	}
	return out, tot, nil
}

// refusals counts each peer's refusals among the audit log's last
// RefusalWindow entries, with the latest.
func (n *Node) refusals(ctx context.Context) (map[string]int, map[string]*kizuna.AuditEvent, error) {
	end, _, err := n.Store.AuditChainHead(ctx)
	if err != nil {
		return nil, nil, err
	}
	count, last := map[string]int{}, map[string]*kizuna.AuditEvent{}
	for after := max(end-RefusalWindow, 0); after < end; {
		evs, err := n.Store.FindAudit(ctx, after, 1000)
		if err != nil {
			return nil, nil, err
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if peer, ok := federation.RefusedBy(e); ok {
				count[peer]++
				last[peer] = e
			}
		}
		after = evs[len(evs)-1].Seq
	}
	return count, last, nil
}
