package node

import (
	"context"
	_ "embed"
	"encoding/json"

	"github.com/kizuna-dev/kizuna"
)

// sampleBundle is a realistic data set for a first look at a node.
//
//go:embed sample/sample-bundle.json
var sampleBundle []byte

// loadSample creates the sample collection and loads the sample bundle.
func (n *Node) loadSample(ctx context.Context, defaultRefs []string) error {
	c := &kizuna.Collection{
		Alias: SampleAlias, Title: "Sample: Operation Paper Crane",
		Description:        "A sample data set: a spear-phishing campaign against defence contractors, shared under several markings.",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin}},
		DefaultMarkingRefs: defaultRefs,
	}
	if err := n.EnsureCollection(ctx, c); err != nil {
		return err
	}
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(sampleBundle, &bundle); err != nil {
		return err
	}
	return n.ImportRaw(ctx, c.ID, bundle.Objects)
}

// SampleBundle returns the sample data set, a STIX bundle.
func SampleBundle() []byte { return sampleBundle }
