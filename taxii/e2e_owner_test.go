package taxii_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// ipv4 returns an ipv4-addr observable with the id and value, under the
// markings (none for the collection default).
func ipv4(id, value string, markings ...string) string {
	m := map[string]any{"type": "ipv4-addr", "spec_version": "2.1", "id": id, "value": value}
	if len(markings) > 0 {
		m["object_marking_refs"] = markings
	}
	return jsonObject(m)
}

// valueOf returns the "value" of the only object of objs.
func valueOf(t *testing.T, objs []json.RawMessage) string {
	t.Helper()
	if len(objs) != 1 {
		t.Fatalf("%d versions, want 1", len(objs))
	}
	var v struct {
		Value string `json:"value"`
	}
	json.Unmarshal(objs[0], &v)
	return v.Value
}

// TestObservableOverwrite: an observable id is shared node-wide. Another
// organisation may post the content its owner stored (under its own
// markings), in any collection, but not another content: readers keep
// seeing the owner's value. The owner may change it (under a UUIDv4 id: a
// deterministic UUIDv5 id has one value, TestObservableDeterministicID).
func TestObservableOverwrite(t *testing.T) {
	w := MustOwnerWorld(t)
	id := "ipv4-addr--0b1d9c3a-9b4f-4d7e-8a1c-2f3e4d5c6b7a"
	w.mustAccept(w.n.shared, "usa-publisher", ipv4(id, "198.51.100.7"))
	for _, c := range []*kizunaCollection{{w.n.shared, "the owner's collection"}, {w.second, "another collection"}} {
		if msg := w.mustRefuse(c.c, "jpn-publisher", ipv4(id, "203.0.113.66")); !strings.Contains(msg, policy.RuleWriteOwner) {
			t.Errorf("another value in %s: %q, want refused by %s", c.what, msg, policy.RuleWriteOwner)
		}
	}
	_, objs := w.get(w.n.shared, "jpn-reader", id, "")
	if got := valueOf(t, objs); got != "198.51.100.7" {
		t.Errorf("readers see %q after the overwrite attempt", got)
	}
	// The same observation under another organisation's markings is its
	// to share.
	w.mustAccept(w.second, "jpn-publisher", ipv4(id, "198.51.100.7", policy.TLP2Green))
	w.mustAccept(w.n.shared, "jpn-publisher", ipv4(id, "198.51.100.7", policy.TLP2Green))
	// The owner may change it, and then the others may share the new
	// content, not the old one in its stead.
	w.mustAccept(w.n.shared, "usa-publisher", ipv4(id, "198.51.100.8"))
	_, objs = w.get(w.n.shared, "jpn-reader", id, "")
	if got := valueOf(t, objs); got != "198.51.100.8" {
		t.Errorf("after the owner's change readers see %q", got)
	}
	w.mustAccept(w.second, "jpn-publisher", ipv4(id, "198.51.100.8"))
	if msg := w.mustRefuse(w.second, "jpn-publisher", ipv4(id, "198.51.100.7", policy.TLP2Clear)); !strings.Contains(msg, policy.RuleWriteOwner) {
		t.Errorf("the owner's former content: %q", msg)
	}
}

// TestForgedCreator: a first version must name its publisher's own
// organisation as creator (or none); naming another organisation is
// refused, so the object is not served as that organisation's nor put in
// its TLP:AMBER audience.
func TestForgedCreator(t *testing.T) {
	w := MustOwnerWorld(t)
	forged := indicatorWith(20, "2026-02-01T00:00:00.000Z", orgUSA, "forged", policy.TLP2Amber)
	if msg := w.mustRefuse(w.n.shared, "jpn-publisher", forged); !strings.Contains(msg, policy.RuleWriteCreator) {
		t.Errorf("a forged creator: %q, want refused by %s", msg, policy.RuleWriteCreator)
	}
	w.mustSee(w.n.shared, indicatorID(20), map[string]bool{"us-reader": false, "jpn-reader": false})
	w.mustAccept(w.n.shared, "jpn-publisher", indicatorWith(21, "2026-02-01T00:00:00.000Z", orgJPN, "own", policy.TLP2Amber))
	w.mustSee(w.n.shared, indicatorID(21), map[string]bool{"us-reader": false, "jpn-reader": true})
}

