package taxii_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// MustPostNode posts objects to the shared collection as the named
// principal and waits for the status to complete.
func MustPostNode(tb testing.TB, n *node, name string, objs ...[]byte) taxii.StatusResource {
	tb.Helper()
	st := MustPostPending(tb, n, name, objs...)
	return MustWaitStatus(tb, n, st.ID, n.tokens[name])
}

func (n *node) objectsPath() string { return "/taxii2/api/collections/" + n.shared.ID + "/objects/" }

// MustEnvelope GETs a path and decodes the envelope.
func MustEnvelope(tb testing.TB, n *node, path, name string) (taxii.Envelope, response) {
	tb.Helper()
	r := MustDo(tb, n, request{path: path, token: n.tokens[name]})
	if r.status != 200 {
		tb.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var env taxii.Envelope
	MustDecode(tb, r, &env)
	return env, r
}

func ids(env taxii.Envelope) []string {
	var out []string
	for _, o := range env.Objects {
		var head struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
		}
		json.Unmarshal(o, &head)
		out = append(out, head.ID+"@"+head.Modified)
	}
	return out
}

func TestE2EEndpoints(t *testing.T) {
	n := MustNode(t, taxii.Config{Title: "kizuna e2e"})
	v1 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	v2, v3 := v1.Add(time.Hour), v1.Add(2*time.Hour)

	// Discovery, API root, collections: the hidden collection is absent.
	var d taxii.Discovery
	MustDecode(t, MustDo(t, n, request{path: "/taxii2/"}), &d)
	if d.Default != taxii.APIRootPath {
		t.Errorf("discovery %+v", d)
	}
	var cs taxii.Collections
	MustDecode(t, MustDo(t, n, request{path: "/taxii2/api/collections/"}), &cs)
	if len(cs.Collections) != 1 || cs.Collections[0].ID != n.shared.ID || !cs.Collections[0].CanWrite {
		t.Fatalf("collections %+v", cs)
	}
	MustDecode(t, MustDo(t, n, request{path: "/taxii2/api/collections/", token: n.tokens["operator"]}), &cs)
	if len(cs.Collections) != 2 {
		t.Errorf("operator sees %d collections", len(cs.Collections))
	}

	// POST: valid, invalid, another version, a TLP:RED one; re-posting is a success.
	st := MustPostNode(t, n, "usa-publisher",
		stixIndicator(1, v1, orgUSA, policy.TLP2Clear),
		stixIndicator(1, v2, orgUSA, policy.TLP2Clear),
		[]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--bad"}`),
		stixIndicator(2, v1, orgUSA, policy.TLP2Red),
		stixIndicator(3, v1, orgUSA, policy.TLP2Clear))
	if st.SuccessCount != 4 || st.FailureCount != 1 || st.PendingCount != 0 {
		t.Fatalf("status %+v", st)
	}
	if f := st.Failures[0]; f.ID != "indicator--bad" || f.Message == "" {
		t.Errorf("failure %+v", f)
	}
	again := MustPostNode(t, n, "usa-publisher", stixIndicator(1, v1, orgUSA, policy.TLP2Clear))
	if again.SuccessCount != 1 {
		t.Errorf("re-post: %+v", again)
	}
	// A status is the poster's: another reader, or the admin, gets 404.
	MustError(t, MustDo(t, n, request{path: "/taxii2/api/status/" + st.ID, token: n.tokens["jpn-reader"]}), 404)
	MustError(t, MustDo(t, n, request{path: "/taxii2/api/status/" + st.ID + "/", token: n.tokens["operator"]}), 404)
	// A reader may not post.
	MustError(t, MustDo(t, n, request{method: "POST", path: n.objectsPath(), token: n.tokens["jpn-reader"],
		contentType: taxii.MediaTypeTAXII, body: envelopeOf(string(stixIndicator(9, v1, orgJPN, policy.TLP2Clear)))}), 403)

	// Get objects: the latest versions by default; the RED one only for its audience.
	env, r := MustEnvelope(t, n, n.objectsPath(), "usa-publisher")
	want := []string{indicatorID(1) + "@2026-02-01T01:00:00.000Z", indicatorID(2) + "@2026-02-01T00:00:00.000Z", indicatorID(3) + "@2026-02-01T00:00:00.000Z"}
	if got := ids(env); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("objects\n got %v\nwant %v", got, want)
	}
	for _, h := range []string{"X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last"} {
		if v := r.header.Get(h); len(v) != len("2026-01-01T00:00:00.000000Z") {
			t.Errorf("%s = %q, want six fractional digits", h, v)
		}
	}
	env, _ = MustEnvelope(t, n, n.objectsPath(), "jpn-reader")
	if got := ids(env); len(got) != 2 || strings.Contains(strings.Join(got, " "), indicatorID(2)) {
		t.Errorf("jpn-reader sees %v", got)
	}
	MustError(t, MustDo(t, n, request{path: n.objectsPath() + indicatorID(2) + "/", token: n.tokens["jpn-reader"]}), 404)
	MustError(t, MustDo(t, n, request{path: n.objectsPath() + indicatorID(2) + "/versions/", token: n.tokens["jpn-reader"]}), 404)

	// match[version], match[id], match[type], match[spec_version], added_after.
	q := func(query string) []string {
		env, _ := MustEnvelope(t, n, n.objectsPath()+"?"+query, "usa-publisher")
		return ids(env)
	}
	one := url.QueryEscape(indicatorID(1))
	if got := q("match[id]=" + one + "&match[version]=first"); len(got) != 1 || !strings.HasSuffix(got[0], "00:00:00.000Z") {
		t.Errorf("first: %v", got)
	}
	if got := q("match[id]=" + one + "&match[version]=all"); len(got) != 2 {
		t.Errorf("all: %v", got)
	}
	if got := q("match[id]=" + one + "&match[version]=2026-02-01T01:00:00Z"); len(got) != 1 || !strings.Contains(got[0], "01:00:00.000Z") {
		t.Errorf("exact version compared as an instant: %v", got)
	}
	if got := q("match[id]=" + one + "&match[version]=first,last"); len(got) != 2 {
		t.Errorf("first,last: %v", got)
	}
	if got := q("match[type]=malware,report"); len(got) != 0 {
		t.Errorf("type filter: %v", got)
	}
	if got := q("match[type]=indicator&match[spec_version]=2.1"); len(got) != 3 {
		t.Errorf("type+spec_version: %v", got)
	}
	if got := q("match[spec_version]=2.0"); len(got) != 0 {
		t.Errorf("spec_version 2.0: %v", got)
	}
	_, r = MustEnvelope(t, n, n.objectsPath()+"?limit=1", "usa-publisher")
	first := r.header.Get("X-TAXII-Date-Added-First")
	if got := q("added_after=" + first); len(got) != 2 {
		t.Errorf("added_after %s: %v", first, got)
	}
	if got := q("added_after=2999-01-01T00:00:00Z"); got != nil {
		t.Errorf("future added_after: %v", got)
	}

	// Get an object, versions, manifest.
	env, _ = MustEnvelope(t, n, n.objectsPath()+indicatorID(1)+"/?match[version]=all", "usa-publisher")
	if len(env.Objects) != 2 {
		t.Errorf("object versions in envelope: %d", len(env.Objects))
	}
	var vs taxii.Versions
	MustDecode(t, MustDo(t, n, request{path: n.objectsPath() + indicatorID(1) + "/versions/"}), &vs)
	if strings.Join(vs.Versions, ",") != "2026-02-01T00:00:00.000Z,2026-02-01T01:00:00.000Z" {
		t.Errorf("versions %v", vs.Versions)
	}
	var m taxii.Manifest
	MustDecode(t, MustDo(t, n, request{path: "/taxii2/api/collections/" + n.shared.ID + "/manifest/?match[version]=all"}), &m)
	if len(m.Objects) != 4 || m.Objects[0].MediaType != taxii.MediaTypeSTIX || len(m.Objects[0].DateAdded) != 27 {
		t.Errorf("manifest %+v", m)
	}

	// A third version, then delete the latest and check what remains.
	MustPostNode(t, n, "usa-publisher", stixIndicator(1, v3, orgUSA, policy.TLP2Clear))
	// Another organisation's publisher sees the object but may not delete
	// it; the operator may not write to the collection at all.
	MustError(t, MustDo(t, n, request{method: "DELETE", path: n.objectsPath() + indicatorID(1) + "/", token: n.tokens["jpn-publisher"]}), 403)
	MustError(t, MustDo(t, n, request{method: "DELETE", path: n.objectsPath() + indicatorID(1) + "/", token: n.tokens["operator"]}), 403)
	if r := MustDo(t, n, request{method: "DELETE", path: n.objectsPath() + indicatorID(1) + "/?match[version]=last"}); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	MustDecode(t, MustDo(t, n, request{path: n.objectsPath() + indicatorID(1) + "/versions/"}), &vs)
	if len(vs.Versions) != 2 || strings.Contains(strings.Join(vs.Versions, ","), "02:00") {
		t.Errorf("after delete: %v", vs.Versions)
	}
	if r := MustDo(t, n, request{method: "DELETE", path: n.objectsPath() + indicatorID(1) + "/?match[version]=all"}); r.status != 200 {
		t.Fatalf("delete all: %d %s", r.status, r.body)
	}
	MustError(t, MustDo(t, n, request{path: n.objectsPath() + indicatorID(1) + "/"}), 404)
	MustError(t, MustDo(t, n, request{method: "DELETE", path: n.objectsPath() + indicatorID(1) + "/"}), 404)

	// Errors from every layer are TAXII error objects.
	MustError(t, MustDo(t, n, request{path: n.objectsPath() + "?limit=x"}), 400)
	MustError(t, MustDo(t, n, request{path: n.objectsPath() + "?next=not-a-cursor"}), 400)
	MustError(t, MustDo(t, n, request{path: n.objectsPath() + "?match[version]=yesterday"}), 400)
	MustError(t, MustDo(t, n, request{path: n.objectsPath(), accept: "application/xml"}), 406)
	MustError(t, MustDo(t, n, request{method: "POST", path: n.objectsPath(), contentType: "application/json", body: `{}`}), 415)
	MustError(t, MustDo(t, n, request{method: "PATCH", path: n.objectsPath()}), 405)
	MustError(t, MustDo(t, n, request{path: "/taxii2/api/collections/" + kizuna.NewUUID() + "/objects/"}), 404)
	MustError(t, MustDo(t, n, request{path: n.objectsPath(), token: "-"}), 401)
}
