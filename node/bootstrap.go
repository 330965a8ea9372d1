package node

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
)

// Bootstrap creates what a new node holds: the directory collection with the
// extension-definition, the shipped default marking-definitions and the
// operator's organisation; the default collection; and the sample data set
// when asked.
//
// Every step is idempotent and a marker file is written last, so that a
// start after an interrupted initialisation (a full disk, a kill) finishes
// it: see Bootstrapped.
func (n *Node) Bootstrap(ctx context.Context, sample bool) error {
	objects, refs, err := policy.DefaultMarkings(n.Identity.Nation)
	if err != nil {
		return err
	}
	everyone := kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer, kizuna.RolePOC}}
	dir := &kizuna.Collection{
		Alias: DirectoryAlias, Title: "Directory",
		Description:        "Organisations, marking-definitions and extension-definitions this node knows.",
		CanRead:            everyone,
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RoleAdmin}},
		DefaultMarkingRefs: []string{policy.TLP2Clear},
	}
	if err := n.EnsureCollection(ctx, dir); err != nil {
		return err
	}
	org, err := OrganizationObject(n.Identity.Organization, n.Identity.Name+" operator", n.Identity.Nation, nil)
	if err != nil {
		return err
	}
	if err := n.ImportRaw(ctx, dir.ID, append(objects, org)); err != nil {
		return err
	}
	def := &kizuna.Collection{
		Alias: DefaultAlias, Title: "Shared threat intelligence",
		Description:        "The node's main collection. Objects without markings are TLP:AMBER, releasable to " + n.Identity.Nation + " only.",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer}},
		DefaultMarkingRefs: refs,
	}
	if err := n.EnsureCollection(ctx, def); err != nil {
		return err
	}
	if sample {
		if err := n.loadSample(ctx, refs); err != nil {
			return err
		}
	}
	return n.State.WriteState(ctx, BootstrapMarker, []byte("ok\n"))
}

// BootstrapMarker is the node state document written when the bootstrap has finished.
const BootstrapMarker = "bootstrapped"

// Bootstrapped reports whether the node's bootstrap has finished.
func (n *Node) Bootstrapped(ctx context.Context) bool {
	done, err := stateExists(ctx, n.State, BootstrapMarker)
	return err == nil && done
}

// EnsureCollection creates c unless a collection with its alias exists (a
// bootstrap that was interrupted after creating it); c.ID is set either way.
func (n *Node) EnsureCollection(ctx context.Context, c *kizuna.Collection) error {
	if existing, err := n.Store.FindCollectionByID(ctx, c.Alias); err == nil {
		c.ID = existing.ID
		return nil
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	return n.Store.CreateCollection(ctx, c)
}

// CreateCollection creates a collection with the node's default marking
// unless the caller chose one.
func (n *Node) CreateCollection(ctx context.Context, c *kizuna.Collection) error {
	if len(c.DefaultMarkingRefs) == 0 {
		_, refs, err := policy.DefaultMarkings(n.Identity.Nation)
		if err != nil {
			return err
		}
		c.DefaultMarkingRefs = refs
	}
	if err := n.Store.CreateCollection(ctx, c); err != nil {
		return err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "collection.create", Object: c.ID, Reason: c.Title})
	return nil
}

// ImportRaw ingests objects as the host operator and fails on any rejection:
// it serves the node's own data, which must be valid.
func (n *Node) ImportRaw(ctx context.Context, collection string, raws []json.RawMessage) error {
	results, err := n.Ingest.Ingest(ingest.AsOperator(ctx), collection, raws)
	if err != nil {
		return err
	}
	var errs []string
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, kizuna.ErrorMessage(r.Err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("built-in objects rejected: %s", strings.Join(errs, "; "))
	}
	return nil
}

// OrganizationObject returns a STIX identity for an organisation.
func OrganizationObject(id, name, nation string, sectors []string) (json.RawMessage, error) {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	obj := map[string]any{
		"type": "identity", "spec_version": "2.1", "id": id,
		"created": now, "modified": now, "name": name,
		"identity_class": "organization", "x_kizuna_nation": nation,
	}
	if len(sectors) > 0 {
		obj["sectors"] = sectors
	}
	return json.Marshal(obj)
}

// ResolveOrganization turns --org (an identity id, an organisation name in
// the directory, or "" for the operator) into an identity id.
func (n *Node) ResolveOrganization(ctx context.Context, org string) (string, error) {
	if org == "" {
		return n.Identity.Organization, nil
	}
	if strings.HasPrefix(org, "identity--") {
		return org, nil
	}
	page, err := n.Store.FindObjects(ctx, kizuna.ObjectFilter{
		Collection: DirectoryAlias, Types: []string{"identity"}, Versions: kizuna.VersionMatch{Last: true},
		Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 10000,
	})
	if err != nil {
		return "", err
	}
	for _, o := range page.Objects {
		var head struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(o.Raw, &head) == nil && strings.EqualFold(head.Name, org) {
			return o.ID, nil
		}
	}
	return "", fmt.Errorf("no organisation of that name in the directory (create it with 'kizuna org add')")
}
