package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// recordingIngester records each request it is given and stores nothing.
type recordingIngester struct {
	mu       sync.Mutex
	requests [][]string
}

func (r *recordingIngester) Ingest(ctx context.Context, collection string, objects []json.RawMessage) ([]kizuna.PutResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	out := make([]kizuna.PutResult, len(objects))
	for i, raw := range objects {
		ids = append(ids, head(raw).ID)
		out[i] = kizuna.PutResult{ID: head(raw).ID, Created: true}
	}
	r.requests = append(r.requests, ids)
	return out, nil
}

func (r *recordingIngester) got() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.requests...)
}

// TestPullMetaFirst: objects pulled from a plain TAXII peer are ingested
// after the meta objects they need, fetched from the peer when they are
// not on the page (a chain of markings in separate requests), each once,
// and not fetched again in a later round.
func TestPullMetaFirst(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	ind := func(n int) json.RawMessage {
		return raw(fmt.Sprintf(`{"type":"indicator","id":"%s%02d","created_by_ref":"%s","object_marking_refs":["%s"]}`, indicator, n, orgC, mdShared))
	}
	p := &fakePeer{
		serve: []json.RawMessage{ind(1), raw(`{"type":"marking-definition","id":"` + mdUnused + `"}`), ind(2)},
		extra: []json.RawMessage{
			raw(`{"type":"marking-definition","id":"` + mdShared + `","object_marking_refs":["` + mdInner + `"]}`),
			raw(`{"type":"marking-definition","id":"` + mdInner + `","created":"2026-01-01T00:00:00Z"}`),
			raw(`{"type":"identity","id":"` + orgC + `","name":"C"}`),
		},
	}
	keys, _ := MustKeys(t)
	peers := testPeers(t, MustKey(t), MustKey(t))
	pc := peers.Find("p")
	pc.Collections = []CollectionMap{{Local: "default", Remote: "remote", Pull: true}}
	peers.Peers = []*PeerConfig{pc}
	cursors, err := OpenCursors(context.Background(), DirState(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ing := &recordingIngester{}
	svc, err := New(Config{
		Node: "identity--self", Keys: keys, Peers: peers, Objects: &memObjects{}, Collections: memCollections{},
		Principals: memPrincipals{"p": {ID: "principal--p", Name: "p", Organization: orgC, Nation: "AUS", Roles: []string{kizuna.RolePeer}}},
		Cursors:    cursors, Ingester: ing, Dial: func(*PeerConfig) (Peer, error) { return p, nil },
		CatchUp: 20 * time.Millisecond, BatchSize: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	waitFor(t, "both pages", func() bool { return len(ing.got()) >= 5 })
	time.Sleep(100 * time.Millisecond) // further rounds, which must fetch nothing more
	want := [][]string{
		{mdInner}, {mdShared}, {orgC}, {indicator + "01", mdUnused}, // page 1
		{indicator + "02"}, // page 2: what it needs is held already
	}
	if got := ing.got(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ingested %v,\nwant %v", got, want)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range []string{mdShared, mdInner, orgC} {
		if n := len(slices.DeleteFunc(slices.Clone(p.gets), func(g string) bool { return g != id })); n != 1 {
			t.Errorf("%s fetched %d times, want once", id, n)
		}
	}
}
