package policy_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/stix"
)

// MustPolicy returns a policy with the default configuration over store.
func MustPolicy(tb testing.TB, store kizuna.MarkingStore) *policy.Policy {
	tb.Helper()
	p, err := policy.New(policy.DefaultConfig(), store)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustStore labels obj for collection c and stores it.
func MustStore(tb testing.TB, p *policy.Policy, store *policytest.MemStore, c *kizuna.Collection, obj *kizuna.Object) *kizuna.Object {
	tb.Helper()
	ctx := context.Background()
	label, portions, _, err := p.Label(ctx, obj, c)
	if err != nil {
		tb.Fatalf("label %s: %v", obj.ID, err)
	}
	obj.Label, obj.Portions = label, portions
	res, err := store.PutObjects(ctx, c.ID, []*kizuna.Object{obj})
	if err != nil || res[0].Err != nil {
		tb.Fatalf("store %s: %v %v", obj.ID, err, res)
	}
	return obj
}

// Organisations of the table tests.
const (
	orgUS  = "identity--a0000000-0000-4000-8000-000000000001"
	orgJP  = "identity--a0000000-0000-4000-8000-000000000002"
	orgAU  = "identity--a0000000-0000-4000-8000-000000000003"
	orgJP2 = "identity--a0000000-0000-4000-8000-000000000004"
)

// world is a store with one collection whose default marking is the
// shipped one for a Japanese operator (TLP:AMBER, REL TO JPN).
type world struct {
	tb    testing.TB
	ctx   context.Context
	store *policytest.MemStore
	p     *policy.Policy
	c     *kizuna.Collection
	seq   int
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	w := &world{tb: tb, ctx: context.Background(), store: policytest.NewMemStore()}
	w.p = MustPolicy(tb, w.store)
	defaults, refs, err := policy.DefaultMarkings("JPN")
	if err != nil {
		tb.Fatal(err)
	}
	w.c = &kizuna.Collection{
		ID: "c0000000-0000-4000-8000-000000000001", Title: "shared",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}},
		DefaultMarkingRefs: refs,
	}
	if err := w.store.CreateCollection(w.ctx, w.c); err != nil {
		tb.Fatal(err)
	}
	for _, raw := range defaults {
		w.put(MustObject(tb, raw))
	}
	return w
}

// put labels and stores obj.
func (w *world) put(obj *kizuna.Object) *kizuna.Object {
	w.tb.Helper()
	return MustStore(w.tb, w.p, w.store, w.c, obj)
}

// id returns a fresh id of the type.
func (w *world) id(typ string) string {
	w.seq++
	return fmt.Sprintf("%s--b0000000-0000-4000-8000-%012d", typ, w.seq)
}

// marking stores a marking-definition with kizuna's extension and returns
// its id.
func (w *world) marking(ext map[string]any) string {
	w.tb.Helper()
	ext["extension_type"] = "property-extension"
	return w.markingWith(map[string]any{policy.ExtensionID: ext})
}

// markingWith stores a marking-definition with the extensions.
func (w *world) markingWith(extensions map[string]any) string {
	w.tb.Helper()
	id := w.id("marking-definition")
	w.put(MustObject(w.tb, MustJSON(w.tb, map[string]any{
		"type": "marking-definition", "spec_version": "2.1", "id": id,
		"created": "2026-01-01T00:00:00.000Z", "extensions": extensions,
	})))
	return id
}

// acs stores an ACS 3.0 marking with the control set and extra properties.
func (w *world) acs(controlSet map[string]any, extra map[string]any) string {
	w.tb.Helper()
	ext := map[string]any{
		"extension_type": "property-extension", "identifier": "isa:guide.19001.ACS3-1",
		"create_date_time": "2026-01-01T00:00:00Z", "responsible_entity_custodian": "USA.CISA",
		"policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=permit&sharedefault=permit",
		"control_set":      controlSet,
	}
	for k, v := range extra {
		ext[k] = v
	}
	return w.markingWith(map[string]any{policy.ACSExtensionID: ext})
}

// indicator returns an indicator object with the markings.
func (w *world) indicator(createdBy string, refs []string, granular ...kizuna.GranularMarking) *kizuna.Object {
	w.tb.Helper()
	doc := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": w.id("indicator"),
		"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
		"name": "name", "description": "the secret description", "labels": []string{"l0", "l1"},
		"pattern": "[ipv4-addr:value = '203.0.113.7']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
	}
	if createdBy != "" {
		doc["created_by_ref"] = createdBy
	}
	if len(refs) > 0 {
		doc["object_marking_refs"] = refs
	}
	if len(granular) > 0 {
		doc["granular_markings"] = granular
	}
	return MustObject(w.tb, MustJSON(w.tb, doc))
}

// label computes the label of obj.
func (w *world) label(obj *kizuna.Object) *kizuna.AccessLabel {
	w.tb.Helper()
	l, _, _, err := w.p.Label(w.ctx, obj, w.c)
	if err != nil {
		w.tb.Fatalf("label %s: %v", obj.ID, err)
	}
	return l
}

// MustJSON marshals v.
func MustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustObject builds the kizuna.Object of a raw STIX object (the envelope
// fields the policy reads), as stix.Parse fills them.
func MustObject(tb testing.TB, raw []byte) *kizuna.Object {
	tb.Helper()
	var env struct {
		ID               string                   `json:"id"`
		Type             string                   `json:"type"`
		Created          string                   `json:"created"`
		Modified         string                   `json:"modified"`
		CreatedByRef     string                   `json:"created_by_ref"`
		MarkingRefs      []string                 `json:"object_marking_refs"`
		GranularMarkings []kizuna.GranularMarking `json:"granular_markings"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		tb.Fatal(err)
	}
	obj := &kizuna.Object{ID: env.ID, Type: env.Type, SpecVersion: "2.1", CreatedByRef: env.CreatedByRef,
		MarkingRefs: env.MarkingRefs, GranularMarkings: env.GranularMarkings, Raw: raw}
	// The content hash is the store's, of the canonical JSON (of the raw
	// bytes for the malformed objects some tests make on purpose).
	canon, err := stix.Canonical(raw)
	if err != nil {
		canon = raw
	}
	obj.Hash = fmt.Sprintf("%x", sha256.Sum256(canon))
	for _, ts := range []struct {
		s   string
		dst *time.Time
	}{{env.Created, &obj.Created}, {env.Modified, &obj.Modified}} {
		if ts.s != "" {
			t, err := time.Parse(time.RFC3339Nano, ts.s)
			if err != nil {
				tb.Fatal(err)
			}
			*ts.dst = t
		}
	}
	obj.Version = obj.Modified
	if obj.Version.IsZero() {
		obj.Version = obj.Created
	}
	return obj
}

// reader returns a principal; clearances are "SCHEME:LEVEL".
func reader(name, org, nation string, communities []string, clearances ...string) *kizuna.Principal {
	p := &kizuna.Principal{ID: "principal--" + name, Name: name, Organization: org, Nation: nation,
		Communities: communities, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}}
	for _, c := range clearances {
		scheme, level, _ := strings.Cut(c, ":")
		p.Clearances = append(p.Clearances, kizuna.Classification{Scheme: scheme, Level: level})
	}
	return p
}
