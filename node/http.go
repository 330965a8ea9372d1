package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/api"
	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/match"
	"github.com/kizuna-dev/kizuna/taxii"
	"github.com/prometheus/client_golang/prometheus"
)

// Mount registers a feature's routes on a node about to serve. It may keep
// n to reach the node's components (the guard for every read).
type Mount func(n *Node, r *Router) error

// Router is what a Mount registers on: the node's route table, the
// authentication every route but /healthz sits behind, and the node's
// background work.
type Router struct {
	// Mux is the node's route table; a more specific pattern under
	// /api/v1/ takes precedence over the native API's.
	Mux *http.ServeMux
	ts  *taxii.Server
	api *api.Server
	n   *Node
	// ctx ends when the node shuts down; bg is waited for before the
	// store is closed.
	ctx context.Context
	bg  *sync.WaitGroup
	// stopping ends when the node begins to shut down.
	stopping context.Context
	m        *metrics
	// trusted are the reverse proxies whose forwarded headers the node
	// believes (ServeConfig.TrustedProxies).
	trusted []netip.Prefix
}

// AcceptSessions makes every Protect'ed route (TAXII, the native API and
// the mounts') accept, from a request without an Authorization header,
// the principal sessions finds for it (see taxii.Server.Sessions): a web
// session then reads what its principal's token reads, through the same
// authentication, rate limits and guard.
func (r *Router) AcceptSessions(sessions func(*http.Request) (*kizuna.Principal, error)) {
	r.ts.Sessions = sessions
}

// Authenticate finds the principal of a request's credentials (a token or
// a web session) again, as Protect did (taxii.Server.Authenticate).
func (r *Router) Authenticate(req *http.Request) (*kizuna.Principal, error) {
	return r.ts.Authenticate(req)
}

// Limits returns the TAXII server's configuration in force (body and
// envelope limits), which a mount that ingests applies too.
func (r *Router) Limits() taxii.Config { return r.ts.Config() }

// Ingest ingests objects into a collection for the context's principal
// within the bounds of the TAXII POST queue (taxii.Server.IngestInQueue):
// what a mount ingests on a principal's behalf shares the queue and the
// principal's share of it with its POSTs.
func (r *Router) Ingest(ctx context.Context, collection string, objects []json.RawMessage) ([]kizuna.PutResult, error) {
	return r.ts.IngestInQueue(ctx, collection, objects)
}

// SecureRequest reports whether the client reached the node over TLS:
// the connection is TLS, or it comes from a trusted proxy that says
// (X-Forwarded-Proto) it received the request over HTTPS.
func (r *Router) SecureRequest(req *http.Request) bool {
	if req.TLS != nil {
		return true
	}
	ap, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return strings.EqualFold(strings.TrimSpace(req.Header.Get("X-Forwarded-Proto")), "https")
		}
	}
	return false
}

// Protect wraps h in the node's authentication, rate limits and error
// bodies: h finds the principal in the request's context.
func (r *Router) Protect(h http.Handler) http.Handler { return r.ts.Protect(h) }

// ProtectRole is Protect for principals with the role only.
func (r *Router) ProtectRole(role string, h http.Handler) http.Handler {
	return r.ts.ProtectRole(role, h)
}

// WriteError writes err as the native API does: the HTTP status of its
// code and a TAXII error body; an internal error is logged, not shown.
func (r *Router) WriteError(w http.ResponseWriter, req *http.Request, err error) {
	r.api.WriteError(w, req, err)
}

// Stopping returns a context that ends when the node begins to shut down,
// before the server waits for the requests in flight: a response that
// lasts as long as its client wants (a stream) ends on it, so that the
// shutdown does not wait for it.
func (r *Router) Stopping() context.Context { return r.stopping }

// Metrics is the registry of the node's Prometheus metrics, where a feature
// registers its own.
func (r *Router) Metrics() prometheus.Registerer { return r.m.registry }

// Go runs work in the background while the node serves. Its context ends
// when the node shuts down, and the node waits for work to return before
// it closes the store. With a lease name, among the instances that share a
// PostgreSQL store only the one holding the named lease runs work: its
// context also ends when the lease is lost, and work runs again whenever
// this instance takes the lease (on SQLite, work simply runs). With "",
// every instance runs work.
func (r *Router) Go(lease string, work func(ctx context.Context)) {
	r.bg.Go(func() {
		if lease == "" {
			work(r.ctx)
			return
		}
		federation.Leased(r.ctx, r.n.leaser(), lease, r.n.Logger, time.Second, work)
	})
}

