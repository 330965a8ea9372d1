package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/jsonscan"
)

// handleAddObjects serves POST .../collections/{id}/objects/. It checks the
// request, records a pending status and queues the envelope behind those
// the same principal posted into the collection; a worker ingests the
// objects and completes the status. A small envelope's answer waits for
// that (awaitSmall); a large one is answered 202 pending at once. A queue slot is taken
// before the body is read, so that an overloaded node refuses at once
// instead of reading megabytes it cannot process.
func (s *Server) handleAddObjects(w http.ResponseWriter, r *http.Request) {
	c, err := s.writableCollection(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := kizuna.PrincipalFromContext(r.Context())
	if err := s.reserve(p.ID); err != nil {
		w.Header().Set("Retry-After", "5")
		s.writeError(w, r, err)
		return
	}
	submitted := false
	defer func() {
		if !submitted {
			s.queue.release(p.ID)
		}
	}()
	objects, err := s.readEnvelope(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st := &kizuna.Status{
		ID:          kizuna.NewUUID(),
		Collection:  c.ID,
		Principal:   p.ID,
		Status:      kizuna.StatusPending,
		RequestTime: time.Now().UTC().Truncate(time.Microsecond),
		Total:       len(objects),
		Pendings:    pendingDetails(objects),
	}
	if len(objects) == 0 {
		st.Status = kizuna.StatusComplete
	}
	if err := s.Statuses.CreateStatus(r.Context(), snapshot(st)); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The response is built before the job is handed over: from then on
	// the worker owns st.
	resp := statusResource(st)
	if len(objects) > 0 {
		job := &ingestJob{ctx: r.Context(), status: st, objects: objects}
		s.queue.submit(job)
		submitted = true
		if final := s.awaitSmall(r, job); final != nil {
			resp = statusResource(final)
		}
	}
	writeJSON(w, http.StatusAccepted, resp)
}

// awaitSmall waits for a small envelope's ingest, up to Config.SyncWait, and
// returns its final status; nil when the envelope is large, the wait ends
// first or the client goes away. A client posting small envelopes one
// after another then gets each answer without polling, which otherwise
// costs it a poll interval (0.2 to 1 s) per envelope. A client that asks
// for an answer at once (Prefer: respond-async, RFC 7240) gets it: one that
// keeps several envelopes posted polls their statuses.
func (s *Server) awaitSmall(r *http.Request, job *ingestJob) *kizuna.Status {
	if s.cfg.SyncWait < 0 || len(job.objects) > s.cfg.SyncObjects || prefersAsync(r.Header) {
		return nil
	}
	ctx := r.Context()
	t := time.NewTimer(s.cfg.SyncWait)
	defer t.Stop()
	select {
	case <-job.done:
		return job.final
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

// prefersAsync reports whether the request carries the preference
// respond-async (RFC 7240: Prefer: respond-async, wait=10).
func prefersAsync(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for pref := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(pref, ";")
			name, _, _ = strings.Cut(name, "=")
			if strings.EqualFold(strings.TrimSpace(name), "respond-async") {
				return true
			}
		}
	}
	return false
}

// readEnvelope reads the request body, at most MaxContentLength bytes of it
// whatever Content-Length says (chunked bodies have none), and returns the
// objects of the envelope, each checked to be a JSON object.
func (s *Server) readEnvelope(w http.ResponseWriter, r *http.Request) ([]json.RawMessage, error) {
	limit := s.cfg.MaxContentLength
	if r.ContentLength > limit {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "Request body of %d bytes exceeds max_content_length (%d bytes).", r.ContentLength, limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, kizuna.Errorf(kizuna.ETOOLARGE, "Request body exceeds max_content_length (%d bytes).", limit)
		}
		return nil, kizuna.Errorf(kizuna.EINVALID, "Request body could not be read: %v.", err)
	}
	objects, err := parseEnvelope(body)
	if err == nil && len(objects) > s.cfg.MaxObjects {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "Request body: the envelope holds %d objects; at most %d are accepted in one POST.", len(objects), s.cfg.MaxObjects)
	}
	return objects, err
}

