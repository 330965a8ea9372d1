// Package pairwise matches defensive actions across two nodes under a
// deconfliction agreement without revealing them: a hit/no-hit exchange of
// keyed hashes (HMAC-SHA-256 under the agreement's pairwise key) of the
// normalised target keys of an action, bucketed by time and tagged with
// the classes of action its rules say conflict with it.
//
// The initiator (the node where an action is registered) sends a Query of
// tokens; the responder looks them up in an Index of its own actions and
// returns an Answer, sealed under the agreement's key; the initiator
// sends back a Confirm, also sealed, naming the rules that fired. Each side
// then notifies its owner. Every function is pure: the node carries the
// messages over its peer connection and keeps the state they return.
//
// What each party learns, and what a third party learns, is set out in
// docs/deconfliction.md ("Leakage").
package pairwise

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

// Version is the protocol version messages carry.
const Version = 1

// Agreement is a deconfliction agreement between two nodes, as each of
// them configures it. The key is secret (kept 0600 in the data
// directory); both sides hold the same.
type Agreement struct {
	ID      string    // agreed name, the same on both sides
	Nations [2]string // the two parties' nations
	Key     []byte    // 32 bytes, the pairwise key of this epoch
	Epoch   int       // raised when the key is replaced
	// Bucket is the time granularity: two windows overlap when they touch
	// the same bucket (UTC, counted from the Unix epoch).
	Bucket time.Duration
	// Rules is the digest of the conflict rules both sides use.
	Rules string
}

// Check validates an agreement.
func (ag *Agreement) Check() error {
	switch {
	case ag.ID == "":
		return kizuna.Errorf(kizuna.EINVALID, "agreement: no id")
	case len(ag.Key) != 32:
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: the key must be 32 bytes, not %d", ag.ID, len(ag.Key))
	case ag.Bucket < time.Hour || ag.Bucket > 7*24*time.Hour:
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: the time bucket must be from 1 hour to 7 days, not %s", ag.ID, ag.Bucket)
	case ag.Rules == "":
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: no rules digest", ag.ID)
	}
	return nil
}

// Other returns the nation of the party that is not self.
func (ag *Agreement) Other(self string) string {
	if ag.Nations[0] == self {
		return ag.Nations[1]
	}
	return ag.Nations[0]
}

func (ag *Agreement) sameNation() bool { return ag.Nations[0] == ag.Nations[1] }

// DeriveKey derives an agreement's pairwise key from this node's X25519
// deconfliction key and the peer's public key, pinned with the peer: both
// sides derive the same key, and no one else can.
func DeriveKey(priv *ecdh.PrivateKey, peer *ecdh.PublicKey, agreementID string, epoch int) ([]byte, error) {
	shared, err := priv.ECDH(peer)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "agreement %s: %v", agreementID, err)
	}
	return hkdf.Key(sha256.New, shared, []byte("kizuna deconfliction"), agreementID+"\x00"+strconv.Itoa(epoch), 32)
}

// subkey derives the key of one use from the agreement key.
func (ag *Agreement) subkey(use string) []byte {
	m := hmac.New(sha256.New, ag.Key)
	m.Write([]byte("kizuna-deconflict/1\x00" + use))
	return m.Sum(nil)
}

// buckets returns the time buckets a window [start, end) touches.
func (ag *Agreement) buckets(start, end time.Time) ([]int64, error) {
	w := int64(ag.Bucket / time.Second)
	first := floorDiv(start.Unix(), w)
	last := floorDiv(end.Add(-time.Nanosecond).Unix(), w)
	if last < first {
		return nil, fmt.Errorf("the window ends before it starts")
	}
	if n := last - first + 1; n > int64(deconflict.MaxWindow/ag.Bucket)+1 {
		return nil, fmt.Errorf("the window spans %d buckets, more than the agreement allows", n)
	}
	var out []int64
	for b := first; b <= last; b++ {
		out = append(out, b)
	}
	return out, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// eligible reports whether an action of this side takes part in the
// exchange with the other party: its state is matched and its owner
// allows deconfliction with that nation.
func eligible(a *kizuna.DefensiveAction, other string) bool {
	return slices.Contains(deconflict.Matched, a.State) && slices.Contains(a.DeconflictWith, other)
}
