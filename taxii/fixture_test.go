package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/mock"
	"github.com/kizuna-dev/kizuna/taxii"
)

// Principals of the mock fixture, with their tokens.
var (
	alice = &kizuna.Principal{ID: "principal--alice", Name: "alice", Nation: "USA", Roles: []string{kizuna.RolePublisher}}
	bob   = &kizuna.Principal{ID: "principal--bob", Name: "bob", Nation: "JPN", Roles: []string{kizuna.RoleReader}}
	root  = &kizuna.Principal{ID: "principal--root", Name: "root", Nation: "USA", Roles: []string{kizuna.RoleAdmin}}

	tokens = map[string]*kizuna.Principal{"tok-alice": alice, "tok-bob": bob, "tok-root": root}
)

// Collection ids of the mock fixture: open is readable and writable by
// alice and readable by bob; secret is visible to nobody but root.
const (
	openID   = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
	secretID = "52892447-4d7e-4f70-b94d-d7f22742ff63"
)

// fixture is a Server over mocks, served by httptest.
type fixture struct {
	srv         *taxii.Server
	objects     *mock.ObjectStore
	collections *mock.CollectionStore
	statuses    *memStatuses
	ingester    *mock.Ingester
	ts          *httptest.Server
	logs        *bytes.Buffer
	audit       *memAudit
}

// MustFixture returns a running fixture; cfg may be zero.
func MustFixture(tb testing.TB, cfg taxii.Config) *fixture {
	tb.Helper()
	colls := map[string]*kizuna.Collection{
		openID:   {ID: openID, Title: "Open", Alias: "open"},
		secretID: {ID: secretID, Title: "Secret"},
	}
	f := &fixture{
		objects:  &mock.ObjectStore{},
		statuses: &memStatuses{m: map[string]*kizuna.Status{}},
		ingester: &mock.Ingester{},
		logs:     &bytes.Buffer{},
	}
	f.collections = &mock.CollectionStore{
		FindCollectionByIDFn: func(ctx context.Context, id string) (*kizuna.Collection, error) {
			if c, ok := colls[id]; ok {
				return c, nil
			}
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no collection %s", id)
		},
		FindCollectionsFn: func(ctx context.Context) ([]*kizuna.Collection, error) {
			return []*kizuna.Collection{colls[openID], colls[secretID]}, nil
		},
	}
	auth := &mock.Authorizer{
		CanReadFn: func(ctx context.Context, c *kizuna.Collection) bool {
			p := kizuna.PrincipalFromContext(ctx)
			return c.ID == openID || p.HasRole(kizuna.RoleAdmin)
		},
		CanWriteFn: func(ctx context.Context, c *kizuna.Collection) bool {
			p := kizuna.PrincipalFromContext(ctx)
			return (c.ID == openID && p.HasRole(kizuna.RolePublisher)) || p.HasRole(kizuna.RoleAdmin)
		},
	}
	principals := &mock.PrincipalStore{
		FindPrincipalByTokenHashFn: func(ctx context.Context, h []byte) (*kizuna.Principal, error) {
			for tok, p := range tokens {
				if bytes.Equal(kizuna.HashToken(tok), h) {
					return p, nil
				}
			}
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no principal")
		},
		FindPrincipalByNameFn: func(ctx context.Context, name string) (*kizuna.Principal, error) {
			for _, p := range tokens {
				if p.Name == name {
					return p, nil
				}
			}
			return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no principal")
		},
	}
	f.srv = taxii.NewServer(cfg)
	f.srv.Objects, f.srv.Collections, f.srv.Statuses = f.objects, f.collections, f.statuses
	f.srv.Principals, f.srv.Authorizer, f.srv.Ingester = principals, auth, f.ingester
	f.srv.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: f.logs}, nil))
	f.audit = &memAudit{}
	f.srv.Audit = f.audit
	f.ts = httptest.NewServer(f.srv.Handler())
	// Redirects are checked, not followed.
	f.ts.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	tb.Cleanup(func() {
		f.ts.Close()
		f.srv.Close()
	})
	return f
}

// lockedWriter serialises writes from the workers and the handlers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// memAudit is an AuditStore in memory.
type memAudit struct {
	mu     sync.Mutex
	events []kizuna.AuditEvent
}

func (a *memAudit) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range events {
		a.events = append(a.events, *e)
	}
	return nil
}

func (a *memAudit) FindAudit(ctx context.Context, afterSeq int64, limit int) ([]*kizuna.AuditEvent, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*kizuna.AuditEvent, len(a.events))
	for i := range a.events {
		e := a.events[i]
		out[i] = &e
	}
	return out, nil
}

// memStatuses is a StatusStore in memory, copying on every call like a real
// store does.
type memStatuses struct {
	mu      sync.Mutex
	m       map[string]*kizuna.Status
	updates int // UpdateStatus calls
}

func (s *memStatuses) CreateStatus(ctx context.Context, st *kizuna.Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[st.ID]; ok {
		return kizuna.Errorf(kizuna.ECONFLICT, "status exists")
	}
	cp := *st
	s.m[st.ID] = &cp
	return nil
}

func (s *memStatuses) UpdateStatus(ctx context.Context, st *kizuna.Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[st.ID]; !ok {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no status")
	}
	s.updates++
	cp := *st
	s.m[st.ID] = &cp
	return nil
}

func (s *memStatuses) FindStatusByID(ctx context.Context, id string) (*kizuna.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if !ok {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no status")
	}
	cp := *st
	return &cp, nil
}

func (s *memStatuses) FindPendingStatuses(ctx context.Context) ([]*kizuna.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*kizuna.Status
	for _, st := range s.m {
		if st.Status == kizuna.StatusPending {
			cp := *st
			out = append(out, &cp)
		}
	}
	return out, nil
}

// request describes one HTTP request of a test.
type request struct {
	method, path, token, accept, contentType string
	body                                     string
	header                                   http.Header
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// target is a server under test.
type target interface {
	server() *httptest.Server
	defaultToken() string
}

func (f *fixture) server() *httptest.Server { return f.ts }
func (f *fixture) defaultToken() string     { return "tok-alice" }

// MustDo sends the request; a zero token means the target's default bearer
// token, "-" none; a zero accept means the TAXII media type, "-" none.
func MustDo(tb testing.TB, f target, rq request) response {
	tb.Helper()
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	ts := f.server()
	req, err := http.NewRequest(rq.method, ts.URL+rq.path, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, vs := range rq.header {
		req.Header[k] = vs
	}
	switch rq.token {
	case "":
		req.Header.Set("Authorization", "Bearer "+f.defaultToken())
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	switch rq.accept {
	case "":
		req.Header.Set("Accept", taxii.MediaTypeTAXII)
	case "-":
	default:
		req.Header.Set("Accept", rq.accept)
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// MustDecode decodes the response body into v.
func MustDecode(tb testing.TB, r response, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decoding %q: %v", r.body, err)
	}
}

// MustError checks that r is a TAXII error object with the status.
func MustError(tb testing.TB, r response, status int) taxii.ErrorMessage {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != taxii.MediaTypeTAXII {
		tb.Errorf("Content-Type = %q, want %q", ct, taxii.MediaTypeTAXII)
	}
	var em taxii.ErrorMessage
	MustDecode(tb, r, &em)
	if em.Title == "" || em.HTTPStatus != itoa(status) || em.Description == "" {
		tb.Errorf("error object %+v: want a title, a description and http_status %q", em, itoa(status))
	}
	return em
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
