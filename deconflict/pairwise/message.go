package pairwise

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

// Tokens is a sorted list of 64-bit tokens, written as the base64 of
// their big-endian bytes.
type Tokens []uint64

// MarshalJSON writes the tokens as base64.
func (t Tokens) MarshalJSON() ([]byte, error) {
	b := make([]byte, 8*len(t))
	for i, x := range t {
		binary.BigEndian.PutUint64(b[8*i:], x)
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

// UnmarshalJSON reads base64 tokens.
func (t *Tokens) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("must be a base64 string of 8-byte tokens")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%8 != 0 {
		return fmt.Errorf("must be a base64 string of 8-byte tokens")
	}
	out := make(Tokens, len(b)/8)
	for i := range out {
		out[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	*t = out
	return nil
}

// Query asks the other party whether any of its actions meets an action
// of the sender. It carries only tokens: the action's targets, window,
// kind and owner are not in it.
type Query struct {
	V         int    `json:"v"`
	Agreement string `json:"agreement"`
	Epoch     int    `json:"epoch"`
	Rules     string `json:"rules"`
	ID        string `json:"id"`
	// Exact are the tokens of the action's exact target keys, Up those of
	// the keys that only contain them; both padded with random tokens to
	// a power of two.
	Exact Tokens `json:"exact"`
	Up    Tokens `json:"up"`
}

// Answer is the responder's reply: its hits, sealed so that only the
// initiator can read them, padded so that its size does not tell how
// many there are.
type Answer struct {
	V         int    `json:"v"`
	Agreement string `json:"agreement"`
	Query     string `json:"query"`
	Sealed    []byte `json:"sealed"`
}

// Confirm is the initiator's reply to an answer: the rules that fired for
// each hit and its own action's owner, kind, category and window, sealed.
// It is sent after every answer, hit or not.
type Confirm struct {
	V         int    `json:"v"`
	Agreement string `json:"agreement"`
	Query     string `json:"query"`
	Sealed    []byte `json:"sealed"`
}

// Hit is one of the responder's actions that a query met.
type Hit struct {
	Handle       string    `json:"handle"`  // opaque, for this query only
	Matched      Tokens    `json:"matched"` // the query tokens it met
	Nation       string    `json:"nation"`
	Organization string    `json:"organization"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
}

// Confirmed is the initiator's account of one hit.
type Confirmed struct {
	Handle       string    `json:"handle"`
	Rules        []string  `json:"rules"`
	Nation       string    `json:"nation"`
	Organization string    `json:"organization"`
	Kind         string    `json:"kind"`
	Category     int       `json:"category"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Overlap      []int64   `json:"buckets"`
}

// padBlock is the size to which sealed contents are padded.
const padBlock = 1024

var queryIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// seal encrypts v for the other party: AES-256-GCM under a key derived
// from the agreement key, bound to the agreement, the query and the
// message kind, padded to a multiple of padBlock.
func seal(ag *Agreement, kind, query string, v any, nonce []byte) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	n := (len(plain) + 1 + padBlock - 1) / padBlock * padBlock
	padded := make([]byte, n)
	copy(padded, plain)
	for i := len(plain); i < n; i++ {
		padded[i] = ' '
	}
	aead, err := gcm(ag)
	if err != nil {
		return nil, err
	}
	return aead.Seal(slices.Clone(nonce), nonce, padded, []byte(ag.ID+"\x00"+kind+"\x00"+query)), nil
}

func open(ag *Agreement, kind, query string, sealed []byte, v any) error {
	aead, err := gcm(ag)
	if err != nil {
		return err
	}
	if len(sealed) < aead.NonceSize() {
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: %s %s: the sealed content is too short", ag.ID, kind, query)
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(ag.ID+"\x00"+kind+"\x00"+query))
	if err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: %s %s: the sealed content does not open with the agreement key", ag.ID, kind, query)
	}
	if err := strictjson.Decode(trimPad(plain), kind, v); err != nil {
		return kizuna.WrapError(kizuna.EINVALID, err, "agreement %s: %v", ag.ID, err)
	}
	return nil
}

func trimPad(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

func gcm(ag *Agreement) (cipher.AEAD, error) {
	block, err := aes.NewCipher(ag.subkey("seal"))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParseQuery reads a query received under the agreement and checks it.
func ParseQuery(ag *Agreement, data []byte) (*Query, error) {
	var q Query
	if err := strictjson.Decode(data, "query", &q); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return &q, checkHeader(ag, q.V, q.Agreement, q.ID, func() error {
		switch {
		case q.Epoch != ag.Epoch:
			return fmt.Errorf("key epoch %d, not the agreement's %d", q.Epoch, ag.Epoch)
		case q.Rules != ag.Rules:
			return fmt.Errorf("the sender matches under other rules (%.12s…, here %.12s…)", q.Rules, ag.Rules)
		case len(q.Exact)+len(q.Up) > maxTokens:
			return fmt.Errorf("%d tokens, more than %d", len(q.Exact)+len(q.Up), maxTokens)
		case !slices.IsSorted(q.Exact) || !slices.IsSorted(q.Up):
			return fmt.Errorf("tokens must be sorted")
		}
		return nil
	})
}

// ParseAnswer reads an answer received under the agreement.
func ParseAnswer(ag *Agreement, data []byte) (*Answer, error) {
	var a Answer
	if err := strictjson.Decode(data, "answer", &a); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return &a, checkHeader(ag, a.V, a.Agreement, a.Query, nil)
}

// ParseConfirm reads a confirm received under the agreement.
func ParseConfirm(ag *Agreement, data []byte) (*Confirm, error) {
	var c Confirm
	if err := strictjson.Decode(data, "confirm", &c); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return &c, checkHeader(ag, c.V, c.Agreement, c.Query, nil)
}

// maxTokens bounds a query: an action of a few dozen targets over the
// longest window stays below it.
const maxTokens = 1 << 20

func checkHeader(ag *Agreement, v int, agreement, id string, more func() error) error {
	var err error
	switch {
	case v != Version:
		err = fmt.Errorf("protocol version %d, not %d", v, Version)
	case agreement != ag.ID:
		err = fmt.Errorf("agreement %q, not %q", agreement, ag.ID)
	case !queryIDRE.MatchString(id):
		err = fmt.Errorf("query id %q is not 32 hex digits", id)
	case more != nil:
		err = more()
	}
	if err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "agreement %s: %v", ag.ID, err)
	}
	return nil
}
