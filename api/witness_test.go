package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// fakeWitness records what it is asked and answers with err, or with a
// receipt of the head.
type fakeWitness struct {
	err          error
	gotAfter     int64
	gotLimit     int
	gotHead      *kizuna.AuditHead
	gotPrincipal string
	heads        *kizuna.WitnessedHeads
}

func (f *fakeWitness) WitnessAuditHead(ctx context.Context, h *kizuna.AuditHead) (*kizuna.AuditReceipt, error) {
	f.gotHead = h
	if p := kizuna.PrincipalFromContext(ctx); p != nil {
		f.gotPrincipal = p.Name
	}
	if f.err != nil {
		return nil, f.err
	}
	return &kizuna.AuditReceipt{Head: *h, Witness: "identity--w", Key: "k", Sig: "s"}, nil
}

func (f *fakeWitness) WitnessedAuditHeads(ctx context.Context, after int64, limit int) (*kizuna.WitnessedHeads, error) {
	f.gotAfter, f.gotLimit = after, limit
	if f.err != nil {
		return nil, f.err
	}
	return f.heads, nil
}

func serveWitness(t *testing.T, f *fakeWitness, method, target, body string) (int, []byte) {
	t.Helper()
	s := &Server{Witness: f}
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req = req.WithContext(kizuna.NewContextWithPrincipal(req.Context(), &kizuna.Principal{Name: "jpn", Roles: []string{kizuna.RolePeer}}))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, b
}

func TestWitnessHeadHandler(t *testing.T) {
	head := `{"node":"identity--a","seq":12,"hash":"ab","time":"2026-05-01T00:00:00.000001Z","key":"k","sig":"s"}`
	f := &fakeWitness{}
	code, body := serveWitness(t, f, http.MethodPost, "/api/v1/audit/heads", head)
	var r kizuna.AuditReceipt
	if code != http.StatusOK || json.Unmarshal(body, &r) != nil || r.Head.Seq != 12 || r.Witness != "identity--w" {
		t.Fatalf("POST a head: %d %s", code, body)
	}
	if f.gotPrincipal != "jpn" || !f.gotHead.Time.Equal(time.Date(2026, 5, 1, 0, 0, 0, 1000, time.UTC)) {
		t.Errorf("the witness got %+v from %q", f.gotHead, f.gotPrincipal)
	}
	cases := []struct {
		name, body string
		err        error
		code       int
		want       string
	}{
		{"conflict", head, kizuna.Errorf(kizuna.ECONFLICT, "fork: entry 12"), http.StatusConflict, "fork: entry 12"},
		{"forbidden", head, kizuna.Errorf(kizuna.EFORBIDDEN, "only a peer node"), http.StatusForbidden, "only a peer node"},
		{"unknown field", `{"seq":1,"extra":true}`, nil, http.StatusBadRequest, "extra"},
		{"not JSON", `{"seq":`, nil, http.StatusBadRequest, "audit head"},
		{"two objects", head + head, nil, http.StatusBadRequest, "one JSON object expected"},
		{"too large", `{"sig":"` + strings.Repeat("x", maxHeadBody) + `"}`, nil, http.StatusRequestEntityTooLarge, "exceeds"},
	}
	for _, c := range cases {
		code, body := serveWitness(t, &fakeWitness{err: c.err}, http.MethodPost, "/api/v1/audit/heads", c.body)
		if code != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s, want %d containing %q", c.name, code, body, c.code, c.want)
		}
	}
}

func TestWitnessedHeadsHandler(t *testing.T) {
	f := &fakeWitness{heads: &kizuna.WitnessedHeads{Heads: []*kizuna.WitnessedHead{{AuditHead: kizuna.AuditHead{Seq: 40}, Peer: "usa"}}, More: true}}
	code, body := serveWitness(t, f, http.MethodGet, "/api/v1/audit/heads?after=30&limit=5", "")
	var got kizuna.WitnessedHeads
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Heads) != 1 || got.Heads[0].Seq != 40 || !got.More {
		t.Fatalf("GET heads: %d %s", code, body)
	}
	if f.gotAfter != 30 || f.gotLimit != 5 {
		t.Errorf("the witness was asked after %d limit %d, want 30 and 5", f.gotAfter, f.gotLimit)
	}
	for _, q := range []string{"after=-1", "after=x", "limit=0", "limit=y"} {
		if code, body := serveWitness(t, &fakeWitness{}, http.MethodGet, "/api/v1/audit/heads?"+q, ""); code != http.StatusBadRequest {
			t.Errorf("?%s: %d %s, want 400", q, code, body)
		}
	}
	// Without a witness the routes do not exist.
	s := &Server{}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/audit/heads", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("no witness: %d, want 404", rec.Code)
	}
}
