package routeapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/route"
	"github.com/kizuna-dev/kizuna/sector"
)

// Options tune the sector engine of a node.
type Options struct {
	// Route selects the sectors routing follows (weak mappings, the
	// pivot, some nations only).
	Route route.Options
	// WebhookEvery is how often the webhook queue is flushed (default 2 s).
	WebhookEvery time.Duration
	// Webhook tunes retries: MaxAttempts, BaseDelay, MaxDelay (zero: the
	// route package's defaults).
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
	// Client sends webhooks (default: a client with a 10 s timeout).
	Client *http.Client
}

// Service is the sector engine of one node: its configuration, the
// router and the deliverers.
type Service struct {
	n       *node.Node
	Config  *sector.Config
	opts    Options
	inbox   stateInbox
	offers  perPrincipal[route.Offer]
	eps     *endpoints
	webhook *route.Webhook

	mu      sync.Mutex
	pending []*kizuna.Object
	wake    chan struct{}
}

// New loads and validates the node's sector configuration (see
// LoadConfig) and builds its engine.
func New(ctx context.Context, n *node.Node, opts Options) (*Service, error) {
	cfg, err := LoadConfig(n.Dir)
	if err != nil {
		return nil, err
	}
	keys, err := n.Keys(ctx)
	if err != nil {
		return nil, err
	}
	s := &Service{n: n, Config: cfg, opts: opts, inbox: newInbox(n.State), offers: newOffers(n.State), wake: make(chan struct{}, 1),
		eps: &endpoints{st: n.State, seed: keys.Signing.Seed()}}
	if err := s.eps.load(ctx); err != nil {
		return nil, err
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	s.webhook = &route.Webhook{Outbox: stateOutbox{n.State}, Endpoints: s.eps, Client: client, Logger: n.Logger,
		MaxAttempts: opts.MaxAttempts, BaseDelay: opts.BaseDelay, MaxDelay: opts.MaxDelay}
	return s, nil
}

// Mount returns the node.Mount that validates the sector configuration,
// routes what the node ingests and serves the sector routes.
func Mount(opts Options) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		s, err := New(context.Background(), n, opts)
		if err != nil {
			return err
		}
		// What this instance ingests, peers' objects included: on a shared
		// store each version is routed once, by the instance that stored it.
		n.Ingest.Subscribe(s.enqueue)
		r.Go("", s.run)
		r.Go("", func(ctx context.Context) {
			every := opts.WebhookEvery
			if every <= 0 {
				every = 2 * time.Second
			}
			s.webhook.Run(ctx, every)
		})
		s.register(r)
		return nil
	}
}

