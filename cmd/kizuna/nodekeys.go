package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kizuna-dev/kizuna/federation"
)

// nodeKeys returns the node's signing key and TLS certificate, generating
// them for a data directory initialised before nodes had keys.
func (n *node) nodeKeys() (*federation.Keys, error) {
	if err := federation.GenerateKeys(n.dir, nil); err != nil {
		return nil, err
	}
	return federation.LoadKeys(n.dir)
}

// runNode runs 'kizuna node key'.
func runNode(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, "Usage: kizuna node key [flags]\n\nRun 'kizuna node key -h' for its flags."); handled {
		return err
	}
	if args[0] != "key" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna node: unknown subcommand %q (want key)", args[0])}
	}
	fs := flag.NewFlagSet("node key", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna node key [--data DIR]")
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	n, err := openNode(ctx, *data, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	keys, err := n.nodeKeys()
	if err != nil {
		return err
	}
	// One "name: value" per line; the flags of 'kizuna peer add' on the
	// other node take these values.
	fmt.Fprintf(e.stdout, "node: %s\n", n.id.ID)
	fmt.Fprintf(e.stdout, "nation: %s\n", n.id.Nation)
	fmt.Fprintf(e.stdout, "organization: %s\n", n.id.Organization)
	fmt.Fprintf(e.stdout, "public-key: %s\n", keys.PublicKey())
	fmt.Fprintf(e.stdout, "key-id: %s\n", keys.KeyID())
	fmt.Fprintf(e.stdout, "cert-sha256: %s\n", keys.CertSHA256)
	return nil
}
