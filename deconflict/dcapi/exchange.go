package dcapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/deconflict/pairwise"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
	"github.com/kizuna-dev/kizuna/stix"
)

// Peer carries the messages of the exchange to an ally's node: step is
// "query" or "confirm"; the answer comes back as the peer sent it.
type Peer interface {
	ExchangeDeconfliction(ctx context.Context, step string, body []byte) (json.RawMessage, error)
}

// Exchange runs the pairwise exchange (deconflict/pairwise) between this
// node and its allies' nodes under the node's agreements: it keeps, for
// each agreement, the index of this node's actions released to the ally,
// answers the ally's queries and confirms, and queries the allies named
// by each action registered here.
type Exchange struct {
	// Self is the node's nation: only its actions take part.
	Self string
	// State holds the agreements (AgreementsState).
	State kizuna.StateStore
	// Dial returns the client of a peer's node, by the peer's name.
	Dial func(ctx context.Context, peer string) (Peer, error)
	// Audit appends to the node's audit log.
	Audit func(ctx context.Context, e *kizuna.AuditEvent)
	Now   func() time.Time

	s *Server
	// Under s.cat.mu:
	indexes map[string]*agIndex
	// answered keeps each answered query until its confirm, at most
	// answeredTTL.
	answered answeredQueries
	limits   map[string]*limiter
	queue    chan *kizuna.DefensiveAction
}

// agIndex is the index of one agreement, as configured when it was built.
type agIndex struct {
	cfg AgreementConfig
	ix  *pairwise.Index
}

type answered struct {
	agreement, peer string
	ix              *pairwise.Index
	st              *pairwise.Answered
	at              time.Time
}

// answeredTTL is how long a responder waits for the confirm of a query.
const answeredTTL = 5 * time.Minute

// answeredQueries holds the queries a responder answered by agreement and
// query id, so that a peer under one agreement can neither replace nor take
// the entry of a query asked under another, whatever id it sends.
type answeredQueries map[answeredKey]*answered

type answeredKey struct{ agreement, query string }

// put keeps an answered query, forgetting those older than answeredTTL.
func (q answeredQueries) put(now time.Time, query string, an *answered) {
	for k, old := range q {
		if now.Sub(old.at) > answeredTTL {
			delete(q, k)
		}
	}
	q[answeredKey{an.agreement, query}] = an
}

// take removes and returns the query the peer asked under the agreement,
// or nil.
func (q answeredQueries) take(agreement, peer, query string) *answered {
	k := answeredKey{agreement, query}
	an := q[k]
	if an == nil || an.peer != peer {
		return nil
	}
	delete(q, k)
	return an
}

// maxQueryBody bounds a query's body: the most tokens pairwise.ParseQuery
// takes (2^20), in base64.
const maxQueryBody = 12 << 20

// queueSize bounds the registrations waiting to be sent to the allies.
const queueSize = 4096

// limiter counts the queries of an agreement in the current minute.
type limiter struct {
	minute time.Time
	n      int
}

// allow reports whether one more query fits the agreement's rate.
func (l *limiter) allow(now time.Time, rate int) bool {
	m := now.Truncate(time.Minute)
	if !m.Equal(l.minute) {
		l.minute, l.n = m, 0
	}
	if l.n >= rate {
		return false
	}
	l.n++
	return true
}

// init prepares the exchange for a server.
func (x *Exchange) init(s *Server) {
	x.s = s
	if x.Now == nil {
		x.Now = time.Now
	}
	if x.Audit == nil {
		x.Audit = func(context.Context, *kizuna.AuditEvent) {}
	}
	x.indexes, x.answered, x.limits = map[string]*agIndex{}, answeredQueries{}, map[string]*limiter{}
	x.queue = make(chan *kizuna.DefensiveAction, queueSize)
	s.cat.put = func(a *kizuna.DefensiveAction) {
		if a.Nation != x.Self {
			return
		}
		for id, ai := range x.indexes {
			if err := ai.ix.Put(a); err != nil {
				x.s.Logger.Warn("deconfliction: a registration is not indexed", "agreement", id, "id", a.ID, "err", kizuna.ErrorMessage(err))
			}
		}
	}
}

// Run builds the indexes of the node's agreements, then sends each
// registration to the allies it names until ctx ends.
func (x *Exchange) Run(ctx context.Context) {
	x.s.cat.mu.Lock()
	_, err := x.indexesLocked(ctx)
	x.s.cat.mu.Unlock()
	if err != nil {
		x.s.Logger.Error("deconfliction: the agreements' indexes were not built", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-x.queue:
			x.ask(ctx, a)
		}
	}
}

