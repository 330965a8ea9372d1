package stream_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/policy/policytest"
	"github.com/kizuna-dev/kizuna/stream"
)

var (
	leakCases = flag.Int("stream.leak.cases", 20_000, "(reader, object version) decisions TestStreamLeak checks")
	leakSeed  = flag.Uint64("stream.leak.seed", 20261207, "seed of TestStreamLeak's random scenarios")
)

// Size of one scenario of TestStreamLeak.
const leakObjects, leakReaders = 60, 12

// TestStreamLeak is the model-based leak test over the stream, as
// node's TestLeakHTTP is over TAXII. For each random scenario of
// policytest (markings of every kind, several at once, portion markings,
// several versions of an object, readers of every nation, clearance and
// community, some revoked, some unknown), every reader opens a stream of
// the scenario's collection, then the objects are ingested. Every event a
// reader receives is checked against the reference model: only versions
// the model lets it read, each once, with exactly the portions the model
// removes for it removed, no text of a hidden version or portion anywhere
// in the stream, ids that name only what it was sent; and none of the
// versions it may read is missing. Every third reader then resumes from an
// event in the middle and must get exactly the events after it. A case is
// one (reader, object version) decision.
func TestStreamLeak(t *testing.T) {
	for name, store := range nodetest.Stores(t) {
		t.Run(name, func(t *testing.T) { streamLeak(t, store) })
	}
}

func streamLeak(t *testing.T, store string) {
	s := serve(t, nodetest.Options{Store: store}, stream.Options{})
	gen := policytest.NewGen(*leakSeed)
	var cases, visible, redacted, refused int
	for round := 0; cases < *leakCases; round++ {
		sc := gen.Scenario(leakObjects, leakReaders)
		c := leakScenario(t, s, sc)
		cases, visible, redacted, refused = cases+c.cases, visible+c.visible, redacted+c.redacted, refused+c.refused
		if t.Failed() {
			t.Fatalf("stopping after round %d", round)
		}
	}
	t.Logf("%d cases: %d versions sent, %d of them redacted, %d readers refused", cases, visible, redacted, refused)
	if visible < cases/20 || visible > cases*19/20 || redacted == 0 || refused == 0 {
		t.Errorf("unbalanced scenarios: %d cases, %d visible, %d redacted, %d refused", cases, visible, redacted, refused)
	}
}

// leakCount counts what one scenario checked.
type leakCount struct{ cases, visible, redacted, refused int }

// leakSeen is one event a reader received, with its raw SSE message.
type leakSeen struct {
	m  *stream.Message
	ev *stream.Event
}

func leakScenario(t *testing.T, s *nodetest.Served, sc *policytest.Scenario) leakCount {
	t.Helper()
	ctx := context.Background()
	var c leakCount
	coll := sc.Collection.ID
	if err := s.Store.CreateCollection(ctx, sc.Collection); err != nil {
		t.Fatal(err)
	}
	var markings []json.RawMessage
	for _, md := range sc.StoredMarkings() {
		markings = append(markings, md.Raw)
	}
	ingestAll(t, s.Node, node.DirectoryAlias, markings...)
	since := time.Now().UTC().Add(-time.Minute)
	query := "collection=" + coll + "&since=" + since.Format(time.RFC3339Nano)

	type reader struct {
		r      policytest.Reader
		token  string
		l      *listener
		events []leakSeen
	}
	var readers []*reader
	for _, r := range sc.Readers {
		rd := &reader{r: r, token: kizuna.NewToken()}
		if p := r.Principal(); p != nil {
			p.RevokedAt = nil
			if err := s.Store.CreatePrincipal(ctx, p, kizuna.HashToken(rd.token)); err != nil {
				t.Fatal(err)
			}
			if r.Revoked {
				if err := s.Store.RevokePrincipal(ctx, p.Name); err != nil {
					t.Fatal(err)
				}
			}
		}
		if r.Revoked || r.Absent {
			if l, code, body := tryListen(t, s.Base, rd.token, query, ""); code != http.StatusUnauthorized || strings.Contains(body, coll) {
				if l != nil {
					l.close()
				}
				t.Errorf("a revoked or unknown reader's stream: %d %s, want 401", code, body)
			}
			c.refused++
			continue
		}
		rd.l = listen(t, s.Base, rd.token, query, "")
		readers = append(readers, rd)
	}

	// The objects, in a few batches, then a version everyone may read,
	// stored last.
	var raws []json.RawMessage
	for _, spec := range sc.Objects {
		raws = append(raws, spec.Object().Raw)
	}
	for lo := 0; lo < len(raws); lo += 17 {
		if _, err := s.Ingest.Ingest(ingest.AsOperator(ctx), coll, raws[lo:min(len(raws), lo+17)]); err != nil {
			t.Fatal(err)
		}
	}
	last := newID("indicator")
	ingestAll(t, s.Node, coll, indicator(last, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []string{policy.TLP2Clear}, "", ""))

	for _, rd := range readers {
		for {
			m, ev := rd.l.next(t)
			rd.events = append(rd.events, leakSeen{m, ev})
			if ev.ID == last {
				break
			}
		}
		rd.l.close()
		c.cases += len(sc.Objects)
		leakCheck(t, sc, rd.r, since, rd.events[:len(rd.events)-1], &c)
	}
	// Resuming from an event in the middle.
	for i, rd := range readers {
		if i%3 != 0 || len(rd.events) < 2 {
			continue
		}
		k := len(rd.events) / 2
		l := listen(t, s.Base, rd.token, query, rd.events[k].m.ID)
		want := rd.events[k+1:]
		for j := range want {
			_, ev := l.next(t)
			if ev.ID != want[j].ev.ID || !ev.Version.Equal(*want[j].ev.Version) {
				t.Errorf("reader %s resumed after event %d: event %d is %s@%s, want %s@%s", rd.r.ID, k, j, ev.ID, ev.Version, want[j].ev.ID, want[j].ev.Version)
				break
			}
		}
		l.close()
	}
	return c
}

