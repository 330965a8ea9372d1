package node

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// Peers returns the node's peering agreements.
func (n *Node) Peers(ctx context.Context) (*federation.Peers, error) {
	return federation.LoadPeers(ctx, n.State)
}

// AddPeer stores a peering agreement: the peer's principal, whose nation,
// organisation, clearances (SCHEME:LEVEL) and communities are the
// agreement's ceiling, and its configuration. It returns the principal's
// token, which the peer presents when it pushes here. A running node reads
// its peers at start.
func (n *Node) AddPeer(ctx context.Context, pc *federation.PeerConfig, clearances, communities []string) (string, error) {
	if err := pc.Validate(); err != nil {
		return "", err
	}
	for _, m := range pc.Collections {
		if _, err := n.Store.FindCollectionByID(ctx, m.Local); err != nil {
			return "", kizuna.Errorf(kizuna.EINVALID, "local collection %q: %s", m.Local, kizuna.ErrorMessage(err))
		}
	}
	p := &kizuna.Principal{
		ID: "principal--" + kizuna.NewUUID(), Name: pc.Name, Organization: pc.Organization,
		Nation: pc.Nation, Communities: communities, Roles: []string{kizuna.RolePeer}, CreatedAt: time.Now().UTC(),
	}
	for _, c := range clearances {
		cl, err := n.ParseClearance(c)
		if err != nil {
			return "", kizuna.Errorf(kizuna.EINVALID, "clearance %q: %v", c, err)
		}
		p.Clearances = append(p.Clearances, cl)
	}
	err := federation.UpdatePeers(ctx, n.State, func(peers *federation.Peers) error {
		if peers.Find(pc.Name) != nil {
			return kizuna.Errorf(kizuna.ECONFLICT, "a peer named %q exists", pc.Name)
		}
		peers.Peers = append(peers.Peers, pc)
		return nil
	})
	if err != nil {
		return "", err
	}
	token := kizuna.NewToken()
	if err := n.Store.CreatePrincipal(ctx, p, kizuna.HashToken(token)); err != nil {
		if rerr := n.dropPeer(ctx, pc.Name); rerr != nil {
			n.Logger.Error("peer add: the peer's configuration was not rolled back", "peer", pc.Name, "err", rerr)
		}
		return "", err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "peer.create", Object: pc.Name,
		Reason: fmt.Sprintf("url=%s nation=%s org=%s max_tlp=%s plain=%t", pc.URL, pc.Nation, pc.Organization, pc.MaxTLP, pc.Plain)})
	return token, nil
}

// RemovePeer ends a peering agreement: its configuration and cursors go,
// and its principal is revoked, which stops both directions at once (its
// token no longer authenticates, and egress decisions for it deny).
func (n *Node) RemovePeer(ctx context.Context, name string) error {
	if err := n.dropPeer(ctx, name); err != nil {
		return err
	}
	if err := n.Store.RevokePrincipal(ctx, name); err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	cursors, err := federation.OpenCursors(ctx, n.State)
	if err != nil {
		return err
	}
	if err := cursors.Forget(name); err != nil {
		return err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "peer.remove", Object: name})
	return nil
}

// dropPeer removes a peer's configuration; ENOTFOUND when there is none.
func (n *Node) dropPeer(ctx context.Context, name string) error {
	return federation.UpdatePeers(ctx, n.State, func(peers *federation.Peers) error {
		i := slices.IndexFunc(peers.Peers, func(pc *federation.PeerConfig) bool { return pc.Name == name })
		if i < 0 {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no peer named %q", name)
		}
		peers.Peers = slices.Delete(peers.Peers, i, i+1)
		return nil
	})
}

// SetPeerToken sets the credentials this node presents to a peer.
func (n *Node) SetPeerToken(ctx context.Context, name, username, token string) error {
	return federation.UpdatePeers(ctx, n.State, func(peers *federation.Peers) error {
		pc := peers.Find(name)
		if pc == nil {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no peer named %q", name)
		}
		pc.Username, pc.Token = username, token
		return nil
	})
}

// ResendPeer forgets how far synchronisation with a peer got, so that the
// node sends (and pulls) its history again under the current agreement.
// The receiver's idempotence makes a resend harmless.
func (n *Node) ResendPeer(ctx context.Context, name string) error {
	peers, err := n.Peers(ctx)
	if err != nil {
		return err
	}
	if peers.Find(name) == nil {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no peer named %q", name)
	}
	cursors, err := federation.OpenCursors(ctx, n.State)
	if err != nil {
		return err
	}
	return cursors.Forget(name)
}
