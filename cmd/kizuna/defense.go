package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/consult"
	"github.com/kizuna-dev/kizuna/defense/defapi"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
)

// defenseDir is the directory of the data directory that holds the
// collective-defense configuration (defense.json and the files it names);
// without it the node runs the shipped examples (defense.Defaults).
const defenseDir = "defense"

// defenseTick is how often the node escalates missed consultation deadlines
// and applies responses its queue missed.
const defenseTick = 5 * time.Second

// millisClock tells the time to the millisecond, the precision of the
// timestamps kizuna writes.
type millisClock struct{ consult.Clock }

func (c millisClock) Now() time.Time { return c.Clock.Now().UTC().Truncate(time.Millisecond) }

// loadDefense reads the collective-defense configuration of a data
// directory, or the shipped one: the engine and the consultation machine
// (on the wall clock when clock is nil).
func loadDefense(dataDir string, clock consult.Clock) (*defense.Engine, *consult.Machine, error) {
	if clock == nil {
		clock = consult.SystemClock{}
	}
	clock = millisClock{clock}
	var fsys fs.FS = defense.Defaults
	dir := defense.DefaultsDir
	if _, err := os.Stat(filepath.Join(dataDir, defenseDir, "defense.json")); err == nil {
		fsys, dir = os.DirFS(filepath.Join(dataDir, defenseDir)), "."
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	e, err := defense.Load(fsys, dir)
	if err != nil {
		return nil, nil, errors.New(errorText(err))
	}
	var head struct {
		Consultation string `json:"consultation"`
	}
	data, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(dir, "defense.json")))
	if err == nil {
		err = json.Unmarshal(data, &head)
	}
	if err == nil && head.Consultation == "" {
		err = errors.New("defense.json: $.consultation: the consultation configuration is required")
	}
	if err != nil {
		return nil, nil, err
	}
	name := filepath.ToSlash(filepath.Join(dir, head.Consultation))
	data, err = fs.ReadFile(fsys, name)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := consult.Load(data, strings.TrimPrefix(name, "./"))
	if err != nil {
		return nil, nil, errors.New(errorText(err))
	}
	return e, consult.New(cfg, clock), nil
}

// operatorIngester stores what the node writes on an owner's behalf: the
// versions of the consultations it owns.
type operatorIngester struct{ in *ingest.Service }

func (o operatorIngester) Ingest(ctx context.Context, coll string, raws []json.RawMessage) ([]kizuna.PutResult, error) {
	return o.in.Ingest(ingest.AsOperator(ctx), coll, raws)
}

// defenseLease is the lease under which, among the instances sharing a
// PostgreSQL store, one runs the consultation worker's background work;
// every instance builds each version of a consultation under the node's
// Exclusive of the same name.
const defenseLease = "defense consultations"

// defenseMount wires collective defense into a serving node: its routes
// under /api/v1/, in front of the rest of the API, and the worker that
// keeps the consultations the node owns (clock nil: the wall clock). The
// worker applies the responses allies' nodes send and escalates missed
// deadlines on the instance holding defenseLease; every instance applies
// the acts of the local points of contact its API receives, one instance
// at a time (Node.Exclusive). The server is kept in *served, for the
// workspace's incident and consultation pages.
func defenseMount(clock consult.Clock, served **defapi.Server) node.Mount {
	return func(n *node.Node, r *node.Router) error {
		e, m, err := loadDefense(n.Dir, clock)
		if err != nil {
			return err
		}
		m.OnRelease = func(c *kizuna.Consultation, d *kizuna.ReleaseDecision) {
			n.Audit(context.Background(), &kizuna.AuditEvent{Principal: d.Principal, Action: "consultation.release", Object: c.ID,
				Reason: d.Authority + ": " + d.Rationale + " (from " + strings.Join(d.FromMarkingRefs, ",") + " to " + strings.Join(d.ToMarkingRefs, ",") + ")"})
		}
		w := &defapi.Worker{Machine: m, Store: n.Store, Ingester: operatorIngester{n.Ingest}, Logger: n.Logger,
			Exclusive: func(ctx context.Context, fn func() error) error { return n.Exclusive(ctx, defenseLease, fn) }}
		n.Subscribe(w.Notify)
		r.Go(defenseLease, func(ctx context.Context) { w.Run(ctx, defenseTick) })
		s := &defapi.Server{Engine: e, Consult: m, Objects: n.Guard, Collections: n.Guard, Ingester: n.Ingest,
			Collection: node.DefaultAlias, WriteError: r.WriteError, Logger: n.Logger, Clock: clock, Worker: w,
			Config: &defenseConfig{n: n}, Audit: n.Audit}
		s.Register(r.Mux, r.Protect)
		*served = s
		return nil
	}
}