// leakCheck compares what a reader received with the model.
func leakCheck(t *testing.T, sc *policytest.Scenario, r policytest.Reader, since time.Time, got []leakSeen, c *leakCount) {
	t.Helper()
	coll := sc.Collection.ID
	want := map[string]policytest.Expectation{}
	var forbidden []string
	visibleID := map[string]bool{}
	for _, spec := range sc.Objects {
		e := sc.Expect(r, spec)
		if e.Visible {
			want[spec.Key()] = e
			visibleID[spec.ID] = true
		}
		for sel, secret := range spec.Secrets {
			if !e.Visible || slices.Contains(e.Redacted, sel) {
				forbidden = append(forbidden, secret)
			}
		}
	}
	for _, spec := range sc.Objects {
		if !visibleID[spec.ID] {
			forbidden = append(forbidden, spec.ID)
		}
	}
	seen := map[string]bool{}
	for _, g := range got {
		ev := g.ev
		key := ev.ID + "@" + ev.Version.UTC().Format(time.RFC3339Nano)
		e, ok := want[key]
		switch {
		case !ok:
			t.Errorf("reader %+v got %s, which the model hides from it", r, key)
			continue
		case seen[key]:
			t.Errorf("reader %s got %s twice", r.ID, key)
		}
		seen[key] = true
		c.visible++
		var obj map[string]any
		if err := json.Unmarshal(ev.Object, &obj); err != nil {
			t.Fatalf("event %s: %v", key, err)
		}
		gotRedacted := anyStrings(obj[policy.RedactedProperty])
		slices.Sort(gotRedacted)
		if !slices.Equal(gotRedacted, e.Redacted) {
			t.Errorf("reader %+v, %s: redacted %v, model %v", r, key, gotRedacted, e.Redacted)
		}
		if len(e.Redacted) > 0 {
			c.redacted++
		}
		for _, f := range forbidden {
			if strings.Contains(string(g.m.Data), f) || strings.Contains(g.m.ID, f) {
				t.Errorf("reader %s, event %s holds %q, which it may not read", r.ID, key, f)
			}
		}
		cur, err := stream.ParseCursor(g.m.ID)
		if err != nil {
			t.Fatalf("event %s: id %q: %v", key, g.m.ID, err)
		}
		wantCur := stream.Cursor{Base: since.Truncate(time.Microsecond), At: map[string]time.Time{coll: ev.DateAdded.UTC()}}
		if cur.String() != wantCur.String() {
			t.Errorf("event %s: id %s, want %s", key, g.m.ID, wantCur)
		}
		if ev.Kind != stream.KindObject || ev.Collection != coll || ev.Exercise {
			t.Errorf("event %s: kind %s, collection %s, exercise %t", key, ev.Kind, ev.Collection, ev.Exercise)
		}
	}
	for key := range want {
		if !seen[key] {
			t.Errorf("reader %+v never got %s, which the model lets it read", r, key)
		}
	}
}
