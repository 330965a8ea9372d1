package web

import (
	"context"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defapi"
)

// The incident and consultation pages read collective defense through the
// node's defapi.Server, whose functions read through the guard for the
// principal in the context and act as the API does.

// defense returns the node's collective-defense server; a node without it
// has no incident or consultation to show (ENOTFOUND).
func (s *Server) defense() (*defapi.Server, error) {
	if s.opt.Defense != nil {
		if d := s.opt.Defense(); d != nil {
			return d, nil
		}
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "not found")
}

// lookIn returns the readable collections to look for an object in: the
// one the request names (?collection=), or none when the reader may not
// read it; when it names none, every readable collection but the
// exercises collection, whose incidents and consultations are read by
// naming it, never among real ones (docs/exercises.md, rule 2).
func (s *Server) lookIn(ctx context.Context, want string) ([]*kizuna.Collection, error) {
	cols, err := s.readable(ctx)
	if err != nil {
		return nil, err
	}
	if want == "" {
		return s.real(cols), nil
	}
	i := slices.IndexFunc(cols, func(c *kizuna.Collection) bool { return c.ID == want || c.Alias == want })
	if i < 0 {
		return nil, nil
	}
	return []*kizuna.Collection{cols[i]}, nil
}

// clock formats a time for the pages, "" for the zero time.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

// timeLeft is how long until a deadline, in the reader's language: the
// hours and minutes left, or how long ago it passed.
func (v *View) timeLeft(deadline, now time.Time) string {
	if deadline.IsZero() {
		return ""
	}
	d := deadline.Sub(now).Round(time.Minute)
	key := "consult.left"
	if d < 0 {
		key, d = "consult.overdue", -d
	}
	return v.T(key, int(d.Hours()), int(d.Minutes())%60)
}
