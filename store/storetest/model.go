package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// testModel compares FindObjects with a plain model of its contract on
// random data and random filters: every combination of ids, types, spec
// versions, version selection, scope, added_after and page size.
func testModel(t *testing.T, s kizuna.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	coll := MustCollection(t, s)
	labels := []*kizuna.AccessLabel{LabelGreen, LabelAmber, LabelRed}
	base := MustTime(t, "2025-03-01T10:00:00Z")

	// 40 objects of two types with 1 to 4 versions each, stored in random
	// order and batches, with a label and spec version per version.
	type row struct {
		o     *kizuna.Object
		label int
	}
	var pending []row
	for n := 0; n < 40; n++ {
		typ := "indicator"
		if n%3 == 0 {
			typ = "malware"
		}
		for v := 0; v < 1+rng.IntN(4); v++ {
			o := NewObject(ObjectID(typ, n), base.Add(time.Duration(v)*time.Hour), nil, fmt.Sprint(n, v))
			o.Type = typ
			if rng.IntN(4) == 0 {
				o.SpecVersion = "2.0"
			}
			l := rng.IntN(len(labels))
			o.Label = labels[l]
			pending = append(pending, row{o, l})
		}
	}
	rng.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
	var stored []row
	for len(pending) > 0 {
		n := min(len(pending), 1+rng.IntN(7))
		batch := make([]*kizuna.Object, n)
		for i := range batch {
			batch[i] = pending[i].o
		}
		MustPut(t, s, coll, batch...)
		stored = append(stored, pending[:n]...)
		pending = pending[n:]
	}
	labelID := map[int]int64{}
	var versions []*kizuna.Object
	for _, r := range stored {
		labelID[r.label] = r.o.LabelID
		versions = append(versions, r.o)
	}

	pick := func(all []string) []string {
		var out []string
		for _, x := range all {
			if rng.IntN(3) == 0 {
				out = append(out, x)
			}
		}
		return out
	}
	var ids []string
	for _, r := range stored {
		if !slices.Contains(ids, r.o.ID) {
			ids = append(ids, r.o.ID)
		}
	}
	for iter := 0; iter < 150; iter++ {
		f := kizuna.ObjectFilter{Collection: coll, Limit: 1 + rng.IntN(12)}
		if rng.IntN(3) == 0 {
			f.IDs = append(pick(ids), ObjectID("indicator", 999))
		}
		if rng.IntN(3) == 0 {
			f.Types = append(pick([]string{"indicator", "malware"}), "tool")
		}
		if rng.IntN(4) == 0 {
			f.SpecVersions = pick([]string{"2.0", "2.1"})
		}
		switch rng.IntN(6) {
		case 0:
		case 1:
			f.Versions.All = true
		case 2:
			f.Versions.First = true
		case 3:
			f.Versions.First, f.Versions.Last = true, true
		default:
			f.Versions.At = []time.Time{base.Add(time.Duration(rng.IntN(4)) * time.Hour)}
			f.Versions.Last = rng.IntN(2) == 0
		}
		if rng.IntN(5) == 0 {
			f.Access.Unrestricted = true
		} else {
			for l := range labels {
				if rng.IntN(2) == 0 {
					f.Access.LabelIDs = append(f.Access.LabelIDs, labelID[l])
				}
			}
		}
		if rng.IntN(3) == 0 {
			after := stored[rng.IntN(len(stored))].o.DateAdded
			f.AddedAfter = &after
		}

		var want []string
		byAdded := slices.Clone(versions)
		slices.SortFunc(byAdded, func(a, b *kizuna.Object) int { return a.DateAdded.Compare(b.DateAdded) })
		for _, o := range byAdded {
			if modelMatch(o, f, versions) {
				want = append(want, o.ID+"@"+o.Version.Format(time.RFC3339))
			}
		}
		// Half the filters read the lean rows of a TAXII objects page.
		if rng.IntN(2) == 0 {
			f.IncludeRaw, f.RawOnly = true, true
		}
		var got []string
		for _, o := range MustFindAll(t, s, f) {
			got = append(got, o.ID+"@"+o.Version.Format(time.RFC3339))
			if f.RawOnly && (o.Label == nil || o.LabelID == 0 || o.Type == "" || len(o.Raw) == 0 || o.DateAdded.IsZero()) {
				t.Fatalf("filter %+v: RawOnly version lacks a field it needs: %+v", f, o)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("filter %+v:\n got %v\nwant %v", f, got, want)
		}
	}
}

// modelMatch reports whether the version o matches f, by the contract of
// FindObjects: first and last are chosen among the versions of the same id
// that the scope and spec versions admit.
func modelMatch(o *kizuna.Object, f kizuna.ObjectFilter, all []*kizuna.Object) bool {
	admits := func(x *kizuna.Object) bool {
		return (f.Access.Unrestricted || slices.Contains(f.Access.LabelIDs, x.LabelID)) &&
			(len(f.SpecVersions) == 0 || slices.Contains(f.SpecVersions, x.SpecVersion))
	}
	if !admits(o) || (len(f.IDs) > 0 && !slices.Contains(f.IDs, o.ID)) || (len(f.Types) > 0 && !slices.Contains(f.Types, o.Type)) {
		return false
	}
	if f.AddedAfter != nil && !o.DateAdded.After(*f.AddedAfter) {
		return false
	}
	vm := f.Versions
	if vm.All {
		return true
	}
	var first, last time.Time
	for _, x := range all {
		if x.ID != o.ID || !admits(x) {
			continue
		}
		if first.IsZero() || x.Version.Before(first) {
			first = x.Version
		}
		if x.Version.After(last) {
			last = x.Version
		}
	}
	switch {
	case (vm.Last || (!vm.First && len(vm.At) == 0)) && o.Version.Equal(last):
		return true
	case vm.First && o.Version.Equal(first):
		return true
	}
	for _, v := range vm.At {
		if o.Version.Equal(v) {
			return true
		}
	}
	return false
}
