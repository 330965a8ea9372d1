package route

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// States of a delivery.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// Delivery is one notice to send to one webhook endpoint. Its body is
// fixed when it is queued, so that every attempt sends the same bytes
// under the same idempotency key.
type Delivery struct {
	// Key is the idempotency key: the notice id and the endpoint id. A
	// receiver that has processed a key ignores it when it comes again.
	Key         string
	Endpoint    string
	Notice      string
	Body        []byte
	Attempts    int // failed attempts so far
	State       string
	NextAt      time.Time // when the next attempt is due
	LeaseUntil  time.Time // a sender holds the delivery until then
	LastError   string
	DeliveredAt time.Time
}

// Outbox persists the webhook queue. A node backs it with its store, so
// that a restart or another server of the same node loses and repeats
// nothing but what at-least-once delivery allows. Implementations must be
// safe for concurrent use.
type Outbox interface {
	// Enqueue stores each delivery whose key is not stored yet; a known
	// key is left as it is (routing a version again queues nothing).
	Enqueue(ctx context.Context, ds []*Delivery) error
	// Claim leases up to limit pending deliveries due at now until
	// now+lease, oldest due first. A leased delivery is not claimed again
	// before its lease ends, so that two senders do not send it at once.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*Delivery, error)
	// Delivered records the success of a delivery; it is never sent
	// again. Errors: ENOTFOUND.
	Delivered(ctx context.Context, key string, at time.Time) error
	// Retry records a failed attempt and when to try again. Errors:
	// ENOTFOUND.
	Retry(ctx context.Context, key string, attempts int, next time.Time, lastErr string) error
	// Dead moves a delivery to the dead letters. Errors: ENOTFOUND.
	Dead(ctx context.Context, key string, attempts int, lastErr string) error
	// DeadLetters lists the dead deliveries, by key.
	DeadLetters(ctx context.Context) ([]*Delivery, error)
	// Requeue makes a dead delivery pending again, due at the time, with
	// its attempts reset. Errors: ENOTFOUND, ECONFLICT (not dead).
	Requeue(ctx context.Context, key string, at time.Time) error
}

// MemOutbox is an in-memory Outbox, for tests and single-process use.
type MemOutbox struct {
	mu   sync.Mutex
	rows map[string]*Delivery
}

var _ Outbox = (*MemOutbox)(nil)

// NewMemOutbox returns an empty outbox.
func NewMemOutbox() *MemOutbox { return &MemOutbox{rows: map[string]*Delivery{}} }

// Enqueue stores copies of the deliveries with new keys.
func (o *MemOutbox) Enqueue(_ context.Context, ds []*Delivery) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, d := range ds {
		if _, ok := o.rows[d.Key]; ok {
			continue
		}
		c := *d
		c.Body = slices.Clone(d.Body)
		if c.State == "" {
			c.State = DeliveryPending
		}
		o.rows[d.Key] = &c
	}
	return nil
}

// Claim leases due pending deliveries.
func (o *MemOutbox) Claim(_ context.Context, now time.Time, limit int, lease time.Duration) ([]*Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var due []*Delivery
	for _, d := range o.rows {
		if d.State == DeliveryPending && !d.NextAt.After(now) && !d.LeaseUntil.After(now) {
			due = append(due, d)
		}
	}
	slices.SortFunc(due, func(a, b *Delivery) int {
		if c := a.NextAt.Compare(b.NextAt); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	if limit > 0 && len(due) > limit {
		due = due[:limit]
	}
	out := make([]*Delivery, len(due))
	for i, d := range due {
		d.LeaseUntil = now.Add(lease)
		c := *d
		out[i] = &c
	}
	return out, nil
}

func (o *MemOutbox) update(key string, f func(d *Delivery) error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	d, ok := o.rows[key]
	if !ok {
		return kizuna.Errorf(kizuna.ENOTFOUND, "delivery %s not found", key)
	}
	return f(d)
}

// Delivered marks the delivery done.
func (o *MemOutbox) Delivered(_ context.Context, key string, at time.Time) error {
	return o.update(key, func(d *Delivery) error {
		d.State, d.DeliveredAt, d.LeaseUntil, d.LastError = DeliveryDelivered, at, time.Time{}, ""
		return nil
	})
}

// Retry records a failed attempt.
func (o *MemOutbox) Retry(_ context.Context, key string, attempts int, next time.Time, lastErr string) error {
	return o.update(key, func(d *Delivery) error {
		if d.State != DeliveryPending {
			return nil // delivered or dead meanwhile: that stands
		}
		d.Attempts, d.NextAt, d.LastError, d.LeaseUntil = attempts, next, lastErr, time.Time{}
		return nil
	})
}

// Dead moves the delivery to the dead letters.
func (o *MemOutbox) Dead(_ context.Context, key string, attempts int, lastErr string) error {
	return o.update(key, func(d *Delivery) error {
		if d.State == DeliveryDelivered {
			return nil
		}
		d.State, d.Attempts, d.LastError, d.LeaseUntil = DeliveryDead, attempts, lastErr, time.Time{}
		return nil
	})
}

// DeadLetters lists the dead deliveries.
func (o *MemOutbox) DeadLetters(context.Context) ([]*Delivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*Delivery
	for _, d := range o.rows {
		if d.State == DeliveryDead {
			c := *d
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *Delivery) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Requeue makes a dead delivery pending again.
func (o *MemOutbox) Requeue(_ context.Context, key string, at time.Time) error {
	return o.update(key, func(d *Delivery) error {
		if d.State != DeliveryDead {
			return kizuna.Errorf(kizuna.ECONFLICT, "delivery %s is %s, not dead", key, d.State)
		}
		d.State, d.Attempts, d.NextAt, d.LastError = DeliveryPending, 0, at, ""
		return nil
	})
}

// Get returns a copy of the delivery with the key, or nil.
func (o *MemOutbox) Get(key string) *Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	d, ok := o.rows[key]
	if !ok {
		return nil
	}
	c := *d
	return &c
}