// registered queues an action registered on this node for the allies it
// names; a full queue drops it, logged.
func (x *Exchange) registered(a *kizuna.DefensiveAction) {
	if a.Nation != x.Self || len(a.DeconflictWith) == 0 {
		return
	}
	select {
	case x.queue <- a:
	default:
		x.s.Logger.Error("deconfliction: the exchange's queue is full; an action is not sent to the allies", "id", a.ID)
	}
}

// indexesLocked brings the indexes up to date with the agreements as the
// store holds them (added, removed or replaced, from any instance) and
// with the registrations, and returns the agreements.
func (x *Exchange) indexesLocked(ctx context.Context) (*Agreements, error) {
	ags, err := LoadAgreements(ctx, x.State, x.Self)
	if err != nil {
		return nil, err
	}
	if err := x.s.cat.refreshLocked(ctx); err != nil {
		return nil, err
	}
	for id := range x.indexes {
		if ags.Find(id) == nil {
			delete(x.indexes, id)
		}
	}
	for _, c := range ags.Agreements {
		if ai := x.indexes[c.ID]; ai != nil && sameAgreement(&ai.cfg, c) {
			continue
		}
		ag, err := c.Agreement(x.Self)
		if err != nil {
			return nil, err
		}
		var actions []*kizuna.DefensiveAction
		for _, a := range x.s.cat.latest {
			if a.Nation == x.Self {
				actions = append(actions, a)
			}
		}
		ix, err := pairwise.BuildIndex(ag, x.s.Rules, x.Self, actions)
		if err != nil {
			x.s.Logger.Error("deconfliction: an agreement's index was not built", "agreement", c.ID, "err", kizuna.ErrorMessage(err))
			delete(x.indexes, c.ID)
			continue
		}
		x.indexes[c.ID] = &agIndex{cfg: *c, ix: ix}
	}
	return ags, nil
}

func sameAgreement(a, b *AgreementConfig) bool {
	return a.Peer == b.Peer && a.Nation == b.Nation && string(a.Key) == string(b.Key) && a.Epoch == b.Epoch &&
		a.Bucket == b.Bucket && a.Rules == b.Rules
}

// limitLocked counts one query under an agreement in a direction ("in",
// "out") and reports whether it is within the rate.
func (x *Exchange) limitLocked(c *AgreementConfig, dir string) bool {
	l := x.limits[c.ID+"/"+dir]
	if l == nil {
		l = &limiter{}
		x.limits[c.ID+"/"+dir] = l
	}
	return l.allow(x.Now(), c.Rate)
}

