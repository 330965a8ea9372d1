package taxii_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/taxii"
)

// Organisations and principals of the end-to-end node.
const (
	orgUSA = "identity--11111111-1111-4111-8111-111111111111"
	orgJPN = "identity--22222222-2222-4222-8222-222222222222"
)

// node is a real node (nodetest: the node package's store, policy, guard
// and ingest; SQLite, or PostgreSQL with -taxii.store) with its TAXII
// server, over HTTP.
type node struct {
	db       kizuna.Store
	ingester *ingest.Service
	srv      *taxii.Server
	ts       *httptest.Server
	shared   *kizuna.Collection // read: readers and publishers; write: publishers
	tokens   map[string]string  // principal name -> token
}

// MustNode wires a node in a temporary directory.
func MustNode(tb testing.TB, cfg taxii.Config) *node {
	tb.Helper()
	n, closeNode, err := openNode(tb.TempDir(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := closeNode(); err != nil {
			tb.Error(err)
		}
	})
	return n
}

// openNode wires a node whose database lives in dir, and returns the
// function that shuts it down.
func openNode(dir string, cfg taxii.Config) (*node, func() error, error) {
	n, closeNode, err := wireNode(dir, cfg, true)
	if err != nil {
		return nil, nil, err
	}
	if err := n.setUp(context.Background()); err != nil {
		closeNode()
		return nil, nil, err
	}
	return n, closeNode, nil
}

// wireNode opens (or creates) the node whose data directory is dir, without
// its bootstrap, principals or collections, and serves its TAXII server.
// With -taxii.store its store is a schema of that PostgreSQL database,
// created again when fresh.
func wireNode(dir string, cfg taxii.Config, fresh bool) (*node, func() error, error) {
	store, err := storeOf(context.Background(), dir, fresh)
	if err != nil {
		return nil, nil, err
	}
	nd, err := nodetest.Open(nodetest.Options{Dir: dir, Store: store, Bare: true})
	if err != nil {
		return nil, nil, err
	}
	n := &node{db: nd.Store, ingester: nd.Ingest, tokens: map[string]string{}}
	n.srv = nd.TAXIIServer(cfg)
	n.ts = httptest.NewServer(n.srv.Handler())
	n.ts.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	closeNode := func() error {
		n.ts.Close()
		err := n.srv.Shutdown(context.Background())
		return errors.Join(err, nd.Close())
	}
	return n, closeNode, nil
}

// storeOf returns the store of a node in dir: "" (SQLite in the
// directory) or, with -taxii.store, a schema of that PostgreSQL database
// named after dir, created again when fresh. Schemas of benchmark nodes (dir
// under -taxii.dbdir) are kept for reuse; TestMain drops the others.
func storeOf(ctx context.Context, dir string, fresh bool) (string, error) {
	if *storeURL == "" {
		return "", nil
	}
	sum := sha256.Sum256([]byte(dir))
	schema := "kizuna_taxii_" + hex.EncodeToString(sum[:8])
	if *benchDir != "" && filepath.Dir(dir) == filepath.Clean(*benchDir) {
		schema = "kizuna_taxii_bench_" + filepath.Base(dir)
	} else {
		schemasMu.Lock()
		schemas[schema] = true
		schemasMu.Unlock()
	}
	if fresh {
		if err := execStore(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			return "", err
		}
	}
	if err := execStore(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		return "", err
	}
	u, err := url.Parse(*storeURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", storeApp)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// schemas are the PostgreSQL schemas of the tests' nodes, which TestMain
// drops.
var (
	schemasMu sync.Mutex
	schemas   = map[string]bool{}
)

// execStore runs one statement on the -taxii.store database.
func execStore(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, *storeURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// setUp creates the principals, with their tokens, and the collections of
// a new node.
func (n *node) setUp(ctx context.Context) error {
	for _, p := range []*kizuna.Principal{
		{Name: "usa-publisher", Nation: "USA", Organization: orgUSA, Roles: []string{kizuna.RolePublisher, kizuna.RoleReader}},
		{Name: "jpn-reader", Nation: "JPN", Organization: orgJPN, Roles: []string{kizuna.RoleReader}},
		{Name: "jpn-publisher", Nation: "JPN", Organization: orgJPN, Roles: []string{kizuna.RolePublisher, kizuna.RoleReader}},
		{Name: "operator", Nation: "USA", Organization: orgUSA, Roles: []string{kizuna.RoleAdmin, kizuna.RoleReader}},
	} {
		tok := kizuna.NewToken()
		if err := n.db.CreatePrincipal(ctx, p, kizuna.HashToken(tok)); err != nil {
			return err
		}
		n.tokens[p.Name] = tok
	}
	n.shared = &kizuna.Collection{
		Title:              "Shared indicators",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}},
		DefaultMarkingRefs: []string{policy.TLP2Clear},
	}
	hidden := &kizuna.Collection{
		Title:              "Operators only",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleAdmin}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RoleAdmin}},
		DefaultMarkingRefs: []string{policy.TLP2Clear},
	}
	for _, c := range []*kizuna.Collection{n.shared, hidden} {
		if err := n.db.CreateCollection(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// client returns a taxii.Client for the named principal.
func (n *node) client(name string) *taxii.Client {
	return &taxii.Client{APIRoot: n.ts.URL + taxii.APIRootPath, HTTPClient: n.ts.Client(), Username: name, Token: n.tokens[name]}
}

// stixIndicator is a valid STIX 2.1 indicator with the n-th id, created by
// the organisation, at a version, under a marking.
func stixIndicator(n int, modified time.Time, org, marking string) []byte {
	return fmt.Appendf(nil, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000",`+
		`"created":"2026-01-01T00:00:00.000Z","modified":%q,"created_by_ref":%q,"name":"bad host %d",`+
		`"pattern":"[ipv4-addr:value = '10.0.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z",`+
		`"object_marking_refs":[%q]}`,
		n, modified.UTC().Format("2006-01-02T15:04:05.000Z"), org, n, n/256%256, n%256, marking)
}

func indicatorID(n int) string { return fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", n) }

func (n *node) server() *httptest.Server { return n.ts }
func (n *node) defaultToken() string     { return n.tokens["usa-publisher"] }
