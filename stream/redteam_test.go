package stream_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stream"
)

// TestStreamIDsBeforeEpochResume asks for a stream from a time before the Unix epoch
// (?since=0001-01-01T00:00:00Z, the oldest RFC 3339 time): every event id
// it sends is one a reconnecting client can send back as Last-Event-ID
// and resume from.
func TestStreamIDsBeforeEpochResume(t *testing.T) {
	w := newWorld(t, nodetest.Options{}, stream.Options{})
	first, second := newID("indicator"), newID("indicator")
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ingestAll(t, w.s.Node, w.coll, indicator(first, at, []string{policy.TLP2Clear}, "", ""))
	ingestAll(t, w.s.Node, w.coll, indicator(second, at, []string{policy.TLP2Clear}, "", ""))
	for _, since := range []string{"0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z"} {
		l := listen(t, w.s.Base, w.public, "collection="+w.coll+"&since="+url.QueryEscape(since), "")
		var id string
		for {
			m, ev := l.next(t)
			if ev.ID == first {
				id = m.ID
				break
			}
		}
		l.close()
		again, code, body := tryListen(t, w.s.Base, w.public, "collection="+w.coll, id)
		if code != http.StatusOK {
			t.Fatalf("since %s: resuming from the event id %q the stream sent: %d %s", since, id, code, body)
		}
		if _, ev := again.next(t); ev.ID != second {
			t.Errorf("since %s: resumed at %s, want %s", since, ev.ID, second)
		}
		again.close()
	}
}