// TAXIIServer returns a TAXII server wired to the node: objects and
// collections through the guard, ingest through the node's service.
func (n *Node) TAXIIServer(cfg taxii.Config) *taxii.Server {
	ts := taxii.NewServer(cfg)
	ts.Objects, ts.Collections = fedObjects{ObjectStore: n.Guard, n: n}, n.Guard
	ts.Statuses, ts.Principals, ts.Audit = n.Store, n.Store, n.Store
	ts.Authorizer, ts.Ingester, ts.Logger = n.Authorizer, n.Ingest, n.Logger
	return ts
}

// Matcher returns the node's indicator matcher, with the stored indicators
// loaded; Run keeps it following ingest until its context ends.
func (n *Node) Matcher(ctx context.Context) (*match.Service, error) {
	m := match.New(n.Store, n.Guard, n.Ingest, n.Policy, n.Logger)
	if err := m.Load(ctx); err != nil {
		return nil, err
	}
	n.Subscribe(m.Notify)
	return m, nil
}

// httpHandler returns the node's HTTP routes and a function that drains the
// TAXII server's queued work at shutdown. It loads the indicator index first.
func (n *Node) httpHandler(ctx context.Context, cfg ServeConfig, m *metrics) (http.Handler, func(context.Context) error, error) {
	n.Ingest.SetMetrics(ingest.Metrics{
		Accepted: func(k int) { m.ingested.WithLabelValues("accepted").Add(float64(k)) },
		Rejected: func(k int) { m.ingested.WithLabelValues("rejected").Add(float64(k)) },
	})
	ts := n.TAXIIServer(taxii.Config{
		Title:            n.Identity.Name,
		Description:      "kizuna node of " + n.Identity.Nation,
		MaxContentLength: cfg.MaxContentLength,
		MaxObjects:       cfg.MaxObjects,
		MaxPageSize:      cfg.MaxPageSize,
		RateLimit:        cfg.RateLimit,
		RateBurst:        cfg.RateBurst,
		AuthFailures:     cfg.AuthFailures,
		QueueSize:        cfg.PostQueue,
		PrincipalQueue:   cfg.PrincipalQueue,
		TrustedProxies:   cfg.TrustedProxies,
	})
	m.registerBacklog(ts.IngestBacklog)

	loaded := time.Now()
	matcher, err := n.Matcher(ctx)
	if err != nil {
		return nil, nil, err
	}
	mctx, cancelMatcher := context.WithCancel(context.Background())
	var background sync.WaitGroup
	background.Go(func() { matcher.Run(mctx) })
	// stopMatcher returns once the matcher has written its queued audit
	// records, the mounts' background work has returned and the store is
	// no longer followed, before the store is closed.
	stopMatcher := func() {
		cancelMatcher()
		background.Wait()
	}
	apiServer := &api.Server{Matcher: matcher, Witness: n.auditWitness(), Logger: n.Logger}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := n.Store.FindCollections(r.Context()); err != nil {
			http.Error(w, "store unavailable\n", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if cfg.MetricsListener == nil {
		mux.Handle("GET /metrics", ts.ProtectRole(kizuna.RoleAdmin, m.handler()))
	}
	mux.Handle("/api/v1/", ts.Protect(apiServer.Handler()))
	router := &Router{Mux: mux, ts: ts, api: apiServer, n: n, ctx: mctx, bg: &background, stopping: ctx, m: m, trusted: cfg.TrustedProxies}
	for _, mount := range cfg.Mounts {
		if err := mount(n, router); err != nil {
			stopMatcher()
			return nil, nil, err
		}
	}
	if n.shared() {
		// Started once the federation, the matcher and the mounts have
		// subscribed.
		background.Go(func() { n.follow(mctx, loaded) })
	}
	shutdown := func(ctx context.Context) error {
		defer stopMatcher()
		return ts.Shutdown(ctx)
	}
	return ts.InFront(mux), shutdown, nil
}
