package taxii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// Organisations of the ownership tests, besides orgUSA and orgJPN.
const (
	orgATK = "identity--33333333-3333-4333-8333-333333333333" // a publisher that attacks
	orgVIC = "identity--44444444-4444-4444-8444-444444444444" // a victim named in a report
)

// ownerWorld is a real node (SQLite, guard, ingest, TAXII over HTTP) with
// principals of several organisations, nations and clearances, the
// node's shared collection (default TLP:CLEAR), a second collection (the
// same rules) and one whose default is TLP:AMBER (the creator's
// organisation). It can be restarted on its database.
type ownerWorld struct {
	t      *testing.T
	dir    string
	n      *node
	close  func() error
	second *kizuna.Collection
	amber  *kizuna.Collection
}

// MustOwnerWorld opens the node and adds the principals and collections.
func MustOwnerWorld(t *testing.T) *ownerWorld {
	t.Helper()
	w := &ownerWorld{t: t, dir: t.TempDir()}
	n, closeNode, err := openNode(w.dir, taxii.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w.n, w.close = n, closeNode
	t.Cleanup(func() {
		if w.close != nil {
			w.close()
		}
	})
	ctx := context.Background()
	usS := []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}
	for _, p := range []*kizuna.Principal{
		{Name: "us-secret", Nation: "USA", Organization: orgUSA, Clearances: usS, Roles: []string{kizuna.RolePublisher, kizuna.RoleReader}},
		{Name: "us-reader", Nation: "USA", Organization: orgUSA, Roles: []string{kizuna.RoleReader}},
		{Name: "us-secret-reader", Nation: "USA", Organization: orgUSA, Clearances: usS, Roles: []string{kizuna.RoleReader}},
		{Name: "jp-gokuhi", Nation: "JPN", Organization: orgJPN, Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}},
		{Name: "attacker", Nation: "USA", Organization: orgATK, Roles: []string{kizuna.RolePublisher, kizuna.RoleReader}},
		{Name: "attacker-secret", Nation: "USA", Organization: orgATK, Clearances: usS, Roles: []string{kizuna.RolePublisher, kizuna.RoleReader}},
	} {
		tok := kizuna.NewToken()
		if err := n.db.CreatePrincipal(ctx, p, kizuna.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
		n.tokens[p.Name] = tok
	}
	w.second = &kizuna.Collection{Title: "Second", CanRead: n.shared.CanRead, CanWrite: n.shared.CanWrite, DefaultMarkingRefs: []string{policy.TLP2Clear}}
	w.amber = &kizuna.Collection{Title: "Amber", CanRead: n.shared.CanRead, CanWrite: n.shared.CanWrite, DefaultMarkingRefs: []string{policy.TLP2Amber}}
	for _, c := range []*kizuna.Collection{w.second, w.amber} {
		if err := n.db.CreateCollection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// restart closes the node and opens it again on the same database.
func (w *ownerWorld) restart() {
	w.t.Helper()
	if err := w.close(); err != nil {
		w.t.Fatal(err)
	}
	w.close = nil
	n, closeNode, err := wireNode(w.dir, taxii.Config{}, false)
	if err != nil {
		w.t.Fatal(err)
	}
	n.shared, n.tokens = w.n.shared, w.n.tokens
	w.n, w.close = n, closeNode
}

// post POSTs objects to a collection as the named principal and returns
// the completed status.
func (w *ownerWorld) post(c *kizuna.Collection, name string, objs ...string) taxii.StatusResource {
	w.t.Helper()
	r := MustDo(w.t, w.n, request{method: "POST", path: collectionPath(c) + "objects/", token: w.n.tokens[name],
		contentType: taxii.MediaTypeTAXII, body: envelopeOf(objs...)})
	if r.status != http.StatusAccepted && r.status != http.StatusOK {
		w.t.Fatalf("POST as %s: %d %s", name, r.status, r.body)
	}
	var st taxii.StatusResource
	MustDecode(w.t, r, &st)
	if st.Status == kizuna.StatusComplete {
		return st
	}
	return MustWaitStatus(w.t, w.n, st.ID, w.n.tokens[name])
}

// mustAccept posts and fails unless every object succeeded.
func (w *ownerWorld) mustAccept(c *kizuna.Collection, name string, objs ...string) {
	w.t.Helper()
	if st := w.post(c, name, objs...); st.FailureCount != 0 || st.SuccessCount != len(objs) {
		w.t.Fatalf("POST as %s: %+v", name, st)
	}
}

// mustRefuse posts one object and returns its failure message.
func (w *ownerWorld) mustRefuse(c *kizuna.Collection, name, obj string) string {
	w.t.Helper()
	st := w.post(c, name, obj)
	if st.FailureCount != 1 || st.SuccessCount != 0 {
		w.t.Fatalf("POST as %s: %+v, want the object refused", name, st)
	}
	return st.Failures[0].Message
}

func collectionPath(c *kizuna.Collection) string { return "/taxii2/api/collections/" + c.ID + "/" }

// get returns the HTTP status of GET object id as the named principal,
// and the versions it got (their JSON).
func (w *ownerWorld) get(c *kizuna.Collection, name, id, query string) (int, []json.RawMessage) {
	w.t.Helper()
	path := collectionPath(c) + "objects/" + url.PathEscape(id) + "/"
	if query != "" {
		path += "?" + query
	}
	r := MustDo(w.t, w.n, request{path: path, token: w.n.tokens[name]})
	if r.status != http.StatusOK {
		return r.status, nil
	}
	var env taxii.Envelope
	MustDecode(w.t, r, &env)
	return r.status, env.Objects
}

// mustSee checks which principals may read object id: want maps a name to
// whether it gets the object.
func (w *ownerWorld) mustSee(c *kizuna.Collection, id string, want map[string]bool) {
	w.t.Helper()
	for name, sees := range want {
		code, objs := w.get(c, name, id, "")
		if sees && (code != http.StatusOK || len(objs) == 0) {
			w.t.Errorf("%s may read %s but got %d", name, id, code)
		}
		if !sees && code != http.StatusNotFound {
			w.t.Errorf("%s must not read %s but got %d", name, id, code)
		}
	}
}

// jsonObject encodes a STIX object given as a map.
func jsonObject(m map[string]any) string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// markingDef returns a marking-definition with kizuna's extension.
func markingDef(id, created, createdBy, name string, ext map[string]any) string {
	ext["extension_type"] = "property-extension"
	m := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id, "created": created, "name": name,
		"extensions": map[string]any{policy.ExtensionID: ext}}
	if createdBy != "" {
		m["created_by_ref"] = createdBy
	}
	return jsonObject(m)
}

// statement returns a statement marking-definition (restricts nobody).
func statement(id, created, createdBy string) string {
	m := map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": id, "created": created,
		"definition_type": "statement", "definition": map[string]any{"statement": "Unrestricted."}}
	if createdBy != "" {
		m["created_by_ref"] = createdBy
	}
	return jsonObject(m)
}

// indicatorWith returns an indicator of the n-th id, at a version, created
// by org ("" for none), under the markings (none for the collection
// default).
func indicatorWith(n int, modified, org, name string, markings ...string) string {
	m := map[string]any{"type": "indicator", "spec_version": "2.1", "id": indicatorID(n),
		"created": "2026-01-01T00:00:00.000Z", "modified": modified, "name": name,
		"pattern": fmt.Sprintf("[ipv4-addr:value = '10.1.%d.%d']", n/256%256, n%256), "pattern_type": "stix",
		"valid_from": "2026-01-01T00:00:00Z"}
	if org != "" {
		m["created_by_ref"] = org
	}
	if len(markings) > 0 {
		m["object_marking_refs"] = markings
	}
	return jsonObject(m)
}

// withoutID removes every occurrence of id from a message, so that the
// refusals of two objects can be compared.
func withoutID(msg, id string) string { return strings.ReplaceAll(msg, id, "ID") }
