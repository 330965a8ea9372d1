package stream

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// request is what a stream request asks for.
type request struct {
	collections []string // ids or aliases; none: every collection the reader may read
	types       []string // STIX types; none: all
	kinds       []string // event kinds; none: all
	from        Cursor
}

// stixType is the syntax of a STIX type name.
var stixType = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,249}$`)

// list returns the values of a query parameter, repeated or
// comma-separated.
func list(q map[string][]string, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// parseRequest reads a stream request: ?collection=, ?types=, ?events=, and
// the position to start from, Last-Event-ID (a reconnecting client's), else
// ?since=, else now.
func parseRequest(r *http.Request, now time.Time) (*request, error) {
	q := r.URL.Query()
	for name := range q {
		switch name {
		case "collection", "types", "events", "since":
		default:
			return nil, kizuna.Errorf(kizuna.EINVALID, "?%s: unknown parameter (want collection, types, events or since)", name)
		}
	}
	req := &request{collections: list(q, "collection"), types: list(q, "types"), kinds: list(q, "events")}
	for _, t := range req.types {
		if !stixType.MatchString(t) {
			return nil, kizuna.Errorf(kizuna.EINVALID, "?types: %q is not a STIX type name", t)
		}
	}
	for _, k := range req.kinds {
		if !slices.Contains(kinds, k) {
			return nil, kizuna.Errorf(kizuna.EINVALID, "?events: %q is not an event kind (want %s)", k, strings.Join(kinds, ", "))
		}
	}
	switch id, since := r.Header.Get("Last-Event-ID"), q.Get("since"); {
	case id != "":
		c, err := ParseCursor(id)
		if err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "Last-Event-ID: not an event id of this stream: %v", err)
		}
		req.from = c
	case since != "":
		c, err := parseSince(since)
		if err != nil {
			return nil, kizuna.Errorf(kizuna.EINVALID, "?since: %v", err)
		}
		req.from = c
	default:
		req.from = Cursor{Base: now.UTC().Truncate(time.Microsecond)}
	}
	return req, nil
}

// ServeHTTP answers GET /api/v1/stream for the principal in the request's
// context.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	pr := kizuna.PrincipalFromContext(r.Context())
	if pr == nil {
		s.WriteError(w, r, kizuna.Errorf(kizuna.EUNAUTHORIZED, "authentication required"))
		return
	}
	req, err := parseRequest(r, time.Now())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	st, err := s.start(r.Context(), pr, req)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	key := pr.ID
	if key == "" {
		key = pr.Name
	}
	sub := s.open(key)
	if sub == nil {
		s.metrics.refused.Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(s.Options.Retry.Seconds()+0.5)))
		apiobj.WriteJSON(w, http.StatusTooManyRequests, map[string]string{
			"title": "Too Many Requests", "error_code": kizuna.EUNAVAILABLE, "http_status": "429",
			"description": "too many streams are open; close one or retry later",
		})
		return
	}
	defer s.close(sub)
	st.sub = sub
	st.serve(w, r)
}
