package kizuna

import (
	"context"
	"strconv"
	"time"
)

// AuditHead is a node's signed statement that its audit log held, when it
// signed, the entry Seq with hash Hash as its last entry. Because each
// entry's hash covers the one before, the head commits to the whole log up
// to Seq: a log that later disagrees with it at Seq, or ends before Seq,
// was rewritten or truncated.
type AuditHead struct {
	Node string    `json:"node"` // identity id of the node whose log it is
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"` // when it was signed
	Key  string    `json:"key"`  // id of the signing key
	Sig  string    `json:"sig"`  // base64 Ed25519 signature of SignedBytes
}

// SignedBytes returns what a head's signature covers: a context string, so
// that the signature means nothing in another protocol, then Node, Seq,
// Hash and Time (AuditTimeFormat), each length-prefixed as in ComputeHash.
func (h *AuditHead) SignedBytes() []byte {
	return signedFields("kizuna audit head v1", h.Node, strconv.FormatInt(h.Seq, 10), h.Hash, formatAuditTime(h.Time))
}

// Same reports whether h and o state the same head, signature included.
func (h *AuditHead) Same(o *AuditHead) bool {
	return h.Node == o.Node && h.Seq == o.Seq && h.Hash == o.Hash && h.Time.Equal(o.Time) && h.Key == o.Key && h.Sig == o.Sig
}

// AuditReceipt is a witness node's countersignature of another node's
// signed head: the witness checked the head's signature with its pinned key
// and found it consistent with every head of that node it had witnessed.
type AuditReceipt struct {
	Head    AuditHead `json:"head"`
	Witness string    `json:"witness"` // identity id of the witnessing node
	Time    time.Time `json:"time"`    // when the witness first recorded the head
	Key     string    `json:"key"`     // id of the witness's signing key
	Sig     string    `json:"sig"`     // base64 Ed25519 signature of SignedBytes
}

// SignedBytes returns what a receipt's signature covers: a context string,
// the witness, the time and the head with its signature.
func (r *AuditReceipt) SignedBytes() []byte {
	return signedFields("kizuna audit receipt v1", r.Witness, formatAuditTime(r.Time),
		string(r.Head.SignedBytes()), r.Head.Key, r.Head.Sig)
}

// WitnessedHead is a peer's signed head as this node witnessed it.
type WitnessedHead struct {
	AuditHead
	Peer        string    `json:"peer"`         // the peering agreement it came through
	WitnessedAt time.Time `json:"witnessed_at"` // when this node first recorded it
}

// Kinds of WitnessAlarm.
const (
	// WitnessFork: a head with the Seq of a witnessed head and another Hash.
	WitnessFork = "fork"
	// WitnessRollback: a head below the highest witnessed Seq, at a Seq
	// never witnessed: the log lost entries its witnesses had seen.
	WitnessRollback = "rollback"
)

// WitnessAlarm records a signed head inconsistent with one witnessed
// earlier. Both heads carry the origin node's signature, so the alarm is
// evidence that the node stated two histories.
type WitnessAlarm struct {
	Kind    string    `json:"kind"` // WitnessFork or WitnessRollback
	Peer    string    `json:"peer"`
	Head    AuditHead `json:"head"`    // the head refused
	Earlier AuditHead `json:"earlier"` // the witnessed head it contradicts
	Time    time.Time `json:"time"`    // when this node recorded the alarm
}

// WitnessedHeads is a page of what a witness holds of one node's log.
type WitnessedHeads struct {
	Heads  []*WitnessedHead `json:"heads"`
	More   bool             `json:"more"`
	Alarms []*WitnessAlarm  `json:"alarms"` // the most recent first
}

// AuditHeadStore keeps, beside the audit log, the signed heads of the
// node's own log and the receipts its witnesses returned for them.
type AuditHeadStore interface {
	// AuditChainHead returns the Seq and Hash of the log's last entry (0
	// and "" for an empty log).
	AuditChainHead(ctx context.Context) (seq int64, hash string, err error)
	// AuditHashes returns the hash of each entry of seqs the log holds;
	// entries it lacks are absent from the map.
	AuditHashes(ctx context.Context, seqs []int64) (map[int64]string, error)
	// AddAuditHead stores a signed head; one equal to a stored head (same
	// Seq and Hash) is not stored again.
	AddAuditHead(ctx context.Context, h *AuditHead) error
	// LastAuditHead returns the head stored last (ENOTFOUND: none).
	LastAuditHead(ctx context.Context) (*AuditHead, error)
	// FindAuditHeads returns heads with Seq > afterSeq by Seq, about limit
	// of them: every head at the Seq of the last one returned is included,
	// so that paging on by that Seq misses none.
	FindAuditHeads(ctx context.Context, afterSeq int64, limit int) ([]*AuditHead, error)
	// AddAuditReceipt stores a receipt; one equal to a stored receipt (same
	// witness, Seq and Hash) is not stored again.
	AddAuditReceipt(ctx context.Context, r *AuditReceipt) error
	// FindAuditReceipts pages receipts by Head.Seq as FindAuditHeads does.
	FindAuditReceipts(ctx context.Context, afterSeq int64, limit int) ([]*AuditReceipt, error)
	// LastAuditReceipts returns each witness's receipt of the highest Seq.
	LastAuditReceipts(ctx context.Context) ([]*AuditReceipt, error)
}

// WitnessStore keeps the signed heads of peers' logs this node witnessed,
// and the alarms raised by heads inconsistent with them.
type WitnessStore interface {
	// AddWitnessedHead stores a witnessed head. An equal head (same Node,
	// Seq and Hash) is not stored again; one with the Node and Seq of a
	// stored head and another Hash is ECONFLICT.
	AddWitnessedHead(ctx context.Context, w *WitnessedHead) error
	// FindWitnessedHeads returns up to limit heads of node with Seq >
	// afterSeq, by Seq.
	FindWitnessedHeads(ctx context.Context, node string, afterSeq int64, limit int) ([]*WitnessedHead, error)
	// LastWitnessedHead returns the head of node with the highest Seq
	// (ENOTFOUND: none).
	LastWitnessedHead(ctx context.Context, node string) (*WitnessedHead, error)
	// AddWitnessAlarm stores an alarm; one for the same node, kind and head
	// is not stored again.
	AddWitnessAlarm(ctx context.Context, a *WitnessAlarm) error
	// FindWitnessAlarms returns up to limit alarms about node ("": every
	// node), the most recent first.
	FindWitnessAlarms(ctx context.Context, node string, limit int) ([]*WitnessAlarm, error)
}

// AuditWitness is what a node offers its peers for their audit logs.
type AuditWitness interface {
	// WitnessAuditHead checks a signed head of the calling peer's log and
	// returns this node's receipt. EFORBIDDEN: the caller is not a kizuna
	// peer, or the head names another node or does not verify with the
	// peer's pinned key; EINVALID: a malformed head; ECONFLICT: the head
	// contradicts one witnessed earlier (recorded as a WitnessAlarm).
	WitnessAuditHead(ctx context.Context, h *AuditHead) (*AuditReceipt, error)
	// WitnessedAuditHeads returns the heads of the calling peer's log this
	// node witnessed, with Seq > afterSeq, and the alarms about it.
	WitnessedAuditHeads(ctx context.Context, afterSeq int64, limit int) (*WitnessedHeads, error)
}

// signedFields encodes a context string and fields for a signature: the
// context, a zero byte, then the fields as appendFields writes them.
func signedFields(context string, fields ...string) []byte {
	return appendFields(append([]byte(context), 0), fields...)
}
