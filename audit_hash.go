package kizuna

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditTimeFormat is the form of AuditEvent.Time inside the audit hash:
// RFC 3339 in UTC with exactly six fractional digits, the precision the
// stores keep.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

// ComputeHash returns the hash that chains e to the entry before it: the hex
// SHA-256 of these fields, in this order, each written as its length in
// bytes (decimal), a colon, the bytes themselves and a comma:
//
//	PrevHash, Seq (decimal), Time (AuditTimeFormat, UTC), Principal,
//	Action, Object, Decision, Reason
//
// Length prefixes make the encoding unambiguous whatever the fields contain,
// so that no two different entries hash the same input. The first entry of
// a log has PrevHash "".
func (e *AuditEvent) ComputeHash() string {
	buf := make([]byte, 0, 256)
	buf = appendFields(buf,
		e.PrevHash,
		strconv.FormatInt(e.Seq, 10),
		formatAuditTime(e.Time),
		e.Principal,
		e.Action,
		e.Object,
		e.Decision,
		e.Reason,
	)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// appendFields appends each field to out as its length in bytes (decimal),
// a colon, the bytes themselves and a comma: an encoding no two different
// lists of fields share.
func appendFields(out []byte, fields ...string) []byte {
	for _, f := range fields {
		out = strconv.AppendInt(out, int64(len(f)), 10)
		out = append(out, ':')
		out = append(out, f...)
		out = append(out, ',')
	}
	return out
}

// formatAuditTime writes t as the audit log keeps times.
func formatAuditTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(AuditTimeFormat)
}
