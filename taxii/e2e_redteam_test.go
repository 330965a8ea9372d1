package taxii_test

import (
	"net/http"
	"strings"
	"testing"
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
