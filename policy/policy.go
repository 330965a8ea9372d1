// Package policy makes kizuna's one access decision. It computes an object's
// AccessLabel from its markings at ingest (TLP 1.0 and 2.0, kizuna's own
// access-marking extension, ISA ACS 3.0), decides whether a principal may
// see a label, turns that decision into the list of label ids a store
// filters on, and wraps the stores in a Guard so that every read path goes
// through the same decision. Schemes, levels and the equivalences of the
// node's agreements are configuration (Config), not code.
//
// Everything fails closed: an unknown marking, scheme, level or TLP, a
// label with uninterpretable markings, or a missing principal denies.
package policy

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/kizuna-dev/kizuna"
)

// Policy holds the configuration and the caches of one node's access
// decision. It is safe for concurrent use.
type Policy struct {
	cfg      Config
	levels   *classifier
	markings kizuna.MarkingStore
	agency   atomic.Pointer[agencyBox]

	mu      sync.Mutex
	interps map[string]*interpretation // marking-definitions are immutable
}

// Option configures a Policy.
type Option func(*Policy)

// maxInterpretations bounds the cache of interpreted marking-definitions.
const maxInterpretations = 4096

// New returns a Policy for a validated configuration. markings resolves the
// marking-definitions that objects reference (the TLP markings are built in).
func New(cfg Config, markings kizuna.MarkingStore, opts ...Option) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "policy configuration: %v", err)
	}
	p := &Policy{
		cfg:      cfg,
		levels:   newClassifier(cfg),
		markings: markings,
		interps:  map[string]*interpretation{},
	}
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// Config returns the configuration the policy was built from.
func (p *Policy) Config() Config { return p.cfg }

// resolve interprets the marking-definition with the id. A marking that is
// neither built in nor stored is ENOTFOUND.
func (p *Policy) resolve(ctx context.Context, id string) (*interpretation, error) {
	if tlp, ok := tlpByID[id]; ok {
		return &interpretation{label: kizuna.AccessLabel{TLP: tlp}}, nil
	}
	p.mu.Lock()
	in, ok := p.interps[id]
	p.mu.Unlock()
	if ok {
		return in, nil
	}
	if p.markings == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s is not a known marking-definition", id)
	}
	md, err := p.markings.FindMarkingDefinition(ctx, id)
	if err != nil {
		return nil, err
	}
	in = p.interpret(md)
	p.mu.Lock()
	if len(p.interps) >= maxInterpretations {
		clear(p.interps)
	}
	p.interps[id] = in
	p.mu.Unlock()
	return in, nil
}
