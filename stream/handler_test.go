package stream_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// streamWorld is a node with a collection, a USA SECRET//REL TO USA, JPN
// marking, an exercise marking, and two readers: one cleared for the
// marking and in the exercise, one neither.
type streamWorld struct {
	s               *nodetest.Served
	coll            string
	secret, exMark  string
	exercise        string // the exercise's community
	cleared, public string // tokens
}

func newWorld(t *testing.T, opt nodetest.Options, so stream.Options) *streamWorld {
	t.Helper()
	s := serve(t, opt, so)
	w := &streamWorld{s: s, coll: collection(t, s.Node), secret: newID("marking-definition"), exMark: newID("marking-definition")}
	exercise := kizuna.ExerciseCommunityPrefix + newID("x-kizuna-exercise")
	w.exercise = exercise
	ingestAll(t, s.Node, node.DirectoryAlias,
		classification(w.secret, map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}),
		classification(w.exMark, map[string]any{"communities": []string{exercise}}))
	w.cleared = principal(t, s.Node, &kizuna.Principal{Name: "cleared", Nation: "USA",
		Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Communities: []string{exercise}})
	w.public = principal(t, s.Node, &kizuna.Principal{Name: "public", Nation: "AUS"})
	return w
}

// TestStreamSendsWhatEachReaderMayRead: each reader gets the versions it
// may read, as TAXII serves them to it (a portion it may not read removed
// and listed); a version it may not read shows neither as an event nor in
// the ids; exercise data is sent only from the exercise view (the
// exercises collection), flagged with its banner, never from another
// collection, to its participants either (docs/exercises.md, rule 2).
func TestStreamSendsWhatEachReaderMayRead(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{})
	exColl := &kizuna.Collection{Alias: kizuna.ExerciseCollectionAlias, Title: "Exercises",
		CanRead:  kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
	if err := w.s.Node.Store.CreateCollection(context.Background(), exColl); err != nil {
		t.Fatal(err)
	}
	w.s.Node.Guard.SetExerciseView(exColl.ID)
	q := "collection=" + w.coll
	cleared := listen(t, w.s.Base, w.cleared, q, "")
	public := listen(t, w.s.Base, w.public, q, "")
	clearedEx := listen(t, w.s.Base, w.cleared, "collection="+exColl.ID, "")
	clearedAll := listen(t, w.s.Base, w.cleared, "", "")
	publicEx := listen(t, w.s.Base, w.public, "collection="+exColl.ID, "")

	redacted, hidden, exercise, last := newID("indicator"), newID("indicator"), newID("indicator"), newID("indicator")
	inject, exLast := newID("indicator"), newID("indicator")
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ingestAll(t, w.s.Node, w.coll,
		indicator(redacted, at, []string{policy.TLP2Clear}, w.secret, "the SECRET part"),
		indicator(hidden, at, []string{w.secret}, "", "all SECRET"),
		indicator(exercise, at, []string{w.exMark}, "", "an inject stored outside the exercise view"))
	ingestAll(t, w.s.Node, w.coll, indicator(last, at, []string{policy.TLP2Clear}, "", ""))
	ingestAll(t, w.s.Node, exColl.ID, indicator(inject, at, []string{w.exMark}, "", "an inject"))
	ingestAll(t, w.s.Node, exColl.ID, indicator(exLast, at, []string{policy.TLP2Clear}, "", ""))
	final := newID("indicator")
	ingestAll(t, w.s.Node, w.coll, indicator(final, at, []string{policy.TLP2Clear}, "", ""))

	got := cleared.until(t, last)
	if ids := eventIDs(got); !slices.Equal(ids, []string{redacted, hidden, last}) {
		t.Fatalf("the cleared reader got %v", ids)
	}
	if !strings.Contains(string(got[0].Object), "the SECRET part") || got[0].Exercise || got[0].Banner != "" {
		t.Errorf("the cleared reader's first event: %s (exercise %t, banner %q)", got[0].Object, got[0].Exercise, got[0].Banner)
	}
	got = clearedEx.until(t, exLast)
	if ids := eventIDs(got); !slices.Equal(ids, []string{inject, exLast}) {
		t.Fatalf("the participant got %v from the exercises collection", ids)
	}
	if !got[0].Exercise || got[0].Banner != "EXERCISE 演習 "+strings.TrimPrefix(w.exercise, kizuna.ExerciseCommunityPrefix) {
		t.Errorf("the inject: exercise %t, banner %q", got[0].Exercise, got[0].Banner)
	}
	if ids := eventIDs(publicEx.until(t, exLast)); !slices.Equal(ids, []string{exLast}) {
		t.Fatalf("a reader outside the exercise got %v from the exercises collection", ids)
	}
	// A stream of every collection is of real intelligence: nothing of the
	// exercises collection is in it.
	var all []string
	for _, ev := range clearedAll.until(t, final) {
		if ev.Collection == w.coll {
			all = append(all, ev.ID)
		} else if ev.Collection == exColl.ID {
			t.Errorf("a stream of every collection sent %s of the exercises collection", ev.ID)
		}
	}
	if !slices.Equal(all, []string{redacted, hidden, last, final}) {
		t.Errorf("a stream of every collection sent %v of the test's collection", all)
	}
	got = public.until(t, last)
	if ids := eventIDs(got); !slices.Equal(ids, []string{redacted, last}) {
		t.Fatalf("the public reader got %v", ids)
	}
	var obj map[string]any
	if err := json.Unmarshal(got[0].Object, &obj); err != nil {
		t.Fatal(err)
	}
	if obj["description"] != nil || !slices.Equal(anyStrings(obj[policy.RedactedProperty]), []string{"description"}) {
		t.Errorf("the public reader got %s, want the description removed and listed", got[0].Object)
	}
	if got[0].Kind != stream.KindObject || got[0].Collection != w.coll || got[0].Type != "indicator" || got[0].Version == nil || !got[0].Version.Equal(at) {
		t.Errorf("event %+v", got[0])
	}
}

