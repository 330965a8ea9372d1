package rowcodec

import (
	"sync"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

func TestLabelCache(t *testing.T) {
	var c LabelCache
	a, b := &kizuna.AccessLabel{TLP: "amber"}, &kizuna.AccessLabel{TLP: "green"}
	out := map[int64]*kizuna.AccessLabel{}
	if missing := c.Lookup(map[int64]bool{1: true}, out); len(missing) != 1 || missing[0] != 1 || len(out) != 0 {
		t.Fatalf("empty cache: missing %v, out %v", missing, out)
	}
	if err := c.AddLoaded("test", map[int64]*kizuna.AccessLabel{1: a, 2: b}, []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	missing := c.Lookup(map[int64]bool{1: true, 2: true, 3: true}, out)
	if len(missing) != 1 || missing[0] != 3 || out[1] != a || out[2] != b {
		t.Errorf("Lookup: missing %v, out %v; want 3 missing, 1 and 2 found", missing, out)
	}
	// A label the database did not return is an error, and is not cached.
	err := c.AddLoaded("test", map[int64]*kizuna.AccessLabel{}, []int64{3})
	MustCode(t, err, kizuna.EINTERNAL, "test: access label 3 is missing")
	if m := c.Lookup(map[int64]bool{3: true}, out); len(m) != 1 {
		t.Errorf("a missing label was cached")
	}

	if _, ok := c.ID(`{"tlp":"amber"}`); ok {
		t.Errorf("ID found an encoding never added")
	}
	c.AddIDs(map[string]int64{`{"tlp":"amber"}`: 1})
	if id, ok := c.ID(`{"tlp":"amber"}`); !ok || id != 1 {
		t.Errorf("ID = %d, %v; want 1, true", id, ok)
	}
}

func TestLabelCacheConcurrent(t *testing.T) {
	var c LabelCache
	var wg sync.WaitGroup
	for i := range int64(8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := &kizuna.AccessLabel{}
			_ = c.AddLoaded("test", map[int64]*kizuna.AccessLabel{i: l}, []int64{i})
			c.AddIDs(map[string]int64{string(rune('a' + i)): i})
			c.Lookup(map[int64]bool{i: true, i + 1: true}, map[int64]*kizuna.AccessLabel{})
			c.ID("a")
		}()
	}
	wg.Wait()
	for i := range int64(8) {
		if id, ok := c.ID(string(rune('a' + i))); !ok || id != i {
			t.Errorf("ID(%q) = %d, %v after concurrent adds", string(rune('a'+i)), id, ok)
		}
	}
}
