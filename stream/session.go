package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/node"
)

// stream is one client's stream.
type stream struct {
	s     *Server
	pr    *kizuna.Principal
	req   *request
	sub   *subscriber
	named bool // the request named its collections
	// colls are the collections streamed, by id; known are the ids of
	// every collection the last refresh found, read or not.
	colls map[string]*kizuna.Collection
	known map[string]bool
	// sent is the position of the last event sent (each event's id);
	// read is where the next read of each collection starts, past
	// versions read and not sent (filtered out).
	sent, read Cursor

	r  *http.Request // the stream's request, for its credentials
	w  http.ResponseWriter
	rc *http.ResponseController
}

// errSlow ends a stream whose client does not keep up.
var errSlow = errors.New("the client does not take the events as fast as they come")

// errRevoked ends a stream whose principal was revoked or changed, or
// whose credentials no longer authenticate it.
var errRevoked = errors.New("the principal was revoked, its rights changed or its credentials no longer authenticate it")

// start resolves the collections of a request for its principal: those it
// names (each found through the guard: one the reader may not see is not
// found), or every collection the reader may read.
func (s *Server) start(ctx context.Context, pr *kizuna.Principal, req *request) (*stream, error) {
	st := &stream{s: s, pr: pr, req: req, sent: req.from, read: req.from, colls: map[string]*kizuna.Collection{},
		named: len(req.collections) > 0}
	for _, name := range req.collections {
		c, err := s.Collections.FindCollectionByID(ctx, name)
		if err != nil {
			return nil, err
		}
		if !s.Authorizer.CanRead(ctx, c) {
			return nil, kizuna.Errorf(kizuna.EFORBIDDEN, "principal %q may not read collection %s", pr.Name, name)
		}
		st.colls[c.ID] = c
	}
	if !st.named {
		if err := st.refreshCollections(ctx); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// refreshCollections finds the collections the reader may read now (new
// ones appear; a request that named its collections keeps them).
func (st *stream) refreshCollections(ctx context.Context) error {
	if st.named {
		return nil
	}
	all, err := st.s.Collections.FindCollections(ctx)
	if err != nil {
		return err
	}
	colls, known := map[string]*kizuna.Collection{}, map[string]bool{}
	ev, _ := st.s.Collections.(interface{ ExerciseView(string) bool })
	for _, c := range all {
		known[c.ID] = true
		if ev != nil && ev.ExerciseView(c.ID) {
			// A stream of every collection is of real intelligence:
			// exercise data is streamed only from the exercises
			// collection named (docs/exercises.md, rule 2).
			continue
		}
		if st.s.Authorizer.CanRead(ctx, c) {
			colls[c.ID] = c
		}
	}
	st.colls, st.known = colls, known
	return nil
}

// serve writes the stream until the client leaves, the node shuts down,
// the client falls behind or the principal loses its rights.
func (st *stream) serve(w http.ResponseWriter, r *http.Request) {
	s := st.s
	// The node's shutdown ends the stream, a catching up included.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.Stopping, cancel)()
	st.r, st.w, st.rc = r, w, http.NewResponseController(w)
	// A stream outlives the server's read timeout, which would otherwise
	// cancel it; its writes have deadlines of their own.
	if err := st.rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	err := st.write(fmt.Sprintf("retry: %d\n: kizuna stream\n\n", s.Options.Retry.Milliseconds()))
	// Everything since the starting position first, then as it comes.
	if err == nil {
		err = st.catchUp(ctx, nil)
	}
	beat := time.NewTicker(s.Options.Heartbeat)
	defer beat.Stop()
	for err == nil {
		if err = st.flush(); err != nil {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-st.sub.overflow:
			err = errSlow
		case d := <-st.sub.deletions:
			err = st.deletion(ctx, d)
		case <-st.sub.wake:
			err = st.catchUp(ctx, st.sub.take())
		case <-beat.C:
			err = st.heartbeat(ctx)
		}
	}
	switch {
	case errors.Is(err, errSlow) || errors.Is(err, os.ErrDeadlineExceeded):
		s.metrics.dropped.WithLabelValues("slow").Inc()
		s.Logger.Info("stream dropped: the client is too slow", "principal", st.pr.Name)
		// Abort: the connection is closed, not finished and kept for
		// another request.
		panic(http.ErrAbortHandler)
	case errors.Is(err, errRevoked):
		s.metrics.dropped.WithLabelValues("revoked").Inc()
		s.Logger.Info("stream closed: its principal was revoked or changed", "principal", st.pr.Name)
	case ctx.Err() != nil:
	default:
		s.Logger.Warn("stream ended", "principal", st.pr.Name, "err", err)
	}
}

// heartbeat checks the principal and the request's credentials, reads
// every collection again (which also finds new collections) and writes a
// comment line.
func (st *stream) heartbeat(ctx context.Context) error {
	cur, err := st.s.Principals.FindPrincipalByName(ctx, st.pr.Name)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND || (err == nil && !sameRights(cur, st.pr)) {
		return errRevoked
	} else if err != nil {
		return err
	}
	if st.s.Authenticate != nil {
		p, err := st.s.Authenticate(st.r)
		if kizuna.ErrorCode(err) == kizuna.EUNAUTHORIZED || (err == nil && (p == nil || p.ID != st.pr.ID)) {
			return errRevoked
		} else if err != nil {
			return err
		}
	}
	if err := st.refreshCollections(ctx); err != nil {
		return err
	}
	if err := st.catchUp(ctx, nil); err != nil {
		return err
	}
	return st.write(": keepalive\n\n")
}

// sameRights reports whether the principal as stored now holds the rights
// the stream started with.
func sameRights(now, then *kizuna.Principal) bool {
	return now.RevokedAt == nil && now.ID == then.ID && now.Organization == then.Organization && now.Nation == then.Nation &&
		slices.Equal(now.Clearances, then.Clearances) && slices.Equal(now.Communities, then.Communities) &&
		slices.Equal(now.Roles, then.Roles)
}

// catchUp reads the collections marked (all of the stream's when marked is
// nil) from the stream's position and sends what the reader may read.
func (st *stream) catchUp(ctx context.Context, marked map[string]bool) error {
	if marked != nil && !st.named {
		for id := range marked {
			if st.colls[id] == nil && !st.known[id] {
				// A collection created since the last refresh.
				if err := st.refreshCollections(ctx); err != nil {
					return err
				}
				// One the refresh did not find is not the reader's to
				// see: collections and their rules never change.
				for id := range marked {
					st.known[id] = true
				}
				break
			}
		}
	}
	for id := range st.colls {
		if marked != nil && !marked[id] {
			continue
		}
		if err := st.readCollection(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// readCollection sends the versions of a collection added after the
// stream's position that the reader may read, page by page, through the
// guard.
//
// Each page of the guard is read up to a horizon: the date_added of the
// last version of a page read from the store without restriction just
// before. date_added follows commit order, so every version up to the
// horizon, and the label it was stored with, is committed when the guard
// reads: the guard judges each of them, and the stream's position may move
// to the horizon. Without it, a version stored with a new label while the
// guard reads could be passed over (the guard's scope taken before its
// label was committed, the page after it) and the position moved past it.
// The horizon never reaches the client: it only bounds the read.
func (st *stream) readCollection(ctx context.Context, coll string) error {
	deps := map[string]bool{}
	for {
		after := st.read.after(coll)
		f := kizuna.ObjectFilter{Collection: coll, Types: st.req.types, Versions: kizuna.VersionMatch{All: true},
			AddedAfter: &after, Limit: st.s.Options.Page}
		h := f
		h.Access = kizuna.AccessScope{Unrestricted: true}
		stored, err := st.s.Store.FindObjects(ctx, h)
		if err != nil {
			return err
		}
		if len(stored.Objects) == 0 {
			return nil
		}
		horizon := stored.Objects[len(stored.Objects)-1].DateAdded
		// The guard's page holds every version up to the horizon the
		// reader may read: there are at most a page of versions up to it.
		f.IncludeRaw = true
		page, err := st.s.Objects.FindObjects(ctx, f)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			if o.DateAdded.After(horizon) {
				break
			}
			o.Collection = coll
			ok, err := st.wanted(ctx, o, deps)
			if err != nil {
				return err
			}
			if ok {
				next := st.sent.with(coll, o.DateAdded)
				if err := st.send(versionEvent(o), next.String()); err != nil {
					return err
				}
				st.sent = next
			}
		}
		st.read = st.read.with(coll, horizon)
		if !stored.More {
			return nil
		}
	}
}

// wanted reports whether a version the guard let the reader read makes an
// event for this stream: of a kind it asks for, and, for what belongs to
// an incident or a consultation, only when the reader may read those too
// (as the collective-defense API answers 404 for a consultation on an
// incident the reader may not read). deps caches the answers by id.
//
// A joint position is the exception: its markings are those of a recorded
// release decision, made to be read by whoever they admit, as TAXII
// serves it.
func (st *stream) wanted(ctx context.Context, o *kizuna.Object, deps map[string]bool) (bool, error) {
	if len(st.req.kinds) > 0 && !slices.Contains(st.req.kinds, kindOf(o.Type)) {
		return false, nil
	}
	if o.Type == defstix.TypeJointPosition {
		return true, nil
	}
	return st.readableRefs(ctx, o.Collection, o.Raw, deps, 0)
}

// refProperties are the properties by which collective-defense objects
// belong to an incident or a consultation.
var refProperties = []string{"incident_ref", "incident_refs", "consultation_ref"}

// refsOf returns the ids raw's top-level ref properties name (a property of
// another shape names none).
func refsOf(raw json.RawMessage) []string {
	if !strings.Contains(string(raw), "incident_ref") && !strings.Contains(string(raw), "consultation_ref") {
		return nil
	}
	var props map[string]json.RawMessage
	if json.Unmarshal(raw, &props) != nil {
		return nil
	}
	var ids []string
	for _, name := range refProperties {
		var one string
		var many []string
		if json.Unmarshal(props[name], &one) == nil && one != "" {
			ids = append(ids, one)
		} else if json.Unmarshal(props[name], &many) == nil {
			ids = append(ids, many...)
		}
	}
	return ids
}

// readableRefs reports whether the reader may read every incident and
// consultation raw refers to (and, for a consultation, its incident).
func (st *stream) readableRefs(ctx context.Context, coll string, raw json.RawMessage, deps map[string]bool, depth int) (bool, error) {
	ids := refsOf(raw)
	for _, id := range ids {
		ok, seen := deps[id]
		if !seen {
			o, err := st.readOne(ctx, coll, id)
			if err != nil {
				return false, err
			}
			ok = o != nil
			if ok && depth < 2 && strings.HasPrefix(id, "x-kizuna-") {
				if ok, err = st.readableRefs(ctx, coll, o.Raw, deps, depth+1); err != nil {
					return false, err
				}
			}
			deps[id] = ok
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// readOne returns the latest version of an object the reader may read, or
// nil.
func (st *stream) readOne(ctx context.Context, coll, id string) (*kizuna.Object, error) {
	page, err := st.s.Objects.FindObjects(ctx, kizuna.ObjectFilter{Collection: coll, IDs: []string{id}, IncludeRaw: true, Limit: 1})
	if err != nil || len(page.Objects) == 0 {
		return nil, err
	}
	return page.Objects[0], nil
}

// deletion sends a deletion to the reader when it could read one of the
// deleted versions and asked for such events.
func (st *stream) deletion(ctx context.Context, d node.Deletion) error {
	if st.colls[d.Collection] == nil || len(d.Versions) == 0 {
		return nil
	}
	typ := d.Versions[0].Type
	if (len(st.req.kinds) > 0 && !slices.Contains(st.req.kinds, KindDeletion)) ||
		(len(st.req.types) > 0 && !slices.Contains(st.req.types, typ)) {
		return nil
	}
	ev := &Event{Kind: KindDeletion, Collection: d.Collection, ID: d.ID, Type: typ}
	var latest *kizuna.Object
	for _, v := range d.Versions {
		if !st.couldRead(ctx, v) {
			continue
		}
		ev.Versions = append(ev.Versions, v.Version.UTC())
		ev.markExercise(v.Label)
		if latest == nil || v.Version.After(latest.Version) {
			latest = v
		}
	}
	if latest == nil {
		return nil
	}
	if typ != defstix.TypeJointPosition {
		if ok, err := st.readableRefs(ctx, d.Collection, latest.Raw, map[string]bool{}, 0); err != nil || !ok {
			return err
		}
	}
	slices.SortFunc(ev.Versions, func(a, b time.Time) int { return a.Compare(b) })
	return st.send(ev, "")
}

// couldRead is the access decision on a deleted version for the reader:
// its label allows the reader, and no required property is in a portion
// the reader may not read (which withholds the version).
func (st *stream) couldRead(ctx context.Context, v *kizuna.Object) bool {
	e := st.s.Policy.Explain(ctx, st.pr, v)
	if !e.Decision.Allow {
		return false
	}
	for _, p := range e.Portions {
		if p.Required && !p.Decision.Allow {
			return false
		}
	}
	return true
}

// send writes one event: its kind, its id (none for a deletion, which
// moves no position) and its data on one line.
func (st *stream) send(ev *Event, id string) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("event: " + ev.Kind + "\n")
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString("\n\n")
	if err := st.write(b.String()); err != nil {
		return err
	}
	st.s.metrics.events.WithLabelValues(ev.Kind).Inc()
	return nil
}

// write writes, within the write timeout. What is written waits in the
// response's buffer until flush.
func (st *stream) write(s string) error {
	if err := st.rc.SetWriteDeadline(time.Now().Add(st.s.Options.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	_, err := st.w.Write([]byte(s))
	return err
}

// flush sends what was written, within the write timeout.
func (st *stream) flush() error {
	if err := st.rc.SetWriteDeadline(time.Now().Add(st.s.Options.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return st.rc.Flush()
}
