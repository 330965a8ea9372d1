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
	"log/slog"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/policy"
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
	// Dir is the data directory: the node's files on SQLite, and the
	// instance's own files (import spools, the admin token written at
	// initialisation) on PostgreSQL.
	Dir string
	// Store is "" or "sqlite" for the embedded database in Dir, or a
	// postgres:// URL: then everything the node persists (objects,
	// principals, statuses, the audit log, collections, peers, cursors,
	// the deletion queue, its identity and keys) is in that database, and
	// every instance opening it is the same node.
	Store string
	// KeyFile holds the key-encryption key that seals the node's private
	// keys and its peers' credentials in PostgreSQL (see keyseal.go);
	// unused on SQLite.
	KeyFile string
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
}

// Node is an opened data directory with every component wired. Its fields
// are set by Open and are not to be replaced.
type Node struct {
	Dir      string
	Identity *Identity
	Logger   *slog.Logger

	// Store is everything the node persists but its own documents;
	// nothing reads it for a principal but through Guard.
	Store kizuna.Store
	// State holds the node's own documents: identity, keys, peers,
	// federation cursors, classification configuration.
	State  kizuna.StateStore
	Policy *policy.Policy
	// Guard is the store behind the access decision: what every read path
	// uses.
	Guard *policy.Guard
	// Authorizer decides collection access.
	Authorizer kizuna.Authorizer
	Ingest     *ingest.Service

	// fed is set by startFederation.
	fed *federation.Service
	// heads is set by startAuditHeads.
	heads *auditHeads
	// followers receive the versions stored through any instance (see
	// Subscribe).
	followers []func([]*kizuna.Object)
}

// Open opens an initialised data directory (see Init).
func Open(ctx context.Context, cfg Config) (*Node, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := checkStore(cfg.Store); err != nil {
		return nil, err
	}
	if !IsPostgres(cfg.Store) {
		// Nothing is created in a directory that holds no node (a
		// mistyped --data).
		if _, err := federation.DirState(cfg.Dir).ReadState(ctx, IdentityFile); kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			return nil, notInitialised(cfg)
		}
	}
	if err := privateDir(cfg.Dir); err != nil {
		return nil, err
	}
	db, state, err := openStore(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	n, err := wire(ctx, cfg, db, state, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	return n, nil
}

// wire builds the node's components around an open store.
func wire(ctx context.Context, cfg Config, db kizuna.Store, state kizuna.StateStore, logger *slog.Logger) (*Node, error) {
	id, err := ReadIdentity(ctx, state)
	if err != nil {
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			return nil, notInitialised(cfg)
		}
		return nil, err
	}
	pcfg, err := loadPolicyConfig(ctx, state)
	if err != nil {
		return nil, err
	}
	pol, err := policy.New(pcfg, db)
	if err != nil {
		return nil, err
	}
	guard := policy.NewGuard(pol, db)
	// Reads of the exercises collection (created at the node's first
	// serve) are the exercise view, for every use of the node: serving, and
	// the CLI's exports.
	if c, err := db.FindCollectionByID(ctx, kizuna.ExerciseCollectionAlias); err == nil {
		guard.SetExerciseView(c.ID)
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return nil, err
	}
	n := &Node{
		Dir: cfg.Dir, Identity: id, Logger: logger, Store: db, State: state, Policy: pol, Guard: guard,
		Authorizer: policy.Authorizer{},
	}
	n.Ingest = ingest.New(db, guard, pol, logger)
	n.Ingest.SetOperatorOrganization(id.Organization)
	return n, nil
}

// notInitialised says how to initialise the node cfg names.
func notInitialised(cfg Config) error {
	if IsPostgres(cfg.Store) {
		return fmt.Errorf("the PostgreSQL database %s holds no initialised kizuna node (run 'kizuna init --store URL' once)", RedactDSN(cfg.Store))
	}
	return fmt.Errorf("%s is not an initialised kizuna data directory (run 'kizuna serve --data %s' once)", cfg.Dir, cfg.Dir)
}

// Close closes the store.
func (n *Node) Close() error { return n.Store.Close() }

// loadPolicyConfig reads the node's classification configuration, writing
// the shipped defaults first if there is none yet.
func loadPolicyConfig(ctx context.Context, st kizuna.StateStore) (policy.Config, error) {
	data, err := st.ReadState(ctx, PolicyFile)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		data = policy.DefaultConfigJSON()
		err = st.WriteState(ctx, PolicyFile, data)
	}
	if err != nil {
		return policy.Config{}, err
	}
	cfg, err := policy.ParseConfig(PolicyFile, data)
	if err != nil {
		// The error names the document by its base name and the JSON path
		// of each problem; say where it is.
		return policy.Config{}, fmt.Errorf("%s: %s", federation.Where(st, PolicyFile), strings.TrimPrefix(err.Error(), PolicyFile+": "))
	}
	return cfg, nil
}

// Classification returns the node's classification configuration as
// stored (the JSON the operator edits).
func (n *Node) Classification(ctx context.Context) ([]byte, error) {
	return n.State.ReadState(ctx, PolicyFile)
}

// SetClassification replaces the node's classification configuration
// after validating it (errors name the JSON path of each problem); the
// node's instances apply it at their next start. The change is audited.
func (n *Node) SetClassification(ctx context.Context, data []byte) error {
	if _, err := policy.ParseConfig(PolicyFile, data); err != nil {
		return err
	}
	if err := n.State.WriteState(ctx, PolicyFile, data); err != nil {
		return err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "classification.set", Object: PolicyFile,
		Reason: "the classification schemes and agreements were replaced"})
	return nil
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