// parseEnvelope decodes a TAXII envelope and returns its objects. Errors
// name the byte offset or the index of the offending object.
func parseEnvelope(body []byte) ([]json.RawMessage, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, kizuna.Errorf(kizuna.EINVALID, "Request body is empty; send a TAXII envelope {\"objects\": [...]}.")
	}
	if trimmed[0] != '{' {
		return nil, kizuna.Errorf(kizuna.EINVALID, "Request body: the top-level value is not a JSON object; send a TAXII envelope {\"objects\": [...]}.")
	}
	var env struct {
		Objects *[]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "Request body: %s", describeJSONError(err))
	}
	if err := checkEnvelopeMembers(body); err != nil {
		return nil, err
	}
	if env.Objects == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "Request body: the envelope has no \"objects\" list.")
	}
	objs := *env.Objects
	for i, o := range objs {
		o = bytes.TrimLeft(o, " \t\r\n")
		if len(o) == 0 || o[0] != '{' {
			return nil, kizuna.Errorf(kizuna.EINVALID, "Request body: objects[%d] is not a JSON object.", i)
		}
		objs[i] = o
	}
	return objs, nil
}

// checkEnvelopeMembers refuses an envelope (already decoded) that names a
// member twice or spells "objects" in another case. encoding/json would take
// the last of duplicate members and match names regardless of case, so such
// an envelope means one list of objects to kizuna and maybe another to
// whatever inspected the request on its way (a gateway, a log, an auditor).
// The members are read from the envelope's skeleton, its objects left out,
// so that the check costs one fast scan of the body.
func checkEnvelopeMembers(body []byte) error {
	skeleton, err := jsonscan.Skeleton(bytes.NewReader(body), "objects")
	if err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "Request body: %v.", err)
	}
	dec := json.NewDecoder(bytes.NewReader(skeleton))
	if _, err := dec.Token(); err != nil { // the envelope's {
		return kizuna.Errorf(kizuna.EINVALID, "Request body: %v.", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return kizuna.Errorf(kizuna.EINVALID, "Request body: %v.", err)
		}
		name, _ := tok.(string)
		switch {
		case seen[name]:
			return kizuna.Errorf(kizuna.EINVALID, "Request body: the envelope has member %q twice.", truncate(name, 40))
		case name != "objects" && strings.EqualFold(name, "objects"):
			return kizuna.Errorf(kizuna.EINVALID, "Request body: the envelope has a member %q; member names are case-sensitive, the list is \"objects\".", name)
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return kizuna.Errorf(kizuna.EINVALID, "Request body: %v.", err)
		}
	}
	return nil
}

// describeJSONError renders a decoding error with its position.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "invalid JSON at byte offset " + itoa(syn.Offset) + ": " + syn.Error() + "."
	case errors.As(err, &typ):
		where := typ.Field
		if where == "" {
			where = "the envelope"
		}
		return "at byte offset " + itoa(typ.Offset) + ", " + where + " is a JSON " + typ.Value + ", expected " + strings.TrimPrefix(typ.Type.String(), "*") + "."
	}
	return err.Error() + "."
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// pendingDetails lists the id and version each object claims, for the
// status's pendings until the ingester has judged it.
func pendingDetails(objs []json.RawMessage) []kizuna.StatusDetail {
	out := make([]kizuna.StatusDetail, len(objs))
	for i, o := range objs {
		out[i] = claimedDetail(o)
	}
	return out
}

func claimedDetail(o json.RawMessage) kizuna.StatusDetail {
	var head struct {
		ID       any `json:"id"`
		Modified any `json:"modified"`
		Created  any `json:"created"`
	}
	json.Unmarshal(o, &head) // malformed objects fail in the ingester
	d := kizuna.StatusDetail{}
	d.ID, _ = head.ID.(string)
	for _, v := range []any{head.Modified, head.Created} {
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				d.Version = t.UTC()
				break
			}
		}
	}
	return d
}

// reserve takes a slot of the POST queue for the principal, or says why
// there is none.
func (s *Server) reserve(principal string) error {
	switch s.queue.reserve(principal) {
	case queueFull:
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "The server is busy ingesting (or shutting down); retry later.")
	case principalFull:
		return kizuna.Errorf(codeRateLimited, "%d envelopes of yours already wait to be ingested, your share of the queue; retry when one is done.", s.cfg.PrincipalQueue)
	}
	return nil
}

// IngestInQueue ingests objects into a collection for the context's
// principal, as a POST envelope, while holding a slot of the POST queue and
// of the principal's share of it: an ingest from outside TAXII (the web
// workspace's publish form) is bounded with the POSTs, and refused as a
// POST is (EUNAVAILABLE when the queue is full, rate_limited past the
// principal's share). It runs in the caller's goroutine and stores no
// status.
func (s *Server) IngestInQueue(ctx context.Context, collection string, objects []json.RawMessage) ([]kizuna.PutResult, error) {
	p := kizuna.PrincipalFromContext(ctx)
	if p == nil {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "no principal")
	}
	s.start()
	if err := s.reserve(p.ID); err != nil {
		return nil, err
	}
	defer s.queue.release(p.ID)
	return s.Ingester.Ingest(ctx, collection, objects)
}
