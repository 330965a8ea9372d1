package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// Organisations of the sample data set, which the demo's nodes stand for.
const (
	sampleUSOrg     = "identity--a7b1650a-780d-45b6-9cbc-28e42debef71"
	sampleJPOrg     = "identity--68374686-2664-483c-b37a-d2e5e3402099"
	sampleJPVendor  = "identity--b9d97533-f7de-434e-983d-0971daec6241"
	sampleJPNMarker = "marking-definition--db9fc5a4-1b4e-423e-b02d-f3412558d463"
)

// demoReader is a principal the demo creates on a node.
type demoReader struct {
	Name        string
	Clearances  []string
	Communities []string
	Roles       []string
	Token       string
}

// demoNode is one node of the demo.
type demoNode struct {
	Name, Nation, Org string
	Behind            []string
	// Ceiling is what the other nodes' agreements with this one allow.
	Ceiling     []string
	Communities []string
	MaxTLP      string
	Readers     []*demoReader

	dir    string
	ln     net.Listener
	nodeID string
	keys   *federation.Keys
	tokens map[string]string // this node's token on each other node
}

func (d *demoNode) url() string { return "http://" + d.ln.Addr().String() + "/taxii2/api/" }

// demoNodes returns the three nodes of the demo with their principals.
func demoNodes() []*demoNode {
	pub := func() *demoReader {
		return &demoReader{Name: "publisher", Roles: []string{kizuna.RolePublisher, kizuna.RoleReader},
			Clearances: []string{"USA:TOP SECRET", "JPN:kimitsu", "AUS:TOP SECRET"}, Communities: []string{"cyber-wg"}}
	}
	return []*demoNode{
		{Name: "USA", Nation: "USA", Org: sampleUSOrg, MaxTLP: kizuna.TLPAmber,
			Ceiling: []string{"USA:SECRET"}, Communities: []string{"cyber-wg"},
			Readers: []*demoReader{pub(),
				{Name: "usa-analyst", Clearances: []string{"USA:SECRET"}, Communities: []string{"cyber-wg"}},
				{Name: "usa-contractor", Clearances: []string{"USA:CONFIDENTIAL"}}}},
		{Name: "JPN", Nation: "JPN", Org: sampleJPOrg, Behind: []string{sampleJPVendor}, MaxTLP: kizuna.TLPAmber,
			Ceiling: []string{"JPN:gokuhi"}, Communities: []string{"cyber-wg"},
			Readers: []*demoReader{pub(),
				{Name: "jpn-analyst", Clearances: []string{"JPN:gokuhi"}, Communities: []string{"cyber-wg"}},
				{Name: "jpn-operator", Clearances: []string{"JPN:toriatsukai-chui"}}}},
		{Name: "AUS", Nation: "AUS", Org: "identity--" + kizuna.NewUUID(), MaxTLP: kizuna.TLPGreen,
			Ceiling: []string{"AUS:SECRET"}, Communities: []string{"cyber-wg"},
			Readers: []*demoReader{pub(),
				{Name: "aus-analyst", Clearances: []string{"AUS:SECRET"}, Communities: []string{"cyber-wg"}},
				{Name: "aus-reader"}}},
	}
}

// prepareDemo initialises the nodes' data directories under root, peers
// them in a full mesh and creates their principals. Every node's directory
// receives the sample's organisations and marking-definitions, as
// agreements exchange them, so that each node can interpret the markings
// of what its peers send.
func prepareDemo(ctx context.Context, root string, nodes []*demoNode, directory []json.RawMessage) error {
	for _, d := range nodes {
		d.dir = filepath.Join(root, strings.ToLower(d.Name))
		d.tokens = map[string]string{}
		if _, err := ensureDataDir(ctx, d.dir, initOptions{Name: "kizuna demo node (" + d.Nation + ")", Nation: d.Nation}); err != nil {
			return err
		}
		n, err := openNode(ctx, d.dir, nil)
		if err != nil {
			return err
		}
		err = n.bootstrap(ctx, false)
		if err == nil {
			err = n.importRaw(ctx, directoryAlias, directory)
		}
		if err == nil {
			d.keys, err = n.nodeKeys()
		}
		d.nodeID = n.id.ID
		for _, r := range d.Readers {
			if err != nil {
				break
			}
			r.Token, err = n.demoPrincipal(ctx, d, r)
		}
		n.Close()
		if err != nil {
			return fmt.Errorf("demo node %s: %w", d.Name, err)
		}
	}
	for _, a := range nodes {
		n, err := openNode(ctx, a.dir, nil)
		if err != nil {
			return err
		}
		for _, b := range nodes {
			if a == b {
				continue
			}
			pc := &federation.PeerConfig{
				Name: strings.ToLower(b.Name), Node: b.nodeID, URL: b.url(), PublicKey: b.keys.PublicKey(), CertSHA256: b.keys.CertSHA256,
				Nation: b.Nation, Organization: b.Org, Organizations: append([]string{b.Org}, b.Behind...), MaxTLP: b.MaxTLP,
				Collections: []federation.CollectionMap{{Local: defaultAlias, Remote: defaultAlias, Push: true}},
			}
			if b.tokens[a.Name], err = n.addPeer(ctx, pc, b.Ceiling, b.Communities); err != nil {
				n.Close()
				return fmt.Errorf("demo node %s: peer %s: %w", a.Name, b.Name, err)
			}
		}
		n.Close()
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				if err := setPeerToken(a.dir, strings.ToLower(b.Name), "", a.tokens[b.Name]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// demoPrincipal creates a principal of the node's organisation.
func (n *node) demoPrincipal(ctx context.Context, d *demoNode, r *demoReader) (string, error) {
	p := &kizuna.Principal{ID: "principal--" + kizuna.NewUUID(), Name: r.Name, Organization: d.Org, Nation: d.Nation,
		Communities: r.Communities, Roles: r.Roles, CreatedAt: time.Now().UTC()}
	if len(p.Roles) == 0 {
		p.Roles = []string{kizuna.RoleReader}
	}
	for _, c := range r.Clearances {
		cl, err := n.parseClearance(c)
		if err != nil {
			return "", err
		}
		p.Clearances = append(p.Clearances, cl)
	}
	token := kizuna.NewToken()
	return token, n.store.CreatePrincipal(ctx, p, kizuna.HashToken(token))
}

// splitSample divides the sample bundle: organisations and
// marking-definitions for every node's directory, and the rest for the
// node of its creator (anonymous objects go with their marking's nation).
func splitSample(nodes []*demoNode) (directory []json.RawMessage, byNode map[string][]json.RawMessage, err error) {
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(sampleBundle, &bundle); err != nil {
		return nil, nil, err
	}
	byNode = map[string][]json.RawMessage{}
	for _, raw := range bundle.Objects {
		var h struct {
			Type         string   `json:"type"`
			CreatedByRef string   `json:"created_by_ref"`
			Markings     []string `json:"object_marking_refs"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, nil, err
		}
		if h.Type == "identity" || h.Type == "marking-definition" {
			directory = append(directory, raw)
			continue
		}
		owner := nodes[0].Name
		for _, d := range nodes {
			if h.CreatedByRef == d.Org || (h.CreatedByRef != "" && slices.Contains(d.Behind, h.CreatedByRef)) {
				owner = d.Name
			}
		}
		if h.CreatedByRef == "" && slices.Contains(h.Markings, sampleJPNMarker) {
			owner = "JPN"
		}
		byNode[owner] = append(byNode[owner], raw)
	}
	return directory, byNode, nil
}
