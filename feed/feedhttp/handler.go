package feedhttp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
)

// MarkingsTrailer names the trailer that states the markings of what a
// feed's answer held, known only once it is written.
const MarkingsTrailer = "Kizuna-Markings"

// Collections finds a collection the principal in ctx may read.
type Collections interface {
	FindCollectionByID(ctx context.Context, id string) (*kizuna.Collection, error)
}

// Handler serves GET /api/v1/feeds/{name} and the hash list files of a
// rules feed at GET /api/v1/feeds/{name}/lists/{file}. It expects the
// authenticated principal in the request context.
type Handler struct {
	// Objects and Collections are the guarded store: every answer holds
	// what the principal may read, redacted as the principal sees it.
	Objects     kizuna.ObjectStore
	Collections Collections
	// Feeds returns the node's feeds; it is called on every request, so
	// that a feed added or removed takes effect without a restart.
	Feeds func(ctx context.Context) ([]Feed, error)
	// Audit records each export (may be nil).
	Audit  func(ctx context.Context, e *kizuna.AuditEvent)
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// MaxExports bounds the exports and validator computations running at
	// once (DefaultMaxExports when zero): each reads the whole collection.
	// Past it a request is answered 503 with Retry-After; a poll answered
	// from a kept validator takes no slot.
	MaxExports int

	mu    sync.Mutex
	cache map[string]cachedValidator // by salt: feed, spec, part, reader
	slots chan struct{}
	// Revalidate is how long a validator computed for a reader is kept
	// (DefaultRevalidate when zero). Within it, a poll costs one store
	// query for a version added since, visible to the reader; a deletion,
	// which adds nothing, shows in the validator once it has expired.
	Revalidate time.Duration
	// WriteTimeout bounds the writing of one answer (DefaultWriteTimeout
	// when zero), in place of the server's own, which is set for TAXII
	// pages: a feed of a million indicators takes longer.
	WriteTimeout time.Duration
}

// DefaultRevalidate is how long a validator is kept by default.
const DefaultRevalidate = 5 * time.Minute

// maxCached bounds the validators kept; past it they are all dropped.
const maxCached = 10_000

// cachedValidator is a validator and when it was computed.
type cachedValidator struct {
	v  feed.Validator
	at time.Time
}

// DefaultMaxExports is how many exports may run at once by default.
const DefaultMaxExports = 2

// errBusy answers a request past MaxExports.
var errBusy = kizuna.Errorf(kizuna.EUNAVAILABLE, "the node is writing as many feeds as it may at once; retry later")

// acquire takes an export slot, or reports that none is free.
func (h *Handler) acquire() (release func(), err error) {
	h.mu.Lock()
	if h.slots == nil {
		n := h.MaxExports
		if n <= 0 {
			n = DefaultMaxExports
		}
		h.slots = make(chan struct{}, n)
	}
	slots := h.slots
	h.mu.Unlock()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	default:
		return nil, errBusy
	}
}

// DefaultWriteTimeout is the time an answer may take to write.
const DefaultWriteTimeout = 30 * time.Minute

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/feeds/{name}", h.serveFeed)
	mux.HandleFunc("GET /api/v1/feeds/{name}/lists/{file}", h.serveList)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// resolve finds the feed and its collection as the principal sees them. A
// feed whose collection the principal may not read is as absent as one
// that does not exist: the same 404 and the same message.
func (h *Handler) resolve(r *http.Request) (*Feed, kizuna.ObjectFilter, error) {
	name := r.PathValue("name")
	notFound := kizuna.Errorf(kizuna.ENOTFOUND, "feed %q not found", name)
	feeds, err := h.Feeds(r.Context())
	if err != nil {
		return nil, kizuna.ObjectFilter{}, fmt.Errorf("reading the feeds: %w", err)
	}
	for i := range feeds {
		f := &feeds[i]
		if f.Name != name {
			continue
		}
		c, err := h.Collections.FindCollectionByID(r.Context(), f.Collection)
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			return nil, kizuna.ObjectFilter{}, notFound
		} else if err != nil {
			return nil, kizuna.ObjectFilter{}, err
		}
		return f, f.Query(c.ID), nil
	}
	return nil, kizuna.ObjectFilter{}, notFound
}

