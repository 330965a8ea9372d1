package route_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/route"
)

// FuzzVerifySignature: no header panics the verifier, and only the
// signature of the body under the secret, at a fresh time, verifies.
func FuzzVerifySignature(f *testing.F) {
	secret := []byte("k")
	f.Add(route.Sign(secret, []byte("{}"), t0), []byte("{}"))
	f.Add("t=1,v1=00", []byte("x"))
	f.Add("v1=,t=", []byte(""))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if route.VerifySignature(secret, header, body, t0, time.Minute) == nil {
			ok := false
			for d := -time.Minute; d <= time.Minute; d += time.Second {
				if carriesSig(header, route.Sign(secret, body, t0.Add(d))) {
					ok = true
					break
				}
			}
			if !ok {
				t.Fatalf("%q verified for %q", header, body)
			}
		}
	})
}

// carriesSig reports whether header carries the v1 signature that the
// header value want ("t=…,v1=…") holds.
func carriesSig(header, want string) bool {
	sig := want[strings.LastIndex(want, "v1=")+3:]
	for _, p := range strings.Split(header, ",") {
		if strings.TrimSpace(p) == "v1="+sig {
			return true
		}
	}
	return false
}

// FuzzBuildTearline: whatever approvals a releaser sends, a tearline is
// refused or carries exactly the envelope and the approved properties, and
// an accepted one is valid JSON whose approved values are the approvals'.
func FuzzBuildTearline(f *testing.F) {
	w := newWorld(f)
	src := w.report([]string{w.gokuhi}, []string{"jp.ports"}, nil)
	access := route.PolicyAccess{Policy: w.p}
	releaser := w.prs["jp-releaser"]
	f.Add([]byte(`[{"property":"name","value":"n"},{"property":"published","value":"2026-12-08T08:00:00Z"},{"property":"object_refs","value":["indicator--0f0e0d0c-0b0a-4908-8706-050403020100"]}]`))
	f.Add([]byte(`[{"property":"id","value":"x"}]`))
	f.Add([]byte(`[{"property":"name","value":"n"},{"property":"name","value":"m"}]`))
	f.Add([]byte(`[{"property":"x_secret","value":{"a":[1,2]}}]`))
	envelope := []string{"type", "spec_version", "id", "created", "modified", "created_by_ref", "object_marking_refs"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var approved []route.Approval
		if json.Unmarshal(data, &approved) != nil {
			return
		}
		tl, err := route.BuildTearline(route.TearlineRequest{Source: src, Releaser: releaser, Approved: approved,
			MarkingRefs: []string{policy.TLP2Green}, Now: t0}, access)
		if err != nil {
			if c := kizuna.ErrorCode(err); c != kizuna.EINVALID && c != kizuna.EFORBIDDEN {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		var props map[string]json.RawMessage
		if err := json.Unmarshal(tl.Object, &props); err != nil {
			t.Fatalf("the tearline is not JSON: %v", err)
		}
		for k, v := range props {
			if slices.Contains(envelope, k) {
				continue
			}
			i := slices.IndexFunc(approved, func(a route.Approval) bool { return a.Property == k })
			if i < 0 {
				t.Fatalf("%s was not approved", k)
			}
			var a, b any
			json.Unmarshal(v, &a)
			json.Unmarshal(approved[i].Value, &b)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatalf("%s carries %s, approved %s", k, v, approved[i].Value)
			}
		}
	})
}

// FuzzParseRelationship: no stored object panics it; an accepted one has
// both refs.
func FuzzParseRelationship(f *testing.F) {
	f.Add([]byte(`{"type":"relationship","relationship_type":"targets","source_ref":"indicator--1","target_ref":"identity--2"}`))
	f.Add([]byte(`{"type":"relationship"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := route.ParseRelationship(&kizuna.Object{ID: "relationship--1", Raw: raw})
		if err == nil && (r.SourceRef == "" || r.TargetRef == "") {
			t.Fatalf("accepted %s", raw)
		}
	})
}
