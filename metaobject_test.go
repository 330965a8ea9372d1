package kizuna_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

const (
	metaStatement = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"
	metaCreator   = "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"
	metaInner     = "marking-definition--11111111-1111-4111-8111-111111111111"
	metaOuter     = "marking-definition--22222222-2222-4222-8222-222222222222"
	metaExt       = "extension-definition--33333333-3333-4333-8333-333333333333"
	metaTLPGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
)

// metaObject makes a stored version from its JSON, with the parsed fields
// a store fills in.
func metaObject(t *testing.T, raw string) *kizuna.Object {
	t.Helper()
	var h struct {
		ID, Type     string
		CreatedByRef string                   `json:"created_by_ref"`
		Markings     []string                 `json:"object_marking_refs"`
		Granular     []kizuna.GranularMarking `json:"granular_markings"`
	}
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return &kizuna.Object{ID: h.ID, Type: h.Type, CreatedByRef: h.CreatedByRef, MarkingRefs: h.Markings, GranularMarkings: h.Granular, Raw: json.RawMessage(raw)}
}

// finder is a MetaFinder over a map; it counts the ids asked for.
type finder struct {
	objs  map[string]*kizuna.Object
	asked []string
}

func (f *finder) FindMeta(ctx context.Context, ids []string) (map[string]*kizuna.Object, error) {
	f.asked = append(f.asked, ids...)
	out := map[string]*kizuna.Object{}
	for _, id := range ids {
		if o := f.objs[id]; o != nil {
			out[id] = o
		}
	}
	return out, nil
}

func ids(objs []*kizuna.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.ID)
	}
	return out
}

func TestParseMetaRefs(t *testing.T) {
	raw := `{"type":"indicator","id":"indicator--44444444-4444-4444-8444-444444444444","created_by_ref":"` + metaCreator + `",
		"object_marking_refs":["` + metaStatement + `","` + metaStatement + `"],
		"granular_markings":[{"marking_ref":"` + metaInner + `","selectors":["name"]},{"lang":"en","selectors":["description"]}],
		"extensions":{"` + metaExt + `":{"extension_type":"property-extension"},"x-acme-ext":{}}}`
	r, err := kizuna.ParseMetaRefs(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{metaStatement, metaInner}; !slices.Equal(r.Markings, want) {
		t.Errorf("markings %v, want %v", r.Markings, want)
	}
	if want := []string{metaExt}; !slices.Equal(r.Extensions, want) {
		t.Errorf("extensions %v, want %v", r.Extensions, want)
	}
	if r.Creator != metaCreator {
		t.Errorf("creator %q", r.Creator)
	}
	if want := []string{metaStatement, metaInner, metaExt, metaCreator}; !slices.Equal(r.All(), want) {
		t.Errorf("all %v, want %v", r.All(), want)
	}
	// A marking-definition that marks itself, an identity that created
	// itself: no self-reference.
	self, _ := kizuna.ParseMetaRefs(json.RawMessage(`{"id":"` + metaInner + `","object_marking_refs":["` + metaInner + `"],"created_by_ref":"` + metaInner + `"}`))
	if len(self.All()) != 0 {
		t.Errorf("self references: %v", self.All())
	}
	if _, err := kizuna.ParseMetaRefs(json.RawMessage(`[1]`)); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("array: %v", err)
	}
}

// TestMetaRefsOfRedacted: a redacted copy no longer references the
// markings of the portions removed, even though the stored version's
// parsed fields still name them.
func TestMetaRefsOfRedacted(t *testing.T) {
	o := metaObject(t, `{"type":"indicator","id":"indicator--44444444-4444-4444-8444-444444444444","object_marking_refs":["`+metaStatement+`"],
		"granular_markings":[{"marking_ref":"`+metaInner+`","selectors":["description"]}]}`)
	r, err := kizuna.MetaRefsOf(o)
	if err != nil || !slices.Equal(r.Markings, []string{metaStatement, metaInner}) {
		t.Fatalf("stored: %v %v", r.Markings, err)
	}
	o.Raw = json.RawMessage(`{"type":"indicator","id":"indicator--44444444-4444-4444-8444-444444444444","object_marking_refs":["` + metaStatement + `"],"x_kizuna_redacted":["description"]}`)
	r, err = kizuna.MetaRefsOf(o)
	if err != nil || !slices.Equal(r.Markings, []string{metaStatement}) {
		t.Fatalf("redacted: %v %v", r.Markings, err)
	}
}

