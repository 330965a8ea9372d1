package taxii

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Paths of the discovery endpoint and of the one API root.
const (
	DiscoveryPath = "/taxii2/"
	APIRootPath   = "/taxii2/api/"
)

// Config holds the server's settings. Zero fields take the defaults below.
type Config struct {
	// Title, Description and Contact describe the server in the discovery
	// and API root resources.
	Title       string
	Description string
	Contact     string
	// MaxContentLength is the largest request body accepted, in bytes
	// (default 10 MiB). It is announced as the API root's
	// max_content_length and enforced on the bytes actually read.
	MaxContentLength int64
	// MaxObjects is the most objects one POST envelope may hold (default
	// 100,000); a larger one is refused with 413. Each object costs its
	// status an entry, whatever its size: without a bound, an envelope of
	// 10 MiB of empty objects made a status of hundreds of megabytes.
	MaxObjects int
	// MaxPageSize caps the limit parameter (default 1,000); a larger limit
	// is lowered to it, as the specification lets a server do.
	MaxPageSize int
	// DefaultPageSize is the page size when a request gives no limit
	// (default 100, never above MaxPageSize).
	DefaultPageSize int
	// Workers is the number of POST envelopes processed at once (default
	// 2). Envelopes of one principal into one collection are processed one
	// after another, in the order they were accepted, whatever the number
	// of workers.
	Workers int
	// QueueSize is how many accepted POST envelopes may wait for a worker
	// (default 64); a POST beyond it is refused with 503.
	QueueSize int
	// PrincipalQueue is how many of the queue's envelopes (those waiting
	// and those being ingested) one principal may hold (default a quarter
	// of Workers+QueueSize, at least 1); its POST beyond it is refused with
	// 429, so that one principal cannot fill the queue and starve others.
	PrincipalQueue int
	// SyncWait is how long the answer to a POST of at most SyncObjects
	// objects waits for their ingest (default DefaultSyncWait). When the
	// ingest ends in time, the answer is the final status (complete, with
	// its successes and failures); otherwise, and for larger envelopes, it
	// is the pending status, to be polled. A negative SyncWait always
	// answers pending.
	SyncWait    time.Duration
	SyncObjects int
	// IngestBatch is how many objects of one envelope are ingested before
	// the status resource is updated (default 500).
	IngestBatch int
	// RateLimit is the sustained number of requests per second allowed to
	// each principal; 0 disables rate limiting. RateBurst is the bucket
	// size (default: RateLimit rounded up, at least 1).
	RateLimit float64
	RateBurst int
	// AuthFailures is how many failed authentications one client address
	// may make at once; it regains that many per minute. Past it, the
	// address's requests that carry credentials are answered 429, with
	// Retry-After, before the credentials are looked up, so that guessing
	// tokens or flooding the store with lookups costs the node nothing.
	// Addresses are compared whole for IPv4 and by /64 for IPv6 (one
	// host's usual allocation). 0 disables the limit.
	AuthFailures int
	// TrustedProxies are the reverse proxies in front of the node. For a
	// request from one of them, the client's address is the last one in
	// X-Forwarded-For that is not itself a trusted proxy; from any other
	// address, X-Forwarded-For is ignored (a client could set it to
	// escape the limits). Without them, a node behind a proxy sees every
	// client at the proxy's address, and one client's failed
	// authentications would block all.
	TrustedProxies []netip.Prefix
}

// Defaults of Config.
const (
	DefaultMaxContentLength = 10 << 20
	DefaultMaxObjects       = 100_000
	DefaultMaxPageSize      = 1000
	DefaultDefaultPageSize  = 100
	DefaultWorkers          = 2
	DefaultQueueSize        = 64
	DefaultIngestBatch      = 500
	DefaultSyncWait         = time.Second
	DefaultSyncObjects      = 1000
)

func (c Config) withDefaults() Config {
	if c.Title == "" {
		c.Title = "kizuna TAXII server"
	}
	if c.MaxContentLength <= 0 {
		c.MaxContentLength = DefaultMaxContentLength
	}
	if c.MaxObjects <= 0 {
		c.MaxObjects = DefaultMaxObjects
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = DefaultMaxPageSize
	}
	if c.DefaultPageSize <= 0 {
		c.DefaultPageSize = DefaultDefaultPageSize
	}
	if c.DefaultPageSize > c.MaxPageSize {
		c.DefaultPageSize = c.MaxPageSize
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.PrincipalQueue <= 0 {
		c.PrincipalQueue = max(1, (c.Workers+c.QueueSize)/4)
	}
	if c.SyncWait == 0 {
		c.SyncWait = DefaultSyncWait
	}
	if c.SyncObjects <= 0 {
		c.SyncObjects = DefaultSyncObjects
	}
	if c.IngestBatch <= 0 {
		c.IngestBatch = DefaultIngestBatch
	}
	if c.RateLimit > 0 && c.RateBurst <= 0 {
		c.RateBurst = max(1, int(c.RateLimit+0.999))
	}
	return c
}

// Server serves TAXII 2.1. Set the exported dependencies, then call Handler;
// call Shutdown to let accepted POSTs finish.
type Server struct {
	// Objects and Collections are the policy guard around the stores: they
	// scope every read to the principal in ctx.
	Objects     kizuna.ObjectStore
	Collections kizuna.CollectionStore
	Statuses    kizuna.StatusStore
	Principals  kizuna.PrincipalStore
	Authorizer  kizuna.Authorizer
	Ingester    kizuna.Ingester
	Logger      *slog.Logger
	// Audit, when set, records the addresses throttled for failed
	// authentications (Config.AuthFailures).
	Audit kizuna.AuditStore
	// Sessions, when set, authenticates a request that carries no
	// Authorization header by another credential (the web workspace's
	// session cookie): it returns the principal, nil when the request
	// carries no such credential, or an EUNAUTHORIZED error when it
	// carries one that is not valid. It runs before any handler.
	Sessions func(*http.Request) (*kizuna.Principal, error)

	cfg          Config
	limiter      *rateLimiter
	authFailures *rateLimiter

	startOnce sync.Once
	handler   http.Handler
	mux       *http.ServeMux
	queue     *ingestQueue
}

// NewServer returns a server with the configuration; zero fields of cfg take
// their defaults.
func NewServer(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg}
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.AuthFailures > 0 {
		s.authFailures = newRateLimiter(float64(cfg.AuthFailures)/60, cfg.AuthFailures)
		s.authFailures.maxKeys = maxThrottledAddresses
	}
	return s
}

