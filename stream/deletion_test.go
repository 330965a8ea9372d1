package stream_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// TestStreamDeletions: a deletion through TAXII reaches the readers who
// could read a deleted version, naming only the versions they could read,
// and no other reader.
func TestStreamDeletions(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{})
	n := w.s.Node
	owner := principal(t, n, &kizuna.Principal{Name: "owner", Nation: "USA", Organization: n.Identity.Organization,
		Clearances: []kizuna.Classification{{Scheme: "USA", Level: "SECRET"}}, Roles: []string{kizuna.RoleReader, kizuna.RolePublisher}})
	q := "collection=" + w.coll + "&events=deletion"
	cleared := listen(t, w.s.Base, w.cleared, q, "")
	public := listen(t, w.s.Base, w.public, q, "")

	secret, open := newID("indicator"), newID("indicator")
	v1, v2 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC)
	ingestAll(t, n, w.coll, indicator(secret, v1, []string{w.secret}, "", ""),
		indicator(open, v1, []string{policy.TLP2Clear}, "", ""), indicator(open, v2, []string{w.secret}, "", ""))
	del := func(id string) {
		req, _ := http.NewRequest(http.MethodDelete, w.s.Base+"/taxii2/api/collections/"+w.coll+"/objects/"+id+"/?match%5Bversion%5D=all", nil)
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		req.Header.Set("Authorization", "Bearer "+owner)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE %s: %d %s", id, resp.StatusCode, b)
		}
	}
	// Deletions reach a stream in the order they were made: the public
	// reader's first deletion event must be the second deletion.
	del(secret)
	del(open)

	for _, want := range []struct {
		id       string
		versions []time.Time
	}{{secret, []time.Time{v1}}, {open, []time.Time{v1, v2}}} {
		m, ev := cleared.next(t)
		if ev.Kind != stream.KindDeletion || ev.ID != want.id || !slices.EqualFunc(ev.Versions, want.versions, time.Time.Equal) || m.ID != "" || ev.Object != nil {
			t.Errorf("the cleared reader got %+v (id %q), want the deletion of %s %v", ev, m.ID, want.id, want.versions)
		}
	}
	if _, ev := public.next(t); ev.ID != open || !slices.EqualFunc(ev.Versions, []time.Time{v1}, time.Time.Equal) {
		t.Errorf("the public reader got %+v, want the deletion of %s's first version alone", ev, open)
	}
}
