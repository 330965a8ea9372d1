// Package stream serves the live stream of a node, GET /api/v1/stream:
// Server-Sent Events of new object versions, incidents, consultation steps
// and deletions, each sent only to a reader who may read it.
//
// A stream does not keep events of its own: it reads the store through the
// guard, the one access decision every read path takes, from the stream's
// position in each collection, whenever the node says a collection has new
// versions (node.Subscribe, which on a shared PostgreSQL store includes the
// versions other instances stored). The version a reader gets is therefore
// the version TAXII would serve it, redactions included; resuming after a
// reconnect, on another instance or after a restart, is the same read from
// the position the last event's id carries (Cursor); and a stream buffers
// no more than one page of versions. Deletions, which leave nothing in the
// store to read, are pushed to each stream through a bounded queue
// (node.SubscribeDeletions); a stream that lets its queue fill, or whose
// client does not take a write within the write timeout, is dropped.
package stream

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy"
)

// Path is where the stream is served.
const Path = "/api/v1/stream"

// Options are a stream server's limits; zero values take the defaults.
type Options struct {
	// Heartbeat is the interval of the comment lines that keep proxies
	// from closing an idle stream (default 15 s). At each, the stream
	// also reads every collection again and checks that its principal
	// still holds the rights it started with.
	Heartbeat time.Duration
	// WriteTimeout is how long a write to a client may block before the
	// client is dropped as too slow (default 10 s).
	WriteTimeout time.Duration
	// MaxStreams bounds the open streams of the node instance (default
	// 256), MaxPerPrincipal those of one principal (default 4); beyond
	// them a request is answered 429.
	MaxStreams, MaxPerPrincipal int
	// Queue is how many deletions may wait to be sent to one stream
	// (default 64).
	Queue int
	// Page is how many versions one read of the store returns (default
	// 200).
	Page int
	// Retry is the reconnection delay the stream asks clients to wait
	// (default 3 s).
	Retry time.Duration
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defD(&o.Heartbeat, 15*time.Second)
	defD(&o.WriteTimeout, 10*time.Second)
	defD(&o.Retry, 3*time.Second)
	def(&o.MaxStreams, 256)
	def(&o.MaxPerPrincipal, 4)
	def(&o.Queue, 64)
	def(&o.Page, 200)
	return o
}

// Collections is what a stream finds its collections in: the guard, which
// shows a principal only the collections it may read or write.
type Collections interface {
	FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error)
	FindCollections(ctx context.Context) ([]*kizuna.Collection, error)
}

// Server serves streams. Its fields are set before it serves.
type Server struct {
	// Objects and Collections are read for the principal of the request:
	// the node's guard.
	Objects     kizuna.ObjectStore
	Collections Collections
	// Store is the store behind the guard. A stream reads from it only
	// how far versions are committed (see readCollection); nothing it
	// reads there reaches a client.
	Store kizuna.ObjectStore
	// Authorizer decides whether a principal may read a collection.
	Authorizer kizuna.Authorizer
	// Policy decides whether a reader could read a deleted version.
	Policy *policy.Policy
	// Principals is where a stream checks, at each heartbeat, that its
	// principal is neither revoked nor changed.
	Principals kizuna.PrincipalStore
	// Authenticate, when set, finds the principal of the stream's
	// request's credentials again at each heartbeat: a stream ends when
	// they no longer authenticate it (a web session that logged out or
	// expired, a token no longer the principal's).
	Authenticate func(*http.Request) (*kizuna.Principal, error)
	// WriteError answers an error as the rest of the API does.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	Logger     *slog.Logger
	// Stopping ends when the node begins to shut down: every stream then
	// ends.
	Stopping context.Context
	Options  Options

	metrics *metrics
	once    sync.Once
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	per     map[string]int // open streams by principal id
}

// Mount returns the node.Mount that serves the stream on a node, behind
// the node's authentication, with its metrics in the node's registry.
func Mount(opts Options) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		s := &Server{Objects: n.Guard, Collections: n.Guard, Store: n.Store, Authorizer: n.Authorizer, Policy: n.Policy,
			Principals: n.Store, Authenticate: r.Authenticate, WriteError: r.WriteError, Logger: n.Logger, Stopping: r.Stopping(), Options: opts}
		if err := s.Register(r.Metrics()); err != nil {
			return err
		}
		n.Subscribe(s.Notify)
		n.SubscribeDeletions(s.Deleted)
		r.Mux.Handle("GET "+Path, r.Protect(s))
		return nil
	}
}

// init sets the defaults, once.
func (s *Server) init() {
	s.once.Do(func() {
		s.Options = s.Options.withDefaults()
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
		if s.Stopping == nil {
			s.Stopping = context.Background()
		}
		if s.metrics == nil {
			s.metrics = newMetrics()
		}
		s.subs = map[*subscriber]struct{}{}
		s.per = map[string]int{}
	})
}