// TestWriteRefusalOracle: a POST that reuses the id of an object the
// poster may not read is refused exactly as one that reuses the id of an
// object it may read: the message names neither the stored creator nor
// anything else of the hidden object, and an identical re-post of the
// hidden object (a guess of its content) is refused the same way.
func TestWriteRefusalOracle(t *testing.T) {
	w := MustOwnerWorld(t)
	hidden := indicatorWith(30, "2026-02-01T00:00:00.000Z", orgUSA, "hidden", policy.TLP2Red)
	w.mustAccept(w.n.shared, "usa-publisher",
		hidden,
		indicatorWith(31, "2026-02-01T00:00:00.000Z", orgUSA, "visible", policy.TLP2Clear),
		indicatorWith(32, "2026-02-01T00:00:00.000Z", "", "hidden, no creator", policy.TLP2Red),
		indicatorWith(33, "2026-02-01T00:00:00.000Z", "", "visible, no creator", policy.TLP2Clear))
	w.mustSee(w.n.shared, indicatorID(30), map[string]bool{"jpn-publisher": false})
	w.mustSee(w.n.shared, indicatorID(31), map[string]bool{"jpn-publisher": true})

	var messages []string
	for _, n := range []int{30, 31, 32, 33} {
		for _, org := range []string{orgJPN, ""} {
			msg := w.mustRefuse(w.n.shared, "jpn-publisher", indicatorWith(n, "2026-03-01T00:00:00.000Z", org, "mine now", policy.TLP2Clear))
			messages = append(messages, withoutID(msg, indicatorID(n)))
		}
	}
	messages = append(messages, withoutID(w.mustRefuse(w.n.shared, "jpn-publisher", hidden), indicatorID(30)))
	for i, m := range messages {
		if m != messages[0] {
			t.Errorf("refusal %d differs: %q, first %q", i, m, messages[0])
		}
		if strings.Contains(m, orgUSA) {
			t.Errorf("refusal %d names the stored creator: %q", i, m)
		}
	}
}

// TestOwnerVersionsAndDelete: the organisation that stored the first
// version of an object without created_by_ref owns it: its second version
// is accepted (the OASIS taxii2-client flow), match[version] and the
// versions endpoint list both, another organisation may not version or
// delete it, and its publisher deletes it.
func TestOwnerVersionsAndDelete(t *testing.T) {
	w := MustOwnerWorld(t)
	id := indicatorID(40)
	w.mustAccept(w.n.shared, "usa-publisher", indicatorWith(40, "2026-02-01T00:00:00.000Z", "", "v1"))
	w.mustAccept(w.n.shared, "usa-publisher", indicatorWith(40, "2026-02-02T00:00:00.000Z", "", "v2"))
	if msg := w.mustRefuse(w.n.shared, "jpn-publisher", indicatorWith(40, "2026-02-03T00:00:00.000Z", "", "v3")); !strings.Contains(msg, policy.RuleWriteOwner) {
		t.Errorf("another organisation's version: %q", msg)
	}
	for query, want := range map[string]int{"match[version]=all": 2, "match[version]=first,last": 2, "match[version]=first": 1, "": 1} {
		if code, objs := w.get(w.n.shared, "jpn-reader", id, query); code != 200 || len(objs) != want {
			t.Errorf("GET %s?%s: %d, %d versions, want %d", id, query, code, len(objs), want)
		}
	}
	r := MustDo(t, w.n, request{path: collectionPath(w.n.shared) + "objects/" + url.PathEscape(id) + "/versions/", token: w.n.tokens["jpn-reader"]})
	var versions struct {
		Versions []string `json:"versions"`
	}
	MustDecode(t, r, &versions)
	if len(versions.Versions) != 2 {
		t.Errorf("versions: %s", r.body)
	}
	var manifest taxii.Manifest
	MustDecode(t, MustDo(t, w.n, request{path: collectionPath(w.n.shared) + "manifest/?match[version]=all&match[id]=" + url.QueryEscape(id), token: w.n.tokens["jpn-reader"]}), &manifest)
	if len(manifest.Objects) != 2 {
		t.Errorf("manifest: %+v", manifest)
	}
	del := func(name, query string) int {
		return MustDo(t, w.n, request{method: http.MethodDelete, path: collectionPath(w.n.shared) + "objects/" + url.PathEscape(id) + "/" + query, token: w.n.tokens[name]}).status
	}
	if code := del("jpn-publisher", "?match[version]=all"); code != http.StatusForbidden {
		t.Errorf("DELETE by another organisation: %d, want 403", code)
	}
	if code := del("usa-publisher", ""); code != http.StatusOK {
		t.Errorf("DELETE of the latest version by the owner: %d, want 200", code)
	}
	if _, objs := w.get(w.n.shared, "jpn-reader", id, "match[version]=all"); len(objs) != 1 {
		t.Errorf("%d versions after deleting the latest, want 1", len(objs))
	}
	if code := del("usa-publisher", "?match[version]=all"); code != http.StatusOK {
		t.Errorf("DELETE of every version by the owner: %d, want 200", code)
	}
	w.mustSee(w.n.shared, id, map[string]bool{"usa-publisher": false, "jpn-reader": false})
}

