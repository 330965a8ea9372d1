package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/taxii"
)

// store creates the collection and stores the markings (in the directory,
// as the operator) and the objects: first by TAXII POST as a publisher,
// then, for those the write rules refuse to that publisher, as the operator.
// Exactly the versions the model does not reject must end up stored.
func (c *leakChecker) store(round int) {
	t, l, ctx := c.t, c.l, context.Background()
	t.Helper()
	if err := l.n.Store.CreateCollection(ctx, c.sc.Collection); err != nil {
		t.Fatal(err)
	}
	var markings []json.RawMessage
	for _, md := range c.sc.StoredMarkings() {
		markings = append(markings, md.Raw)
	}
	results, err := l.n.Ingest.Ingest(ingest.AsOperator(ctx), node.DirectoryAlias, markings)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Fatalf("marking-definition %s refused: %v", r.ID, r.Err)
		}
	}

	// The publisher has no organisation, so that an object without
	// created_by_ref keeps no creator, as in the model.
	pub := &kizuna.Principal{
		ID: "principal--" + kizuna.NewUUID(), Name: fmt.Sprintf("leak-publisher-%d", round), Nation: "USA",
		Clearances: []kizuna.Classification{{Scheme: "USA", Level: "TOP SECRET"}, {Scheme: "JPN", Level: "tokutei-himitsu"}, {Scheme: "AUS", Level: "TOP SECRET"}},
		Roles:      []string{kizuna.RolePublisher},
	}
	pubToken := kizuna.NewToken()
	if err := l.n.Store.CreatePrincipal(ctx, pub, kizuna.HashToken(pubToken)); err != nil {
		t.Fatal(err)
	}
	var env taxii.Envelope
	for _, spec := range c.sc.Objects {
		env.Objects = append(env.Objects, spec.Object().Raw)
	}
	body, _ := json.Marshal(env)
	objects := "/taxii2/api/collections/" + c.coll + "/objects/"
	resp := l.do(t, http.MethodPost, objects, pub.Name, pubToken, body)
	if resp.code != http.StatusAccepted {
		t.Fatalf("POST as publisher: %d %s", resp.code, resp.body)
	}
	var st taxii.StatusResource
	for i := 0; ; i++ {
		if err := json.Unmarshal(resp.body, &st); err != nil {
			t.Fatalf("status: %v: %s", err, resp.body)
		}
		if st.Status == kizuna.StatusComplete {
			break
		}
		if i == 1000 {
			t.Fatalf("the POST's status is still %q", st.Status)
		}
		time.Sleep(10 * time.Millisecond)
		resp = l.get(t, "/taxii2/api/status/"+st.ID+"/", pub.Name, pubToken)
		if resp.code != http.StatusOK {
			t.Fatalf("status as its poster: %d %s", resp.code, resp.body)
		}
	}
	c.status = st.ID
	if r := l.get(t, "/taxii2/api/status/"+st.ID+"/", node.AdminName, l.admin); r.code != http.StatusNotFound || strings.Contains(string(r.body), "--") {
		t.Errorf("status as the admin, who is not its poster: %d %s, want 404", r.code, r.body)
	}
	if st.TotalCount != len(c.sc.Objects) || st.SuccessCount+st.FailureCount != st.TotalCount {
		t.Errorf("status counts %d+%d of %d, want %d in all", st.SuccessCount, st.FailureCount, st.TotalCount, len(c.sc.Objects))
	}
	for _, f := range st.Failures {
		if !strings.Contains(f.Message, f.ID) {
			t.Errorf("status failure %q does not name the object %s", f.Message, f.ID)
		}
	}

	posted := c.storedKeys()
	var again []json.RawMessage
	for _, spec := range c.sc.Objects {
		if !posted[spec.Key()] {
			again = append(again, spec.Object().Raw)
		}
	}
	results, err = l.n.Ingest.Ingest(ingest.AsOperator(ctx), c.coll, again)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil && !strings.Contains(kizuna.ErrorMessage(r.Err), "unknown to this node") {
			t.Errorf("operator ingest of %s: %v (only unknown markings may be refused)", r.ID, r.Err)
		}
	}
	stored := c.storedKeys()
	for _, spec := range c.sc.Objects {
		rejected := c.sc.Expect(policytest.Reader{}, spec).Rejected
		switch {
		case stored[spec.Key()] == rejected:
			c.bad++
			t.Errorf("object %s version %s (markings %s): stored %t, model says rejected %t",
				spec.ID, spec.Modified, c.describe(spec.Markings), stored[spec.Key()], rejected)
		case rejected:
			c.stats.rejected++
		case posted[spec.Key()]:
			c.stats.posted++
		default:
			c.stats.operator++
		}
	}
}

