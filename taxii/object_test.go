package taxii_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/taxii"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

// indicator returns a stored indicator version with the n-th id.
func indicator(n int, version, added time.Time) *kizuna.Object {
	id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n)
	raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":%q}`,
		id, version.Format(time.RFC3339Nano))
	return &kizuna.Object{ID: id, Type: "indicator", SpecVersion: "2.1", Version: version, Modified: version,
		Raw: []byte(raw), DateAdded: added, Collection: openID}
}

func objectsPath(id string) string { return "/taxii2/api/collections/" + id + "/objects/" }

func TestGetObjectsPassesFilters(t *testing.T) {
	f := MustFixture(t, taxii.Config{MaxPageSize: 50, DefaultPageSize: 10})
	var got kizuna.ObjectFilter
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		got = filter
		return &kizuna.ObjectPage{Objects: []*kizuna.Object{indicator(1, t0, t0), indicator(2, t0, t0.Add(time.Second))}, More: true, Next: "cur-2"}, nil
	}
	q := "?limit=500&added_after=2026-01-01T00:00:00.5Z&match[id]=indicator--00000000-0000-4000-8000-000000000001,indicator--00000000-0000-4000-8000-000000000002" +
		"&match[type]=indicator&match[type]=malware&match[version]=first,2026-01-01T00:00:00Z&match[spec_version]=2.1&next=cur-1&unknown=x"
	r := MustDo(t, f, request{path: objectsPath(openID) + q})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	after := time.Date(2026, 1, 1, 0, 0, 0, 500_000_000, time.UTC)
	want := kizuna.ObjectFilter{
		Collection:   openID,
		IDs:          []string{"indicator--00000000-0000-4000-8000-000000000001", "indicator--00000000-0000-4000-8000-000000000002"},
		Types:        []string{"indicator", "malware"},
		SpecVersions: []string{"2.1"},
		Versions:     kizuna.VersionMatch{First: true, At: []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}},
		AddedAfter:   &after,
		Next:         "cur-1",
		Limit:        50,
		IncludeRaw:   true,
		RawOnly:      true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filter\n got %+v\nwant %+v", got, want)
	}
	if !got.Access.Unrestricted && len(got.Access.LabelIDs) == 0 {
		// The server leaves the scope to the guard; zero is the fail-closed value.
	} else {
		t.Errorf("server set an access scope itself: %+v", got.Access)
	}
	var env taxii.Envelope
	MustDecode(t, r, &env)
	if !env.More || env.Next != "cur-2" || len(env.Objects) != 2 {
		t.Errorf("envelope = %+v", env)
	}
	if h := r.header.Get("X-TAXII-Date-Added-First"); h != "2026-01-02T03:04:05.123456Z" {
		t.Errorf("X-TAXII-Date-Added-First = %q", h)
	}
	if h := r.header.Get("X-TAXII-Date-Added-Last"); h != "2026-01-02T03:04:06.123456Z" {
		t.Errorf("X-TAXII-Date-Added-Last = %q", h)
	}
}

func TestGetObjectsDefaults(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	var got kizuna.ObjectFilter
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		got = filter
		return &kizuna.ObjectPage{}, nil
	}
	r := MustDo(t, f, request{path: objectsPath(openID)})
	if r.status != 200 || string(r.body) != `{"more":false}` {
		t.Errorf("empty result: status %d body %s", r.status, r.body)
	}
	if r.header.Get("X-TAXII-Date-Added-First") != "" {
		t.Errorf("date headers on an empty page")
	}
	if got.Limit != taxii.DefaultDefaultPageSize || !got.Versions.Last || got.Versions.All || got.AddedAfter != nil {
		t.Errorf("defaults: %+v", got)
	}
	// The alias reaches the same collection, and the store is asked by id.
	MustDo(t, f, request{path: objectsPath("open")})
	if got.Collection != openID {
		t.Errorf("alias: collection %q", got.Collection)
	}
}

