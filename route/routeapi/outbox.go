package routeapi

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/route"
)

// OutboxDocument is the node document that holds the webhook queue.
const OutboxDocument = "sector-outbox.json"

// keepDelivered is how long a delivered delivery stays in the queue, so
// that routing a version again within it queues nothing.
const keepDelivered = 7 * 24 * time.Hour

// stateOutbox is a route.Outbox kept in one node document. Each change is
// one UpdateState: concurrent senders, in this process or in another
// instance of the node, apply one after the other, so a lease holds.
type stateOutbox struct{ st kizuna.StateStore }

var _ route.Outbox = stateOutbox{}

func (o stateOutbox) update(ctx context.Context, fn func(rows map[string]*route.Delivery) error) error {
	return o.st.UpdateState(ctx, OutboxDocument, func(old []byte) ([]byte, error) {
		rows := map[string]*route.Delivery{}
		if old != nil {
			if err := json.Unmarshal(old, &rows); err != nil {
				return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s is not a webhook queue", OutboxDocument)
			}
		}
		if err := fn(rows); err != nil {
			return nil, err
		}
		return json.Marshal(rows)
	})
}

func (o stateOutbox) read(ctx context.Context) (map[string]*route.Delivery, error) {
	rows := map[string]*route.Delivery{}
	data, err := o.st.ReadState(ctx, OutboxDocument)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return rows, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, kizuna.WrapError(kizuna.EINTERNAL, err, "%s is not a webhook queue", OutboxDocument)
	}
	return rows, nil
}

// Enqueue stores the deliveries with new keys, and forgets deliveries
// delivered long ago.
func (o stateOutbox) Enqueue(ctx context.Context, ds []*route.Delivery) error {
	now := time.Now()
	return o.update(ctx, func(rows map[string]*route.Delivery) error {
		for k, d := range rows {
			if d.State == route.DeliveryDelivered && now.Sub(d.DeliveredAt) > keepDelivered {
				delete(rows, k)
			}
		}
		for _, d := range ds {
			if _, ok := rows[d.Key]; ok {
				continue
			}
			c := *d
			if c.State == "" {
				c.State = route.DeliveryPending
			}
			rows[d.Key] = &c
		}
		return nil
	})
}

// Claim leases the due pending deliveries, oldest due first.
func (o stateOutbox) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]*route.Delivery, error) {
	var out []*route.Delivery
	err := o.update(ctx, func(rows map[string]*route.Delivery) error {
		out = out[:0]
		var due []*route.Delivery
		for _, d := range rows {
			if d.State == route.DeliveryPending && !d.NextAt.After(now) && !d.LeaseUntil.After(now) {
				due = append(due, d)
			}
		}
		slices.SortFunc(due, func(a, b *route.Delivery) int {
			if c := a.NextAt.Compare(b.NextAt); c != 0 {
				return c
			}
			return strings.Compare(a.Key, b.Key)
		})
		if limit > 0 && len(due) > limit {
			due = due[:limit]
		}
		for _, d := range due {
			d.LeaseUntil = now.Add(lease)
			c := *d
			out = append(out, &c)
		}
		return nil
	})
	return out, err
}

func (o stateOutbox) set(ctx context.Context, key string, fn func(d *route.Delivery) error) error {
	return o.update(ctx, func(rows map[string]*route.Delivery) error {
		d, ok := rows[key]
		if !ok {
			return kizuna.Errorf(kizuna.ENOTFOUND, "delivery %s not found", key)
		}
		return fn(d)
	})
}

// Delivered records a success.
func (o stateOutbox) Delivered(ctx context.Context, key string, at time.Time) error {
	return o.set(ctx, key, func(d *route.Delivery) error {
		d.State, d.DeliveredAt, d.LeaseUntil, d.LastError = route.DeliveryDelivered, at, time.Time{}, ""
		return nil
	})
}

// Retry records a failed attempt.
func (o stateOutbox) Retry(ctx context.Context, key string, attempts int, next time.Time, lastErr string) error {
	return o.set(ctx, key, func(d *route.Delivery) error {
		d.Attempts, d.NextAt, d.LeaseUntil, d.LastError = attempts, next, time.Time{}, lastErr
		return nil
	})
}

// Dead moves a delivery to the dead letters.
func (o stateOutbox) Dead(ctx context.Context, key string, attempts int, lastErr string) error {
	return o.set(ctx, key, func(d *route.Delivery) error {
		d.State, d.Attempts, d.LeaseUntil, d.LastError = route.DeliveryDead, attempts, time.Time{}, lastErr
		return nil
	})
}

// DeadLetters lists the dead deliveries by key.
func (o stateOutbox) DeadLetters(ctx context.Context) ([]*route.Delivery, error) {
	rows, err := o.read(ctx)
	if err != nil {
		return nil, err
	}
	var out []*route.Delivery
	for _, d := range rows {
		if d.State == route.DeliveryDead {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *route.Delivery) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Requeue makes a dead delivery pending again.
func (o stateOutbox) Requeue(ctx context.Context, key string, at time.Time) error {
	return o.set(ctx, key, func(d *route.Delivery) error {
		if d.State != route.DeliveryDead {
			return kizuna.Errorf(kizuna.ECONFLICT, "delivery %s is %s, not dead", key, d.State)
		}
		d.State, d.Attempts, d.NextAt, d.LeaseUntil = route.DeliveryPending, 0, at, time.Time{}
		return nil
	})
}
