package main

import (
	"context"
	"errors"
)

// Placeholder until the pattern engine lands; replaced by the pattern CLI.
func runPattern(ctx context.Context, e *env, args []string) error {
	return errors.New("pattern: not built yet")
}

func runMatch(ctx context.Context, e *env, args []string) error {
	return errors.New("match: not built yet")
}