// TestMetaObjectLabels: in a collection whose default marking is
// TLP:AMBER (the creator's organisation only), the meta objects a reader
// needs to interpret an object do not take that default: a classification
// marking-definition is readable by exactly the readers of what it marks,
// a statement marking, an extension-definition and the publisher's own
// identity by every reader of the collection; another identity (a victim)
// and an ordinary object take the default. Explicit markings still apply.
func TestMetaObjectLabels(t *testing.T) {
	w := MustOwnerWorld(t)
	rel := "marking-definition--5ec2e700-0000-4000-8000-000000000010"
	stmt := "marking-definition--5ec2e700-0000-4000-8000-000000000011"
	ext := "extension-definition--5ec2e700-0000-4000-8000-000000000012"
	identity := func(id, name string, markings ...string) string {
		m := map[string]any{"type": "identity", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-01-01T00:00:00.000Z", "name": name, "identity_class": "organization"}
		if len(markings) > 0 {
			m["object_marking_refs"] = markings
		}
		return jsonObject(m)
	}
	w.mustAccept(w.amber, "us-secret",
		markingDef(rel, "2026-01-01T00:00:00.000Z", orgUSA, "SECRET//REL TO USA, JPN", map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}),
		statement(stmt, "2026-01-01T00:00:00.000Z", orgUSA),
		jsonObject(map[string]any{"type": "extension-definition", "spec_version": "2.1", "id": ext, "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-01-01T00:00:00.000Z", "created_by_ref": orgUSA, "name": "x", "schema": "https://example.org/x", "version": "1.0",
			"extension_types": []string{"property-extension"}}),
		identity(orgUSA, "US agency"),
		identity(orgVIC, "a victim"),
		identity("identity--5ec2e700-0000-4000-8000-000000000013", "a marked one", policy.TLP2Red),
		indicatorWith(50, "2026-01-01T00:00:00.000Z", orgUSA, "secret", rel),
		indicatorWith(51, "2026-01-01T00:00:00.000Z", orgUSA, "default"))
	w.mustSee(w.amber, rel, map[string]bool{"us-secret-reader": true, "jp-gokuhi": true, "us-reader": false, "jpn-reader": false})
	w.mustSee(w.amber, indicatorID(50), map[string]bool{"us-secret-reader": true, "jp-gokuhi": true, "us-reader": false, "jpn-reader": false})
	for _, id := range []string{stmt, ext, orgUSA} {
		w.mustSee(w.amber, id, map[string]bool{"us-reader": true, "jpn-reader": true, "attacker": true})
	}
	for _, id := range []string{orgVIC, "identity--5ec2e700-0000-4000-8000-000000000013", indicatorID(51)} {
		w.mustSee(w.amber, id, map[string]bool{"us-reader": true, "jpn-reader": false, "attacker": false})
	}
}
