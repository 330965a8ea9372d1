package taxii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/taxii"
)

// judge is an ingester that accepts objects with an "id" and rejects the
// rest, like the real one does with invalid objects.
func judge(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
	out := make([]kizuna.PutResult, len(objs))
	for i, o := range objs {
		var head struct {
			ID       string    `json:"id"`
			Modified time.Time `json:"modified"`
		}
		json.Unmarshal(o, &head)
		out[i] = kizuna.PutResult{ID: head.ID, Version: head.Modified, Created: true}
		if head.ID == "" {
			out[i].Err = kizuna.Errorf(kizuna.EINVALID, "object %d: $.id is required", i)
		}
	}
	return out, nil
}

func envelopeOf(objs ...string) string { return `{"objects":[` + strings.Join(objs, ",") + `]}` }

const goodObject = `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"}`

func post(f target, tb testing.TB, body, token string) response {
	tb.Helper()
	return MustDo(tb, f, request{method: "POST", path: objectsPath(openID), token: token, contentType: taxii.MediaTypeTAXII, body: body})
}

// MustWaitStatus polls a status until it is complete.
func MustWaitStatus(tb testing.TB, f target, id, token string) taxii.StatusResource {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st taxii.StatusResource
		r := MustDo(tb, f, request{path: "/taxii2/api/status/" + id, token: token})
		if r.status != 200 {
			tb.Fatalf("status: %d %s", r.status, r.body)
		}
		MustDecode(tb, r, &st)
		if st.Status == kizuna.StatusComplete {
			return st
		}
		if time.Now().After(deadline) {
			tb.Fatalf("status still pending: %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAddObjects(t *testing.T) {
	f := MustFixture(t, taxii.Config{IngestBatch: 2})
	f.ingester.IngestFn = judge
	body := envelopeOf(goodObject, `{"type":"indicator"}`, strings.Replace(goodObject, "000000000001", "000000000002", 1))
	r := post(f, t, body, "")
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var st taxii.StatusResource
	MustDecode(t, r, &st)
	if st.TotalCount != 3 || st.ID == "" || st.RequestTimestamp == "" {
		t.Errorf("initial status %+v", st)
	}
	if st.Status == kizuna.StatusPending && st.PendingCount != 3 {
		t.Errorf("pending status lists %d pendings", st.PendingCount)
	}
	final := MustWaitStatus(t, f, st.ID, "")
	if final.SuccessCount != 2 || final.FailureCount != 1 || final.PendingCount != 0 || final.TotalCount != 3 {
		t.Fatalf("final status %+v", final)
	}
	if final.Successes[0].ID != "indicator--00000000-0000-4000-8000-000000000001" || final.Successes[0].Version != "2026-01-01T00:00:00.000Z" {
		t.Errorf("success detail %+v", final.Successes[0])
	}
	if !strings.Contains(final.Failures[0].Message, "$.id is required") {
		t.Errorf("failure detail %+v", final.Failures[0])
	}
	// With the trailing slash too; neither bob nor root, an admin, may see
	// alice's status.
	if r := MustDo(t, f, request{path: "/taxii2/api/status/" + st.ID + "/"}); r.status != 200 {
		t.Errorf("with slash: %d", r.status)
	}
	MustError(t, MustDo(t, f, request{path: "/taxii2/api/status/" + st.ID + "/", token: "tok-bob"}), 404)
	MustError(t, MustDo(t, f, request{path: "/taxii2/api/status/" + st.ID, token: "tok-root"}), 404)
	MustError(t, MustDo(t, f, request{path: "/taxii2/api/status/00000000-0000-4000-8000-000000000000/"}), 404)
	MustError(t, MustDo(t, f, request{path: "/taxii2/api/status/nope"}), 404)
}

func TestAddObjectsWholeCallFailure(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	f.ingester.IngestFn = func(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
		return nil, fmt.Errorf("disk full on /data")
	}
	var st taxii.StatusResource
	MustDecode(t, post(f, t, envelopeOf(goodObject), ""), &st)
	final := MustWaitStatus(t, f, st.ID, "")
	if final.FailureCount != 1 || strings.Contains(final.Failures[0].Message, "/data") {
		t.Errorf("final %+v", final)
	}
	if !strings.Contains(f.logs.String(), "disk full") {
		t.Errorf("internal ingest error not logged")
	}
}

func TestAddObjectsRejects(t *testing.T) {
	f := MustFixture(t, taxii.Config{MaxContentLength: 1000})
	f.ingester.IngestFn = judge
	do := func(ct, body string) response {
		return MustDo(t, f, request{method: "POST", path: objectsPath(openID), contentType: ct, body: body})
	}
	MustError(t, do("", envelopeOf(goodObject)), 415)
	MustError(t, do("application/json", envelopeOf(goodObject)), 415)
	MustError(t, do("application/stix+json;version=2.1", envelopeOf(goodObject)), 415)
	MustError(t, do("application/taxii+json;version=2.0", envelopeOf(goodObject)), 415)
	if r := do("application/taxii+json", envelopeOf(goodObject)); r.status != 202 {
		t.Errorf("no version: %d %s", r.status, r.body)
	}
	if r := do("application/taxii+json ; version=2.1", envelopeOf(goodObject)); r.status != 202 {
		t.Errorf("spaces: %d %s", r.status, r.body)
	}
	for body, where := range map[string]string{
		``:                                   "empty",
		`[]`:                                 "top-level",
		`{"objects":`:                        "offset",
		`{"objects":{}}`:                     "objects",
		`{"objects":[1]}`:                    "objects[0]",
		`{"objects":[{}, "x"]}`:              "objects[1]",
		`{"more":true}`:                      "objects",
		`{"objects":[]} trailing`:            "offset",
		`{"objects":[{"a":1}]}{}`:            "offset",
		"{\"objects\":[{\"a\":\x01}]}":       "offset",
		`{"objects":[{"a":1}],"objects":[]}`: "twice",
		`{"more":false,"more":true,"objects":[]}`: "twice",
		`{"OBJECTS":[{"a":1}]}`:                   "case-sensitive",
		`{"objects":[],"Objects":[{"a":1}]}`:      "case-sensitive",
	} {
		em := MustError(t, do(taxii.MediaTypeTAXII, body), 400)
		if !strings.Contains(em.Description, where) {
			t.Errorf("body %q: description %q lacks %q", body, em.Description, where)
		}
	}
	big := envelopeOf(strings.Repeat(goodObject+",", 10) + goodObject)
	MustError(t, do(taxii.MediaTypeTAXII, big), 413)
	// A chunked body has no Content-Length: the limit applies to what is read.
	req, _ := http.NewRequest("POST", f.ts.URL+objectsPath(openID), io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer tok-alice")
	req.Header.Set("Content-Type", taxii.MediaTypeTAXII)
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(resp.TransferEncoding) == 0 && req.TransferEncoding == nil {
		t.Log("request sent without chunking")
	}
	MustError(t, response{status: resp.StatusCode, header: resp.Header, body: b}, 413)
	// An empty envelope completes at once.
	var st taxii.StatusResource
	MustDecode(t, do(taxii.MediaTypeTAXII, `{"objects":[]}`), &st)
	if st.Status != kizuna.StatusComplete || st.TotalCount != 0 {
		t.Errorf("empty envelope status %+v", st)
	}
}

func TestAddObjectsQueueFullAndShutdown(t *testing.T) {
	f := MustFixture(t, taxii.Config{Workers: 1, QueueSize: 1, PrincipalQueue: 2})
	release := make(chan struct{})
	var done atomic.Int32
	f.ingester.IngestFn = func(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
		<-release
		done.Add(1)
		return judge(ctx, coll, objs)
	}
	var ids []string
	for i := range 2 {
		r := post(f, t, envelopeOf(goodObject), "")
		if r.status != 202 {
			t.Fatalf("post %d: %d %s", i, r.status, r.body)
		}
		var st taxii.StatusResource
		MustDecode(t, r, &st)
		ids = append(ids, st.ID)
	}
	r := post(f, t, envelopeOf(goodObject), "")
	MustError(t, r, 503)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var shutdownErr error
	go func() {
		defer wg.Done()
		shutdownErr = f.srv.Shutdown(context.Background())
	}()
	time.Sleep(20 * time.Millisecond)
	// Shutting down: new POSTs are refused, accepted ones still finish.
	MustError(t, post(f, t, envelopeOf(goodObject), ""), 503)
	close(release)
	wg.Wait()
	if shutdownErr != nil || done.Load() != 2 {
		t.Fatalf("shutdown: %v, %d envelopes ingested", shutdownErr, done.Load())
	}
	for _, id := range ids {
		if st := MustWaitStatus(t, f, id, ""); st.SuccessCount != 1 {
			t.Errorf("status %s: %+v", id, st)
		}
	}
}

func TestShutdownDeadline(t *testing.T) {
	f := MustFixture(t, taxii.Config{Workers: 1})
	f.ingester.IngestFn = func(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	post(f, t, envelopeOf(goodObject), "")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown = %v, want deadline exceeded", err)
	}
}

// TestEnvelopeCostIsBounded: an envelope's objects are bounded in number
// (413 beyond Config.MaxObjects, nothing ingested), and the status of a
// large envelope is stored at most about once a second while it is
// ingested, not after every batch: a status grows with its envelope, so
// storing it per batch cost time quadratic in the objects.
func TestEnvelopeCostIsBounded(t *testing.T) {
	f := MustFixture(t, taxii.Config{MaxObjects: 3000, IngestBatch: 2})
	var ingested atomic.Int32
	f.ingester.IngestFn = func(ctx context.Context, coll string, objs []json.RawMessage) ([]kizuna.PutResult, error) {
		ingested.Add(int32(len(objs)))
		return judge(ctx, coll, objs)
	}
	empties := func(n int) string { return `{"objects":[` + strings.TrimSuffix(strings.Repeat("{},", n), ",") + `]}` }
	em := MustError(t, post(f, t, empties(3001), ""), http.StatusRequestEntityTooLarge)
	if !strings.Contains(em.Description, "3001 objects") {
		t.Errorf("description %q", em.Description)
	}
	if n := ingested.Load(); n != 0 {
		t.Fatalf("%d objects of a refused envelope ingested", n)
	}
	start := time.Now()
	var st taxii.StatusResource
	MustDecode(t, post(f, t, empties(3000), ""), &st)
	final := MustWaitStatus(t, f, st.ID, "")
	elapsed := time.Since(start)
	if final.FailureCount != 3000 {
		t.Fatalf("final status: %d failures, want 3000", final.FailureCount)
	}
	f.statuses.mu.Lock()
	updates := f.statuses.updates
	f.statuses.mu.Unlock()
	// 1,500 batches: one store per second of ingest at most, and the final.
	if limit := 2 + int(elapsed/time.Second); updates > limit {
		t.Errorf("the status was stored %d times in %v for 1,500 batches; want at most %d", updates, elapsed, limit)
	}
}
