package route_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/route"
)

// receiver is a webhook endpoint that checks signatures, processes each
// idempotency key once, and fails as its script says.
type receiver struct {
	mu        sync.Mutex
	secret    []byte
	now       func() time.Time
	script    func(n int) (process bool, status int) // for the n-th request (from 1)
	requests  int
	processed map[string]int    // key → times its notice was acted on
	after     map[string]int    // key → requests after a 2xx was answered for it
	answered  map[string]bool   // key → a 2xx was answered
	bodies    map[string][]byte // key → body
}

func newReceiver(secret []byte, now func() time.Time, script func(int) (bool, int)) *receiver {
	return &receiver{secret: secret, now: now, script: script, processed: map[string]int{}, after: map[string]int{},
		answered: map[string]bool{}, bodies: map[string][]byte{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := route.VerifySignature(rc.secret, r.Header.Get(route.HeaderSignature), body, rc.now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(route.HeaderIdempotencyKey)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if rc.answered[key] {
		rc.after[key]++
	}
	process, status := rc.script(rc.requests)
	if process && rc.processed[key] == 0 { // the idempotency key: act once
		rc.processed[key]++
		rc.bodies[key] = body
	}
	if status/100 == 2 {
		rc.answered[key] = true
	}
	w.WriteHeader(status)
}

// clock is a fake clock the tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func notices(n int) []route.Notice {
	var out []route.Notice
	for i := 0; i < n; i++ {
		out = append(out, route.Notice{ID: "notice--" + strings.Repeat(string(rune('a'+i)), 8), Principal: "principal--p",
			Object: "report--x", ObjectType: "report", Paths: []route.Path{{Concerned: "us.transportation", Sector: "jp.ports", Relation: "subset-of",
				Text: "US Transportation Systems → JP 港湾 (Port services): subset-of"}}})
	}
	return out
}

// TestWebhookFailsAndRecovers: a receiver that is down for three requests,
// then acts on a notice but fails to answer, then recovers, ends with
// every notice acted on exactly once (by its idempotency key), every
// delivery recorded as delivered, and nothing sent again after a success.
func TestWebhookFailsAndRecovers(t *testing.T) {
	ck := &clock{t: t0}
	secret := []byte("shared secret of the port operator's endpoint")
	rc := newReceiver(secret, ck.Now, func(n int) (bool, int) {
		switch {
		case n <= 3:
			return false, http.StatusServiceUnavailable
		case n == 4:
			return true, http.StatusInternalServerError // acted on, answer lost
		}
		return true, http.StatusOK
	})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	out := route.NewMemOutbox()
	wh := &route.Webhook{Outbox: out, Endpoints: route.EndpointList{{ID: "ep1", Principal: "principal--p", URL: srv.URL, Secret: secret}},
		Client: srv.Client(), Now: ck.Now, Rand: func() float64 { return 0.5 }, MaxAttempts: 10, BaseDelay: time.Second, MaxDelay: time.Minute}
	ctx := context.Background()
	ns := notices(3)
	if err := wh.Deliver(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if err := wh.Deliver(ctx, ns); err != nil { // routed again: queued once
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := wh.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		ck.Add(2 * time.Minute)
	}
	for _, n := range ns {
		key := n.ID + "/ep1"
		if rc.processed[key] != 1 {
			t.Errorf("%s acted on %d times, want 1", key, rc.processed[key])
		}
		if rc.after[key] != 0 {
			t.Errorf("%s sent %d times after a success", key, rc.after[key])
		}
		if d := out.Get(key); d == nil || d.State != route.DeliveryDelivered {
			t.Errorf("%s: %+v", key, d)
		}
		var got route.Notice
		if err := json.Unmarshal(rc.bodies[key], &got); err != nil || got.ID != n.ID || got.Paths[0].Text != n.Paths[0].Text {
			t.Errorf("%s: body %s (%v)", key, rc.bodies[key], err)
		}
	}
	// One delivery was sent twice under the same key (the lost answer):
	// at least once, never more than the failures explain.
	if rc.requests != 3+1+3 {
		t.Errorf("%d requests, want 7 (3 refused, 1 answer lost, 3 delivered)", rc.requests)
	}
	if dead, _ := out.DeadLetters(ctx); len(dead) != 0 {
		t.Errorf("dead letters %+v", dead)
	}
}

// TestWebhookDeadLetters: after MaxAttempts failures a delivery moves to
// the dead letters and is sent no more; a refusal (400) dead-letters at
// once; a requeued dead letter is delivered when the receiver recovers.
func TestWebhookDeadLetters(t *testing.T) {
	ck := &clock{t: t0}
	secret := []byte("s")
	up := false
	rc := newReceiver(secret, ck.Now, func(int) (bool, int) {
		if up {
			return true, http.StatusNoContent
		}
		return false, http.StatusBadGateway
	})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) }))
	defer refuse.Close()
	out := route.NewMemOutbox()
	eps := route.EndpointList{{ID: "ep1", Principal: "principal--p", URL: srv.URL, Secret: secret},
		{ID: "ep2", Principal: "principal--p", URL: refuse.URL, Secret: secret}}
	wh := &route.Webhook{Outbox: out, Endpoints: eps, Now: ck.Now, MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 4 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	if err := wh.Deliver(ctx, notices(1)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		wh.Flush(ctx)
		ck.Add(10 * time.Second)
	}
	dead, _ := out.DeadLetters(ctx)
	if len(dead) != 2 || dead[0].Attempts != 3 || dead[1].Attempts != 1 || !strings.Contains(dead[1].LastError, "400") {
		t.Fatalf("dead letters %+v", dead)
	}
	if rc.requests != 3 {
		t.Errorf("%d requests to the failing endpoint, want 3", rc.requests)
	}
	up = true
	if err := out.Requeue(ctx, dead[0].Key, ck.Now()); err != nil {
		t.Fatal(err)
	}
	if res, err := wh.Flush(ctx); err != nil || res.Sent != 1 {
		t.Errorf("after requeue: %+v %v", res, err)
	}
	if err := out.Requeue(ctx, dead[0].Key, ck.Now()); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
		t.Errorf("requeue of a delivered one: %v", err)
	}
}

