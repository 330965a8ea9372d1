package taxii_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
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
		`{"objects":[],"objectſ":[` + hidden + `]}`:               "case-sensitive", // ſ folds to s
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
	id := "ipv4-addr--0b1d9c3a-9b4f-4d7e-8a1c-2f3e4d5c6b7a"
	upper := "ipv4-addr--" + strings.ToUpper(strings.TrimPrefix(id, "ipv4-addr--"))
	w.mustAccept(w.n.shared, "usa-publisher", ipv4(id, "198.51.100.7"))
	for _, c := range []*kizuna.Collection{w.n.shared, w.second} {
		if msg := w.mustRefuse(c, "jpn-publisher", ipv4(upper, "203.0.113.66")); !strings.Contains(msg, policy.RuleWriteIDCase) {
			t.Errorf("another value under the uppercase id: %q, want refused by %s", msg, policy.RuleWriteIDCase)
		}
		w.mustSee(c, upper, map[string]bool{"jpn-reader": false, "us-reader": false})
	}
}

// TestObservableDeterministicID: the UUIDv5 id of an observable is derived
// from its value, so anyone who knows the value knows the id. A publisher
// that registers the id of an allied observation's value before its owner,
// under another value, is refused; so is one that posts another value
// under an id an ally stored. Readers of the id only ever see its value.
func TestObservableDeterministicID(t *testing.T) {
	w := MustOwnerWorld(t)
	idOf := func(value string) string {
		id, err := stix.SCOID([]byte(ipv4("", value)))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Registered first, under another value: refused.
	early := idOf("198.51.100.20")
	if msg := w.mustRefuse(w.second, "jpn-publisher", ipv4(early, "203.0.113.66", policy.TLP2Clear)); !strings.Contains(msg, policy.RuleWriteSCOID) {
		t.Errorf("another value under a value's id, first: %q, want refused by %s", msg, policy.RuleWriteSCOID)
	}
	w.mustAccept(w.n.shared, "usa-publisher", ipv4(early, "198.51.100.20"))
	// Stored by its owner, then another value by another organisation, in
	// any collection: refused.
	for _, c := range []*kizuna.Collection{w.n.shared, w.second} {
		if msg := w.mustRefuse(c, "jpn-publisher", ipv4(early, "203.0.113.67", policy.TLP2Clear)); !strings.Contains(msg, policy.RuleWriteSCOID) {
			t.Errorf("another value under an ally's observable id: %q", msg)
		}
	}
	_, objs := w.get(w.n.shared, "jpn-reader", early, "")
	if got := valueOf(t, objs); got != "198.51.100.20" {
		t.Errorf("readers see %q under the id of 198.51.100.20", got)
	}
	// The same observation under the other organisation's markings is its
	// to share.
	w.mustAccept(w.second, "jpn-publisher", ipv4(early, "198.51.100.20", policy.TLP2Green))
}