// storedKeys lists the versions the scenario's collection holds, read
// directly from the store without any access scope.
func (c *leakChecker) storedKeys() map[string]bool {
	page, err := c.l.n.Store.FindObjects(context.Background(), kizuna.ObjectFilter{
		Collection: c.coll, Versions: kizuna.VersionMatch{All: true}, Access: kizuna.AccessScope{Unrestricted: true},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, o := range page.Objects {
		out[leakKey(o.ID, o.Version)] = true
	}
	return out
}

// describe renders marking ids with what they are, for failure messages.
func (c *leakChecker) describe(ids []string) string {
	var parts []string
	for _, id := range ids {
		if m := c.markings[id]; m != nil {
			parts = append(parts, leakMarkingText(m))
		} else {
			parts = append(parts, id)
		}
	}
	if len(parts) == 0 {
		return "none (collection default " + c.describe(c.sc.DefaultRefs) + ")"
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// leakMarkingText is a short description of a generated marking.
func leakMarkingText(m *policytest.MarkingSpec) string {
	var f []string
	switch m.Kind {
	case policytest.KindTLP:
		f = append(f, "TLP:"+strings.ToUpper(m.TLP))
	case policytest.KindKizuna:
		f = append(f, "kizuna")
		if m.Scheme != "" {
			f = append(f, m.Scheme+":"+m.Level)
		}
		if m.ReleasableTo != nil {
			f = append(f, "REL TO ["+strings.Join(m.ReleasableTo, ",")+"]")
		}
		if m.NoForn {
			f = append(f, "NOFORN")
		}
		if m.Communities != nil {
			f = append(f, "communities "+strings.Join(m.Communities, ","))
		}
		if m.Audience != nil {
			f = append(f, "audience "+strings.Join(m.Audience, ","))
		}
	case policytest.KindACS:
		f = append(f, "ACS "+m.ACSClass)
		if m.ACSNoForn {
			f = append(f, "NF")
		}
		if m.ACSFOUO {
			f = append(f, "FOUO")
		}
		if m.ACSNations != nil {
			f = append(f, "nationalities "+strings.Join(m.ACSNations, ","))
		}
		if m.ACSSensitivity != nil {
			f = append(f, "sensitivity "+strings.Join(m.ACSSensitivity, ","))
		}
	default:
		f = append(f, m.Kind)
	}
	if m.Invalid {
		f = append(f, "uninterpretable")
	}
	return strings.Join(f, " ") + " " + m.ID
}

// disagree reports one case where the node and the model differ.
func (c *leakChecker) disagree(lr *leakReader, spec *policytest.ObjectSpec, path, model, node string) {
	c.t.Helper()
	c.bad++
	var granular []string
	for _, g := range spec.Granular {
		granular = append(granular, g.Selector+"="+c.describe([]string{g.Marking}))
	}
	c.t.Errorf("DISAGREEMENT on %s\n  reader %+v\n  object %s version %s, created by %q\n  markings %s\n  granular %v\n  model: %s\n  node:  %s",
		path, lr.r, spec.ID, spec.Modified.Format(time.RFC3339Nano), spec.CreatedBy, c.describe(spec.Markings), granular, model, node)
}