// enqueue takes the versions ingest stored; it never blocks ingest.
func (s *Service) enqueue(objs []*kizuna.Object) {
	s.mu.Lock()
	s.pending = append(s.pending, objs...)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run routes what was stored while no routing ran, then the queued
// versions until ctx ends.
func (s *Service) run(ctx context.Context) {
	if err := s.CatchUp(ctx); err != nil && ctx.Err() == nil {
		s.n.Logger.Error("sector routing: catching up failed", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		s.mu.Lock()
		batch := s.pending
		s.pending = nil
		s.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		if err := s.routeAndAdvance(ctx, batch); err != nil && ctx.Err() == nil {
			s.n.Logger.Error("sector routing failed", "objects", len(batch), "err", err)
		}
	}
}

// routeAndAdvance routes versions and moves the routing cursor past them.
func (s *Service) routeAndAdvance(ctx context.Context, objs []*kizuna.Object) error {
	if _, err := s.Route(ctx, objs); err != nil {
		return err
	}
	return s.advance(ctx, objs, time.Now().UTC())
}

// Route routes stored versions: it finds the sectors each concerns,
// routes it through the node's access decision and delivers the notices
// to the inboxes and the webhook queue. It returns the results by object.
func (s *Service) Route(ctx context.Context, objs []*kizuna.Object) ([]*route.Result, error) {
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	router := &route.Router{Catalog: s.Config.Catalog, Directory: dir.index, Access: route.NewGuardAccess(ctx, s.n.Guard), Options: s.opts.Route}
	subjects, err := s.subjects(ctx, objs, dir)
	if err != nil {
		return nil, err
	}
	var out []*route.Result
	var notices []route.Notice
	var offers []route.Offer
	for _, sub := range subjects {
		res := router.Route(sub)
		out = append(out, res)
		notices = append(notices, res.Notices...)
		if res.Offer != nil && len(res.Offer.Offerees) > 0 {
			offers = append(offers, *res.Offer)
		}
	}
	if err := s.offers.add(ctx, offers); err != nil {
		return out, err
	}
	if err := (route.Deliverers{s.inbox, s.webhook}).Deliver(ctx, notices); err != nil {
		return out, err
	}
	return out, nil
}

// subjects finds what each version concerns: an incident's sectors, the
// sectors its extension names, those of the identities it targets (by
// relationships of the same batch, or by a targets relationship whose
// source is stored).
func (s *Service) subjects(ctx context.Context, objs []*kizuna.Object, dir *directory) ([]route.Subject, error) {
	var rels []*route.Relationship
	for _, o := range objs {
		if o.Type == "relationship" {
			if r, err := route.ParseRelationship(o); err == nil && r.RelationshipType == "targets" {
				rels = append(rels, r)
			}
		}
	}
	var out []route.Subject
	done := map[string]bool{}
	add := func(obj *kizuna.Object, rs []*route.Relationship) {
		if obj == nil || done[obj.ID] {
			return
		}
		cs, err := route.ObjectConcerns(obj, rs, dir.organizationOf)
		if err != nil {
			s.n.Logger.Warn("sector routing: concerns not read", "object", obj.ID, "err", kizuna.ErrorMessage(err))
		}
		if obj.Type == "incident" {
			if inc, err := defstix.DecodeIncident(obj.Raw); err == nil {
				cs = append(route.IncidentConcerns(obj, inc), cs...)
			}
		}
		if len(cs) > 0 {
			done[obj.ID] = true
			out = append(out, route.Subject{Object: obj, Concerns: cs})
		}
	}
	for _, o := range objs {
		// An identity's sector extension states the sectors the
		// organisation is in, not sectors it concerns.
		if o.Type != "relationship" && o.Type != "identity" {
			add(o, rels)
		}
	}
	// A targets relationship whose source was stored before it routes the
	// source.
	for _, r := range rels {
		if done[r.SourceRef] {
			continue
		}
		src, err := s.latest(ctx, r.SourceRef)
		if err != nil {
			return nil, err
		}
		add(src, []*route.Relationship{r})
	}
	return out, nil
}

// latest returns the latest stored version of an id in any collection, as
// the store holds it (nil when there is none).
func (s *Service) latest(ctx context.Context, id string) (*kizuna.Object, error) {
	cols, err := s.n.Store.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		page, err := s.n.Store.FindObjects(ctx, kizuna.ObjectFilter{Collection: c.ID, IDs: []string{id},
			Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page.Objects) > 0 {
			return page.Objects[0], nil
		}
	}
	return nil, nil
}

// directory is the node's organisations with sectors and its principals.
type directory struct {
	index *route.Index
	orgs  map[string]*sector.Organization
	objs  map[string]*kizuna.Object
}

func (d *directory) organizationOf(id string) (*kizuna.Object, *sector.Organization) {
	return d.objs[id], d.orgs[id]
}

// directory reads the identities that carry sectors (their latest
// versions) and the principals.
func (s *Service) directory(ctx context.Context) (*directory, error) {
	d := &directory{orgs: map[string]*sector.Organization{}, objs: map[string]*kizuna.Object{}}
	cols, err := s.n.Store.FindCollections(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cols {
		f := kizuna.ObjectFilter{Collection: c.ID, Types: []string{"identity"}, Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true}
		for {
			page, err := s.n.Store.FindObjects(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Objects {
				if !json.Valid(o.Raw) {
					continue
				}
				org, err := sector.ParseOrganization(o.Raw)
				if err != nil || len(org.Sectors) == 0 {
					continue
				}
				if old := d.objs[o.ID]; old == nil || o.Version.After(old.Version) {
					d.objs[o.ID], d.orgs[o.ID] = o, org
				}
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
	}
	prs, err := s.n.Store.FindPrincipals(ctx)
	if err != nil {
		return nil, err
	}
	live := prs[:0]
	for _, p := range prs {
		if p.RevokedAt == nil {
			live = append(live, p)
		}
	}
	orgs := make([]*sector.Organization, 0, len(d.orgs))
	for _, o := range d.orgs {
		orgs = append(orgs, o)
	}
	d.index = route.NewIndex(orgs, live)
	return d, nil
}

// RouteStored routes the latest stored versions of ids, for a command run
// beside the node (whose ingest is not followed).
func (s *Service) RouteStored(ctx context.Context, ids ...string) ([]*route.Result, error) {
	var objs []*kizuna.Object
	for _, id := range ids {
		o, err := s.latest(ctx, id)
		if err != nil {
			return nil, err
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	return s.Route(ctx, objs)
}