// readerSalt distinguishes readers whose answers may differ for the same
// objects (portion redaction depends on the reader's attributes), so that
// a reader whose clearance changed does not keep a stale answer.
func readerSalt(p *kizuna.Principal) string {
	b, _ := json.Marshal(struct {
		ID, Organization, Nation string
		Clearances               []kizuna.Classification
		Communities, Roles       []string
	}{p.ID, p.Organization, p.Nation, p.Clearances, p.Communities, p.Roles})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// validate computes the validator of what the answer would hold from the
// envelopes alone, sets ETag and Last-Modified, and reports whether the
// request's conditions let it be answered 304.
func (h *Handler) validate(w http.ResponseWriter, r *http.Request, f *Feed, filter kizuna.ObjectFilter, now time.Time, part string) (bool, error) {
	filter.IncludeRaw = false
	salt := f.Salt(now, f.Name+"\x00"+f.Collection+"\x00"+part+"\x00"+readerSalt(kizuna.PrincipalFromContext(r.Context())))
	v, err := h.validator(r.Context(), f, filter, salt, now)
	if err != nil {
		return false, err
	}
	w.Header().Set("ETag", v.ETag)
	if !v.LastModified.IsZero() {
		w.Header().Set("Last-Modified", v.LastModified.Format(http.TimeFormat))
	}
	w.Header().Set("Cache-Control", "private, no-store")
	return v.NotModified(r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")), nil
}

// start resolves the feed and answers the request's conditions: done is
// true when the answer (an error, or 304) has been given.
func (h *Handler) start(w http.ResponseWriter, r *http.Request, part string) (f *Feed, filter kizuna.ObjectFilter, now time.Time, done bool) {
	f, filter, err := h.resolve(r)
	if err != nil {
		h.error(w, r, err)
		return nil, filter, now, true
	}
	if part != "" && f.Format != feed.FormatSuricata {
		h.error(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "feed %q has no list %q", f.Name, r.PathValue("file")))
		return nil, filter, now, true
	}
	now = h.now()
	if fresh, err := h.validate(w, r, f, filter, now, part); err != nil {
		h.error(w, r, err)
		return nil, filter, now, true
	} else if fresh {
		w.WriteHeader(http.StatusNotModified)
		return nil, filter, now, true
	}
	filter.IncludeRaw = true
	return f, filter, now, false
}

// extend replaces the server's write deadline with the handler's.
func (h *Handler) extend(w http.ResponseWriter) {
	d := h.WriteTimeout
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	// An error means the writer cannot move its deadline (a test
	// recorder); the server's own then applies.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
}

// validator returns the validator of what the filter selects for the
// reader: the one computed within Revalidate when the reader may read no
// version added since (matching the feed's search or not), else one
// computed afresh from every envelope (and, when the search reads them,
// the objects' JSON as the reader sees it).
func (h *Handler) validator(ctx context.Context, fd *Feed, filter kizuna.ObjectFilter, salt string, now time.Time) (feed.Validator, error) {
	keep := h.Revalidate
	if keep <= 0 {
		keep = DefaultRevalidate
	}
	h.mu.Lock()
	c, ok := h.cache[salt]
	h.mu.Unlock()
	if ok && now.Sub(c.at) < keep && now.Sub(c.at) >= 0 {
		f := filter
		f.Limit = 1
		if !c.v.LastAdded.IsZero() {
			f.AddedAfter = &c.v.LastAdded
		}
		page, err := h.Objects.FindObjects(ctx, f)
		if err != nil {
			return feed.Validator{}, err
		}
		if len(page.Objects) == 0 && !c.v.LastAdded.IsZero() {
			return c.v, nil
		}
	}
	release, err := h.acquire()
	if err != nil {
		return feed.Validator{}, err
	}
	v, err := feed.ETag(fd.Read(ctx, h.Objects, filter, now), salt)
	release()
	if err != nil {
		return feed.Validator{}, err
	}
	h.mu.Lock()
	if h.cache == nil || len(h.cache) >= maxCached {
		h.cache = map[string]cachedValidator{}
	}
	h.cache[salt] = cachedValidator{v: v, at: now}
	h.mu.Unlock()
	return v, nil
}

func (h *Handler) serveFeed(w http.ResponseWriter, r *http.Request) {
	h.extend(w)
	f, filter, now, done := h.start(w, r, "")
	if done {
		return
	}
	release, err := h.acquire()
	if err != nil {
		h.error(w, r, err)
		return
	}
	defer release()
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Content-Disposition", `inline; filename="`+f.FileName()+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Trailer", MarkingsTrailer)
	w.WriteHeader(http.StatusOK)
	// The status now, so that a poller sees the answer begin while a
	// blocklist, sorted at its end, is gathered.
	_ = http.NewResponseController(w).Flush()
	rep, lists, err := f.Export(w, f.Read(r.Context(), h.Objects, filter, now), now, feed.Options{})
	if err != nil {
		h.abort(r, f, err)
	}
	// Every list the rules load is part of the answer's content; their
	// markings count too (they are among the report's already).
	w.Header().Set(MarkingsTrailer, encodeMarkings(rep.Markings))
	h.audit(r, f, "", rep, len(lists))
}

func (h *Handler) serveList(w http.ResponseWriter, r *http.Request) {
	h.extend(w)
	name := r.PathValue("file")
	f, filter, now, done := h.start(w, r, "lists/"+name)
	if done {
		return
	}
	release, err := h.acquire()
	if err != nil {
		h.error(w, r, err)
		return
	}
	defer release()
	// The lists are complete only once every indicator is read: the rules
	// are generated and discarded.
	rep, lists, err := f.Export(io.Discard, f.Read(r.Context(), h.Objects, filter, now), now, feed.Options{})
	if err != nil {
		h.error(w, r, err)
		return
	}
	for _, l := range lists {
		if l.Name != name {
			continue
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set(MarkingsTrailer, encodeMarkings([]string{l.Marking}))
		w.WriteHeader(http.StatusOK)
		if _, err := l.WriteTo(w); err != nil {
			h.abort(r, f, err)
		}
		rep.Entries = l.Len()
		rep.Markings = []string{l.Marking}
		h.audit(r, f, name, rep, 0)
		return
	}
	// A list of a marking the reader may not read does not exist for it.
	h.error(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "feed %q has no list %q", f.Name, name))
}

// encodeMarkings writes marking banners in a header value: each
// percent-encoded (they may hold commas and characters outside ASCII, such
// as JPN 極秘), separated by commas.
func encodeMarkings(banners []string) string {
	enc := make([]string, len(banners))
	for i, b := range banners {
		enc[i] = url.QueryEscape(b)
	}
	return strings.Join(enc, ",")
}

// DecodeMarkings reads the value of the markings trailer.
func DecodeMarkings(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		b, err := url.QueryUnescape(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (h *Handler) audit(r *http.Request, f *Feed, list string, rep *feed.Report, lists int) {
	if h.Audit == nil {
		return
	}
	p := kizuna.PrincipalFromContext(r.Context())
	what := f.Name
	if list != "" {
		what += "/lists/" + list
	}
	h.Audit(r.Context(), &kizuna.AuditEvent{
		Principal: p.ID, Action: "feed.export", Object: f.Collection, Decision: "allow",
		Reason: fmt.Sprintf("feed %s (%s%s) over HTTP: %d read, %d exported, %d entries, %d lists, %d left out, %d in part; markings: %s",
			what, f.Format, searchNote(f.Search), rep.Read, rep.Exported, rep.Entries, lists, rep.SkippedCount, rep.PartialCount, strings.Join(rep.Markings, "; ")),
	})
}

// abort ends an answer whose body has begun: the status is sent, so the
// connection is cut, and the client sees a truncated transfer rather than
// a short feed it might take for complete.
func (h *Handler) abort(r *http.Request, f *Feed, err error) {
	h.logger().ErrorContext(r.Context(), "feed export failed", slog.String("feed", f.Name),
		slog.String("request_id", kizuna.RequestIDFromContext(r.Context())), slog.Any("err", err))
	panic(http.ErrAbortHandler)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// statusOf maps domain error codes to HTTP statuses.
var statusOf = map[string]int{
	kizuna.EINVALID:      http.StatusBadRequest,
	kizuna.EUNAUTHORIZED: http.StatusUnauthorized,
	kizuna.EFORBIDDEN:    http.StatusForbidden,
	kizuna.ENOTFOUND:     http.StatusNotFound,
	kizuna.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// errorBody is the TAXII 2.1 error message.
type errorBody struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	ErrorID     string `json:"error_id,omitempty"`
	ErrorCode   string `json:"error_code,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

// error answers with the TAXII error message for err. An internal error is
// logged here, once; the client sees the request id to quote.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	code := kizuna.ErrorCode(err)
	status, ok := statusOf[code]
	msg := kizuna.ErrorMessage(err)
	reqID := kizuna.RequestIDFromContext(r.Context())
	if !ok {
		status = http.StatusInternalServerError
		h.logger().ErrorContext(r.Context(), "feed request failed", slog.String("path", r.URL.Path),
			slog.String("request_id", reqID), slog.Any("err", err))
		msg = "Internal error; quote error_id " + reqID + " to the node operator."
	}
	for _, k := range []string{"ETag", "Last-Modified"} {
		w.Header().Del(k)
	}
	if code == kizuna.EUNAVAILABLE {
		w.Header().Set("Retry-After", "30")
	}
	w.Header().Set("Content-Type", "application/taxii+json;version=2.1")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Title: http.StatusText(status), Description: msg, ErrorID: reqID,
		ErrorCode: code, HTTPStatus: strconv.Itoa(status)})
}

// searchNote names a feed's search in an audit record ("" for none).
func searchNote(s *feed.Search) string {
	if s.IsZero() {
		return ""
	}
	return "; search " + s.String()
}
