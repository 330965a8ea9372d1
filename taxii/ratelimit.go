package taxii

import (
	"strconv"
	"sync"
	"time"
)

// rateLimiter keeps one token bucket per key: per principal for requests
// (the node's registered principals, so the map is bounded by their
// number), per client address for failed authentications (bounded by
// maxKeys).
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time
	// maxKeys bounds the number of buckets (0: unbounded). Past it, full
	// buckets (keys idle long enough to have regained every token) are
	// dropped, at most once a second; if none is, every new key is
	// refused until one is: fail closed.
	maxKeys int
	pruned  time.Time // when prune last ran

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token from the key's bucket. When none is left it reports
// how long until one is.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	return l.check(key, true)
}

// blocked reports whether the key's bucket is empty, and how long until it
// holds a token again, without taking one.
func (l *rateLimiter) blocked(key string) (bool, time.Duration) {
	ok, wait := l.check(key, false)
	return !ok, wait
}

// check reports whether the key's bucket holds a token, taking it if take.
// A key without a bucket has a full one, made only when a token is taken;
// while the map is full, such a key is refused.
func (l *rateLimiter) check(key string, take bool) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if l.full(now) {
			return false, time.Duration(float64(time.Second) / l.rate)
		}
		if !take {
			return true, 0
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false, l.wait(b)
	}
	if take {
		b.tokens--
	}
	return true, 0
}

func (l *rateLimiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
}

func (l *rateLimiter) wait(b *bucket) time.Duration {
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// full reports whether the map holds maxKeys buckets, after dropping those
// that are full again (at most once a second: under a flood of new keys
// the scan would cost more than the requests).
func (l *rateLimiter) full(now time.Time) bool {
	if l.maxKeys <= 0 || len(l.buckets) < l.maxKeys {
		return false
	}
	if now.Sub(l.pruned) >= time.Second || now.Before(l.pruned) {
		l.pruned = now
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	return len(l.buckets) >= l.maxKeys
}

// retryAfter renders a wait as whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(1, secs), 10)
}