// TestStreamIDsResume: an event's id holds the date_added of the events
// the reader was sent, nothing of the others, and a stream opened with it
// (Last-Event-ID, or ?since=) starts right after that event.
func TestStreamIDsResume(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{})
	q := "collection=" + w.coll
	start := time.Now().UTC().Add(-time.Second)
	public := listen(t, w.s.Base, w.public, q+"&since="+start.Format(time.RFC3339Nano), "")
	a, hidden, b := newID("indicator"), newID("indicator"), newID("indicator")
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ingestAll(t, w.s.Node, w.coll, indicator(a, at, nil, "", ""))
	ingestAll(t, w.s.Node, w.coll, indicator(hidden, at, []string{w.secret}, "", ""))
	ingestAll(t, w.s.Node, w.coll, indicator(b, at, nil, "", ""))
	m1, e1 := public.next(t)
	m2, e2 := public.next(t)
	if e1.ID != a || e2.ID != b {
		t.Fatalf("events %s, %s", e1.ID, e2.ID)
	}
	for _, c := range []struct {
		m *stream.Message
		e *stream.Event
	}{{m1, e1}, {m2, e2}} {
		cur, err := stream.ParseCursor(c.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := stream.Cursor{Base: start.Truncate(time.Microsecond), At: map[string]time.Time{w.coll: c.e.DateAdded.UTC()}}
		if cur.String() != want.String() {
			t.Errorf("id %s, want %s", c.m.ID, want)
		}
	}
	public.close()

	again := listen(t, w.s.Base, w.public, q+"&since="+start.Format(time.RFC3339Nano), m1.ID)
	if _, ev := again.next(t); ev.ID != b {
		t.Errorf("resumed with Last-Event-ID after %s: got %s first, want %s", a, ev.ID, b)
	}
	since := listen(t, w.s.Base, w.public, q+"&since="+url.QueryEscape(m1.ID), "")
	if _, ev := since.next(t); ev.ID != b {
		t.Errorf("resumed with ?since= after %s: got %s first, want %s", a, ev.ID, b)
	}
}

// TestStreamRefuses: bad requests are answered with a TAXII error body
// naming what is wrong, a collection the reader may not see as not found,
// and a principal past its cap with 429.
func TestStreamRefuses(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{MaxPerPrincipal: 1})
	for _, c := range []struct {
		token, query, lastID string
		code                 int
		says                 string
	}{
		{"", "", "", http.StatusUnauthorized, ""},
		{w.public, "types=Not*A*Type", "", http.StatusBadRequest, "?types"},
		{w.public, "events=gossip", "", http.StatusBadRequest, "?events"},
		{w.public, "since=yesterday", "", http.StatusBadRequest, "?since"},
		{w.public, "limit=3", "", http.StatusBadRequest, "?limit"},
		{w.public, "", "12,x=notatime", http.StatusBadRequest, "Last-Event-ID"},
		{w.public, "collection=no-such-collection", "", http.StatusNotFound, ""},
	} {
		l, code, body := tryListen(t, w.s.Base, c.token, c.query, c.lastID)
		if l != nil {
			l.close()
		}
		if code != c.code || !strings.Contains(body, c.says) || !strings.Contains(body, `"http_status"`) {
			t.Errorf("%q (Last-Event-ID %q): %d %s, want %d naming %q", c.query, c.lastID, code, body, c.code, c.says)
		}
	}
	first := listen(t, w.s.Base, w.public, "", "")
	if _, code, body := tryListen(t, w.s.Base, w.public, "", ""); code != http.StatusTooManyRequests {
		t.Errorf("a second stream past the cap of one: %d %s", code, body)
	}
	first.close()
	// The slot is free once the node has seen the first stream end.
	for i := 0; ; i++ {
		l, code, _ := tryListen(t, w.s.Base, w.public, "", "")
		if code == http.StatusOK {
			l.close()
			break
		}
		if i == 200 {
			t.Fatal("the closed stream's slot was never freed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eventIDs(evs []*stream.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestStreamFollowsNewCollections: a stream of every collection takes in
// one created after it opened, and nothing of one its reader may not read.
func TestStreamFollowsNewCollections(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{Heartbeat: time.Hour}) // only notifications wake it
	l := listen(t, w.s.Base, w.public, "", "")
	closed := &kizuna.Collection{Title: "admins only", DefaultMarkingRefs: []string{policy.TLP2Clear},
		CanRead: kizuna.AccessRule{Roles: []string{kizuna.RoleAdmin}}}
	if err := w.s.Store.CreateCollection(context.Background(), closed); err != nil {
		t.Fatal(err)
	}
	fresh := collection(t, w.s.Node)
	at := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	hidden, seen := newID("indicator"), newID("indicator")
	ingestAll(t, w.s.Node, closed.ID, indicator(hidden, at, nil, "", ""))
	ingestAll(t, w.s.Node, fresh, indicator(seen, at, []string{policy.TLP2Clear}, "", ""))
	if _, ev := l.next(t); ev.ID != seen || ev.Collection != fresh {
		t.Errorf("got %s in %s, want %s in the new collection", ev.ID, ev.Collection, seen)
	}
}
