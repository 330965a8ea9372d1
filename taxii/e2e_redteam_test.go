package taxii_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// TestEnvelopeMembersAreUnambiguous: an envelope that lists objects twice,
// or under "objects" spelled in another case, means one list to kizuna
// (encoding/json takes the last member and folds case) and maybe another
// to whatever inspected the request on its way. The node refuses it with
// a TAXII error naming the member, and stores nothing of either list.
func TestEnvelopeMembersAreUnambiguous(t *testing.T) {
	w := MustOwnerWorld(t)
	secret := indicatorWith(60, "2026-06-01T00:00:00.000Z", orgUSA, "inspected")
	hidden := indicatorWith(61, "2026-06-01T00:00:00.000Z", orgUSA, "not inspected")
	for body, want := range map[string]string{
		`{"objects":[` + secret + `],"objects":[` + hidden + `]}`: "twice",
		`{"objects":[` + secret + `],"OBJECTS":[` + hidden + `]}`: "case-sensitive",
		`{"Objects":[` + hidden + `]}`:                            "case-sensitive",
	} {
		r := MustDo(t, w.n, request{method: "POST", path: collectionPath(w.n.shared) + "objects/", token: w.n.tokens["us-secret"],
			contentType: "application/taxii+json;version=2.1", body: body})
		em := MustError(t, r, http.StatusBadRequest)
		if !strings.Contains(em.Description, want) {
			t.Errorf("description %q lacks %q", em.Description, want)
		}
	}
	for _, n := range []int{60, 61} {
		if code, _ := w.get(w.n.shared, "us-secret-reader", indicatorID(n), ""); code != http.StatusNotFound {
			t.Errorf("%s stored from a refused envelope (%d)", indicatorID(n), code)
		}
	}
}

// TestObservableIDCase: an observable's id is shared node-wide, and RFC
// 4122 reads its UUID in either case. Another organisation posting another
// value under the uppercase spelling of an allied observable's id is
// refused, so that no reader that folds case sees the attacker's value
// under the owner's id.
func TestObservableIDCase(t *testing.T) {
	w := MustOwnerWorld(t)
	id := "ipv4-addr--0b1d9c3a-9b4f-5d7e-8a1c-2f3e4d5c6b7a"
	upper := "ipv4-addr--" + strings.ToUpper(strings.TrimPrefix(id, "ipv4-addr--"))
	w.mustAccept(w.n.shared, "usa-publisher", ipv4(id, "198.51.100.7"))
	for _, c := range []*kizuna.Collection{w.n.shared, w.second} {
		if msg := w.mustRefuse(c, "jpn-publisher", ipv4(upper, "203.0.113.66")); !strings.Contains(msg, policy.RuleWriteIDCase) {
			t.Errorf("another value under the uppercase id: %q, want refused by %s", msg, policy.RuleWriteIDCase)
		}
		w.mustSee(c, upper, map[string]bool{"jpn-reader": false, "us-reader": false})
	}
}
