package federation

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Defaults of HeadSignerConfig.
const (
	DefaultSignEvery    = 1000
	DefaultSignInterval = time.Minute
)

// HeadLog is the audit log with its signed heads.
type HeadLog interface {
	kizuna.AuditStore
	kizuna.AuditHeadStore
}

// HeadSignerConfig wires a HeadSigner.
type HeadSignerConfig struct {
	Node string // this node's identity id
	Key  ed25519.PrivateKey
	Log  HeadLog
	// Every is how many entries may follow the last signed head before the
	// next is signed (default DefaultSignEvery); Interval is how long a
	// new entry may stay unsigned (default DefaultSignInterval).
	Every    int64
	Interval time.Duration
	Logger   *slog.Logger
	// OnSigned, when set, is called with each head signed.
	OnSigned func(h *kizuna.AuditHead)
	// Now returns the time (default time.Now); tests replace it.
	Now func() time.Time
}

// HeadSigner signs the head of the node's audit log with the node key and
// stores the signed head beside the log: when Every entries followed the
// last signed head, when an entry has waited Interval, and when asked
// (at a clean shutdown). Before signing, it checks the log against the
// head it signed last; a log that no longer holds that head was rewritten
// or truncated, which it logs, counts and records in the log, and it signs
// the log as it now is, so that the node's witnesses see the contradiction.
type HeadSigner struct {
	cfg  HeadSignerConfig
	wake chan struct{}
	// signedSeq is the seq of the last signed head, for Appended.
	signedSeq atomic.Int64

	mu   sync.Mutex // serialises Sign
	last *kizuna.AuditHead

	// Signed counts heads signed; Divergences counts logs found to
	// disagree with the head signed before.
	Signed, Divergences atomic.Int64
}

// NewHeadSigner returns a signer; Run runs it.
func NewHeadSigner(cfg HeadSignerConfig) *HeadSigner {
	if cfg.Every <= 0 {
		cfg.Every = DefaultSignEvery
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultSignInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &HeadSigner{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Appended learns that the log's last entry is now seq, and wakes the
// signer when Every entries followed the last signed head. It never
// blocks: the store calls it after each append.
func (s *HeadSigner) Appended(seq int64) {
	if seq-s.signedSeq.Load() >= s.cfg.Every {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// Run signs at once, then whenever Appended or the interval asks, until
// ctx ends. A failure is logged and retried at the next occasion.
func (s *HeadSigner) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.Sign(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("audit: the log's head was not signed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Last returns the head signed last (nil before the first), as known to
// this signer.
func (s *HeadSigner) Last() *kizuna.AuditHead {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Reload makes the next Sign read the last signed head from the store
// again: another instance of the node, sharing the store, may have signed
// heads since this signer last did.
func (s *HeadSigner) Reload() {
	s.mu.Lock()
	s.last = nil
	s.mu.Unlock()
}

// Sign signs the log's head unless the last signed head is that head
// already, and returns the last signed head (nil for an empty log).
func (s *HeadSigner) Sign(ctx context.Context) (*kizuna.AuditHead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		last, err := s.cfg.Log.LastAuditHead(ctx)
		if err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			return nil, err
		}
		s.last = last
		if last != nil {
			s.signedSeq.Store(last.Seq)
		}
	}
	seq, hash, err := s.cfg.Log.AuditChainHead(ctx)
	if err != nil {
		return nil, err
	}
	if seq == 0 || (s.last != nil && s.last.Seq == seq && s.last.Hash == hash) {
		return s.last, nil
	}
	if s.last != nil {
		diverged, err := s.diverged(ctx, seq)
		if err != nil {
			return nil, err
		}
		if diverged != "" {
			s.Divergences.Add(1)
			s.cfg.Logger.Error("audit: the log contradicts its last signed head: entries were removed or rewritten; run 'kizuna audit verify'",
				"signed_seq", s.last.Seq, "signed_at", s.last.Time, "problem", diverged)
			e := &kizuna.AuditEvent{Action: "audit.divergence", Decision: "deny", Object: fmt.Sprint(s.last.Seq), Reason: diverged}
			if err := s.cfg.Log.AppendAudit(ctx, e); err != nil {
				return nil, err
			}
			seq, hash = e.Seq, e.Hash
		}
	}
	h := &kizuna.AuditHead{Node: s.cfg.Node, Seq: seq, Hash: hash, Time: s.cfg.Now().UTC().Truncate(time.Microsecond)}
	SignAuditHead(h, s.cfg.Key)
	if err := s.cfg.Log.AddAuditHead(ctx, h); err != nil {
		return nil, err
	}
	s.last = h
	s.signedSeq.Store(h.Seq)
	s.Signed.Add(1)
	if s.cfg.OnSigned != nil {
		s.cfg.OnSigned(h)
	}
	return h, nil
}

// diverged says how the log, whose last entry is seq, contradicts the last
// signed head ("" when it holds it).
func (s *HeadSigner) diverged(ctx context.Context, seq int64) (string, error) {
	if seq < s.last.Seq {
		return fmt.Sprintf("the log ends at entry %d, before entry %d of the head signed at %s", seq, s.last.Seq, s.last.Time.Format(time.RFC3339)), nil
	}
	hashes, err := s.cfg.Log.AuditHashes(ctx, []int64{s.last.Seq})
	if err != nil {
		return "", err
	}
	if got := hashes[s.last.Seq]; got != s.last.Hash {
		return fmt.Sprintf("entry %d hashes to %s, not to %s as signed at %s", s.last.Seq, got, s.last.Hash, s.last.Time.Format(time.RFC3339)), nil
	}
	return "", nil
}
