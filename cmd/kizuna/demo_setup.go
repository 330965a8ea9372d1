package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
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

	dir  string
	ln   net.Listener
	keys map[string]string // what 'kizuna node key' prints
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

// prepareDemo sets the nodes up under root exactly as an operator would
// (docs/federation.md): 'kizuna init', 'node key', 'principal add',
// 'peer add' and 'peer set-token' for each, run in this process. Nothing
// else is stored: the sample's organisations and marking-definitions are
// published by their nodes and travel with the objects that need them.
func prepareDemo(ctx context.Context, root string, nodes []*demoNode) error {
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		if err := run(ctx, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}, args); err != nil {
			return "", fmt.Errorf("kizuna %s: %v %s", strings.Join(args[:2], " "), err, strings.TrimSpace(errb.String()))
		}
		return strings.TrimSpace(out.String()), nil
	}
	for _, d := range nodes {
		d.dir = filepath.Join(root, strings.ToLower(d.Name))
		if _, err := cli("init", "--data", d.dir, "--nation", d.Nation, "--name", "kizuna demo node ("+d.Nation+")"); err != nil {
			return err
		}
		out, err := cli("node", "key", "--data", d.dir)
		if err != nil {
			return err
		}
		d.keys = map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok {
				d.keys[k] = v
			}
		}
		for _, r := range d.Readers {
			args := []string{"principal", "add", "--data", d.dir, "--name", r.Name, "--org", d.Org}
			for _, role := range r.Roles {
				args = append(args, "--role", role)
			}
			for _, c := range r.Clearances {
				args = append(args, "--clearance", c)
			}
			for _, c := range r.Communities {
				args = append(args, "--community", c)
			}
			if r.Token, err = cli(args...); err != nil {
				return err
			}
		}
	}
	tokens := map[[2]string]string{} // {a, b}: the token b presents to a
	for _, a := range nodes {
		for _, b := range nodes {
			if a == b {
				continue
			}
			args := []string{"peer", "add", "--data", a.dir, "--name", strings.ToLower(b.Name), "--url", b.url(),
				"--node", b.keys["node"], "--public-key", b.keys["public-key"], "--cert-sha256", b.keys["cert-sha256"],
				"--nation", b.Nation, "--org", b.Org, "--max-tlp", b.MaxTLP}
			for _, o := range b.Behind {
				args = append(args, "--behind", o)
			}
			for _, c := range b.Ceiling {
				args = append(args, "--clearance", c)
			}
			for _, c := range b.Communities {
				args = append(args, "--community", c)
			}
			token, err := cli(args...)
			if err != nil {
				return fmt.Errorf("demo node %s: %w", a.Name, err)
			}
			tokens[[2]string{a.Name, b.Name}] = token
		}
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a != b {
				if _, err := cli("peer", "set-token", "--data", a.dir, "--name", strings.ToLower(b.Name), "--token", tokens[[2]string{b.Name, a.Name}]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// splitSample divides the sample bundle between the nodes that publish
// it: each object goes to the node of its creator (an organisation, or a
// marking-definition, to the node whose organisation it is or created it;
// anonymous objects with their marking's nation, else USA).
func splitSample(nodes []*demoNode) (map[string][]json.RawMessage, error) {
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(node.SampleBundle(), &bundle); err != nil {
		return nil, err
	}
	byNode := map[string][]json.RawMessage{}
	for _, raw := range bundle.Objects {
		var h struct {
			ID           string   `json:"id"`
			Type         string   `json:"type"`
			CreatedByRef string   `json:"created_by_ref"`
			Markings     []string `json:"object_marking_refs"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, err
		}
		creator := h.CreatedByRef
		if h.Type == "identity" {
			creator = h.ID
		}
		owner := nodes[0].Name
		for _, d := range nodes {
			if creator == d.Org || (creator != "" && slices.Contains(d.Behind, creator)) {
				owner = d.Name
			}
		}
		if creator == "" && slices.Contains(h.Markings, sampleJPNMarker) {
			owner = "JPN"
		}
		byNode[owner] = append(byNode[owner], raw)
	}
	return byNode, nil
}
