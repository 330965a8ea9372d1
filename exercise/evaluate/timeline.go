package evaluate

import (
	"sort"
	"strconv"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
)

// Entry is one line of the exercise timeline.
type Entry struct {
	At          time.Time
	Offset      time.Duration // since STARTEX
	Nation      string
	Participant string // participant id ("" when the organisation is not a participant)
	Inject      string
	Kind        string // release, read, share, assess, acknowledge, consult.<act>
	Object      string
	Evidence    string
}

// timeline lists the releases and every observed act of a participant on
// the exercise's objects, in time order.
func timeline(ex *kizuna.Exercise, parts map[string]kizuna.Participant, rels []kizuna.InjectRelease, obs []observation,
	injectOf map[string]string, s *exercise.Schedule) []Entry {
	byOrg := map[string]string{}
	for _, p := range ex.Participants {
		byOrg[p.Nation+"|"+p.Organization] = p.ID
	}
	var out []Entry
	for _, r := range rels {
		p := parts[r.Participant]
		out = append(out, Entry{At: r.ReleasedAt.UTC(), Nation: p.Nation, Participant: r.Participant, Inject: r.Inject, Kind: "release", Object: r.ID})
	}
	for _, o := range obs {
		pid, ok := byOrg[o.member.Nation+"|"+o.member.Organization]
		if !ok {
			continue
		}
		e := Entry{At: o.at, Nation: o.member.Nation, Participant: pid, Object: o.object, Evidence: evidence(o)}
		switch o.kind {
		case obsRead:
			e.Kind, e.Inject = "read", injectOf[o.object]
		case obsIngest:
			e.Kind = "share"
			if typeOf(o.object) == "x-kizuna-threshold-assessment" || typeOf(o.object) == "x-kizuna-factor-answers" {
				e.Kind = "assess"
			}
			for _, r := range append([]string{o.object}, o.refs...) {
				if inj := injectOf[r]; inj != "" {
					e.Inject = inj
					break
				}
			}
		case obsAck:
			e.Kind, e.Inject = "acknowledge", injectOf[o.object]
		case obsConsult:
			e.Kind, e.Inject = "consult."+o.act, injectOf[o.subject]
		}
		if e.Inject == "" {
			continue // an act on something else than the exercise's objects
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	for i := range out {
		out[i].Offset = out[i].At.Sub(s.Start())
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
