package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"

	"github.com/kizuna-dev/kizuna"
)

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna version")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	commit := kizuna.Commit
	if commit == "" {
		commit = "unknown"
	}
	fmt.Fprintf(e.stdout, "kizuna %s (commit %s, %s)\n", kizuna.Version, commit, runtime.Version())
	return nil
}
