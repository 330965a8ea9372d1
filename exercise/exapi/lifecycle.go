package exapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/internal/apiobj"
)

// load creates an exercise from a scenario file (the request body): its
// exercise marking, its record marking and its record, planned.
func (s *Server) load(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	data, err := s.body(w, r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	ex, err := exercise.ParseScenario(data, "scenario")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if _, err := s.readOne(ctx, s.own(), ex.ID); err == nil {
		s.WriteError(w, r, kizuna.Errorf(kizuna.ECONFLICT, "scenario: $.id: the exercise %s exists on this node", ex.ID))
		return
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		s.WriteError(w, r, err)
		return
	}
	now := s.now()
	// This node's operator, and those of the peers' nodes hosting
	// participants, carry the exercise's data between its nodes.
	byParticipant, err := s.carriers(ctx, ex)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	carriers := []string{s.OperatorOrg}
	for _, orgs := range byParticipant {
		carriers = append(carriers, orgs...)
	}
	carriers = slices.DeleteFunc(carriers, func(o string) bool { return o == "" })
	marking, err := exercise.Marking(ex, now, carriers...)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	record, err := exercise.RecordMarking(ex, now, carriers...)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	sum := sha256.Sum256(data)
	x := &exstix.Exercise{ID: ex.ID, CreatedByRef: ex.ControlRef, Created: now, Modified: now,
		MarkingRefs: []string{exercise.RecordMarkingID(ex.ID)}, Exercise: ex, State: kizuna.ExercisePlanned,
		Start: ex.PlannedStart, End: ex.PlannedStart.Add(ex.Duration), ScenarioSHA256: hex.EncodeToString(sum[:])}
	raw, err := exstix.EncodeExercise(x)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	// The scenario first: a record without it could not be started.
	if err := s.State.WriteState(ctx, scenarioState(ex.ID), data); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := apiobj.Ingest(ctx, s.Operator, s.Collection, marking, record, raw); err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, ex.ID)
	apiobj.WriteJSON(w, http.StatusCreated, json.RawMessage(raw))
}

