package rowcodec

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

var errScan = errors.New("no rows")

func TestScanPrincipalRoundTrip(t *testing.T) {
	created := time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)
	revoked := created.Add(time.Hour)
	for _, rev := range []*time.Time{nil, &revoked} {
		in := &kizuna.Principal{ID: "principal--1", Name: "alice", Organization: "identity--x", Nation: "JPN",
			Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}, Roles: []string{"admin"}}
		cl, co, ro := PrincipalJSON(in)
		if co != "[]" {
			t.Errorf("communities of a principal without any stored as %s, want []", co)
		}
		var revCol any
		if rev != nil {
			revCol = Micros(*rev)
		}
		got, err := ScanPrincipal("test", fakeRow{vals: []any{in.ID, in.Name, in.Organization, in.Nation, cl, co, ro, Micros(created), revCol}})
		if err != nil {
			t.Fatal(err)
		}
		want := *in
		want.Communities, want.CreatedAt, want.RevokedAt = []string{}, created, rev
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("ScanPrincipal = %+v, want %+v", got, &want)
		}
	}
}

func TestScanPrincipalCorrupt(t *testing.T) {
	_, err := ScanPrincipal("test", fakeRow{vals: []any{"principal--1", "bob", "", "", "[]", "{", "[]", int64(0), nil}})
	MustCode(t, err, kizuna.EINTERNAL, "test: stored communities of principal bob are corrupt")
	if _, err := ScanPrincipal("test", fakeRow{err: errScan}); !errors.Is(err, errScan) {
		t.Errorf("scan error %v is not passed through", err)
	}
	MustCode(t, CheckPrincipal(nil), kizuna.EINVALID, "missing")
	MustCode(t, CheckPrincipal(&kizuna.Principal{ID: "p"}), kizuna.EINVALID, `a principal name is required`)
	MustCode(t, CheckPrincipal(&kizuna.Principal{ID: "p", Name: "admin\u202e"}), kizuna.EINVALID, `U+202E at byte 5`)
}

func TestScanCollectionRoundTrip(t *testing.T) {
	in := &kizuna.Collection{ID: "c1", Title: "Feed", Alias: "feed",
		CanRead: kizuna.AccessRule{Nations: []string{"USA", "JPN"}}, CanWrite: kizuna.AccessRule{Roles: []string{"writer"}}}
	r, w, d := CollectionJSON(in)
	if d != "[]" {
		t.Errorf("nil default marking refs stored as %s, want []", d)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	got, err := ScanCollection("test", fakeRow{vals: []any{in.ID, in.Title, in.Description, in.Alias, r, w, d, Micros(created)}})
	if err != nil {
		t.Fatal(err)
	}
	want := *in
	want.DefaultMarkingRefs, want.CreatedAt = []string{}, created
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("ScanCollection = %+v, want %+v", got, &want)
	}
	_, err = ScanCollection("test", fakeRow{vals: []any{"c2", "T", "", "", "{}", "{}", "nope", int64(0)}})
	MustCode(t, err, kizuna.EINTERNAL, "test: stored default_marking_refs of collection c2 is corrupt")
	MustCode(t, CheckCollection(&kizuna.Collection{ID: "c3"}), kizuna.EINVALID, `collection "c3": title is required`)
}

func TestScanStatusRoundTrip(t *testing.T) {
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	in := &kizuna.Status{ID: "s1", Collection: "c1", Principal: "principal--1", Status: kizuna.StatusPending,
		RequestTime: at, Total: 2, Successes: []kizuna.StatusDetail{{ID: "indicator--1", Version: at}},
		Failures: []kizuna.StatusDetail{{ID: "indicator--2", Version: at, Message: "refused"}}}
	if err := CheckStatus(in); err != nil {
		t.Fatal(err)
	}
	got, err := ScanStatus("test", in.ID, fakeRow{vals: StatusArgs(in)})
	if err != nil {
		t.Fatal(err)
	}
	want := *in
	want.Pendings = []kizuna.StatusDetail{}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("ScanStatus = %+v, want %+v", got, &want)
	}
	args := StatusArgs(in)
	args[6] = "[{"
	_, err = ScanStatus("test", "s1", fakeRow{vals: args})
	MustCode(t, err, kizuna.EINTERNAL, "test: stored status s1 is corrupt")
	for _, bad := range []*kizuna.Status{nil, {}, {ID: "s", Status: "done"}} {
		if kizuna.ErrorCode(CheckStatus(bad)) != kizuna.EINVALID {
			t.Errorf("CheckStatus(%+v) accepted", bad)
		}
	}
}

func TestLabels(t *testing.T) {
	a := &kizuna.AccessLabel{TLP: "amber", ReleasableTo: []string{"USA"}}
	b := &kizuna.AccessLabel{TLP: "green"}
	o := &kizuna.Object{ID: "indicator--1", Label: a, Portions: []kizuna.Portion{{Label: b}, {Label: a}}}
	encs, err := LabelEncodings(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(encs) != 3 || encs[0] != encs[2] || encs[0] == encs[1] {
		t.Fatalf("LabelEncodings = %q: want the object's label, then one per portion, equal labels equal", encs)
	}
	got, err := DecodeLabel("test", 7, []byte(encs[0]))
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("DecodeLabel = %+v, %v; want %+v", got, err, a)
	}
	_, err = DecodeLabel("test", 7, []byte("{"))
	MustCode(t, err, kizuna.EINTERNAL, "test: stored access label 7 is corrupt")

	objs := []*kizuna.Object{{LabelID: 1, Portions: []kizuna.Portion{{LabelID: 2}}}, {LabelID: 3}}
	ids := map[int64]bool{}
	LabelIDs(objs, ids)
	if !reflect.DeepEqual(ids, map[int64]bool{1: true, 2: true, 3: true}) {
		t.Errorf("LabelIDs = %v", ids)
	}
	AttachLabels(objs, map[int64]*kizuna.AccessLabel{1: a, 2: b, 3: b})
	if objs[0].Label != a || objs[0].Portions[0].Label != b || objs[1].Label != b {
		t.Errorf("AttachLabels set the wrong labels")
	}
}

func TestPortionsRoundTrip(t *testing.T) {
	in := []kizuna.Portion{{Selectors: []string{"name"}, LabelID: 4}, {Selectors: []string{"pattern", "x_y"}, LabelID: 5}}
	if got := Portions(StoredPortions(in)); !reflect.DeepEqual(got, in) {
		t.Errorf("Portions(StoredPortions(x)) = %+v, want %+v", got, in)
	}
}

func TestCheckPut(t *testing.T) {
	l := &kizuna.AccessLabel{}
	ok := kizuna.Object{ID: "indicator--1", Type: "indicator", Hash: "h", Raw: []byte(`{}`), Label: l}
	if err := CheckPut(&ok); err != nil {
		t.Fatal(err)
	}
	for want, mod := range map[string]func(*kizuna.Object){
		"object has no id":        func(o *kizuna.Object) { o.ID = "" },
		"type is missing":         func(o *kizuna.Object) { o.Type = "" },
		"content hash is missing": func(o *kizuna.Object) { o.Hash = "" },
		"raw JSON is missing":     func(o *kizuna.Object) { o.Raw = nil },
		"access label is missing": func(o *kizuna.Object) { o.Label = nil },
		"portion 1 ([b]) has no access label": func(o *kizuna.Object) {
			o.Portions = []kizuna.Portion{{Selectors: []string{"a"}, Label: l}, {Selectors: []string{"b"}}}
		},
	} {
		o := ok
		mod(&o)
		MustCode(t, CheckPut(&o), kizuna.EINVALID, want)
	}
}
