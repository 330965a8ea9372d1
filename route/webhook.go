package route

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Endpoint is a principal's webhook: where its notices are posted, signed
// with its secret. The secret is never logged or encoded.
type Endpoint struct {
	ID        string `json:"id"`
	Principal string `json:"principal"`
	URL       string `json:"url"`
	Secret    []byte `json:"-"`
}

// Endpoints finds webhook endpoints.
type Endpoints interface {
	// For returns the endpoints of a principal.
	For(principal string) []*Endpoint
	// Get returns the endpoint with the id, or nil (removed since).
	Get(id string) *Endpoint
}

// EndpointList is an Endpoints over a fixed list.
type EndpointList []*Endpoint

// For returns the principal's endpoints.
func (l EndpointList) For(principal string) []*Endpoint {
	var out []*Endpoint
	for _, e := range l {
		if e.Principal == principal {
			out = append(out, e)
		}
	}
	return out
}

// Get returns the endpoint with the id.
func (l EndpointList) Get(id string) *Endpoint {
	for _, e := range l {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// Webhook sends notices to their principals' webhooks: signed
// (HMAC-SHA256 over a timestamp and the body), with an idempotency key per
// notice and endpoint, retried with exponential backoff and jitter on
// failure, and moved to the dead letters after MaxAttempts failed
// attempts or a refusal a retry cannot cure. The queue lives in Outbox, so
// that nothing is lost across restarts: delivery is at least once, and a
// delivery that succeeded is never sent again.
type Webhook struct {
	Outbox    Outbox
	Endpoints Endpoints
	Client    *http.Client // http.DefaultClient when nil; set a timeout
	Logger    *slog.Logger // slog.Default() when nil
	Now       func() time.Time
	Rand      func() float64 // jitter in [0, 1); math/rand/v2 when nil

	MaxAttempts int           // failed attempts before the dead letters (default 8)
	BaseDelay   time.Duration // delay after the first failure (default 2 s)
	MaxDelay    time.Duration // the longest delay (default 1 h)
	Lease       time.Duration // how long a sender holds a claimed delivery (default 1 min)
	Batch       int           // deliveries claimed per Flush (default 100)
}

var _ Deliverer = (*Webhook)(nil)

// EventNotice is the HeaderEvent of a notice.
const EventNotice = "sector.notice"

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Deliver queues each notice for each endpoint of its principal. It sends
// nothing itself: Flush (or Run) does.
func (w *Webhook) Deliver(ctx context.Context, notices []Notice) error {
	now := w.now()
	var ds []*Delivery
	for _, n := range notices {
		eps := w.Endpoints.For(n.Principal)
		if len(eps) == 0 {
			continue
		}
		body, err := json.Marshal(n)
		if err != nil {
			return kizuna.WrapError(kizuna.EINTERNAL, err, "notice %s could not be encoded", n.ID)
		}
		for _, e := range eps {
			ds = append(ds, &Delivery{Key: n.ID + "/" + e.ID, Endpoint: e.ID, Notice: n.ID, Body: body, State: DeliveryPending, NextAt: now})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return w.Outbox.Enqueue(ctx, ds)
}

// FlushResult counts what one Flush did.
type FlushResult struct {
	Sent, Retried, Dead int
}

// Flush sends the deliveries due now, once each, and records the outcome.
func (w *Webhook) Flush(ctx context.Context) (FlushResult, error) {
	var res FlushResult
	lease, batch := w.Lease, w.Batch
	if lease <= 0 {
		lease = time.Minute
	}
	if batch <= 0 {
		batch = 100
	}
	due, err := w.Outbox.Claim(ctx, w.now(), batch, lease)
	if err != nil {
		return res, err
	}
	for _, d := range due {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		ep := w.Endpoints.Get(d.Endpoint)
		if ep == nil {
			res.Dead++
			if err := w.Outbox.Dead(ctx, d.Key, d.Attempts, "the endpoint no longer exists"); err != nil {
				return res, err
			}
			continue
		}
		permanent, sendErr := w.send(ctx, ep, d)
		switch {
		case sendErr == nil:
			res.Sent++
			err = w.Outbox.Delivered(ctx, d.Key, w.now())
		case permanent || d.Attempts+1 >= w.maxAttempts():
			res.Dead++
			w.logger().Warn("webhook delivery dead-lettered", "key", d.Key, "endpoint", ep.ID, "attempts", d.Attempts+1, "error", sendErr)
			err = w.Outbox.Dead(ctx, d.Key, d.Attempts+1, sendErr.Error())
		default:
			res.Retried++
			err = w.Outbox.Retry(ctx, d.Key, d.Attempts+1, w.now().Add(w.backoff(d.Attempts+1)), sendErr.Error())
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// Run flushes every interval until ctx ends.
func (w *Webhook) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := w.Flush(ctx); err != nil && ctx.Err() == nil {
			w.logger().Error("webhook flush failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// send posts one delivery. permanent reports a refusal that retrying
// cannot cure (a 4xx other than 408 and 429).
func (w *Webhook) send(ctx context.Context, ep *Endpoint, d *Delivery) (permanent bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(d.Body))
	if err != nil {
		return true, fmt.Errorf("the endpoint URL is not usable: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEvent, EventNotice)
	req.Header.Set(HeaderIdempotencyKey, d.Key)
	req.Header.Set(HeaderSignature, Sign(ep.Secret, d.Body, w.now()))
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL may hold a token of the receiver's: keep it out of the
		// error that is stored and logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return false, fmt.Errorf("post: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return false, fmt.Errorf("the endpoint answered %s", resp.Status)
	}
	return true, fmt.Errorf("the endpoint refused the notice: %s", resp.Status)
}

func (w *Webhook) maxAttempts() int {
	if w.MaxAttempts > 0 {
		return w.MaxAttempts
	}
	return 8
}

// backoff returns the delay before attempt n+1: BaseDelay doubled for
// each failure so far, at most MaxDelay, with "equal jitter" (half fixed,
// half random) so that many failed deliveries do not retry in step.
func (w *Webhook) backoff(failures int) time.Duration {
	base, max := w.BaseDelay, w.MaxDelay
	if base <= 0 {
		base = 2 * time.Second
	}
	if max <= 0 {
		max = time.Hour
	}
	d := base
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	r := rand.Float64
	if w.Rand != nil {
		r = w.Rand
	}
	return d/2 + time.Duration(r()*float64(d/2))
}

func (w *Webhook) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}
