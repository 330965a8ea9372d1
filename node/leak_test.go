package node_test

import (
	"context"
	"flag"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy/policytest"
)

var (
	leakHTTPCases = flag.Int("leak.http.cases", 100_000, "(reader, object version, read path) decisions TestLeakHTTP checks")
	leakHTTPSeed  = flag.Uint64("leak.http.seed", 20261122, "seed of TestLeakHTTP's random scenarios")
)

// Size of one scenario of TestLeakHTTP: object versions and readers. Each
// reader asks for one id in leakByIDEvery by id and for its versions (each
// id is asked for by several readers): those requests cost the most per
// case.
const leakObjects, leakReaders, leakByIDEvery = 200, 24, 8

// TestLeakHTTP is the model-based leak test over real HTTP. A real node
// (node.Serve on a loopback port) receives random scenarios from
// policytest: markings of every kind (TLP 1.0 and 2.0, kizuna's
// classification extension, ACS 3.0, statements, uninterpretable and
// unknown ones), several at once, portion markings, and several versions of
// an object. Objects enter through TAXII POST as a publisher, and those the
// write rules refuse to that publisher through the operator's ingest; an
// object referring to an unknown marking must be refused by both. Random
// readers (nations, clearances, communities, organisations; some revoked,
// some unknown) then read through every read path: objects (paged), the
// manifest (paged), an object by id, its versions, match[version]=all and
// first, the POST's status and the export (Node.Export). Every answer is
// compared with the reference model of the rules in policytest. A case is
// one (reader, object version, read path) decision.
func TestLeakHTTP(t *testing.T) {
	for name, store := range nodetest.Stores(t) {
		t.Run(name, func(t *testing.T) { leakHTTP(t, store) })
	}
}

// leakHTTP runs the leak test on a node of the store.
func leakHTTP(t *testing.T, store string) {
	l := startLeakNode(t, filepath.Join(t.TempDir(), "data"), store)
	gen := policytest.NewGen(*leakHTTPSeed)
	c := &leakChecker{t: t, l: l}
	start := time.Now()
	for round := 0; c.cases < *leakHTTPCases; round++ {
		c.scenario(gen.Scenario(leakObjects, leakReaders), round)
		if c.bad > 20 {
			t.Fatalf("stopping after %d disagreements in %d cases", c.bad, c.cases)
		}
	}
	if c.bad > 0 {
		t.Fatalf("%d disagreements with the reference model in %d cases", c.bad, c.cases)
	}
	st := c.stats
	t.Logf("%d cases over HTTP in %s, no disagreement (%d requests; %d visible, %d with redactions, %d older versions served for a hidden newer one, %d versions rejected at ingest, %d stored through TAXII POST and %d by the operator, %d readers without valid credentials)",
		c.cases, time.Since(start).Round(time.Millisecond), l.requests, st.visible, st.redacted, st.older, st.rejected, st.posted, st.operator, st.hidden)
	// A run where nearly everything is hidden (or shown) would prove
	// little: every outcome must be well represented.
	if st.visible < st.listed/20 || st.visible > st.listed*19/20 || st.redacted == 0 || st.rejected == 0 || st.older == 0 || st.posted == 0 || st.operator == 0 || st.hidden == 0 {
		t.Errorf("unbalanced scenarios: %+v of %d cases", st, c.cases)
	}
}

// leakChecker runs scenarios against the node and counts the cases.
type leakChecker struct {
	t     *testing.T
	l     *leakNode
	cases int
	bad   int
	stats struct{ listed, visible, redacted, older, rejected, posted, operator, hidden int }

	// Per scenario.
	sc       *policytest.Scenario
	coll     string
	markings map[string]*policytest.MarkingSpec
	ids      []string // distinct object ids, in the scenario's order
	status   string   // id of the scenario's POST status
}

// leakReader is a reader of the model with its credentials on the node.
type leakReader struct {
	r           policytest.Reader
	name, token string
	hidden      bool // absent or revoked: its credentials are refused
	want        leakWant
}

// leakWant is the model's answer for one reader.
type leakWant struct {
	exp       map[string]policytest.Expectation // by version key
	latest    map[string]*policytest.ObjectSpec // by id: the latest visible version
	first     map[string]*policytest.ObjectSpec // by id: the earliest visible version
	forbidden []string                          // texts no answer to the reader may hold
	byID      map[string][]string               // the forbidden texts of each id's versions
}

func leakKey(id string, version time.Time) string {
	return id + "@" + version.UTC().Format(time.RFC3339Nano)
}

// scenario stores a scenario on the node and checks every reader of it.
func (c *leakChecker) scenario(sc *policytest.Scenario, round int) {
	t := c.t
	t.Helper()
	c.sc, c.coll = sc, sc.Collection.ID
	c.markings = map[string]*policytest.MarkingSpec{}
	for _, m := range sc.Markings {
		c.markings[m.ID] = m
	}
	c.ids = nil
	for _, spec := range sc.Objects {
		if !slices.Contains(c.ids, spec.ID) {
			c.ids = append(c.ids, spec.ID)
		}
	}
	c.store(round)
	// Besides the generator's own, one revoked and one unknown reader in
	// every scenario: their credentials must open nothing.
	revoked, absent := sc.Readers[0], sc.Readers[1]
	revoked.ID, revoked.Revoked = "principal--"+kizuna.NewUUID(), true
	absent.ID, absent.Absent = "principal--"+kizuna.NewUUID(), true
	for ri, r := range append(slices.Clone(sc.Readers), revoked, absent) {
		lr := c.reader(r)
		c.checkReader(lr, ri)
	}
}

// reader creates the principal of a model reader (none for an absent one; a
// revoked one is created, then revoked) and computes the model's answers.
func (c *leakChecker) reader(r policytest.Reader) *leakReader {
	t, ctx := c.t, context.Background()
	t.Helper()
	lr := &leakReader{r: r, name: r.ID, token: kizuna.NewToken(), hidden: r.Absent || r.Revoked}
	if p := r.Principal(); p != nil {
		p.RevokedAt = nil
		if err := c.l.n.Store.CreatePrincipal(ctx, p, kizuna.HashToken(lr.token)); err != nil {
			t.Fatal(err)
		}
		if r.Revoked {
			if err := c.l.n.Store.RevokePrincipal(ctx, p.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	if lr.hidden {
		c.stats.hidden++
	}
	w := leakWant{exp: map[string]policytest.Expectation{}, latest: c.sc.Latest(r), first: map[string]*policytest.ObjectSpec{}, byID: map[string][]string{}}
	visibleID := map[string]bool{}
	for _, spec := range c.sc.Objects {
		e := c.sc.Expect(r, spec)
		w.exp[spec.Key()] = e
		var hide []string
		for sel, secret := range spec.Secrets {
			if !e.Visible || slices.Contains(e.Redacted, sel) {
				hide = append(hide, secret)
			}
		}
		w.forbidden = append(w.forbidden, hide...)
		w.byID[spec.ID] = append(w.byID[spec.ID], hide...)
		if e.Visible {
			visibleID[spec.ID] = true
			if f := w.first[spec.ID]; f == nil || spec.Modified.Before(f.Modified) {
				w.first[spec.ID] = spec
			}
		}
	}
	for _, id := range c.ids {
		if !visibleID[id] {
			w.forbidden = append(w.forbidden, id) // not even its id may show
		}
	}
	lr.want = w
	return lr
}
