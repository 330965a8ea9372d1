package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

func testStatuses(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	st := &kizuna.Status{
		ID: "2d086da7-4bdc-4f91-900e-d77486753710", Collection: "c", Principal: "principal--1",
		Status: kizuna.StatusPending, RequestTime: MustTime(t, "2025-03-01T10:00:00.123456Z"), Total: 3,
		Successes: []kizuna.StatusDetail{{ID: ObjectID("indicator", 1), Version: MustTime(t, "2025-03-01T10:00:00Z")}},
		Failures:  []kizuna.StatusDetail{{ID: ObjectID("indicator", 2), Version: MustTime(t, "2025-03-01T10:00:00Z"), Message: "conflict"}},
		Pendings:  []kizuna.StatusDetail{{ID: ObjectID("indicator", 3), Version: MustTime(t, "2025-03-01T10:00:00Z")}},
	}
	if err := s.CreateStatus(ctx, st); err != nil {
		t.Fatalf("CreateStatus: %v", err)
	}
	wantCode(t, s.CreateStatus(ctx, st), kizuna.ECONFLICT, "duplicate status")
	got, err := s.FindStatusByID(ctx, st.ID)
	if err != nil {
		t.Fatalf("FindStatusByID: %v", err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("status =\n %+v\nwant\n %+v", got, st)
	}
	st.Status = kizuna.StatusComplete
	st.Successes = append(st.Successes, st.Pendings...)
	st.Pendings = []kizuna.StatusDetail{}
	if err := s.UpdateStatus(ctx, st); err != nil {
		t.Fatalf("UpdateStatus: %v", err)
	}
	got, err = s.FindStatusByID(ctx, st.ID)
	if err != nil || got.Status != kizuna.StatusComplete || len(got.Successes) != 2 || len(got.Pendings) != 0 {
		t.Errorf("updated status = %+v, %v", got, err)
	}
	wantCode(t, s.UpdateStatus(ctx, &kizuna.Status{ID: "missing", Status: kizuna.StatusPending}), kizuna.ENOTFOUND, "update missing status")
	_, err = s.FindStatusByID(ctx, "missing")
	wantCode(t, err, kizuna.ENOTFOUND, "missing status")
}

func testPendingStatuses(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	mk := func(id, state, at string) *kizuna.Status {
		st := &kizuna.Status{ID: id, Collection: "c", Principal: "principal--1", Status: state,
			RequestTime: MustTime(t, at), Total: 1,
			Pendings: []kizuna.StatusDetail{{ID: ObjectID("indicator", 1), Version: MustTime(t, "2025-03-01T10:00:00Z")}}}
		if state == kizuna.StatusComplete {
			st.Successes, st.Pendings = st.Pendings, nil
		}
		if err := s.CreateStatus(ctx, st); err != nil {
			t.Fatalf("CreateStatus: %v", err)
		}
		return st
	}
	later := mk("6a3c1d2e-0000-4000-8000-000000000002", kizuna.StatusPending, "2025-03-01T10:00:02Z")
	mk("6a3c1d2e-0000-4000-8000-000000000003", kizuna.StatusComplete, "2025-03-01T10:00:01Z")
	earlier := mk("6a3c1d2e-0000-4000-8000-000000000001", kizuna.StatusPending, "2025-03-01T10:00:00Z")
	got, err := s.FindPendingStatuses(ctx)
	if err != nil {
		t.Fatalf("FindPendingStatuses: %v", err)
	}
	var ids []string
	for _, st := range got {
		ids = append(ids, st.ID)
	}
	if want := []string{earlier.ID, later.ID}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("pending statuses %v, want %v, oldest first", ids, want)
	}
	if !reflect.DeepEqual(got[0].Pendings, earlier.Pendings) {
		t.Errorf("pendings %+v, want %+v", got[0].Pendings, earlier.Pendings)
	}
	earlier.Status = kizuna.StatusComplete
	earlier.Successes, earlier.Pendings = earlier.Pendings, nil
	if err := s.UpdateStatus(ctx, earlier); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindPendingStatuses(ctx); err != nil || len(got) != 1 || got[0].ID != later.ID {
		t.Errorf("after completing one: %v, %v", got, err)
	}
}
