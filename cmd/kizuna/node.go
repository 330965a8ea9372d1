package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/api"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/match"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/store/sqlite"
	"github.com/kizuna-dev/kizuna/taxii"
)

// policyFile holds the node's classification schemes and agreements. It is
// written with the shipped defaults at initialisation, is the operator's to
// edit, and is validated at every start.
const policyFile = "classification.json"

// Aliases of the collections every node has.
const (
	directoryAlias = "directory"
	defaultAlias   = "default"
	sampleAlias    = "sample"
)

// node is an opened data directory with every component wired.
type node struct {
	dir    string
	id     *identity
	logger *slog.Logger

	store  *sqlite.DB
	policy *policy.Policy
	guard  *policy.Guard
	// objects is what every read path uses: the guard.
	objects kizuna.ObjectStore
	authz   kizuna.Authorizer
	ingest  *ingest.Service

	// peers and fed are set by startFederation.
	peers *federation.Peers
	fed   *federation.Service
	// heads is set by startAuditHeads.
	heads *auditHeads
}

// openNode opens an initialised data directory.
func openNode(ctx context.Context, dir string, logger *slog.Logger) (*node, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	id, err := readIdentity(dir)
	if err != nil {
		return nil, err
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	cfg, err := loadPolicyConfig(dir)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, storeFile))
	if err != nil {
		return nil, err
	}
	pol, err := policy.New(cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	guard := policy.NewGuard(pol, db)
	n := &node{
		dir: dir, id: id, logger: logger, store: db, policy: pol, guard: guard,
		objects: guard, authz: policy.Authorizer{},
	}
	n.ingest = ingest.New(db, guard, pol, logger)
	n.ingest.SetOperatorOrganization(id.Organization)
	return n, nil
}

// Close closes the store.
func (n *node) Close() error { return n.store.Close() }

// loadPolicyConfig reads the data directory's classification configuration,
// writing the shipped defaults first if the file does not exist yet.
func loadPolicyConfig(dir string) (policy.Config, error) {
	path := filepath.Join(dir, policyFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := writeFileExclusive(path, policy.DefaultConfigJSON(), 0o600); err != nil {
			return policy.Config{}, err
		}
	}
	cfg, err := policy.LoadConfig(path)
	if err != nil {
		// The error names the file by its base name and the JSON path of
		// each problem; say where the file is.
		return policy.Config{}, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), policyFile+": "))
	}
	return cfg, nil
}

// bootstrap creates what a new node holds: the directory collection with the
// extension-definition, the shipped default marking-definitions and the
// operator's organisation; the default collection; and the sample data set
// when asked.
//
// Every step is idempotent and a marker file is written last, so that a
// start after an interrupted initialisation (a full disk, a kill) finishes
// it: see bootstrapped.
func (n *node) bootstrap(ctx context.Context, sample bool) error {
	objects, refs, err := policy.DefaultMarkings(n.id.Nation)
	if err != nil {
		return err
	}
	everyone := kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer, kizuna.RolePOC}}
	dir := &kizuna.Collection{
		Alias: directoryAlias, Title: "Directory",
		Description:        "Organisations, marking-definitions and extension-definitions this node knows.",
		CanRead:            everyone,
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RoleAdmin}},
		DefaultMarkingRefs: []string{policy.TLP2Clear},
	}
	if err := n.ensureCollection(ctx, dir); err != nil {
		return err
	}
	org, err := organizationObject(n.id.Organization, n.id.Name+" operator", n.id.Nation, nil)
	if err != nil {
		return err
	}
	if err := n.importRaw(ctx, dir.ID, append(objects, org)); err != nil {
		return err
	}
	def := &kizuna.Collection{
		Alias: defaultAlias, Title: "Shared threat intelligence",
		Description:        "The node's main collection. Objects without markings are TLP:AMBER, releasable to " + n.id.Nation + " only.",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader, kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher, kizuna.RoleAdmin, kizuna.RolePeer}},
		DefaultMarkingRefs: refs,
	}
	if err := n.ensureCollection(ctx, def); err != nil {
		return err
	}
	if sample {
		if err := n.loadSample(ctx, refs); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(n.dir, bootstrapMarker), []byte("ok\n"), 0o600)
}

// bootstrapMarker is written when the bootstrap has finished.
const bootstrapMarker = "bootstrapped"

// bootstrapped reports whether the node's bootstrap has finished.
func (n *node) bootstrapped() bool {
	_, err := os.Stat(filepath.Join(n.dir, bootstrapMarker))
	return err == nil
}

