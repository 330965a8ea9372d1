package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/kizuna-dev/kizuna/node"
)

// cliNode is a node opened by a command; the commands' own operations on
// it are its methods.
type cliNode struct{ *node.Node }

// openNode opens the initialised node of a data directory.
func openNode(ctx context.Context, dir string, logger *slog.Logger) (*cliNode, error) {
	n, err := node.Open(ctx, node.Config{Dir: dir, Logger: logger})
	if err != nil {
		return nil, err
	}
	return &cliNode{n}, nil
}

// defaultDataDir is where every command finds the node's data by default.
const defaultDataDir = "./kizuna-data"

// dataFlag registers the --data flag every command that opens a node takes.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", defaultDataDir, "data directory")
}
