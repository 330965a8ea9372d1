package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kizuna-dev/kizuna"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, "Usage: kizuna audit verify [flags]\n\nRun 'kizuna audit verify -h' for its flags."); handled {
		return err
	}
	if args[0] != "verify" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna audit: unknown subcommand %q (want verify)", args[0])}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna audit verify [--data DIR]")
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
	count, err := verifyAuditChain(ctx, n.store)
	if err != nil {
		return &exitError{code: 1, msg: "audit verify: " + err.Error()}
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries, each chained to the one before\n", count)
	return nil
}

// verifyAuditChain reads the whole audit log and checks that the entries are
// numbered without gaps and that each one's hash covers its fields and the
// hash of the entry before it, so that an altered, inserted or removed entry
// is detected.
func verifyAuditChain(ctx context.Context, store kizuna.AuditStore) (int64, error) {
	var after int64
	prev := ""
	for {
		events, err := store.FindAudit(ctx, after, 1000)
		if err != nil {
			return after, err
		}
		for _, ev := range events {
			if ev.Seq != after+1 {
				return after, fmt.Errorf("entry %d follows entry %d: entries are missing", ev.Seq, after)
			}
			if ev.PrevHash != prev {
				return after, fmt.Errorf("entry %d does not chain to entry %d", ev.Seq, after)
			}
			if got := ev.ComputeHash(); got != ev.Hash {
				return after, fmt.Errorf("entry %d was altered: its hash is %s, its content hashes to %s", ev.Seq, ev.Hash, got)
			}
			after, prev = ev.Seq, ev.Hash
		}
		if len(events) < 1000 {
			return after, nil
		}
	}
}
