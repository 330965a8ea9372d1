package evaluate

import (
	"slices"
	"sort"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
)

// Outcome statuses of an expectation.
const (
	StatusMet         = "met"          // done within the deadline
	StatusLate        = "late"         // done, after the deadline
	StatusMissed      = "missed"       // not done by the end of the evaluation
	StatusPending     = "pending"      // not done, deadline not yet passed
	StatusNotReleased = "not-released" // the inject never reached the participant
)

// Outcome is one expectation of one participant after one inject.
type Outcome struct {
	Inject      string
	Action      string
	Participant string
	Nation      string
	Released    time.Time // when the inject was released to the participant
	Deadline    time.Time
	Done        time.Time     // when the action was first seen (zero: never)
	Elapsed     time.Duration // Done - Released
	Status      string
	Evidence    string // node and audit sequence number of the entry that showed it
}

// Key is the expectation as corrective actions name it: "action:participant".
func (o Outcome) Key() string { return o.Action + ":" + o.Participant }

// Result is the evaluation of an exercise.
type Result struct {
	Exercise *kizuna.Exercise
	Start    time.Time
	At       time.Time // the time of the evaluation
	Outcomes []Outcome
	Timeline []Entry
}

// Input is what an evaluation reads.
type Input struct {
	Schedule *exercise.Schedule
	Releases []kizuna.InjectRelease
	Logs     []NodeLog
	// At is when the evaluation is made: deadlines after it are pending.
	At time.Time
}

// Evaluate computes, for every expectation of every inject and each
// participant it names, when the audit logs first show the action, and
// whether that was within the deadline counted from the inject's release
// to that participant.
func Evaluate(in Input) *Result {
	s := in.Schedule
	ex := s.Exercise()
	res := &Result{Exercise: ex, Start: s.Start(), At: in.At.UTC()}
	parts := map[string]kizuna.Participant{}
	for _, p := range ex.Participants {
		parts[p.ID] = p
	}
	released := map[[2]string]time.Time{}
	var rels []kizuna.InjectRelease
	for _, r := range in.Releases {
		if r.ReleasedAt.After(res.At) {
			continue // not yet released when the evaluation is made
		}
		rels = append(rels, r)
		k := [2]string{r.Inject, r.Participant}
		if t, ok := released[k]; !ok || r.ReleasedAt.Before(t) {
			released[k] = r.ReleasedAt.UTC()
		}
	}
	var obs []observation
	for _, l := range in.Logs {
		for _, o := range observe(l) {
			if !o.at.After(res.At) {
				obs = append(obs, o)
			}
		}
	}
	sort.SliceStable(obs, func(i, j int) bool { return obs[i].at.Before(obs[j].at) })
	injectOf := map[string]string{}
	for _, inj := range ex.Injects {
		for _, id := range s.Published(inj.ID) {
			injectOf[id] = inj.ID
		}
	}
	for _, inj := range ex.Injects {
		for _, e := range inj.Expect {
			objects := s.Published(inj.ID)
			if e.Object != "" {
				objects = []string{s.PublishedID(e.Object)}
			}
			for _, by := range e.By {
				p := parts[by]
				o := Outcome{Inject: inj.ID, Action: e.Action, Participant: by, Nation: p.Nation}
				rel, ok := released[[2]string{inj.ID, by}]
				if !ok {
					o.Status = StatusNotReleased
					res.Outcomes = append(res.Outcomes, o)
					continue
				}
				o.Released, o.Deadline = rel, rel.Add(e.Within)
				if ob, found := first(obs, e.Action, p, objects, exercise.ReleaseID(ex.ID, inj.ID, by), rel); found {
					o.Done, o.Elapsed, o.Evidence = ob.at, ob.at.Sub(rel), evidence(ob)
					o.Status = StatusMet
					if ob.at.After(o.Deadline) {
						o.Status = StatusLate
					}
				} else if res.At.After(o.Deadline) {
					o.Status = StatusMissed
				} else {
					o.Status = StatusPending
				}
				res.Outcomes = append(res.Outcomes, o)
			}
		}
	}
	for _, r := range rels {
		injectOf[r.ID] = r.Inject
	}
	res.Timeline = timeline(ex, parts, rels, obs, injectOf, s)
	return res
}

// first returns the earliest observation, at or after the release, of a
// member of participant p doing action on one of objects.
func first(obs []observation, action string, p kizuna.Participant, objects []string, releaseID string, from time.Time) (observation, bool) {
	for _, o := range obs {
		if o.at.Before(from) || o.member.Organization != p.Organization || o.member.Nation != p.Nation {
			continue
		}
		if matches(o, action, objects, releaseID) {
			return o, true
		}
	}
	return observation{}, false
}

// defenseTypes are the collective-defense objects whose storing is an
// assessment, not a share.
var defenseTypes = []string{"x-kizuna-threshold-assessment", "x-kizuna-factor-answers", "x-kizuna-consultation",
	"x-kizuna-consultation-response", "x-kizuna-joint-position", "x-kizuna-campaign-assessment"}

func matches(o observation, action string, objects []string, releaseID string) bool {
	cites := func() bool {
		if slices.Contains(objects, o.object) {
			return true
		}
		for _, r := range o.refs {
			if slices.Contains(objects, r) {
				return true
			}
		}
		return false
	}
	switch action {
	case kizuna.ExpectRead:
		return o.kind == obsRead && slices.Contains(objects, o.object)
	case kizuna.ExpectShare:
		return o.kind == obsIngest && !slices.Contains(defenseTypes, typeOf(o.object)) && cites()
	case kizuna.ExpectAcknowledge:
		return o.kind == obsAck && (o.object == releaseID || slices.Contains(objects, o.object)) ||
			o.kind == obsConsult && o.act == "acknowledge" && slices.Contains(objects, o.subject)
	case kizuna.ExpectAssess:
		t := typeOf(o.object)
		return o.kind == obsIngest && (t == "x-kizuna-threshold-assessment" || t == "x-kizuna-factor-answers") && cites()
	case kizuna.ExpectConsultOpen:
		return o.kind == obsConsult && o.act == "open" && slices.Contains(objects, o.subject)
	case kizuna.ExpectConsultClose:
		return o.kind == obsConsult && (o.act == "close" || o.state == kizuna.ConsultClosed) && slices.Contains(objects, o.subject)
	}
	return false
}

func evidence(o observation) string {
	return o.node + "#" + itoa(o.seq)
}
