// Package uuidv5 derives name-based UUIDs (RFC 9562 version 5), so that an
// object converted or exported twice from the same source gets the same id.
package uuidv5

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
)

// UUID is a UUID's 16 bytes.
type UUID [16]byte

// Parse reads a UUID in its 8-4-4-4-12 hex form.
func Parse(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, errors.New("not a UUID")
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil {
		return u, errors.New("not a UUID")
	}
	copy(u[:], b)
	return u, nil
}

// MustParse is Parse for constants; it panics on error.
func MustParse(s string) UUID {
	u, err := Parse(s)
	if err != nil {
		panic("uuidv5.MustParse(" + s + "): " + err.Error())
	}
	return u
}

// New returns the version 5 UUID of name in namespace ns.
func New(ns UUID, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u UUID
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// String writes the UUID in its 8-4-4-4-12 lower-case hex form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