func TestGetObjectsBadQuery(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		if filter.Next == "bogus" {
			return nil, kizuna.Errorf(kizuna.EINVALID, "next cursor is malformed")
		}
		return &kizuna.ObjectPage{}, nil
	}
	for _, q := range []string{"limit=abc", "limit=0", "limit=-5", "limit=1e3", "added_after=yesterday",
		"added_after=2026-01-01", "added_after=2026-13-01T00:00:00Z", "match[version]=newest", "match[version]=2026-01-01T00:00:00",
		"match[id]=not-an-id", "match[type]=Indicator", "match[spec_version]=two", "next=", "next=%00", "next=bogus",
		"match[id]=" + strings.Repeat("indicator--00000000-0000-4000-8000-000000000001,", 1001)} {
		r := MustDo(t, f, request{path: objectsPath(openID) + "?" + q})
		em := MustError(t, r, 400)
		if !strings.Contains(em.Description, strings.SplitN(q, "=", 2)[0]) && q != "next=bogus" {
			t.Errorf("%s: description %q does not name the parameter", q, em.Description)
		}
	}
}

func TestCollectionVisibility(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		return &kizuna.ObjectPage{}, nil
	}
	var cs taxii.Collections
	MustDecode(t, MustDo(t, f, request{path: "/taxii2/api/collections/"}), &cs)
	if len(cs.Collections) != 1 || cs.Collections[0].ID != openID || !cs.Collections[0].CanRead || !cs.Collections[0].CanWrite {
		t.Errorf("alice's collections: %+v", cs)
	}
	MustDecode(t, MustDo(t, f, request{path: "/taxii2/api/collections/", token: "tok-bob"}), &cs)
	if len(cs.Collections) != 1 || cs.Collections[0].CanWrite {
		t.Errorf("bob's collections: %+v", cs)
	}
	MustDecode(t, MustDo(t, f, request{path: "/taxii2/api/collections/", token: "tok-root"}), &cs)
	if len(cs.Collections) != 2 {
		t.Errorf("root's collections: %+v", cs)
	}
	// A hidden collection and a missing one answer alike.
	hidden := MustError(t, MustDo(t, f, request{path: "/taxii2/api/collections/" + secretID + "/"}), 404)
	missing := MustError(t, MustDo(t, f, request{path: "/taxii2/api/collections/00000000-0000-4000-8000-000000000000/"}), 404)
	if strings.Replace(hidden.Description, secretID, "X", 1) != strings.Replace(missing.Description, "00000000-0000-4000-8000-000000000000", "X", 1) {
		t.Errorf("hidden %q vs missing %q", hidden.Description, missing.Description)
	}
	for _, p := range []string{"objects/", "manifest/", "objects/indicator--00000000-0000-4000-8000-000000000001/",
		"objects/indicator--00000000-0000-4000-8000-000000000001/versions/"} {
		MustError(t, MustDo(t, f, request{path: "/taxii2/api/collections/" + secretID + "/" + p}), 404)
	}
	MustError(t, MustDo(t, f, request{method: "POST", path: objectsPath(secretID), contentType: taxii.MediaTypeTAXII, body: `{"objects":[]}`}), 404)
	// bob may read but not write.
	MustError(t, MustDo(t, f, request{method: "POST", path: objectsPath(openID), token: "tok-bob", contentType: taxii.MediaTypeTAXII, body: `{"objects":[]}`}), 403)
}

func TestInternalErrorsAreGenericAndLoggedOnce(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		return nil, errors.New("database is locked at /var/lib/kizuna/secret.db")
	}
	r := MustDo(t, f, request{path: objectsPath(openID)})
	em := MustError(t, r, 500)
	if strings.Contains(em.Description, "secret.db") || em.ErrorID == "" || !strings.Contains(em.Description, em.ErrorID) {
		t.Errorf("description %q, error_id %q", em.Description, em.ErrorID)
	}
	if n := strings.Count(f.logs.String(), "secret.db"); n != 1 {
		t.Errorf("cause logged %d times, want once:\n%s", n, f.logs)
	}
	if r.header.Get("X-Request-Id") != em.ErrorID {
		t.Errorf("X-Request-Id %q != error_id %q", r.header.Get("X-Request-Id"), em.ErrorID)
	}
}

func TestPanicRecovery(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	var calls atomic.Int32
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		calls.Add(1)
		panic("boom")
	}
	MustError(t, MustDo(t, f, request{path: objectsPath(openID)}), 500)
	if !strings.Contains(f.logs.String(), "boom") {
		t.Errorf("panic not logged: %s", f.logs)
	}
	// The server still answers.
	if r := MustDo(t, f, request{path: "/taxii2/"}); r.status != 200 {
		t.Errorf("after panic: %d", r.status)
	}
}
