package feedhttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// fakeStore holds indicators of one collection, pages them by index and
// counts its queries.
type fakeStore struct {
	kizuna.ObjectStore
	objs    []*kizuna.Object
	queries atomic.Int64
}

func (s *fakeStore) FindObjects(ctx context.Context, f kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	s.queries.Add(1)
	start, _ := strconv.Atoi(f.Next)
	var out []*kizuna.Object
	i := start
	for ; i < len(s.objs) && (f.Limit == 0 || len(out) < f.Limit); i++ {
		if f.AddedAfter == nil || s.objs[i].DateAdded.After(*f.AddedAfter) {
			out = append(out, s.objs[i])
		}
	}
	p := &kizuna.ObjectPage{Objects: out}
	if i < len(s.objs) {
		p.More, p.Next = true, strconv.Itoa(i)
	}
	return p, nil
}

type fakeCollections struct{}

func (fakeCollections) FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error) {
	if id != "c" {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "collection %s not found", id)
	}
	return &kizuna.Collection{ID: "c"}, nil
}

func (s *fakeStore) add(n int, added time.Time) {
	id := "indicator--00000000-0000-4000-8000-" + strings.Repeat("0", 12-len(strconv.Itoa(n))) + strconv.Itoa(n)
	raw := `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'h` + strconv.Itoa(n) + `.example']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`
	s.objs = append(s.objs, &kizuna.Object{ID: id, Type: "indicator", SpecVersion: "2.1", Version: added, DateAdded: added,
		Raw: []byte(raw), Hash: "h" + strconv.Itoa(n), Label: &kizuna.AccessLabel{TLP: kizuna.TLPGreen}, LabelID: 1})
}

// The kept validator: a poll within Revalidate costs one query; an
// addition shows at once; a deletion shows once the validator expires.
func TestValidatorIsKept(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	st := &fakeStore{}
	for i := 0; i < 2500; i++ {
		st.add(i, t0.Add(-time.Duration(2500-i)*time.Second))
	}
	h := &Handler{Objects: st, Collections: fakeCollections{}, Now: func() time.Time { return now },
		Feeds: func(context.Context) ([]Feed, error) {
			return ParseFeeds("feeds.json", []byte(`{"feeds":[{"name":"d","collection":"c","format":"blocklist-domain"}]}`))
		}}
	mux := http.NewServeMux()
	h.Register(mux)
	pr := &kizuna.Principal{ID: "principal--1", Name: "r", Nation: "USA", Roles: []string{kizuna.RoleReader}}
	get := func(etag string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/v1/feeds/d", nil)
		if etag != "" {
			r.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), pr)))
		return w
	}
	w := get("")
	e1 := w.Header().Get("ETag")
	if w.Code != 200 || e1 == "" || strings.Count(w.Body.String(), "\n") != 2500 {
		t.Fatalf("first GET: %d %q, %d lines", w.Code, e1, strings.Count(w.Body.String(), "\n"))
	}
	st.queries.Store(0)
	if w := get(e1); w.Code != http.StatusNotModified || st.queries.Load() != 1 {
		t.Errorf("a poll with the kept validator: %d after %d queries, want 304 after 1", w.Code, st.queries.Load())
	}
	now = t0.Add(time.Minute)
	st.add(9999, t0.Add(30*time.Second))
	w = get(e1)
	e2 := w.Header().Get("ETag")
	if w.Code != 200 || e2 == e1 || !strings.Contains(w.Body.String(), "h9999.example") {
		t.Errorf("after an addition: %d, tag %q (was %q)", w.Code, e2, e1)
	}
	st.objs = st.objs[1:] // a deletion adds nothing
	now = t0.Add(2 * time.Minute)
	if w := get(e2); w.Code != http.StatusNotModified {
		t.Errorf("a deletion within the kept validator's time: %d, want 304", w.Code)
	}
	now = t0.Add(2*time.Minute + DefaultRevalidate)
	if w := get(e2); w.Code != 200 || w.Header().Get("ETag") == e2 || strings.Contains(w.Body.String(), "h0.example\n") {
		t.Errorf("a deletion once the validator expired: %d, tag %q", w.Code, w.Header().Get("ETag"))
	}
	// Another reader has a validator of its own.
	pr = &kizuna.Principal{ID: "principal--2", Name: "s", Nation: "JPN", Roles: []string{kizuna.RoleReader}}
	if w := get(e2); w.Code != 200 {
		t.Errorf("another reader with the first one's tag: %d, want 200", w.Code)
	}
}

// Past MaxExports a request that must read the collection is answered 503
// with Retry-After; a poll answered from a kept validator still gets 304.
func TestExportsAreBounded(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	st := &fakeStore{}
	st.add(1, t0.Add(-time.Hour))
	h := &Handler{Objects: st, Collections: fakeCollections{}, MaxExports: 1, Now: func() time.Time { return t0 },
		Feeds: func(context.Context) ([]Feed, error) {
			return ParseFeeds("feeds.json", []byte(`{"feeds":[{"name":"d","collection":"c","format":"blocklist-domain"}]}`))
		}}
	mux := http.NewServeMux()
	h.Register(mux)
	get := func(name, etag string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/v1/feeds/d", nil)
		r.Header.Set("If-None-Match", etag)
		w := httptest.NewRecorder()
		pr := &kizuna.Principal{ID: "principal--" + name, Name: name, Nation: "USA", Roles: []string{kizuna.RoleReader}}
		mux.ServeHTTP(w, r.WithContext(kizuna.NewContextWithPrincipal(r.Context(), pr)))
		return w
	}
	etag := get("a", "").Header().Get("ETag")
	release, err := h.acquire() // an export under way
	if err != nil {
		t.Fatal(err)
	}
	if w := get("a", etag); w.Code != http.StatusNotModified {
		t.Errorf("a poll with a kept validator while the slot is taken: %d, want 304", w.Code)
	}
	if w := get("b", ""); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" ||
		!strings.Contains(w.Body.String(), `"http_status":"503"`) {
		t.Errorf("a full answer while the slot is taken: %d %v %s", w.Code, w.Header(), w.Body)
	}
	release()
	if w := get("b", ""); w.Code != http.StatusOK {
		t.Errorf("once the slot is free: %d", w.Code)
	}
}
