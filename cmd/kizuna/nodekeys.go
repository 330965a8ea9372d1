package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/kizuna-dev/kizuna/node"
)

// runNode runs 'kizuna node key|classification'.
func runNode(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, "Usage: kizuna node key|classification [flags]\n\nRun 'kizuna node SUBCOMMAND -h' for its flags."); handled {
		return err
	}
	switch args[0] {
	case "key":
	case "classification":
		return runNodeClassification(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna node: unknown subcommand %q (want key or classification)", args[0])}
	}
	fs := flag.NewFlagSet("node key", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna node key [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	keys, err := n.Keys(ctx)
	if err != nil {
		return err
	}
	// One "name: value" per line; the flags of 'kizuna peer add' on the
	// other node take these values.
	fmt.Fprintf(e.stdout, "node: %s\n", n.Identity.ID)
	fmt.Fprintf(e.stdout, "nation: %s\n", n.Identity.Nation)
	fmt.Fprintf(e.stdout, "organization: %s\n", n.Identity.Organization)
	fmt.Fprintf(e.stdout, "public-key: %s\n", keys.PublicKey())
	fmt.Fprintf(e.stdout, "key-id: %s\n", keys.KeyID())
	fmt.Fprintf(e.stdout, "cert-sha256: %s\n", keys.CertSHA256)
	return nil
}

// runNodeClassification prints the node's classification configuration, or
// replaces it with a file's (validated first): on PostgreSQL it is in the
// database, not a file the operator edits in place.
func runNodeClassification(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("node classification", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna node classification [--set FILE] [--data DIR] [--store URL]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	set := fs.String("set", "", "replace the configuration with this file's (the instances apply it at their next start)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	if *set == "" {
		b, err := n.Classification(ctx)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(b)
		return err
	}
	b, err := os.ReadFile(*set)
	if err != nil {
		return err
	}
	if err := n.SetClassification(ctx, b); err != nil {
		return fmt.Errorf("node classification: %s: %s", *set, strings.TrimPrefix(err.Error(), node.PolicyFile+": "))
	}
	fmt.Fprintf(e.stderr, "classification configuration replaced; restart the node's instances to apply it\n")
	return nil
}
