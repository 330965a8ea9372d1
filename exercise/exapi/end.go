package exapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// Ended is the answer of POST /api/v1/exercises/{id}/end.
type Ended struct {
	// Exercise is the record's version this node stored (on the node that
	// loaded the exercise), else the record as this node holds it.
	Exercise json.RawMessage `json:"exercise"`
	// Revoked are the principals the exercise community was taken from.
	Revoked []string `json:"revoked"`
	// Purged are the objects deleted; Review those left for their owners
	// (real data referencing exercise data; exercise.SelectPurge).
	Purged []exercise.PurgeItem `json:"purged"`
	Review []exercise.PurgeItem `json:"review"`
}

// end answers POST /api/v1/exercises/{id}/end (admin), body
// {"purge": bool}: the exercise community is taken from every principal of
// this node (no one reads its data any more, no peer receives it), and,
// with purge, every object of the exercise this node holds is deleted,
// each audited exercise.purge. On the node that loaded the exercise the
// record's next version (ended, or purged) is stored, which federates to
// the participating nodes. Audited exercise.end.
func (s *Server) end(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req struct {
		Purge bool `json:"purge"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.WriteError(w, r, kizuna.Errorf(kizuna.EINVALID, "request body: want {\"purge\": true|false}: %v", err))
		return
	}
	x, o, err := s.record(ctx, r.PathValue("id"))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	_, scenarioErr := s.scenario(ctx, x.ID)
	controls := o.Origin == "" && scenarioErr == nil
	// On a participating node the record is the control cell's, ended there
	// first, perhaps: ending here again is what purges here.
	if controls && (x.State == kizuna.ExercisePurged || (x.State == kizuna.ExerciseEnded && !req.Purge)) {
		s.WriteError(w, r, kizuna.Errorf(kizuna.ECONFLICT, "%s is %s", x.ID, x.State))
		return
	}
	out := Ended{Exercise: o.Raw, Purged: []exercise.PurgeItem{}, Review: []exercise.PurgeItem{}}
	if controls {
		// Loaded here: the control cell's record changes here first.
		raw, err := s.endRecord(ctx, x, req.Purge)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		out.Exercise = raw
	}
	if out.Revoked, err = s.setCommunity(ctx, x, false); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if req.Purge {
		plan, err := s.purge(ctx, x.ID)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		out.Purged, out.Review = append(out.Purged, plan.Delete...), append(out.Review, plan.Review...)
		if !controls {
			// The control cell's purged record, when it comes, finds it done.
			if err := s.State.WriteState(ctx, purgedState(x.ID), []byte("{}")); err != nil {
				s.WriteError(w, r, err)
				return
			}
		}
	}
	reason := "exercise=" + x.ID + " purge=false"
	if req.Purge {
		reason = "exercise=" + x.ID + " purge=true purged=" + strconv.Itoa(len(out.Purged)) + " review=" + strconv.Itoa(len(out.Review))
	}
	s.Audit(ctx, &kizuna.AuditEvent{Principal: actor(ctx), Action: kizuna.AuditExerciseEnd, Object: x.ID, Decision: "allow", Reason: reason})
	setBanner(w, x.ID)
	apiobj.WriteJSON(w, http.StatusOK, out)
}

// endRecord stores the record's next version: ended (ENDEX now, when
// earlier than planned), or purged.
func (s *Server) endRecord(ctx context.Context, x *exstix.Exercise, purge bool) ([]byte, error) {
	now := s.now()
	if x.State == kizuna.ExerciseActive || x.State == kizuna.ExercisePlanned {
		if now.Before(x.End) {
			x.End = now
		}
		if x.Start.After(x.End) {
			x.Start = x.End
		}
	}
	x.State = kizuna.ExerciseEnded
	if purge {
		x.State = kizuna.ExercisePurged
	}
	x.Modified = now
	if !x.Modified.After(x.Created) {
		x.Modified = x.Created.Add(time.Millisecond)
	}
	raw, err := exstix.EncodeExercise(x)
	if err != nil {
		return nil, err
	}
	return raw, apiobj.Ingest(ctx, s.Operator, s.Collection, raw)
}

// purge deletes, in every collection, the exercise's data this node holds
// (exercise.SelectPurge), each object audited exercise.purge.
func (s *Server) purge(ctx context.Context, exerciseID string) (exercise.PurgePlan, error) {
	colls, err := s.StoreCollections.FindCollections(ctx)
	if err != nil {
		return exercise.PurgePlan{}, err
	}
	var all []*kizuna.Object
	for _, c := range colls {
		f := kizuna.ObjectFilter{Collection: c.ID, Versions: kizuna.VersionMatch{All: true}, IncludeRaw: true, Limit: 1000}
		for {
			page, err := s.own().FindObjects(ctx, f)
			if err != nil {
				return exercise.PurgePlan{}, err
			}
			for _, o := range page.Objects {
				o.Collection = c.ID
				all = append(all, o)
			}
			if !page.More {
				break
			}
			f.Next = page.Next
		}
	}
	plan := exercise.SelectPurge(exerciseID, all)
	for _, it := range plan.Delete {
		if _, err := s.Store.DeleteObject(ctx, it.Collection, it.ID, kizuna.VersionMatch{All: true}, kizuna.AccessScope{Unrestricted: true}); err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			return plan, err
		}
		s.Audit(ctx, &kizuna.AuditEvent{Principal: actor(ctx), Action: kizuna.AuditExercisePurge, Object: it.ID, Decision: "allow",
			Reason: "exercise=" + exerciseID + " collection=" + it.Collection + " " + it.Reason})
	}
	return plan, nil
}

// purgedState names the state document that records that this node
// followed the control cell's purge of an exercise.
func purgedState(id string) string {
	return "exercise-purged-" + strings.TrimPrefix(id, exstix.TypeExercise+"--") + ".json"
}

// followPurge purges here an exercise whose record arrived purged from the
// peer origin, once, when origin's node hosts the exercise's control cell:
// the community is taken back and the exercise's data deleted, as end
// --purge does, audited exercise.end.
func (s *Server) followPurge(ctx context.Context, x *exstix.Exercise, origin string) error {
	if _, err := s.State.ReadState(ctx, purgedState(x.ID)); err == nil {
		return nil
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return err
	}
	nodes, err := s.peerNodes(ctx)
	if err != nil {
		return err
	}
	pn, ok := nodes[origin]
	if !ok || !slices.ContainsFunc(x.Exercise.Participants, func(p kizuna.Participant) bool {
		return p.Role == kizuna.ExerciseControl && hosts(p, pn.Node, origin)
	}) {
		return kizuna.Errorf(kizuna.EFORBIDDEN, "%s: the purged record came from peer %q, whose node does not host the control cell", x.ID, origin)
	}
	revoked, err := s.setCommunity(ctx, x, false)
	if err != nil {
		return err
	}
	plan, err := s.purge(ctx, x.ID)
	if err != nil {
		return err
	}
	s.Audit(ctx, &kizuna.AuditEvent{Action: kizuna.AuditExerciseEnd, Object: x.ID, Decision: "allow",
		Reason: "exercise=" + x.ID + " purge=true purged=" + strconv.Itoa(len(plan.Delete)) + " review=" + strconv.Itoa(len(plan.Review)) +
			" revoked=" + strconv.Itoa(len(revoked)) + " by the control cell's record from peer " + origin})
	return s.State.WriteState(ctx, purgedState(x.ID), []byte("{}"))
}
