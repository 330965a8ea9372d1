package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/kizuna-dev/kizuna"
)

func runVersion(ctx context.Context, e *env, args []string) error {
	commit := kizuna.Commit
	if commit == "" {
		commit = "unknown"
	}
	fmt.Fprintf(e.stdout, "kizuna %s (commit %s, %s)\n", kizuna.Version, commit, runtime.Version())
	return nil
}
