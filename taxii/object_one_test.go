package taxii_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/taxii"
)

func TestGetObjectAndVersions(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	id := indicator(7, t0, t0).ID
	v1, v2 := indicator(7, t0, t0), indicator(7, t0.Add(time.Hour), t0.Add(time.Minute))
	var filters []kizuna.ObjectFilter
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		filters = append(filters, filter)
		if len(filter.IDs) != 1 || filter.IDs[0] != id {
			return &kizuna.ObjectPage{}, nil
		}
		if filter.AddedAfter != nil && !filter.AddedAfter.Before(v2.DateAdded) {
			return &kizuna.ObjectPage{}, nil
		}
		return &kizuna.ObjectPage{Objects: []*kizuna.Object{v1, v2}}, nil
	}
	base := objectsPath(openID) + id + "/"
	var env taxii.Envelope
	MustDecode(t, MustDo(t, f, request{path: base + "?match[version]=all"}), &env)
	if len(env.Objects) != 2 || !filters[0].Versions.All || filters[0].IDs[0] != id {
		t.Errorf("get object: %d objects, filter %+v", len(env.Objects), filters[0])
	}
	var vs taxii.Versions
	MustDecode(t, MustDo(t, f, request{path: base + "versions/"}), &vs)
	if want := []string{"2026-01-02T03:04:05.123456Z", "2026-01-02T04:04:05.123456Z"}; !reflect.DeepEqual(vs.Versions, want) {
		t.Errorf("versions = %v, want %v", vs.Versions, want)
	}
	// Filters that exclude every version of a visible object: empty, not 404.
	r := MustDo(t, f, request{path: base + "?added_after=2030-01-01T00:00:00Z"})
	if r.status != 200 || string(r.body) != `{"more":false}` {
		t.Errorf("filtered out: %d %s", r.status, r.body)
	}
	// An object nobody can see is 404 on every endpoint.
	other := objectsPath(openID) + indicator(8, t0, t0).ID + "/"
	MustError(t, MustDo(t, f, request{path: other}), 404)
	MustError(t, MustDo(t, f, request{path: other + "versions/"}), 404)
	MustError(t, MustDo(t, f, request{path: objectsPath(openID) + "not-an-id/"}), 404)
}

func TestManifest(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	var got kizuna.ObjectFilter
	o := indicator(3, t0, t0)
	o.SpecVersion = "2.0"
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		got = filter
		return &kizuna.ObjectPage{Objects: []*kizuna.Object{o, indicator(4, t0.Add(time.Millisecond), t0.Add(time.Microsecond))}}, nil
	}
	var m taxii.Manifest
	MustDecode(t, MustDo(t, f, request{path: "/taxii2/api/collections/" + openID + "/manifest/?match[type]=indicator"}), &m)
	if got.IncludeRaw || len(got.Types) != 1 {
		t.Errorf("manifest filter %+v", got)
	}
	want := []taxii.ManifestRecord{
		{ID: o.ID, DateAdded: "2026-01-02T03:04:05.123456Z", Version: "2026-01-02T03:04:05.123456Z", MediaType: "application/stix+json;version=2.0"},
		{ID: indicator(4, t0, t0).ID, DateAdded: "2026-01-02T03:04:05.123457Z", Version: "2026-01-02T03:04:05.124456Z", MediaType: taxii.MediaTypeSTIX},
	}
	if !reflect.DeepEqual(m.Objects, want) {
		t.Errorf("manifest\n got %+v\nwant %+v", m.Objects, want)
	}
}

func TestDeleteObject(t *testing.T) {
	f := MustFixture(t, taxii.Config{})
	id := indicator(9, t0, t0).ID
	var gotVersions kizuna.VersionMatch
	f.objects.DeleteObjectFn = func(ctx context.Context, coll, oid string, v kizuna.VersionMatch, a kizuna.AccessScope) (int, error) {
		gotVersions = v
		if oid != id {
			return 0, kizuna.Errorf(kizuna.ENOTFOUND, "nothing")
		}
		return 1, nil
	}
	f.objects.FindObjectsFn = func(ctx context.Context, filter kizuna.ObjectFilter) (*kizuna.ObjectPage, error) {
		if !reflect.DeepEqual(filter.SpecVersions, []string{"2.1"}) {
			return &kizuna.ObjectPage{}, nil
		}
		return &kizuna.ObjectPage{Objects: []*kizuna.Object{indicator(9, t0, t0)}}, nil
	}
	base := objectsPath(openID) + id + "/"
	if r := MustDo(t, f, request{method: "DELETE", path: base + "?match[version]=all"}); r.status != 200 || !gotVersions.All {
		t.Errorf("delete all: %d %s, versions %+v", r.status, r.body, gotVersions)
	}
	if r := MustDo(t, f, request{method: "DELETE", path: base}); r.status != 200 || !gotVersions.Last {
		t.Errorf("delete default: %d, versions %+v", r.status, gotVersions)
	}
	if r := MustDo(t, f, request{method: "DELETE", path: base + "?match[spec_version]=2.1"}); r.status != 200 || len(gotVersions.At) != 1 || !gotVersions.At[0].Equal(t0) {
		t.Errorf("delete by spec_version: %d, versions %+v", r.status, gotVersions)
	}
	MustError(t, MustDo(t, f, request{method: "DELETE", path: base + "?match[spec_version]=2.0"}), 404)
	MustError(t, MustDo(t, f, request{method: "DELETE", path: objectsPath(openID) + indicator(10, t0, t0).ID + "/"}), 404)
	MustError(t, MustDo(t, f, request{method: "DELETE", path: base, token: "tok-bob"}), 403)
	MustError(t, MustDo(t, f, request{method: "DELETE", path: base + "?match[version]=bad"}), 400)
}