// ask sends an action to every ally it names under an agreement, and
// stores the notices to its owner; an ally unreachable is tried again a
// few times.
func (x *Exchange) ask(ctx context.Context, a *kizuna.DefensiveAction) {
	x.s.cat.mu.Lock()
	ags, err := x.indexesLocked(ctx)
	x.s.cat.mu.Unlock()
	if err != nil {
		x.s.Logger.Error("deconfliction: the agreements are not readable", "err", err)
		return
	}
	for _, c := range ags.Agreements {
		if !slices.Contains(a.DeconflictWith, c.Nation) {
			continue
		}
		for try, wait := 1, time.Second; ; try, wait = try+1, wait*2 {
			if try > 1 && !x.current(ctx, a) {
				// Withdrawn or changed meanwhile: its new version is
				// asked on its own, and the old one must raise nothing.
				break
			}
			err := x.askOne(ctx, c, a)
			if err == nil {
				break
			}
			x.s.Logger.Warn("deconfliction: the exchange with an ally failed", "agreement", c.ID, "peer", c.Peer, "id", a.ID, "try", try, "err", kizuna.ErrorMessage(err))
			if try == 5 || kizuna.ErrorCode(err) == kizuna.EINVALID || kizuna.ErrorCode(err) == kizuna.EFORBIDDEN {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// current reports whether a is still the latest registration of its
// action, and not withdrawn, in the store.
func (x *Exchange) current(ctx context.Context, a *kizuna.DefensiveAction) bool {
	x.s.cat.mu.Lock()
	defer x.s.cat.mu.Unlock()
	if err := x.s.cat.refreshLocked(ctx); err != nil {
		return true // tried again; the exchange itself reports the store's failure
	}
	latest := x.s.cat.latest[a.ID]
	return latest == nil || (!latest.Modified.After(a.Modified) && latest.State != kizuna.ActionWithdrawn)
}

// askOne runs one exchange for an action under an agreement: the query,
// the answer, the notices to the action's owner, the confirm.
func (x *Exchange) askOne(ctx context.Context, c *AgreementConfig, a *kizuna.DefensiveAction) error {
	ag, err := c.Agreement(x.Self)
	if err != nil {
		return err
	}
	q, pend, err := pairwise.Ask(ag, x.s.Rules, a, rand.Reader)
	if err != nil || q == nil {
		return err
	}
	x.s.cat.mu.Lock()
	ok := x.limitLocked(c, "out")
	x.s.cat.mu.Unlock()
	if !ok {
		x.Audit(ctx, &kizuna.AuditEvent{Action: "deconflict.query", Object: a.ID, Decision: "deny",
			Reason: fmt.Sprintf("agreement=%s peer=%s: over the agreement's rate of %d queries a minute", c.ID, c.Peer, c.Rate)})
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "agreement %s: over its rate of %d queries a minute", c.ID, c.Rate)
	}
	peer, err := x.Dial(ctx, c.Peer)
	if err != nil {
		return err
	}
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	x.Audit(ctx, &kizuna.AuditEvent{Action: "deconflict.query", Object: a.ID, Decision: "allow",
		Reason: fmt.Sprintf("agreement=%s peer=%s query=%s sent", c.ID, c.Peer, q.ID)})
	raw, err := peer.ExchangeDeconfliction(ctx, "query", body)
	if err != nil {
		return err
	}
	ans, err := pairwise.ParseAnswer(ag, raw)
	if err != nil {
		return err
	}
	notices, conf, err := pend.Resolve(ans, x.Now(), func() string { return "" }, rand.Reader)
	if err != nil {
		return err
	}
	for i := range notices {
		if err := x.notify(ctx, c, q.ID, a, &notices[i]); err != nil {
			return err
		}
	}
	if body, err = json.Marshal(conf); err != nil {
		return err
	}
	_, err = peer.ExchangeDeconfliction(ctx, "confirm", body)
	return err
}

// notify stores a notice of the exchange to the owner of a, this node's
// action: its id derives from a's version and what the notice says of the
// other action, and it dates from a's version, so that the same meeting
// asked again gives the same notice (a no-op).
func (x *Exchange) notify(ctx context.Context, c *AgreementConfig, query string, a *kizuna.DefensiveAction, n *kizuna.DeconflictionNotice) error {
	n.Created = a.Modified
	n.ID = dcstix.TypeNotice + "--" + kizuna.NameUUID(namespace, strings.Join([]string{"exchange", c.ID, a.ID, stix.FormatTimestamp(a.Modified),
		n.OtherNation, n.OtherOrg, n.OtherKind, fmt.Sprint(n.OtherCategory), stix.FormatTimestamp(n.WindowStart), stix.FormatTimestamp(n.WindowEnd)}, "|"))
	// The node's own work, not the calling peer's.
	own := kizuna.NewContextWithPrincipal(ctx, nil)
	if err := x.s.storeNotices(own, []*kizuna.DeconflictionNotice{n}, []*kizuna.DefensiveAction{a}); err != nil {
		if kizuna.ErrorCode(err) == kizuna.ECONFLICT {
			// When both allies register at once, each owner's notice of
			// the meeting comes twice, from this node's own question and
			// from the ally's confirm, with the same id and version and
			// the overlap each side computed: the first one stored stands.
			return nil
		}
		return err
	}
	x.Audit(ctx, &kizuna.AuditEvent{Action: "deconflict.hit", Object: n.ID, Decision: "allow",
		Reason: fmt.Sprintf("agreement=%s peer=%s query=%s action=%s rule=%s", c.ID, c.Peer, query, a.ID, n.Rule)})
	return nil
}

// Exchange routes: a peer's query and confirm.
func (x *Exchange) register(mux *http.ServeMux, protectPeer func(http.Handler) http.Handler) {
	mux.Handle("POST /api/v1/deconfliction/exchange/query", protectPeer(http.HandlerFunc(x.handleQuery)))
	mux.Handle("POST /api/v1/deconfliction/exchange/confirm", protectPeer(http.HandlerFunc(x.handleConfirm)))
}

// agreementFor returns the agreement a message from the calling peer
// names: refused unless this node holds it with that peer, of the peer's
// nation. The refusal reads the same whether the agreement exists with
// another peer or not at all.
func (x *Exchange) agreementFor(ctx context.Context, raw []byte) (*kizuna.Principal, *AgreementConfig, *agIndex, error) {
	p, err := peerCaller(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var head struct {
		Agreement string `json:"agreement"`
	}
	json.Unmarshal(raw, &head)
	x.s.cat.mu.Lock()
	defer x.s.cat.mu.Unlock()
	ags, err := x.indexesLocked(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	c := ags.Find(head.Agreement)
	if c == nil || c.Peer != p.Name || c.Nation != p.Nation {
		return nil, nil, nil, kizuna.Errorf(kizuna.EFORBIDDEN, "no deconfliction agreement %q with peer %q on this node", head.Agreement, p.Name)
	}
	if x.indexes[c.ID] == nil {
		return nil, nil, nil, kizuna.Errorf(kizuna.EUNAVAILABLE, "agreement %s: this node does not match under it now (its conflict rules are not the agreed ones); its log says why", c.ID)
	}
	return p, c, x.indexes[c.ID], nil
}

// peerCaller returns the calling principal when it is a peer node.
func peerCaller(ctx context.Context) (*kizuna.Principal, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.HasRole(kizuna.RolePeer) {
		return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "only a peer node takes part in the deconfliction exchange")
	}
	return p, nil
}

// message is a message of the exchange received from a peer under an
// agreement.
type message struct {
	p   *kizuna.Principal
	c   *AgreementConfig
	ai  *agIndex
	ag  *pairwise.Agreement
	raw []byte
}

// received reads a message of at most max bytes from a peer, and the
// agreement it names with that peer; a caller that is not a peer is
// refused before its body is read.
func (x *Exchange) received(w http.ResponseWriter, r *http.Request, max int64) (*message, error) {
	if _, err := peerCaller(r.Context()); err != nil {
		return nil, err
	}
	raw, err := x.s.bodyUpTo(w, r, max)
	if err != nil {
		return nil, err
	}
	p, c, ai, err := x.agreementFor(r.Context(), raw)
	if err != nil {
		return nil, err
	}
	ag, err := c.Agreement(x.Self)
	if err != nil {
		return nil, err
	}
	return &message{p: p, c: c, ai: ai, ag: ag, raw: raw}, nil
}

// handleQuery answers POST /api/v1/deconfliction/exchange/query: a peer's
// pairwise.Query under an agreement with it; the answer is a
// pairwise.Answer.
func (x *Exchange) handleQuery(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, err := x.received(w, r, maxQueryBody)
	if err != nil {
		x.s.WriteError(w, r, err)
		return
	}
	p, c, ai := m.p, m.c, m.ai
	q, err := pairwise.ParseQuery(m.ag, m.raw)
	if err != nil {
		x.s.WriteError(w, r, err)
		return
	}
	x.s.cat.mu.Lock()
	if !x.limitLocked(c, "in") {
		x.s.cat.mu.Unlock()
		x.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: "deconflict.query", Object: c.ID, Decision: "deny",
			Reason: fmt.Sprintf("peer=%s query=%s: over the agreement's rate of %d queries a minute", c.Peer, q.ID, c.Rate)})
		x.s.WriteError(w, r, kizuna.Errorf(kizuna.EUNAVAILABLE, "agreement %s: over its rate of %d queries a minute; try again later", c.ID, c.Rate))
		return
	}
	ans, st, err := ai.ix.Respond(q, rand.Reader)
	if err == nil {
		x.answered.put(x.Now(), q.ID, &answered{agreement: c.ID, peer: c.Peer, ix: ai.ix, st: st, at: x.Now()})
	}
	x.s.cat.mu.Unlock()
	if err != nil {
		x.s.WriteError(w, r, err)
		return
	}
	x.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: "deconflict.query", Object: c.ID, Decision: "allow",
		Reason: fmt.Sprintf("peer=%s query=%s answered", c.Peer, q.ID)})
	apiobj.WriteJSON(w, http.StatusOK, ans)
}

