package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
)

// maxProblemsShown bounds the problems printed for each source of heads;
// the rest are counted.
const maxProblemsShown = 10

// headCheck compares the audit log with the heads that were signed or
// witnessed of it. A head commits to every entry up to its seq, so a log
// that disagrees with any head at its seq, or ends before it, was
// rewritten or truncated after the head was made.
type headCheck struct {
	log   federation.HeadLog
	node  string
	pub   ed25519.PublicKey
	peers *federation.Peers
	out   io.Writer
	end   int64 // the log's last entry, as the chain check found it

	problems int
}

// problem records and prints one problem of a source, up to
// maxProblemsShown per source (*shown counts them).
func (c *headCheck) problem(shown *int, format string, args ...any) {
	c.problems++
	*shown++
	if *shown <= maxProblemsShown {
		fmt.Fprintf(c.out, "FAIL: "+format+"\n", args...)
	}
}

// moreProblems prints how many problems of a source were not printed.
func (c *headCheck) moreProblems(shown int, source string) {
	if shown > maxProblemsShown {
		fmt.Fprintf(c.out, "FAIL: %d more problems with %s\n", shown-maxProblemsShown, source)
	}
}

// against checks heads stated by source (each with a description for
// messages) against the log: the head must carry this node's signature and
// the log must hold its entry with its hash.
func (c *headCheck) against(ctx context.Context, source string, heads []*kizuna.AuditHead, shown *int) error {
	seqs := make([]int64, len(heads))
	for i, h := range heads {
		seqs[i] = h.Seq
	}
	hashes, err := c.log.AuditHashes(ctx, seqs)
	if err != nil {
		return err
	}
	for _, h := range heads {
		when := h.Time.Format(time.RFC3339)
		switch got, ok := hashes[h.Seq]; {
		case h.Node != c.node || !federation.CheckAuditHead(h, c.pub):
			c.problem(shown, "%s: the head at entry %d (signed %s) is not this node's key's signature", source, h.Seq, when)
		case !ok && h.Seq > c.end:
			c.problem(shown, "%s: the head signed %s covers entry %d, but the log ends at entry %d: entries were removed", source, when, h.Seq, c.end)
		case !ok:
			c.problem(shown, "%s: the head signed %s covers entry %d, which the log lacks", source, when, h.Seq)
		case got != h.Hash:
			c.problem(shown, "%s: entry %d hashes to %s, but was signed as %s at %s: the log was rewritten", source, h.Seq, got, h.Hash, when)
		}
	}
	return nil
}

