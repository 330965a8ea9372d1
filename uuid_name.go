package kizuna

import (
	"crypto/sha1"
	"fmt"
)

// NameUUID returns the name-based (version 5, RFC 9562) UUID of name in
// the namespace ns: the same name always gives the same UUID, so that ids
// derived from other ids (an exercise's marking, a release record) are the
// same on every node and a repeated derivation is idempotent.
func NameUUID(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
