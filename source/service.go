package source

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Stored is what ingest made of one page: new versions stored, and objects
// refused (each named in the audit log by ingest or the guard).
type Stored struct{ New, Refused int }

// Service pulls every source of a node on its schedule.
type Service struct {
	// Sources returns the node's sources; it is read again every Rescan,
	// so that sources added or removed take effect without a restart.
	Sources func() ([]Config, error)
	State   *StateFile
	// Fetcher returns the fetcher of a source's remote collection, with
	// its credentials and TLS settings.
	Fetcher func(Config) (Fetcher, error)
	// Ingest stores one page into the source's local collection as the
	// source's principal, through the node's ingest (validation, labels,
	// write rules, audit).
	Ingest func(ctx context.Context, c Config, objs []json.RawMessage) (Stored, error)
	// Audit records each pull (may be nil).
	Audit  func(ctx context.Context, e *kizuna.AuditEvent)
	Logger *slog.Logger
	// Rescan is how often the sources are read again (30 s when zero).
	Rescan time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Report says what one pull did.
type Report struct {
	Pages, Read, Stored, Refused int
	Gaps                         int
	Cursor                       time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Pull reads what the source added after its cursor, stores it page by
// page, persists the cursor after each page's objects are stored, and
// records the pull's health and an audit entry.
func (s *Service) Pull(ctx context.Context, c Config) (*Report, error) {
	start := s.now()
	rep := &Report{}
	err := s.pull(ctx, c, rep)
	// The pull is recorded even when ctx ended mid-pull (a shutdown, or
	// the lease lost to another instance).
	rctx := context.WithoutCancel(ctx)
	uerr := s.State.Update(rctx, c.Name, func(st *State) {
		st.LastAttempt = start
		st.Read += int64(rep.Read)
		st.Stored += int64(rep.Stored)
		st.Refused += int64(rep.Refused)
		st.Gaps += rep.Gaps
		if err != nil {
			st.Failures++
			st.LastError = kizuna.ErrorMessage(err)
		} else {
			st.Failures = 0
			st.LastError = ""
			st.LastSuccess = start
		}
	})
	if err == nil {
		err = uerr
	}
	if s.Audit != nil {
		e := &kizuna.AuditEvent{Action: "source.pull", Object: c.Into, Decision: "allow",
			Reason: fmt.Sprintf("source %s (%s collection %s): %d pages, %d objects read, %d stored, %d refused, %d gaps; cursor %s",
				c.Name, c.APIRoot, c.Collection, rep.Pages, rep.Read, rep.Stored, rep.Refused, rep.Gaps, formatCursor(rep.Cursor))}
		if err != nil {
			e.Reason += "; failed: " + kizuna.ErrorMessage(err)
		}
		s.Audit(rctx, e)
	}
	return rep, err
}

func formatCursor(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (s *Service) pull(ctx context.Context, c Config, rep *Report) error {
	fetch, err := s.Fetcher(c)
	if err != nil {
		return err
	}
	st, err := s.State.Get(ctx, c.Name)
	if err != nil {
		return err
	}
	cursor := st.Cursor
	rep.Cursor = cursor
	p := &Pager{Fetch: fetch, Limit: c.PageSize}
	res, err := p.Pull(ctx, cursor, func(objs []json.RawMessage, safe time.Time) error {
		st, err := s.Ingest(ctx, c, objs)
		if err != nil {
			return err
		}
		rep.Read += len(objs)
		rep.Stored += st.New
		rep.Refused += st.Refused
		rep.Cursor = safe
		return s.State.Update(ctx, c.Name, func(st *State) { st.Cursor = safe })
	})
	if res != nil {
		rep.Pages = res.Pages
		rep.Gaps = len(res.Gaps)
		nd := res.NoDates
		s.State.Update(ctx, c.Name, func(st *State) { st.NoDates = nd })
	}
	return err
}

// Run pulls every source on its schedule until ctx is done: one loop per
// source, each pull after the source's interval (with up to a tenth of it
// added at random, so that sources set up together spread out), and after
// a failure sooner, with exponential backoff from 5 s up to the interval.
func (s *Service) Run(ctx context.Context) {
	rescan := s.Rescan
	if rescan <= 0 {
		rescan = 30 * time.Second
	}
	running := map[string]context.CancelFunc{}
	defer func() {
		for _, cancel := range running {
			cancel()
		}
	}()
	for {
		cs, err := s.Sources()
		if err != nil {
			s.logger().Error("reading the sources failed; the running ones go on", "err", err)
		} else {
			seen := map[string]bool{}
			for _, c := range cs {
				seen[c.Name] = true
				if _, ok := running[c.Name]; !ok {
					lctx, cancel := context.WithCancel(ctx)
					running[c.Name] = cancel
					go s.loop(lctx, c.Name)
				}
			}
			for name, cancel := range running {
				if !seen[name] {
					cancel()
					delete(running, name)
				}
			}
		}
		t := time.NewTimer(rescan)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// loop pulls one source, reading its configuration afresh each time.
func (s *Service) loop(ctx context.Context, name string) {
	for ctx.Err() == nil {
		cs, err := s.Sources()
		var c *Config
		for i := range cs {
			if cs[i].Name == name {
				c = &cs[i]
			}
		}
		wait := 30 * time.Second
		switch {
		case err != nil:
			s.logger().Error("reading the sources failed", "source", name, "err", err)
		case c == nil:
			// Removed: Run stops this loop at its next reading.
		default:
			wait = c.Every() + time.Duration(rand.Int64N(int64(c.Every()/10)+1))
			if _, err := s.Pull(ctx, *c); err != nil && ctx.Err() == nil {
				st, _ := s.State.Get(ctx, name)
				failures := st.Failures
				wait = min(5*time.Second<<min(max(failures-1, 0), 16), c.Every())
				s.logger().Warn("source pull failed", "source", name, "retry_in", wait, "err", kizuna.ErrorMessage(err))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