// signedHeads checks the node's own signed heads and prints the last.
func (c *headCheck) signedHeads(ctx context.Context) error {
	var after, count int64
	var last *kizuna.AuditHead
	shown := 0
	for {
		heads, err := c.log.FindAuditHeads(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(heads) == 0 {
			break
		}
		if err := c.against(ctx, "signed head", heads, &shown); err != nil {
			return err
		}
		count += int64(len(heads))
		last, after = heads[len(heads)-1], heads[len(heads)-1].Seq
	}
	c.moreProblems(shown, "signed heads")
	if last == nil {
		fmt.Fprintln(c.out, "signed heads: none (a serving node signs its head; nothing proves the log's extent)")
		return nil
	}
	fmt.Fprintf(c.out, "signed heads: %d; the last covers entry %d, signed %s", count, last.Seq, last.Time.Format(time.RFC3339))
	if c.end > last.Seq {
		fmt.Fprintf(c.out, "; %d later entries are not signed yet", c.end-last.Seq)
	}
	fmt.Fprintln(c.out)
	return nil
}

// receipts checks the receipts the node's witnesses returned and prints
// the last witnessed head of each.
func (c *headCheck) receipts(ctx context.Context) error {
	var after int64
	shown := 0
	last := map[string]*kizuna.AuditReceipt{}
	var order []string
	for {
		rs, err := c.log.FindAuditReceipts(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			break
		}
		heads := make([]*kizuna.AuditHead, len(rs))
		for i, r := range rs {
			heads[i] = &r.Head
			pc := c.peers.FindNode(r.Witness)
			if pc != nil {
				pub, err := federation.ParsePublicKey(pc.PublicKey)
				if err != nil || !federation.CheckAuditReceipt(r, pub) {
					c.problem(&shown, "receipt of entry %d from peer %q does not verify with its pinned key", r.Head.Seq, pc.Name)
				}
			}
			if last[r.Witness] == nil {
				order = append(order, r.Witness)
			}
			last[r.Witness] = r
		}
		if err := c.against(ctx, "receipt", heads, &shown); err != nil {
			return err
		}
		after = rs[len(rs)-1].Head.Seq
	}
	c.moreProblems(shown, "receipts")
	if len(order) == 0 {
		fmt.Fprintln(c.out, "witnessed: no receipt from a peer (none peered, reachable, or kept)")
	}
	for _, w := range order {
		r := last[w]
		name := "a node no longer peered, receipt not checked"
		if pc := c.peers.FindNode(w); pc != nil {
			name = "peer " + pc.Name
		}
		fmt.Fprintf(c.out, "last witnessed head: entry %d, by %s (%s), witnessed %s\n", r.Head.Seq, w, name, r.Time.Format(time.RFC3339))
	}
	return nil
}

// askPeers asks every kizuna peer what it witnessed of this node's log and
// checks it: receipts deleted here do not hide what the peers hold.
func (c *headCheck) askPeers(ctx context.Context, dial func(pc *federation.PeerConfig) (federation.WitnessPeer, error)) {
	for _, pc := range c.peers.Peers {
		if pc.Plain {
			continue
		}
		source := fmt.Sprintf("peer %q", pc.Name)
		shown := 0
		if err := c.askPeer(ctx, pc, source, dial, &shown); err != nil {
			c.problem(&shown, "%s could not be asked what it witnessed: %s", source, errorText(err))
		}
		c.moreProblems(shown, source)
	}
}

func (c *headCheck) askPeer(ctx context.Context, pc *federation.PeerConfig, source string, dial func(pc *federation.PeerConfig) (federation.WitnessPeer, error), shown *int) error {
	peer, err := dial(pc)
	if err != nil {
		return err
	}
	var after, count int64
	var last *kizuna.WitnessedHead
	for {
		page, err := peer.WitnessedAuditHeads(ctx, after, 1000)
		if err != nil {
			return err
		}
		if after == 0 {
			for _, a := range page.Alarms {
				if a.Kind == kizuna.WitnessFork {
					c.problem(shown, "%s raised a fork alarm at %s: it had witnessed entry %d as %s, then this node sent it %s",
						source, a.Time.Format(time.RFC3339), a.Earlier.Seq, a.Earlier.Hash, a.Head.Hash)
				} else {
					c.problem(shown, "%s raised a %s alarm at %s: it had witnessed entry %d, then this node sent it a head of entry %d",
						source, a.Kind, a.Time.Format(time.RFC3339), a.Earlier.Seq, a.Head.Seq)
				}
			}
		}
		heads := make([]*kizuna.AuditHead, len(page.Heads))
		for i, h := range page.Heads {
			heads[i] = &h.AuditHead
		}
		if err := c.against(ctx, source, heads, shown); err != nil {
			return err
		}
		count += int64(len(heads))
		if len(page.Heads) > 0 {
			last, after = page.Heads[len(page.Heads)-1], page.Heads[len(page.Heads)-1].Seq
		}
		if !page.More || len(page.Heads) == 0 {
			break
		}
	}
	if last == nil {
		fmt.Fprintf(c.out, "%s: witnessed no head of this log\n", source)
		return nil
	}
	fmt.Fprintf(c.out, "%s: witnessed %d heads of this log; the last covers entry %d, signed %s, witnessed %s\n",
		source, count, last.Seq, last.Time.Format(time.RFC3339), last.WitnessedAt.Format(time.RFC3339))
	return nil
}