// start makes a planned exercise active from STARTEX and releases what is
// due.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req struct {
		Startex time.Time `json:"startex"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Startex.IsZero() {
		s.WriteError(w, r, kizuna.Errorf(kizuna.EINVALID, "request body: $.startex: an RFC 3339 time is required"))
		return
	}
	id := r.PathValue("id")
	o, err := s.readOne(ctx, s.own(), id)
	if err == nil && !strings.HasPrefix(id, exstix.TypeExercise+"--") {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "no object %s in this collection", id)
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	x, err := exstix.DecodeExercise(o.Raw)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if x.State != kizuna.ExercisePlanned {
		s.WriteError(w, r, kizuna.Errorf(kizuna.ECONFLICT, "%s is %s; only a planned exercise starts", x.ID, x.State))
		return
	}
	ex, err := s.scenario(ctx, x.ID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	x.Exercise = ex
	x.State, x.Start, x.End = kizuna.ExerciseActive, req.Startex.UTC().Truncate(time.Millisecond), req.Startex.UTC().Truncate(time.Millisecond).Add(ex.Duration)
	x.Modified = s.now()
	if !x.Modified.After(x.Created) {
		x.Modified = x.Created.Add(time.Millisecond)
	}
	raw, err := exstix.EncodeExercise(x)
	if err == nil {
		err = apiobj.Ingest(ctx, s.Operator, s.Collection, raw)
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	// The participants' principals here, and the peers of their nodes,
	// get the community before the first inject is out.
	if _, err := s.Grant(ctx, x); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Release(ctx); err != nil {
		s.WriteError(w, r, err)
		return
	}
	setBanner(w, x.ID)
	apiobj.WriteJSON(w, http.StatusOK, json.RawMessage(raw))
}

// scenario returns the scenario of an exercise loaded on this node.
func (s *Server) scenario(ctx context.Context, id string) (*kizuna.Exercise, error) {
	data, err := s.State.ReadState(ctx, scenarioState(id))
	if err != nil {
		return nil, err
	}
	return exercise.ParseScenario(data, scenarioState(id))
}

// Release releases the injects due at the exercise clock's time of every
// active exercise loaded on this node, as the control cell: the objects,
// then the release record, audited exercise.release. A release already
// recorded is not made again, so a restart or a second instance releases
// nothing twice.
func (s *Server) Release(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Exclusive(ctx, func() error { return s.release(ctx) })
}

// release is one pass of Release, under Exclusive.
func (s *Server) release(ctx context.Context) error {
	objs, err := apiobj.ReadAll(ctx, s.own(), s.Collection, exstix.TypeExercise)
	if err != nil {
		return err
	}
	for _, o := range objs {
		x, err := exstix.DecodeExercise(o.Raw)
		if err == nil && x.State == kizuna.ExercisePurged && o.Origin != "" {
			if err := s.followPurge(ctx, x, o.Origin); err != nil {
				s.Logger.Error("exercise: the control cell's purge not followed", "exercise", x.ID, "err", err)
			}
			continue
		}
		if err != nil || x.State != kizuna.ExerciseActive {
			continue
		}
		ex, err := s.scenario(ctx, x.ID)
		if err != nil {
			// An exercise federated from another node: its control node
			// releases it.
			continue
		}
		rels, err := s.releasesOf(ctx, s.own(), x.ID)
		if err != nil {
			return err
		}
		done := map[string]bool{}
		for _, rel := range rels {
			done[rel.ID] = true
		}
		sched := exercise.NewSchedule(ex, x.Start, x.Created)
		carriers, err := s.carriers(ctx, ex)
		if err != nil {
			return err
		}
		sched.SetCarriers(carriers)
		now := s.now()
		for _, d := range sched.Due(s.scheduleNow(), func(id string) bool { return done[id] }) {
			objects, rec, err := sched.Release(d, now)
			if err != nil {
				return err
			}
			recRaw, err := exstix.EncodeRelease(&rec, ex.ControlRef)
			if err != nil {
				return err
			}
			raws := make([][]byte, 0, len(objects)+1)
			for _, ob := range objects {
				raws = append(raws, ob)
			}
			if err := apiobj.Ingest(ctx, s.Operator, s.Collection, append(raws, recRaw)...); err != nil {
				return kizuna.Errorf(kizuna.ErrorCode(err), "exercise %s: inject %s to %s: %s", x.ID, d.Inject.ID, d.Participant.ID, kizuna.ErrorMessage(err))
			}
			done[rec.ID] = true
			s.Audit(ctx, &kizuna.AuditEvent{Action: kizuna.AuditExerciseRelease, Object: rec.ID,
				Reason: "exercise=" + x.ID + " inject=" + d.Inject.ID + " participant=" + d.Participant.ID + " objects=" + strings.Join(rec.ObjectRefs, ",")})
		}
	}
	return nil
}

// Run releases due injects every tick until ctx ends.
func (s *Server) Run(ctx context.Context, tick time.Duration) {
	s.defaults()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := s.Release(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("exercise release", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// acknowledge records that the reader acknowledges a release it may read.
func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := kizuna.PrincipalFromContext(ctx)
	x, err := s.exercise(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	id := r.PathValue("release")
	o, err := s.readOne(ctx, s.Objects, id)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	rel, err := exstix.DecodeRelease(o.Raw)
	if err != nil || rel.ExerciseRef != x.ID {
		s.WriteError(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "no object %s in this collection", id))
		return
	}
	if !addressedTo(x.Exercise, rel.Participant, p.Organization) {
		s.WriteError(w, r, kizuna.Errorf(kizuna.EFORBIDDEN, "%s: the release is addressed to %s, not to your organisation", rel.ID, rel.Participant))
		return
	}
	s.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: kizuna.AuditExerciseAck, Object: rel.ID, Decision: "allow",
		Reason: "exercise=" + x.ID + " inject=" + rel.Inject + " participant=" + rel.Participant})
	w.WriteHeader(http.StatusNoContent)
}

// addressedTo reports whether the participant is of the organisation.
func addressedTo(ex *kizuna.Exercise, participant, org string) bool {
	for _, p := range ex.Participants {
		if p.ID == participant {
			return p.Organization == org
		}
	}
	return false
}
