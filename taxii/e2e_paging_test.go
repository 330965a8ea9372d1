package taxii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// MustPostClient posts through the client and waits for completion,
// failing unless every object succeeded.
func MustPostClient(tb testing.TB, c *taxii.Client, collection string, objs []json.RawMessage) {
	tb.Helper()
	ctx := context.Background()
	st, err := c.AddObjects(ctx, collection, objs)
	if err != nil {
		tb.Errorf("AddObjects: %v", err)
		return
	}
	st, err = c.WaitStatus(ctx, st.ID, 5*time.Millisecond)
	if err != nil || st.SuccessCount != len(objs) {
		tb.Errorf("status %+v, %v", st, err)
	}
}

func batchOf(from, count int, org string) []json.RawMessage {
	v := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]json.RawMessage, count)
	for i := range out {
		out[i] = stixIndicator(from+i, v, org, policy.TLP2Clear)
	}
	return out
}

// TestE2EPagingWhileWriting pages through 10,000 objects, posted by
// concurrent clients, while other clients keep writing: no object may be
// skipped or repeated, and pages follow date_added order.
func TestE2EPagingWhileWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("long end-to-end test")
	}
	const seeded, posters, perEnvelope = 10_000, 5, 500
	n := MustNode(t, taxii.Config{Workers: 2, QueueSize: 64})
	usa, jpn := n.client("usa-publisher"), n.client("jpn-publisher")

	// Concurrent POSTs seed the collection.
	var wg sync.WaitGroup
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from := p * seeded / posters; from < (p+1)*seeded/posters; from += perEnvelope {
				MustPostClient(t, usa, n.shared.ID, batchOf(from, perEnvelope, orgUSA))
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Writers add objects while a reader pages.
	stop := make(chan struct{})
	var written atomic.Int64
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next := 1_000_000 * (w + 1); ; next += 50 {
				select {
				case <-stop:
					return
				default:
				}
				MustPostClient(t, jpn, n.shared.ID, batchOf(next, 50, orgJPN))
				written.Add(50)
			}
		}()
	}
	seen := map[string]bool{}
	var lastAdded time.Time
	pages := 0
	err := n.client("jpn-reader").AllObjects(context.Background(), n.shared.ID, taxii.ObjectQuery{Limit: 1000}, func(p *taxii.ObjectsPage) error {
		pages++
		if len(p.Objects) > 0 && !p.DateAddedFirst.After(lastAdded) {
			return fmt.Errorf("page %d starts at %v, not after the previous page's end %v", pages, p.DateAddedFirst, lastAdded)
		}
		lastAdded = p.DateAddedLast
		for _, o := range p.Objects {
			var head struct{ ID string }
			json.Unmarshal(o, &head)
			if seen[head.ID] {
				return fmt.Errorf("page %d repeats %s", pages, head.ID)
			}
			seen[head.ID] = true
		}
		if pages == 3 {
			time.Sleep(50 * time.Millisecond) // let the writers interleave
		}
		return nil
	})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for i := range seeded {
		if !seen[indicatorID(i)] {
			t.Fatalf("object %s skipped (%d seen in %d pages)", indicatorID(i), len(seen), pages)
		}
	}
	if written.Load() == 0 {
		t.Errorf("the writers wrote nothing while the reader paged")
	}
	// Afterwards, everything is there exactly once.
	total := 0
	err = n.client("jpn-reader").AllObjects(context.Background(), n.shared.ID, taxii.ObjectQuery{Limit: 1000}, func(p *taxii.ObjectsPage) error {
		total += len(p.Objects)
		return nil
	})
	if err != nil || total != seeded+int(written.Load()) {
		t.Errorf("final read: %d objects, want %d (%v)", total, seeded+int(written.Load()), err)
	}
	t.Logf("paged %d objects in %d pages while %d were written", len(seen), pages, written.Load())
}

// TestE2EConcurrentPosts posts overlapping envelopes from several clients at
// once: every object ends stored once, and re-posts count as successes.
func TestE2EConcurrentPosts(t *testing.T) {
	n := MustNode(t, taxii.Config{Workers: 2})
	usa := n.client("usa-publisher")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			MustPostClient(t, usa, n.shared.ID, batchOf(0, 100, orgUSA))
		}()
	}
	wg.Wait()
	page, err := usa.GetObjects(context.Background(), n.shared.ID, taxii.ObjectQuery{Limit: 1000, Versions: []string{"all"}})
	if err != nil || len(page.Objects) != 100 || page.More {
		t.Fatalf("%d objects, more=%v, %v", len(page.Objects), page.More, err)
	}
	// The client's other calls, with a bearer token this time.
	bearer := &taxii.Client{APIRoot: n.ts.URL + taxii.APIRootPath, HTTPClient: n.ts.Client(), Token: n.tokens["jpn-reader"]}
	colls, err := bearer.Collections(context.Background())
	if err != nil || len(colls) != 1 || colls[0].CanWrite || !colls[0].CanRead {
		t.Errorf("Collections: %+v %v", colls, err)
	}
	root, err := bearer.APIRootInfo(context.Background())
	if err != nil || root.MaxContentLength != taxii.DefaultMaxContentLength {
		t.Errorf("APIRootInfo: %+v %v", root, err)
	}
	wrong := &taxii.Client{APIRoot: n.ts.URL + taxii.APIRootPath, HTTPClient: n.ts.Client(), Token: "kzn_wrong"}
	if _, err := wrong.Collections(context.Background()); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("wrong token: %v", err)
	}
	// The client reports server errors with their code.
	_, err = usa.GetObjects(context.Background(), kizuna.NewUUID(), taxii.ObjectQuery{})
	if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("missing collection: %v", err)
	}
}
