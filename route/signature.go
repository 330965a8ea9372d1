package route

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Headers of a webhook request.
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" under the endpoint's secret>".
	HeaderSignature = "Kizuna-Signature"
	// HeaderIdempotencyKey carries the delivery's key: the same for every
	// attempt of one notice to one endpoint.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderEvent names the kind of message ("sector.notice").
	HeaderEvent = "Kizuna-Event"
)

// Sign returns the signature header value of body at time t: HMAC-SHA256
// over the timestamp and the body, so that a receiver can check both the
// sender and the freshness (a replayed request carries an old timestamp).
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signature header against the body: a v1
// signature must match under the secret (compared in constant time) and
// its timestamp be within tolerance of now. Receivers use it. Errors:
// EUNAUTHORIZED.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return kizuna.Errorf(kizuna.EUNAUTHORIZED, "the signature header lacks a timestamp or a v1 signature")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return kizuna.Errorf(kizuna.EUNAUTHORIZED, "the signature's timestamp is outside the tolerance of %s", tolerance)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return kizuna.Errorf(kizuna.EUNAUTHORIZED, "no signature matches the body")
}
