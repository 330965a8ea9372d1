package kizuna

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// TokenPrefix starts every token the node issues, so that a leaked token is
// easy to recognise in logs and scanners.
const TokenPrefix = "kzn_"

// NewToken returns a fresh random bearer token (256 bits of entropy).
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand documents a panic-free Read since Go 1.24)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the hash under which a token is stored. Tokens carry 256
// bits of entropy, so a single SHA-256 resists guessing; a slow password hash
// would only make every request slower.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
