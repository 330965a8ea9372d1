package node

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/policy"
)

// fedOptions tune the federation of a running node (tests and the demo
// shorten the catch-up interval).
type fedOptions struct {
	CatchUp time.Duration
}

// startFederation loads the node's keys and peers, installs the verifier
// of what peers send, and starts the workers. It must run before the node
// serves, so that no peer's object arrives unverified and no ingest event
// is missed. The returned function stops the workers.
func (n *Node) startFederation(ctx context.Context, opt fedOptions) (func(), error) {
	keys, peers, err := n.Peering(ctx)
	if err != nil {
		return nil, err
	}
	cursors, err := federation.OpenCursors(ctx, n.State)
	if err != nil {
		return nil, err
	}
	n.Policy.SetAgency(peerAgency{peers})
	n.Ingest.SetVerifier(federation.NewVerifier(n.Identity.ID, peers, n.Store, n.Logger))
	svc, err := federation.New(federation.Config{
		Node: n.Identity.ID, Keys: keys, Peers: peers,
		Objects: n.Guard, Collections: n.Store, Principals: n.Store,
		Ingester: n.Ingest, Audit: n.Store, Cursors: cursors,
		Dial: dialPeer, Logger: n.Logger.With("component", "federation"),
		CatchUp: opt.CatchUp, Known: knownEverywhere, Lease: n.leaser(),
	})
	if err != nil {
		return nil, err
	}
	n.Subscribe(svc.Notify)
	if err := svc.Start(ctx); err != nil {
		return nil, fmt.Errorf("federation: %s", kizuna.ErrorMessage(err))
	}
	n.fed = svc
	if len(peers.Peers) > 0 {
		n.Logger.Info("federation started", "peers", len(peers.Peers), "node", n.Identity.ID)
	}
	return svc.Stop, nil
}

// knownEverywhere reports the meta objects every kizuna node interprets
// by id or ships with: the TLP marking-definitions, the extension ids the
// policy reads, and kizuna's own identity. Peers never need them sent.
func knownEverywhere(id string) bool {
	if _, tlp := policy.TLPOf(id); tlp {
		return true
	}
	switch id {
	case policy.ExtensionID, policy.TLP2ExtensionID, policy.ACSExtensionID, projectIdentity:
		return true
	}
	return false
}

// projectIdentity is the id of the identity that created kizuna's
// extension-definition.
var projectIdentity = func() string {
	var head struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(policy.ProjectIdentity, &head) // embedded, and tested in policy
	return head.ID
}()

// fedObjects is the object store the TAXII server uses when the node
// federates: the guard, plus deletion propagation (to the peers and to the
// subscribers of deletions). A deletion by the
// object's originating organisation is propagated to the peers (the guard
// applies the rule by which a peer deletes for the organisations behind it:
// policy.DeletingAs).
type fedObjects struct {
	kizuna.ObjectStore
	n *Node
}

// DeleteObject deletes through the guard and queues the propagation.
func (f fedObjects) DeleteObject(ctx context.Context, collection, id string, versions kizuna.VersionMatch, access kizuna.AccessScope) (int, error) {
	pr := kizuna.PrincipalFromContext(ctx)
	c, err := f.n.Store.FindCollectionByID(ctx, collection)
	if pr == nil || err != nil {
		return f.ObjectStore.DeleteObject(ctx, collection, id, versions, access)
	}
	page, err := f.n.Store.FindObjects(ctx, kizuna.ObjectFilter{
		Collection: c.ID, IDs: []string{id}, Versions: kizuna.VersionMatch{Last: true},
		Access: kizuna.AccessScope{Unrestricted: true}, Limit: 1,
	})
	if err != nil {
		return 0, err
	}
	creator := ""
	if len(page.Objects) > 0 {
		creator = page.Objects[0].CreatedByRef
	}
	before, err := f.n.deleting(ctx, c.ID, id, versions)
	if err != nil {
		return 0, err
	}
	count, err := f.ObjectStore.DeleteObject(ctx, collection, id, versions, access)
	if err == nil && count > 0 {
		f.n.deleted(ctx, c.ID, id, before)
	}
	if err == nil && count > 0 && f.n.fed != nil && !pr.HasRole(kizuna.RolePeer) && creator != "" && creator == pr.Organization {
		f.n.fed.Deleted(c.ID, id)
	}
	return count, err
}

// serverTLS returns the TLS configuration that serves HTTPS with the node's
// own certificate, or nil for plain HTTP. Plain HTTP is allowed only on a
// loopback address (tests and the demo); an operator's --tls-cert takes
// precedence over the node's certificate.
func (n *Node) serverTLS(ctx context.Context, cfg ServeConfig, ln net.Listener) (*tls.Config, error) {
	if cfg.TLSCert != "" {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); !cfg.TLS && ip != nil && ip.IsLoopback() {
		return nil, nil
	}
	keys, err := n.Keys(ctx)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{keys.TLS}}, nil
}
