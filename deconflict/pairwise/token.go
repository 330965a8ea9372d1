package pairwise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strconv"

	"github.com/kizuna-dev/kizuna/deconflict"
)

// tokenizer computes tokens under one agreement, reusing its HMAC.
type tokenizer struct {
	mac    hash.Hash
	prefix []byte
	buf    []byte
	sum    []byte
}

func newTokenizer(ag *Agreement) *tokenizer {
	return &tokenizer{mac: hmac.New(sha256.New, ag.subkey("tokens")),
		prefix: []byte(ag.ID + "\x00" + strconv.Itoa(ag.Epoch) + "\x00")}
}

// token is the keyed hash of a target key, in a time bucket, for actions
// of class c: only an action of class c whose target and time meet the
// key's produces it.
func (t *tokenizer) token(c deconflict.Class, bucket int64, key string) uint64 {
	b := append(t.buf[:0], t.prefix...)
	b = append(b, c.Kind...)
	b = append(b, 0, byte('0'+c.Category), 0)
	b = strconv.AppendInt(b, bucket, 10)
	b = append(b, 0)
	b = append(b, key...)
	t.buf = b
	t.mac.Reset()
	t.mac.Write(b)
	t.sum = t.mac.Sum(t.sum[:0])
	return binary.BigEndian.Uint64(t.sum)
}

// upOnly returns the keys of k.Up that are not exact keys.
func upOnly(k deconflict.Keys) []string {
	exact := map[string]bool{}
	for _, e := range k.Exact {
		exact[e] = true
	}
	var out []string
	for _, u := range k.Up {
		if !exact[u] {
			out = append(out, u)
		}
	}
	return out
}
