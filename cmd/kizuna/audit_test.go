package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

// sliceAudit is an in-memory audit log that a test can tamper with.
type sliceAudit struct{ events []*kizuna.AuditEvent }

func (s *sliceAudit) AppendAudit(ctx context.Context, events ...*kizuna.AuditEvent) error {
	for _, e := range events {
		e.Seq = int64(len(s.events) + 1)
		if len(s.events) > 0 {
			e.PrevHash = s.events[len(s.events)-1].Hash
		}
		e.Hash = e.ComputeHash()
		s.events = append(s.events, e)
	}
	return nil
}

func (s *sliceAudit) FindAudit(ctx context.Context, after int64, limit int) ([]*kizuna.AuditEvent, error) {
	var out []*kizuna.AuditEvent
	for _, e := range s.events {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func TestVerifyAuditChain(t *testing.T) {
	build := func() *sliceAudit {
		s := &sliceAudit{}
		for i := 0; i < 2500; i++ {
			s.AppendAudit(context.Background(), &kizuna.AuditEvent{
				Time: time.Unix(int64(i), 0), Principal: "principal--x", Action: "read", Object: "indicator--y", Decision: "allow",
			})
		}
		return s
	}
	if n, err := kizuna.VerifyAuditChain(context.Background(), build()); err != nil || n != 2500 {
		t.Fatalf("intact log: %d, %v", n, err)
	}
	cases := map[string]struct {
		tamper func(s *sliceAudit)
		want   string
	}{
		"altered":  {func(s *sliceAudit) { s.events[1200].Decision = "deny" }, "entry 1201 was altered"},
		"removed":  {func(s *sliceAudit) { s.events = append(s.events[:700], s.events[701:]...) }, "entries are missing"},
		"relinked": {func(s *sliceAudit) { s.events[9].PrevHash = "x"; s.events[9].Hash = s.events[9].ComputeHash() }, "does not chain"},
	}
	for name, c := range cases {
		s := build()
		c.tamper(s)
		if _, err := kizuna.VerifyAuditChain(context.Background(), s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
		}
	}
}

// TestBundleObjectCount checks the export counter against node.WriteBundle's
// layout.
func TestBundleObjectCount(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		w := &countingWriter{}
		var objs []*kizuna.Object
		for i := 0; i < n; i++ {
			objs = append(objs, &kizuna.Object{Raw: []byte(`{"type":"x"}`)})
		}
		store := pageStore{objs}
		if err := node.WriteBundle(context.Background(), w, store, kizuna.ObjectFilter{}, nil); err != nil {
			t.Fatal(err)
		}
		if got := w.objects(); got != int64(n) {
			t.Errorf("%d objects exported, counted %d", n, got)
		}
	}
}

// pageStore serves its objects as one page.
type pageStore struct{ objs []*kizuna.Object }

func (s pageStore) PutObjects(context.Context, string, []*kizuna.Object) ([]kizuna.PutResult, error) {
	return nil, nil
}

func (s pageStore) FindObjects(context.Context, kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
	return &kizuna.ObjectPage{Objects: s.objs}, nil
}

func (s pageStore) DeleteObject(context.Context, string, string, kizuna.VersionMatch, kizuna.AccessScope) (int, error) {
	return 0, nil
}