// ensureCollection creates c unless a collection with its alias exists (a
// bootstrap that was interrupted after creating it); c.ID is set either way.
func (n *node) ensureCollection(ctx context.Context, c *kizuna.Collection) error {
	if existing, err := n.store.FindCollectionByID(ctx, c.Alias); err == nil {
		c.ID = existing.ID
		return nil
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	return n.store.CreateCollection(ctx, c)
}

// createCollection creates a collection with the node's default marking
// unless the caller chose one.
func (n *node) createCollection(ctx context.Context, c *kizuna.Collection) error {
	if len(c.DefaultMarkingRefs) == 0 {
		_, refs, err := policy.DefaultMarkings(n.id.Nation)
		if err != nil {
			return err
		}
		c.DefaultMarkingRefs = refs
	}
	if err := n.store.CreateCollection(ctx, c); err != nil {
		return err
	}
	n.audit(ctx, &kizuna.AuditEvent{Action: "collection.create", Object: c.ID, Reason: c.Title})
	return nil
}

// importRaw ingests objects as the host operator and fails on any rejection:
// it serves the node's own data, which must be valid.
func (n *node) importRaw(ctx context.Context, collection string, raws []json.RawMessage) error {
	results, err := n.ingest.Ingest(ingest.AsOperator(ctx), collection, raws)
	if err != nil {
		return err
	}
	var errs []string
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, kizuna.ErrorMessage(r.Err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("built-in objects rejected: %s", strings.Join(errs, "; "))
	}
	return nil
}

// organizationObject returns a STIX identity for an organisation.
func organizationObject(id, name, nation string, sectors []string) (json.RawMessage, error) {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	obj := map[string]any{
		"type": "identity", "spec_version": "2.1", "id": id,
		"created": now, "modified": now, "name": name,
		"identity_class": "organization", "x_kizuna_nation": nation,
	}
	if len(sectors) > 0 {
		obj["sectors"] = sectors
	}
	return json.Marshal(obj)
}

// audit appends an event to the audit log; a failure is logged, since the
// action it records has already happened.
func (n *node) audit(ctx context.Context, e *kizuna.AuditEvent) {
	if err := n.store.AppendAudit(ctx, e); err != nil {
		n.logger.Error("audit append failed", "action", e.Action, "err", err)
	}
}

// parseClearance reads SCHEME:LEVEL, accepting a level's id or its
// national-language name, and returns it in canonical form.
func (n *node) parseClearance(s string) (kizuna.Classification, error) {
	scheme, level, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || level == "" {
		return kizuna.Classification{}, errors.New("want SCHEME:LEVEL, e.g. USA:SECRET or JPN:gokuhi")
	}
	return n.policy.NormalizeClassification(kizuna.Classification{Scheme: scheme, Level: level})
}

// resolveOrganization turns --org (an identity id, an organisation name in
// the directory, or "" for the operator) into an identity id.
func (n *node) resolveOrganization(ctx context.Context, org string) (string, error) {
	if org == "" {
		return n.id.Organization, nil
	}
	if strings.HasPrefix(org, "identity--") {
		return org, nil
	}
	page, err := n.store.FindObjects(ctx, kizuna.ObjectFilter{
		Collection: directoryAlias, Types: []string{"identity"}, Versions: kizuna.VersionMatch{Last: true},
		Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 10000,
	})
	if err != nil {
		return "", err
	}
	for _, o := range page.Objects {
		var head struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(o.Raw, &head) == nil && strings.EqualFold(head.Name, org) {
			return o.ID, nil
		}
	}
	return "", fmt.Errorf("no organisation of that name in the directory (create it with 'kizuna org add')")
}

// httpHandler returns the node's HTTP routes and a function that drains the
// TAXII server's queued work at shutdown. It loads the indicator index first.
func (n *node) httpHandler(ctx context.Context, cfg serveConfig, m *metrics) (http.Handler, func(context.Context) error, error) {
	n.ingest.SetMetrics(ingest.Metrics{
		Accepted: func(k int) { m.ingested.WithLabelValues("accepted").Add(float64(k)) },
		Rejected: func(k int) { m.ingested.WithLabelValues("rejected").Add(float64(k)) },
	})
	ts := taxii.NewServer(taxii.Config{
		Title:            n.id.Name,
		Description:      "kizuna node of " + n.id.Nation,
		MaxContentLength: cfg.MaxContentLength,
		MaxPageSize:      cfg.MaxPageSize,
		RateLimit:        cfg.RateLimit,
		RateBurst:        cfg.RateBurst,
		AuthFailures:     cfg.AuthFailures,
		QueueSize:        cfg.PostQueue,
		TrustedProxies:   cfg.TrustedProxies,
	})
	ts.Objects, ts.Collections = fedObjects{ObjectStore: n.guard, n: n}, n.guard
	ts.Statuses, ts.Principals, ts.Audit = n.store, n.store, n.store
	ts.Authorizer, ts.Ingester, ts.Logger = n.authz, n.ingest, n.logger
	m.registerBacklog(ts.IngestBacklog)

	matcher := match.New(n.store, n.guard, n.ingest, n.policy, n.logger)
	if err := matcher.Load(ctx); err != nil {
		return nil, nil, err
	}
	n.ingest.Subscribe(matcher.Notify)
	mctx, cancelMatcher := context.WithCancel(context.Background())
	matcherDone := make(chan struct{})
	go func() {
		defer close(matcherDone)
		matcher.Run(mctx)
	}()
	// stopMatcher returns once the matcher has written its queued audit
	// records, before the store is closed.
	stopMatcher := func() {
		cancelMatcher()
		<-matcherDone
	}
	apiServer := &api.Server{Matcher: matcher, Witness: n.auditWitness(), Logger: n.logger}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := n.store.FindCollections(r.Context()); err != nil {
			http.Error(w, "store unavailable\n", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if cfg.MetricsListen == "" {
		mux.Handle("GET /metrics", ts.ProtectRole(kizuna.RoleAdmin, m.handler()))
	}
	mux.Handle("/api/v1/", ts.Protect(apiServer.Handler()))
	mux.Handle("/api/v1/feeds/", n.feedRoutes(ts)) // feed.go
	shutdown := func(ctx context.Context) error {
		defer stopMatcher()
		return ts.Shutdown(ctx)
	}
	return ts.InFront(mux), shutdown, nil
}
