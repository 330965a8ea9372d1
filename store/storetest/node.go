package storetest

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func testLabels(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	coll := MustCollection(t, s)
	a := NewObject(ObjectID("indicator", 1), MustTime(t, "2025-03-01T10:00:00Z"), LabelGreen, "a")
	b := NewObject(ObjectID("indicator", 2), MustTime(t, "2025-03-01T10:00:00Z"), &kizuna.AccessLabel{TLP: kizuna.TLPGreen}, "b")
	c := NewObject(ObjectID("indicator", 3), MustTime(t, "2025-03-01T10:00:00Z"), LabelAmber, "c")
	MustPut(t, s, coll, a, b, c)
	if a.LabelID != b.LabelID {
		t.Errorf("equal labels got ids %d and %d; want one shared id", a.LabelID, b.LabelID)
	}
	if a.LabelID == c.LabelID {
		t.Errorf("different labels share id %d", a.LabelID)
	}
	ls, err := s.FindLabels(ctx, 0)
	if err != nil {
		t.Fatalf("FindLabels: %v", err)
	}
	if len(ls) != 2 || ls[0].ID >= ls[1].ID {
		t.Fatalf("FindLabels(0) = %+v, want 2 labels in id order", ls)
	}
	byID := map[int64]kizuna.AccessLabel{ls[0].ID: ls[0].Label, ls[1].ID: ls[1].Label}
	if !reflect.DeepEqual(byID[a.LabelID], *LabelGreen) || !reflect.DeepEqual(byID[c.LabelID], *LabelAmber) {
		t.Errorf("stored labels differ: %+v", byID)
	}
	ls, err = s.FindLabels(ctx, ls[0].ID)
	if err != nil || len(ls) != 1 {
		t.Errorf("FindLabels(first id) = %d labels, %v; want 1", len(ls), err)
	}
}

func testMarkingDefinition(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	c1, c2 := MustCollection(t, s), MustCollection(t, s)
	id := "marking-definition--00000000-0000-4000-8000-000000000001"
	md := func(name string) *kizuna.Object {
		o := NewObject(id, time.Time{}, LabelGreen, name)
		o.Type = "marking-definition"
		o.Created = MustTime(t, "2025-01-01T00:00:00Z")
		o.Modified, o.Version = time.Time{}, o.Created
		o.Raw = []byte(`{"type":"marking-definition","spec_version":"2.1","id":"` + id + `","created":"2025-01-01T00:00:00Z","name":"` + name + `"}`)
		o.Hash = hashOf(o.Raw)
		return o
	}
	_, err := s.FindMarkingDefinition(ctx, id)
	wantCode(t, err, kizuna.ENOTFOUND, "missing marking-definition")
	first := md("first")
	MustPut(t, s, c2, first)
	MustPut(t, s, c1, md("first"))
	got, err := s.FindMarkingDefinition(ctx, id)
	if err != nil {
		t.Fatalf("FindMarkingDefinition: %v", err)
	}
	if got.ID != id || !bytes.Equal(got.Raw, first.Raw) || got.Collection != c2 || got.Label == nil || !got.Modified.IsZero() {
		t.Errorf("FindMarkingDefinition = %+v", got)
	}
	// An indicator with a marking-definition's id is not a definition.
	_, err = s.FindMarkingDefinition(ctx, ObjectID("indicator", 1))
	wantCode(t, err, kizuna.ENOTFOUND, "not a marking-definition")
}

func testCollections(t *testing.T, s kizuna.Store) {
	ctx := context.Background()
	c := &kizuna.Collection{
		Title: "High-value", Description: "US-JP shared", Alias: "hv",
		CanRead:            kizuna.AccessRule{Roles: []string{kizuna.RoleReader}, Nations: []string{"JPN", "USA"}},
		CanWrite:           kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}, Communities: []string{"ics"}},
		DefaultMarkingRefs: []string{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
	}
	if err := s.CreateCollection(ctx, c); err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	if len(c.ID) != 36 || c.CreatedAt.IsZero() {
		t.Errorf("created collection id %q (want a UUID), CreatedAt %v", c.ID, c.CreatedAt)
	}
	for _, key := range []string{c.ID, "hv"} {
		got, err := s.FindCollectionByID(ctx, key)
		if err != nil {
			t.Fatalf("FindCollectionByID(%q): %v", key, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("FindCollectionByID(%q) =\n %+v\nwant\n %+v", key, got, c)
		}
	}
	_, err := s.FindCollectionByID(ctx, "nope")
	wantCode(t, err, kizuna.ENOTFOUND, "missing collection")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{ID: c.ID, Title: "dup"}), kizuna.ECONFLICT, "duplicate id")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{Title: "dup", Alias: "hv"}), kizuna.ECONFLICT, "duplicate alias")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{Title: "alias is an id", Alias: c.ID}), kizuna.ECONFLICT, "alias equal to an id")
	wantCode(t, s.CreateCollection(ctx, &kizuna.Collection{}), kizuna.EINVALID, "collection without title")
	d := &kizuna.Collection{ID: "6f4b5d8e-1b7a-4c3e-9a2d-0e1f2a3b4c5d", Title: "second"}
	if err := s.CreateCollection(ctx, d); err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	list, err := s.FindCollections(ctx)
	if err != nil {
		t.Fatalf("FindCollections: %v", err)
	}
	if len(list) != 2 || list[0].ID != c.ID || list[1].ID != d.ID {
		t.Errorf("FindCollections = %d collections", len(list))
	}
}
