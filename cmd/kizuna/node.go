package main

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"github.com/kizuna-dev/kizuna/node"
)

// cliNode is a node opened by a command; the commands' own operations on
// it are its methods.
type cliNode struct{ *node.Node }

// openNode opens an initialised node.
func openNode(ctx context.Context, cfg node.Config) (*cliNode, error) {
	n, err := node.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &cliNode{n}, nil
}

// defaultDataDir is where every command finds the node's data by default.
const defaultDataDir = "./kizuna-data"

// Environment variables that set the defaults of --store and --key-file,
// so that the instances of a deployment need not repeat them (and a
// connection string with a password stays off command lines).
const (
	storeEnv   = "KIZUNA_STORE"
	keyFileEnv = "KIZUNA_KEY_FILE"
)

// nodeFlags are the flags of every command that opens a node: where its
// data is.
type nodeFlags struct {
	dir, store, keyFile string
}

// nodeFlagsOf registers --data, --store and --key-file on a command.
func nodeFlagsOf(fs *flag.FlagSet) *nodeFlags {
	f := &nodeFlags{}
	f.register(fs, "data directory")
	return f
}

// register adds the flags to a command, --data with its usage.
func (f *nodeFlags) register(fs *flag.FlagSet, dataUsage string) {
	fs.StringVar(&f.dir, "data", defaultDataDir, dataUsage)
	fs.StringVar(&f.store, "store", envOr(storeEnv, "sqlite"), "where the node persists: sqlite (in the data directory) or a postgres:// URL (default: $"+storeEnv+" when set)")
	fs.StringVar(&f.keyFile, "key-file", os.Getenv(keyFileEnv), "with a postgres:// store, the file whose key seals the node's private keys in the database; init creates it (default: $"+keyFileEnv+")")
}

// config returns the node configuration the flags name.
func (f *nodeFlags) config(logger *slog.Logger) node.Config {
	return node.Config{Dir: f.dir, Store: f.store, KeyFile: f.keyFile, Logger: logger}
}

// where names the node's store for messages: the data directory, or the
// PostgreSQL database (without its password).
func (f *nodeFlags) where() string {
	if node.IsPostgres(f.store) {
		return "the PostgreSQL database " + node.RedactDSN(f.store)
	}
	return f.dir
}

// open opens the node the flags name.
func (f *nodeFlags) open(ctx context.Context, logger *slog.Logger) (*cliNode, error) {
	return openNode(ctx, f.config(logger))
}

// envOr returns the environment variable's value, or def when it is unset
// or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
