package main

import (
	"context"
	"flag"
	"fmt"
)

func runPeerRemove(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("peer remove", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna peer remove --name NAME [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the peer to remove (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" {
		return &exitError{code: 2, msg: "peer remove: --name is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.RemovePeer(ctx, *name); err != nil {
		return fmt.Errorf("peer remove: %s", errorText(err))
	}
	fmt.Fprintf(e.stderr, "peer %q removed and its principal revoked\n", *name)
	return nil
}

// runPeerSetToken sets the credentials this node presents to a peer: the
// two nodes' tokens are issued by 'peer add' on each side, so one of them
// is always known only after its own 'peer add'.
func runPeerSetToken(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("peer set-token", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna peer set-token --name NAME --token TOKEN [--data DIR] [--store URL]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the peer (required)")
	token := fs.String("token", "", "this node's token on the peer (required)")
	username := fs.String("username", "", "this node's user name on the peer (HTTP Basic); empty sends a bearer token")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" || *token == "" {
		return &exitError{code: 2, msg: "peer set-token: --name and --token are required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.SetPeerToken(ctx, *name, *username, *token); err != nil {
		return fmt.Errorf("peer set-token: %s", errorText(err))
	}
	fmt.Fprintf(e.stderr, "peer %q: credentials updated (a running node reads them at its next start)\n", *name)
	return nil
}

// runPeerResend forgets how far synchronisation with a peer got, so that
// the node sends (and pulls) its history again under the current
// agreement: after the ceiling was raised, or after the peer lost its data.
// The receiver's idempotence makes a resend harmless.
func runPeerResend(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("peer resend", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna peer resend --name NAME [flags]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the peer (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" {
		return &exitError{code: 2, msg: "peer resend: --name is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.ResendPeer(ctx, *name); err != nil {
		return fmt.Errorf("peer resend: %s", errorText(err))
	}
	fmt.Fprintf(e.stderr, "peer %q: cursors reset; the node resends its history at its next start\n", *name)
	return nil
}