// TestWebhookBackoffAndLease: the delay after each failure doubles up to
// the bound, with jitter within [d/2, d); a claimed delivery is not
// claimed again before its lease ends.
func TestWebhookBackoffAndLease(t *testing.T) {
	ck := &clock{t: t0}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer srv.Close()
	out := route.NewMemOutbox()
	jitter := 0.0
	wh := &route.Webhook{Outbox: out, Endpoints: route.EndpointList{{ID: "ep", Principal: "principal--p", URL: srv.URL, Secret: []byte("s")}},
		Now: ck.Now, Rand: func() float64 { return jitter }, MaxAttempts: 20, BaseDelay: time.Second, MaxDelay: 8 * time.Second}
	ctx := context.Background()
	wh.Deliver(ctx, notices(1))
	key := notices(1)[0].ID + "/ep"
	var delays []time.Duration
	for i := 0; i < 6; i++ {
		jitter = float64(i%2) * 0.999
		before := ck.Now()
		wh.Flush(ctx)
		d := out.Get(key)
		delays = append(delays, d.NextAt.Sub(before))
		ck.t = d.NextAt
	}
	bases := []time.Duration{1, 2, 4, 8, 8, 8}
	for i, d := range delays {
		b := bases[i] * time.Second
		if d < b/2 || d >= b {
			t.Errorf("delay %d: %v outside [%v, %v)", i+1, d, b/2, b)
		}
	}
	// Two senders at the same moment: only one gets the delivery.
	a, _ := out.Claim(ctx, ck.Now(), 10, time.Minute)
	b, _ := out.Claim(ctx, ck.Now(), 10, time.Minute)
	if len(a) != 1 || len(b) != 0 {
		t.Errorf("claims %d and %d, want 1 and 0", len(a), len(b))
	}
}

// TestSignature: a signature verifies with the secret, the body and a
// fresh timestamp only; the secret is never encoded with its endpoint.
func TestSignature(t *testing.T) {
	secret, body := []byte("k"), []byte(`{"id":"notice--1"}`)
	h := route.Sign(secret, body, t0)
	if err := route.VerifySignature(secret, h, body, t0.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"tampered body": route.VerifySignature(secret, h, []byte(`{"id":"notice--2"}`), t0, time.Minute),
		"wrong secret":  route.VerifySignature([]byte("other"), h, body, t0, time.Minute),
		"replayed":      route.VerifySignature(secret, h, body, t0.Add(time.Hour), 5*time.Minute),
		"no signature":  route.VerifySignature(secret, "t=1", body, t0, time.Minute),
	} {
		if kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
			t.Errorf("%s: %v", name, err)
		}
	}
	b, _ := json.Marshal(route.Endpoint{ID: "e", URL: "https://x", Secret: []byte("TOPSECRETVALUE")})
	if strings.Contains(string(b), "TOPSECRETVALUE") || strings.Contains(string(b), "VE9QU0") {
		t.Errorf("the secret is encoded: %s", b)
	}
}