// handleConfirm answers POST /api/v1/deconfliction/exchange/confirm: the
// peer's pairwise.Confirm of a query this node answered; the notices to
// the owners of this node's actions it met are stored.
func (x *Exchange) handleConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	m, err := x.received(w, r, x.s.MaxBody)
	if err != nil {
		x.s.WriteError(w, r, err)
		return
	}
	c := m.c
	conf, err := pairwise.ParseConfirm(m.ag, m.raw)
	if err != nil {
		x.s.WriteError(w, r, err)
		return
	}
	x.s.cat.mu.Lock()
	an := x.answered.take(c.ID, c.Peer, conf.Query)
	var notices []kizuna.DeconflictionNotice
	var owners []*kizuna.DefensiveAction
	if an != nil {
		notices, err = an.ix.Confirmed(an.st, conf, x.Now(), func() string { return "" })
		for _, n := range notices {
			owners = append(owners, x.s.cat.latest[n.ActionRef])
		}
	}
	x.s.cat.mu.Unlock()
	if an == nil {
		x.s.WriteError(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "agreement %s: no query %s awaits a confirm", c.ID, conf.Query))
		return
	}
	if err != nil {
		x.s.WriteError(w, r, err)
		return
	}
	for i := range notices {
		if owners[i] == nil {
			continue
		}
		if err := x.notify(ctx, c, conf.Query, owners[i], &notices[i]); err != nil {
			x.s.WriteError(w, r, err)
			return
		}
	}
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{})
}
