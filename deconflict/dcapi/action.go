package dcapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// Conflict is one conflict reported to the registrant: the other action,
// which it may read, the rules that fired and where they meet.
type Conflict struct {
	OtherRef       string    `json:"other_ref"`
	OtherNation    string    `json:"other_nation"`
	OtherOrg       string    `json:"other_organization_ref"`
	OtherKind      string    `json:"other_action_kind"`
	OtherCat       int       `json:"other_category"`
	Rules          []string  `json:"rules"`
	Severity       string    `json:"severity"`
	Overlap        []string  `json:"overlap"`
	WindowStart    time.Time `json:"window_start"`
	WindowEnd      time.Time `json:"window_end"`
	NoticeRef      string    `json:"notice_ref,omitempty"`
	OtherNoticeRef string    `json:"other_notice_ref,omitempty"`
}

// Registered is the answer to a registration.
type Registered struct {
	Action    json.RawMessage `json:"action"`
	Conflicts []Conflict      `json:"conflicts"`
}

// register stores a defensive action (or a new version of one) with the
// rights of the principal, matches it against the registrations the
// principal may read and stores a notice to each owner per conflict.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := principal(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	raw, err := s.body(w, r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	a, err := dcstix.DecodeAction(raw)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if a.Organization != p.Organization || a.Nation != p.Nation {
		s.WriteError(w, r, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: $.organization_ref and $.nation must be the registrant's (%s, %s)", a.ID, p.Organization, p.Nation))
		return
	}
	if err := apiobj.Ingest(ctx, s.Ingester, s.Collection, raw); err != nil {
		s.WriteError(w, r, err)
		return
	}
	conflicts, err := s.match(ctx, a)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := Registered{Action: raw, Conflicts: []Conflict{}}
	for _, c := range conflicts {
		mine, theirs, err := s.notify(ctx, c)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		cf := conflictOf(s.Rules, c)
		cf.NoticeRef, cf.OtherNoticeRef = mine, theirs
		out.Conflicts = append(out.Conflicts, cf)
	}
	if s.Exchange != nil {
		s.Exchange.registered(a)
	}
	apiobj.WriteJSON(w, http.StatusCreated, out)
}

func conflictOf(rules *deconflict.Rules, c deconflict.Conflict) Conflict {
	return Conflict{OtherRef: c.Other.ID, OtherNation: c.Other.Nation, OtherOrg: c.Other.Organization, OtherKind: c.Other.Kind,
		OtherCat: c.Other.Category, Rules: c.Rules, Severity: rules.Severity(c.Rules), Overlap: c.Overlap,
		WindowStart: c.From, WindowEnd: c.To}
}

// match returns the conflicts of a with the registrations the reader
// may read: those of the in-memory registry whose version the guard
// gives the reader.
func (s *Server) match(ctx context.Context, a *kizuna.DefensiveAction) ([]deconflict.Conflict, error) {
	all, err := s.cat.match(ctx, a)
	if err != nil {
		return nil, err
	}
	var out []deconflict.Conflict
	for _, c := range all {
		o, err := s.readOne(ctx, c.Other.ID)
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if o.Version.Equal(c.Other.Modified) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Action is a registration as the reader reads it: the stored version
// and what it decodes to.
type Action struct {
	Object *kizuna.Object
	Action *kizuna.DefensiveAction
}

// Actions returns the registrations the principal of ctx may read, read
// through the guard (a stored version that does not decode is left out).
func (s *Server) Actions(ctx context.Context) ([]Action, error) {
	if _, err := principal(ctx); err != nil {
		return nil, err
	}
	objs, err := s.readAll(ctx, dcstix.TypeAction)
	if err != nil {
		return nil, err
	}
	var out []Action
	for _, o := range objs {
		if a, err := dcstix.DecodeAction(o.Raw); err == nil {
			out = append(out, Action{Object: o, Action: a})
		}
	}
	return out, nil
}

// list returns the registrations the reader may read; ?mine=true keeps
// those of the reader's organisation.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	acts, err := s.Actions(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	p := kizuna.PrincipalFromContext(r.Context())
	mine := r.URL.Query().Get("mine") == "true"
	out := []json.RawMessage{}
	for _, a := range acts {
		if mine && a.Action.Organization != p.Organization {
			continue
		}
		out = append(out, a.Object.Raw)
	}
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{"actions": out})
}

// get returns one registration the reader may read.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	o, err := s.action(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	apiobj.WriteJSON(w, http.StatusOK, o.Raw)
}

// action returns the registration a request names, read through the
// guard; ENOTFOUND for one that is not a registration or is hidden.
func (s *Server) action(r *http.Request) (*kizuna.Object, error) {
	if _, err := principal(r.Context()); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if !strings.HasPrefix(id, dcstix.TypeAction+"--") {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no defensive action %s in this collection", id)
	}
	return s.readOne(r.Context(), id)
}

// conflicts matches a registration the reader may read against the
// registrations the reader may read, without storing notices.
func (s *Server) conflicts(w http.ResponseWriter, r *http.Request) {
	o, err := s.action(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	a, err := dcstix.DecodeAction(o.Raw)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	cs, err := s.match(r.Context(), a)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := []Conflict{}
	for _, c := range cs {
		out = append(out, conflictOf(s.Rules, c))
	}
	apiobj.WriteJSON(w, http.StatusOK, map[string]any{"conflicts": out})
}
