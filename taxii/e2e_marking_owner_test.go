package taxii_test

import (
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// The marking-definition ids of the takeover tests.
const (
	mdNoforn = "marking-definition--5ec2e700-0000-4000-8000-000000000001"
	mdFresh  = "marking-definition--5ec2e700-0000-4000-8000-000000000002"
)

// TestMarkingTakeoverEarlierCreated: an uncleared publisher of another
// organisation posts, in another collection and in the same one, a
// marking-definition under the id of a SECRET//NOFORN marking, with an
// earlier created, that would release what it marks to everyone. Both are
// refused; objects marked with the id before and after the attempt, and
// after a restart, stay readable only by cleared USA readers.
func TestMarkingTakeoverEarlierCreated(t *testing.T) {
	w := MustOwnerWorld(t)
	secret := markingDef(mdNoforn, "2026-06-01T00:00:00.000Z", orgUSA, "SECRET//NOFORN", map[string]any{"scheme": "USA", "level": "SECRET", "noforn": true})
	w.mustAccept(w.n.shared, "us-secret", secret, indicatorWith(1, "2026-06-01T00:00:00.000Z", orgUSA, "before", mdNoforn))

	for _, c := range []*kizunaCollection{{w.second, "another collection"}, {w.n.shared, "the same collection"}} {
		for _, takeover := range []string{
			statement(mdNoforn, "2020-01-01T00:00:00.000Z", orgATK),
			statement(mdNoforn, "2020-01-01T00:00:00.000Z", ""),
			markingDef(mdNoforn, "2020-01-01T00:00:00.000Z", orgATK, "SECRET//NOFORN", map[string]any{"releasable_to": []string{"USA", "JPN", "AUS"}}),
		} {
			msg := w.mustRefuse(c.c, "attacker", takeover)
			if !strings.Contains(msg, policy.RuleWriteImmutable) {
				t.Errorf("takeover in %s: %q, want refused by %s", c.what, msg, policy.RuleWriteImmutable)
			}
		}
	}
	// A cleared publisher of the attacking organisation fares no better.
	if msg := w.mustRefuse(w.second, "attacker-secret", statement(mdNoforn, "2020-01-01T00:00:00.000Z", orgATK)); !strings.Contains(msg, policy.RuleWriteImmutable) {
		t.Errorf("takeover by a cleared publisher: %q", msg)
	}
	w.mustAccept(w.second, "us-secret", indicatorWith(2, "2026-06-02T00:00:00.000Z", orgUSA, "after", mdNoforn))

	check := func(when string) {
		t.Helper()
		readers := map[string]bool{"us-secret-reader": true, "us-reader": false, "jpn-reader": false, "jp-gokuhi": false, "attacker": false}
		w.mustSee(w.n.shared, indicatorID(1), readers)
		w.mustSee(w.second, indicatorID(2), readers)
		// The definition itself: readable by exactly those who may read
		// what it marks.
		w.mustSee(w.n.shared, mdNoforn, readers)
		if code, _ := w.get(w.second, "us-secret-reader", mdNoforn, ""); code != 404 {
			t.Errorf("%s: the refused definition is stored in the second collection (%d)", when, code)
		}
	}
	check("before the restart")
	w.restart()
	check("after the restart")
	w.mustAccept(w.second, "us-secret", indicatorWith(3, "2026-06-03T00:00:00.000Z", orgUSA, "after the restart", mdNoforn))
	w.mustSee(w.second, indicatorID(3), map[string]bool{"us-secret-reader": true, "us-reader": false, "jpn-reader": false, "attacker": false})
	if msg := w.mustRefuse(w.second, "attacker", statement(mdNoforn, "2019-01-01T00:00:00.000Z", orgATK)); !strings.Contains(msg, policy.RuleWriteImmutable) {
		t.Errorf("takeover after the restart: %q", msg)
	}
}

// TestMarkingPreRegistration: a publisher registers a fresh marking id
// before the organisation that meant to define it. The owner's definition
// is refused (the id is taken), and so are the objects of the same request
// that it was meant to mark: nothing is stored under the squatter's
// meaning. The squatter can register only what it may define itself: not
// a level above its clearance, not a level of another nation's scheme.
func TestMarkingPreRegistration(t *testing.T) {
	w := MustOwnerWorld(t)
	// Only what the squatter may define: a level above its clearance and a
	// level of another nation's scheme are refused.
	if msg := w.mustRefuse(w.second, "attacker", markingDef(mdFresh, "2026-01-01T00:00:00.000Z", orgATK, "S", map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA"}})); !strings.Contains(msg, policy.RuleWriteClearance) {
		t.Errorf("a level above the definer's clearance: %q", msg)
	}
	if msg := w.mustRefuse(w.second, "us-secret", markingDef(mdFresh, "2026-01-01T00:00:00.000Z", orgUSA, "極秘", map[string]any{"scheme": "JPN", "level": "gokuhi", "releasable_to": []string{"JPN", "USA"}})); !strings.Contains(msg, policy.RuleWriteDefine) {
		t.Errorf("a level of another nation's scheme: %q", msg)
	}
	w.mustAccept(w.second, "attacker", statement(mdFresh, "2026-01-01T00:00:00.000Z", orgATK))

	st := w.post(w.n.shared, "us-secret",
		markingDef(mdFresh, "2026-06-01T00:00:00.000Z", orgUSA, "SECRET//NOFORN", map[string]any{"scheme": "USA", "level": "SECRET", "noforn": true}),
		indicatorWith(4, "2026-06-01T00:00:00.000Z", orgUSA, "meant to be secret", mdFresh))
	if st.SuccessCount != 0 || st.FailureCount != 2 {
		t.Fatalf("the owner's definition and its objects: %+v, want both refused", st)
	}
	for _, f := range st.Failures {
		if f.ID == indicatorID(4) && !strings.Contains(f.Message, mdFresh+" of this request was refused") {
			t.Errorf("the marked object's refusal: %q", f.Message)
		}
	}
	w.mustSee(w.n.shared, indicatorID(4), map[string]bool{"us-secret-reader": false, "jpn-reader": false, "attacker": false})
	w.restart()
	w.mustSee(w.n.shared, indicatorID(4), map[string]bool{"us-secret-reader": false, "jpn-reader": false})
}

// TestReservedMarkingIDs: the TLP ids and kizuna's extension-definition
// take only their official content: a copy is accepted (and readable by
// every reader of the collection), anything else refused.
func TestReservedMarkingIDs(t *testing.T) {
	w := MustOwnerWorld(t)
	white := `{"type":"marking-definition","spec_version":"2.1","id":"` + policy.TLP1White + `","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}`
	red := `{"type": "marking-definition", "spec_version": "2.1", "id": "` + policy.TLP2Red + `", "created": "2022-10-01T00:00:00.000Z", "name": "TLP:RED",
		"extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "red"}}}`
	w.mustAccept(w.amber, "attacker", white, red)
	w.mustSee(w.amber, policy.TLP2Red, map[string]bool{"jpn-reader": true, "us-reader": true})
	for _, bad := range []string{
		statement(policy.TLP1White, "2017-01-20T00:00:00.000Z", ""),
		strings.Replace(white, `"TLP:WHITE"`, `"TLP:CLEAR"`, 1),
		statement(policy.TLP2Clear, "2022-10-01T00:00:00.000Z", orgATK),
		markingDef(policy.ReleasableToMarkingID("KOR"), "2026-11-01T00:00:00.000Z", orgATK, "REL TO KOR", map[string]any{"releasable_to": []string{"KOR", "USA"}}),
		strings.Replace(string(policy.ExtensionDefinition), "kizuna access marking", "kizuna access marking (v2)", 1),
	} {
		// Validation already refuses a TLP id whose content is not a TLP
		// marking of its level; the write rules refuse the rest.
		if msg := w.mustRefuse(w.second, "attacker", bad); !strings.Contains(msg, policy.RuleWriteReserved) && !strings.Contains(msg, "TLP") {
			t.Errorf("other content under a reserved id: %q", msg)
		}
	}
	w.mustAccept(w.second, "attacker", string(policy.ExtensionDefinition))
}

// kizunaCollection names a collection for messages.
type kizunaCollection struct {
	c    *kizuna.Collection
	what string
}

// TestMarkingIDCase: RFC 4122 reads a UUID in either case, so an id
// differing from a marking's only by case names the same marking to any
// reader that folds case. An attacker who defines the uppercase form of a
// SECRET//NOFORN marking (after or before its owner), or of a TLP marking,
// is refused; an object whose publisher writes the marking's id in
// uppercase is refused as marked by an unknown marking, never labelled
// under a meaning another organisation gave that spelling.
func TestMarkingIDCase(t *testing.T) {
	w := MustOwnerWorld(t)
	secret := markingDef(mdNoforn, "2026-06-01T00:00:00.000Z", orgUSA, "SECRET//NOFORN", map[string]any{"scheme": "USA", "level": "SECRET", "noforn": true})
	w.mustAccept(w.n.shared, "us-secret", secret)
	upper := "marking-definition--" + strings.ToUpper(strings.TrimPrefix(mdNoforn, "marking-definition--"))
	upperFresh := "marking-definition--" + strings.ToUpper(strings.TrimPrefix(mdFresh, "marking-definition--"))
	upperRed := "marking-definition--" + strings.ToUpper(strings.TrimPrefix(policy.TLP2Red, "marking-definition--"))
	for _, c := range []*kizuna.Collection{w.n.shared, w.second} {
		for _, bad := range []string{
			statement(upper, "2020-01-01T00:00:00.000Z", orgATK),
			statement(upper, "2020-01-01T00:00:00.000Z", ""),
			statement(upperFresh, "2026-01-01T00:00:00.000Z", orgATK),
			statement(upperRed, "2022-10-01T00:00:00.000Z", ""),
		} {
			if msg := w.mustRefuse(c, "attacker", bad); !strings.Contains(msg, policy.RuleWriteIDCase) {
				t.Errorf("a marking-definition id in uppercase: %q, want refused by %s", msg, policy.RuleWriteIDCase)
			}
		}
	}
	// Not even the marking's owner defines the uppercase form.
	if msg := w.mustRefuse(w.second, "us-secret", strings.Replace(secret, mdNoforn, upper, 1)); !strings.Contains(msg, policy.RuleWriteIDCase) {
		t.Errorf("the owner's copy in uppercase: %q", msg)
	}
	// A publisher whose tool writes the ids in uppercase gets its objects
	// refused, never readable by the attacker's readers.
	for i, ref := range []string{upper, upperFresh, upperRed} {
		n := 40 + i
		msg := w.mustRefuse(w.second, "us-secret", indicatorWith(n, "2026-06-01T00:00:00.000Z", orgUSA, "uppercase reference", ref))
		if !strings.Contains(msg, "unknown to this node") {
			t.Errorf("an object marked %s: %q, want refused as marked by an unknown marking", ref, msg)
		}
		w.mustSee(w.second, indicatorID(n), map[string]bool{"us-secret-reader": false, "attacker": false, "jpn-reader": false})
	}
	for _, id := range []string{upper, upperFresh, upperRed} {
		if code, _ := w.get(w.second, "us-secret-reader", id, ""); code != 404 {
			t.Errorf("%s is stored (%d)", id, code)
		}
	}
}
