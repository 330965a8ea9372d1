package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/node"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	const usage = "Usage: kizuna audit verify [--data DIR] [--peers]"
	if handled, err := groupUsage(e, args, usage+"\n\nRun 'kizuna audit verify -h' for its flags."); handled {
		return err
	}
	if args[0] != "verify" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna audit: unknown subcommand %q (want verify)", args[0])}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, usage)
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	askPeers := fs.Bool("peers", false, "also ask every kizuna peer which heads of this log it witnessed, and check them")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: usage}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	return verifyAudit(ctx, e.stdout, n, *askPeers, node.DialWitness)
}

// verifyAudit checks the log's chain, then the log against every head
// signed or witnessed of it: the node's signed heads, the receipts of its
// witnesses and, with askPeers, what each kizuna peer says it witnessed.
func verifyAudit(ctx context.Context, out io.Writer, n *cliNode, askPeers bool, dial func(*federation.PeerConfig) (federation.WitnessPeer, error)) error {
	count, err := kizuna.VerifyAuditChain(ctx, n.Store)
	if err != nil {
		return &exitError{code: 1, msg: "audit verify: " + err.Error()}
	}
	fmt.Fprintf(out, "hash chain intact: %d entries, each chained to the one before\n", count)
	keys, peers, err := n.Peering(ctx)
	if err != nil {
		return err
	}
	c := &headCheck{log: n.Store, node: n.Identity.ID, pub: keys.Signing.Public().(ed25519.PublicKey), peers: peers, out: out, end: count}
	if err := c.signedHeads(ctx); err != nil {
		return err
	}
	if err := c.receipts(ctx); err != nil {
		return err
	}
	if askPeers {
		c.askPeers(ctx, dial)
	}
	if c.problems > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("audit verify: FAILED: %d problem(s) listed above; the log does not match what was signed or witnessed of it", c.problems)}
	}
	fmt.Fprintln(out, "audit log consistent with every signed and witnessed head checked")
	return nil
}
