package routeapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/route"
)

// maxBody bounds a request body of these routes.
const maxBody = 1 << 20

// register adds the sector routes to the node.
func (s *Service) register(r *node.Router) {
	h := func(pattern string, f http.HandlerFunc) { r.Mux.Handle(pattern, r.Protect(f)) }
	admin := func(pattern string, f http.HandlerFunc) { r.Mux.Handle(pattern, r.ProtectRole(kizuna.RoleAdmin, f)) }
	h("GET /api/v1/inbox", s.handleInbox)
	h("GET /api/v1/sectors", s.handleSectors)
	h("GET /api/v1/sectors/crosswalk", s.handleCrosswalk)
	h("GET /api/v1/sectors/tiers/diff", s.handleTierDiff)
	h("GET /api/v1/sectors/{id}", s.handleSector)
	h("GET /api/v1/sectors/{id}/requirements", s.handleRequirements)
	h("GET /api/v1/objects/{id}/tearline-draft", s.handleDraft)
	h("POST /api/v1/objects/{id}/tearlines", s.handleTearline)
	admin("POST /api/v1/webhooks", s.handleAddWebhook)
	admin("GET /api/v1/webhooks", s.handleWebhooks)
	admin("DELETE /api/v1/webhooks/{id}", s.handleRemoveWebhook)
	admin("GET /api/v1/webhooks/dead-letters", s.handleDeadLetters)
	admin("POST /api/v1/webhooks/dead-letters/requeue", s.handleRequeue)
}

type errorBody struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	ErrorCode   string `json:"error_code,omitempty"`
	HTTPStatus  string `json:"http_status,omitempty"`
}

var statusOf = map[string]int{
	kizuna.EINVALID: http.StatusBadRequest, kizuna.EFORBIDDEN: http.StatusForbidden, kizuna.ENOTFOUND: http.StatusNotFound,
	kizuna.ECONFLICT: http.StatusConflict, kizuna.ETOOLARGE: http.StatusRequestEntityTooLarge,
}

func (s *Service) error(w http.ResponseWriter, r *http.Request, err error) {
	code := kizuna.ErrorCode(err)
	status, ok := statusOf[code]
	msg := kizuna.ErrorMessage(err)
	if !ok {
		status, msg = http.StatusInternalServerError, "internal error"
		s.n.Logger.Error("sector api internal error", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, errorBody{Title: http.StatusText(status), Description: msg, ErrorCode: code, HTTPStatus: strconv.Itoa(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body strictly into v (apiobj.DecodeBody).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return apiobj.DecodeBody(w, r, maxBody, v)
}

func (s *Service) handleInbox(w http.ResponseWriter, r *http.Request) {
	pr := kizuna.PrincipalFromContext(r.Context())
	ns, err := s.inbox.list(r.Context(), pr.ID)
	if err == nil {
		ns, err = readable(r.Context(), s, pr, ns, func(n route.Notice) (string, time.Time) { return n.Object, n.Version })
	}
	var offers []route.Offer
	if err == nil {
		offers, err = s.offers.list(r.Context(), pr.ID)
	}
	if err == nil {
		offers, err = readable(r.Context(), s, pr, offers, func(o route.Offer) (string, time.Time) { return o.Object, o.Version })
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": ns, "offers": offers})
}

func (s *Service) handleDraft(w http.ResponseWriter, r *http.Request) {
	pr := kizuna.PrincipalFromContext(r.Context())
	d, err := s.Draft(r.Context(), pr, r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"approved": d})
}

func (s *Service) handleTearline(w http.ResponseWriter, r *http.Request) {
	var req TearlineRequest
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	res, err := s.Release(r.Context(), kizuna.PrincipalFromContext(r.Context()), r.PathValue("id"), req)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (s *Service) handleAddWebhook(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Principal string `json:"principal"`
		URL       string `json:"url"`
	}
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		s.error(w, r, kizuna.Errorf(kizuna.EINVALID, "$.url: %q is not an http(s) URL without credentials", req.URL))
		return
	}
	pr, err := s.n.Store.FindPrincipalByName(r.Context(), req.Principal)
	if err != nil {
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			err = kizuna.Errorf(kizuna.EINVALID, "$.principal: no principal named %q", req.Principal)
		}
		s.error(w, r, err)
		return
	}
	ep, err := s.eps.add(r.Context(), pr.ID, u.String())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": ep.ID, "principal": pr.ID, "url": ep.URL, "secret": string(ep.Secret)})
}

func (s *Service) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": s.eps.all()})
}

func (s *Service) handleRemoveWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.eps.remove(r.Context(), r.PathValue("id")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleDeadLetters(w http.ResponseWriter, r *http.Request) {
	ds, err := s.webhook.Outbox.DeadLetters(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	type row struct {
		Key       string `json:"key"`
		Endpoint  string `json:"endpoint"`
		Notice    string `json:"notice"`
		LastError string `json:"last_error"`
		Attempts  int    `json:"attempts"`
	}
	out := []row{}
	for _, d := range ds {
		out = append(out, row{Key: d.Key, Endpoint: d.Endpoint, Notice: d.Notice, LastError: d.LastError, Attempts: d.Attempts})
	}
	writeJSON(w, http.StatusOK, map[string]any{"dead_letters": out})
}

func (s *Service) handleRequeue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key string `json:"key"`
	}
	if err := decode(w, r, &req); err != nil {
		s.error(w, r, err)
		return
	}
	if err := s.webhook.Outbox.Requeue(r.Context(), req.Key, time.Now()); err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"requeued": req.Key})
}