// TestMetaSetAttackLike: the ATT&CK shape, where the statement marking is
// created by an identity marked with that statement: a cycle that must
// still put the marking first, and every object once.
func TestMetaSetAttackLike(t *testing.T) {
	f := &finder{objs: map[string]*kizuna.Object{}}
	for _, raw := range []string{
		`{"type":"identity","id":"` + metaCreator + `","object_marking_refs":["` + metaStatement + `"]}`,
		`{"type":"marking-definition","id":"` + metaStatement + `","created_by_ref":"` + metaCreator + `"}`,
		`{"type":"marking-definition","id":"` + metaOuter + `","object_marking_refs":["` + metaInner + `"],"extensions":{"` + metaExt + `":{}}}`,
		`{"type":"marking-definition","id":"` + metaInner + `","object_marking_refs":["` + metaTLPGreen + `"]}`,
		`{"type":"extension-definition","id":"` + metaExt + `","created_by_ref":"` + metaCreator + `"}`,
	} {
		o := metaObject(t, raw)
		f.objs[o.ID] = o
	}
	s := &kizuna.MetaSet{Finder: f, Known: func(id string) bool { return id == metaTLPGreen }}
	ctx := context.Background()
	a := metaObject(t, `{"type":"attack-pattern","id":"attack-pattern--55555555-5555-4555-8555-555555555555","created_by_ref":"`+metaCreator+`","object_marking_refs":["`+metaStatement+`"]}`)
	need, _, missing, err := s.Need(ctx, a)
	if err != nil || len(missing) > 0 {
		t.Fatal(err, missing)
	}
	if got, want := ids(need), []string{metaStatement, metaCreator}; !slices.Equal(got, want) {
		t.Errorf("first object needs %v, want %v", got, want)
	}
	b := metaObject(t, `{"type":"indicator","id":"indicator--66666666-6666-4666-8666-666666666666","created_by_ref":"`+metaCreator+`","object_marking_refs":["`+metaOuter+`","marking-definition--77777777-7777-4777-8777-777777777777"]}`)
	need, _, missing, err = s.Need(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(need), []string{metaInner, metaOuter, metaExt}; !slices.Equal(got, want) {
		t.Errorf("second object needs %v, want %v (each once, inner marking first)", got, want)
	}
	if want := []string{"marking-definition--77777777-7777-4777-8777-777777777777"}; !slices.Equal(missing, want) {
		t.Errorf("missing %v, want %v", missing, want)
	}
	if got := kizuna.MarkingDepth(need); !slices.Equal(got, []int{0, 1, 0}) {
		t.Errorf("depths %v, want [0 1 0]", got)
	}
	for _, id := range f.asked {
		if id == metaTLPGreen {
			t.Errorf("a known id was looked up")
		}
	}
	if n := strings.Count(strings.Join(f.asked, " "), metaCreator); n != 1 {
		t.Errorf("the creator was looked up %d times, want once", n)
	}
	// A meta object passed in its own right is not gathered again, nor
	// does it need itself.
	s2 := &kizuna.MetaSet{Finder: f}
	before, after, _, _ := s2.Need(ctx, f.objs[metaStatement])
	if len(before) != 0 || !slices.Equal(ids(after), []string{metaCreator}) {
		t.Errorf("the statement marking: %v before it, %v after, want its creator (marked with it) after", ids(before), ids(after))
	}
	need, _, _, _ = s2.Need(ctx, a)
	if len(need) != 0 {
		t.Errorf("after the statement and its creator: %v, want nothing", ids(need))
	}
}

// FuzzMetaRefs: any input parses or fails cleanly; the references never
// name the object itself, each appears once, and gathering the meta
// objects of objects that reference each other (cycles included) ends.
func FuzzMetaRefs(f *testing.F) {
	f.Add(`{"id":"` + metaInner + `","object_marking_refs":["` + metaInner + `","` + metaOuter + `"],"created_by_ref":"` + metaCreator + `"}`)
	f.Add(`{"id":"x","granular_markings":[{"marking_ref":"` + metaOuter + `"},{"lang":"en"}],"extensions":{"` + metaExt + `":{},"x":1}}`)
	f.Add(`{"object_marking_refs":null,"granular_markings":[null],"extensions":[]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := kizuna.ParseMetaRefs(json.RawMessage(raw))
		if err != nil {
			return
		}
		var h struct{ ID string }
		json.Unmarshal([]byte(raw), &h)
		all := r.All()
		for i, id := range all {
			if id == h.ID && id != "" {
				t.Fatalf("references itself: %v", all)
			}
			if slices.Contains(all[:i], id) {
				t.Fatalf("%s twice: %v", id, all)
			}
		}
		// Every reference resolves to an object shaped like the input, so
		// that the references form cycles.
		fd := &finder{objs: map[string]*kizuna.Object{}}
		for _, id := range all {
			fd.objs[id] = &kizuna.Object{ID: id, Raw: json.RawMessage(raw)}
		}
		s := &kizuna.MetaSet{Finder: fd}
		before, after, _, err := s.Need(context.Background(), &kizuna.Object{ID: h.ID, Raw: json.RawMessage(raw)})
		if err != nil {
			return
		}
		if n := len(before) + len(after); n > len(all) {
			t.Fatalf("%d meta objects gathered from %d references", n, len(all))
		}
		kizuna.MarkingDepth(before)
	})
}