// Config returns the configuration in force, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Handler returns the HTTP handler serving /taxii2/ and below. The first
// call starts the POST workers.
func (s *Server) Handler() http.Handler {
	s.start()
	return s.handler
}

// start starts the POST workers and builds the handler, once.
func (s *Server) start() {
	s.startOnce.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
		s.queue = newIngestQueue(s, s.cfg.Workers, s.cfg.QueueSize, s.cfg.PrincipalQueue)
		s.mux = http.NewServeMux()
		s.routes(s.mux)
		s.handler = s.recoverPanics(s.withRequestID(s.authenticate(s.rateLimit(http.HandlerFunc(s.dispatch)))))
	})
}

// routes registers one handler per TAXII endpoint, with the trailing slashes
// the specification writes. Status also answers without the slash, as the
// OASIS client requests it that way.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /taxii2/{$}", s.handleDiscovery)
	mux.HandleFunc("GET /taxii2/api/{$}", s.handleAPIRoot)
	mux.HandleFunc("GET /taxii2/api/status/{statusID}/{$}", s.handleStatus)
	mux.HandleFunc("GET /taxii2/api/status/{statusID}", s.handleStatus)
	mux.HandleFunc("GET /taxii2/api/collections/{$}", s.handleCollections)
	mux.HandleFunc("GET /taxii2/api/collections/{collectionID}/{$}", s.handleCollection)
	mux.HandleFunc("GET /taxii2/api/collections/{collectionID}/manifest/{$}", s.handleManifest)
	mux.HandleFunc("GET /taxii2/api/collections/{collectionID}/objects/{$}", s.handleGetObjects)
	mux.HandleFunc("POST /taxii2/api/collections/{collectionID}/objects/{$}", s.handleAddObjects)
	mux.HandleFunc("GET /taxii2/api/collections/{collectionID}/objects/{objectID}/{$}", s.handleGetObject)
	mux.HandleFunc("DELETE /taxii2/api/collections/{collectionID}/objects/{objectID}/{$}", s.handleDeleteObject)
	mux.HandleFunc("GET /taxii2/api/collections/{collectionID}/objects/{objectID}/versions/{$}", s.handleVersions)
}

// methods are those tried when a path matches no route, to tell 405 (with
// Allow) from 404.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// InFront returns a handler that serves /taxii2 and every path below it
// with the TAXII server and passes other requests to next. A ServeMux in
// front would answer some of those paths itself, the ones not in canonical
// form ("/taxii2//", "/taxii2/./api/") with redirects carrying an HTML
// body; every answer under /taxii2/ is the TAXII server's.
func (s *Server) InFront(next http.Handler) http.Handler {
	h := s.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsTAXIIPath(r.URL.Path) {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// IsTAXIIPath reports whether the TAXII server answers for path.
func IsTAXIIPath(path string) bool {
	return path == strings.TrimSuffix(DiscoveryPath, "/") || strings.HasPrefix(path, DiscoveryPath)
}

// dispatch routes the request, answering unknown paths and wrong methods
// with TAXII error objects instead of the mux's plain-text ones.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		if ok, err := acceptable(r.Header.Get("Accept")); !ok {
			s.writeError(w, r, err)
			return
		}
		// The mux redirects a path without its trailing slash, or not in
		// canonical form, to the canonical one; the redirect carries
		// no body, where the mux would write HTML.
		s.mux.ServeHTTP(&bareRedirects{ResponseWriter: w}, r)
		return
	}
	var allow []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", joinComma(allow))
		s.writeError(w, r, kizuna.Errorf(codeMethodNotAllowed, "Method %s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, joinComma(allow)))
		return
	}
	s.writeError(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "No TAXII resource at %s.", r.URL.Path))
}

// Shutdown stops accepting POSTs and waits until every accepted envelope is
// processed and its status stored, or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.queue == nil {
		return nil
	}
	return s.queue.shutdown(ctx)
}

// IngestBacklog is the number of POSTed envelopes accepted and not yet
// ingested. At Workers+QueueSize the node answers POSTs 503; a backlog
// that keeps growing means the node takes in less than it is sent.
func (s *Server) IngestBacklog() int {
	if s.queue == nil {
		return 0
	}
	return s.queue.backlog()
}

// Close is Shutdown without a deadline.
func (s *Server) Close() error { return s.Shutdown(context.Background()) }

func joinComma(list []string) string {
	out := ""
	for i, v := range list {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// bareRedirects drops the body and content type of a redirect.
type bareRedirects struct {
	http.ResponseWriter
	redirect bool
}

func (w *bareRedirects) WriteHeader(code int) {
	if code >= 300 && code < 400 {
		w.redirect = true
		w.Header().Del("Content-Type")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *bareRedirects) Write(p []byte) (int, error) {
	if w.redirect {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *bareRedirects) Unwrap() http.ResponseWriter { return w.ResponseWriter }
