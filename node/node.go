// Package node builds and runs one wired kizuna node from a Config: the
// data directory and its store, the policy and its guard, ingest,
// federation, the audit heads and the HTTP server. Nothing in it prints:
// the command line and every system test use it, and report what it
// returns.
package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/sqlite"
)

// PolicyFile holds the node's classification schemes and agreements. It is
// written with the shipped defaults at initialisation, is the operator's to
// edit, and is validated at every start.
const PolicyFile = "classification.json"

// Aliases of the collections every node has.
const (
	DirectoryAlias = "directory"
	DefaultAlias   = "default"
	SampleAlias    = "sample"
)

// Config says which node to open.
type Config struct {
	// Dir is the data directory.
	Dir string
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
}

// Node is an opened data directory with every component wired. Its fields
// are set by Open and are not to be replaced.
type Node struct {
	Dir      string
	Identity *Identity
	Logger   *slog.Logger

	// Store is everything the node persists; nothing reads it for a
	// principal but through Guard.
	Store  *sqlite.DB
	Policy *policy.Policy
	// Guard is the store behind the access decision: what every read path
	// uses.
	Guard *policy.Guard
	// Authorizer decides collection access.
	Authorizer kizuna.Authorizer
	Ingest     *ingest.Service

	// peers and fed are set by startFederation.
	peers *federation.Peers
	fed   *federation.Service
	// heads is set by startAuditHeads.
	heads *auditHeads
}

// Open opens an initialised data directory (see Init).
func Open(ctx context.Context, cfg Config) (*Node, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir := cfg.Dir
	id, err := ReadIdentity(dir)
	if err != nil {
		return nil, err
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	pcfg, err := loadPolicyConfig(dir)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, SQLiteFile))
	if err != nil {
		return nil, err
	}
	pol, err := policy.New(pcfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	guard := policy.NewGuard(pol, db)
	n := &Node{
		Dir: dir, Identity: id, Logger: logger, Store: db, Policy: pol, Guard: guard,
		Authorizer: policy.Authorizer{},
	}
	n.Ingest = ingest.New(db, guard, pol, logger)
	n.Ingest.SetOperatorOrganization(id.Organization)
	return n, nil
}

// Close closes the store.
func (n *Node) Close() error { return n.Store.Close() }

// loadPolicyConfig reads the data directory's classification configuration,
// writing the shipped defaults first if the file does not exist yet.
func loadPolicyConfig(dir string) (policy.Config, error) {
	path := filepath.Join(dir, PolicyFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := writeFileExclusive(path, policy.DefaultConfigJSON(), 0o600); err != nil {
			return policy.Config{}, err
		}
	}
	cfg, err := policy.LoadConfig(path)
	if err != nil {
		// The error names the file by its base name and the JSON path of
		// each problem; say where the file is.
		return policy.Config{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), PolicyFile+": "))
	}
	return cfg, nil
}

// Audit appends an event to the audit log; a failure is logged, since the
// action it records has already happened.
func (n *Node) Audit(ctx context.Context, e *kizuna.AuditEvent) {
	if err := n.Store.AppendAudit(ctx, e); err != nil {
		n.Logger.Error("audit append failed", "action", e.Action, "err", err)
	}
}

// ParseClearance reads SCHEME:LEVEL, accepting a level's id or its
// national-language name, and returns it in canonical form.
func (n *Node) ParseClearance(s string) (kizuna.Classification, error) {
	scheme, level, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || level == "" {
		return kizuna.Classification{}, errors.New("want SCHEME:LEVEL, e.g. USA:SECRET or JPN:gokuhi")
	}
	return n.Policy.NormalizeClassification(kizuna.Classification{Scheme: scheme, Level: level})
}
