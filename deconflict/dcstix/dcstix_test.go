package dcstix_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict/dcstix"
	"github.com/kizuna-dev/kizuna/internal/stixschema"
)

var t0 = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)

func TestExtensionDefinitions(t *testing.T) {
	stixschema.CheckDefinitions(t, dcstix.ExtensionDefinitions(), map[string]string{
		"kizuna-defensive-action.json":     dcstix.ExtAction,
		"kizuna-deconfliction-notice.json": dcstix.ExtNotice,
	}, "../../docs")
}

var takedown = &kizuna.DefensiveAction{ID: "x-kizuna-defensive-action--00000000-0000-4000-8000-000000000001", Created: t0, Modified: t0,
	CreatedByRef: "identity--b0000000-0000-4000-8000-000000000001", Name: "Takedown of BLACKTIDE staging", Kind: kizuna.ActionTakedown, Category: 4,
	Targets: []kizuna.ActionTarget{{Kind: kizuna.TargetIP, Value: "203.0.113.0/24"}, {Kind: kizuna.TargetDomain, Value: "tide-update.example"}},
	Start:   t0, End: t0.Add(72 * time.Hour), Nation: "USA", Organization: "identity--b0000000-0000-4000-8000-000000000001",
	State: kizuna.ActionApproved, DeconflictWith: []string{"JPN"}, MarkingRefs: []string{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"}}

var notice = &kizuna.DeconflictionNotice{ID: "x-kizuna-deconfliction-notice--00000000-0000-4000-8000-000000000002", Created: t0,
	Rule: "disruption-against-passive-collection", Rules: []string{"disruption-against-passive-collection"}, Severity: "high",
	ActionRef: takedown.ID, Recipient: takedown.Organization, OtherNation: "JPN", OtherOrg: "identity--b0000000-0000-4000-8000-000000000002",
	OtherKind: kizuna.ActionMonitor, OtherCategory: 1, Overlap: []string{"ip4:203.0.113.0/24"}, WindowStart: t0, WindowEnd: t0.Add(72 * time.Hour),
	Agreement: "USA-JPN-deconfliction", MarkingRefs: []string{"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}}

// TestRoundTrip: a registration and a notice decode to what was encoded
// and match their schemas.
func TestRoundTrip(t *testing.T) {
	defs := dcstix.ExtensionDefinitions()
	raw, err := dcstix.EncodeAction(takedown)
	if err != nil {
		t.Fatal(err)
	}
	stixschema.CheckSchema(t, defs["kizuna-defensive-action.json"], raw)
	a, err := dcstix.DecodeAction(raw)
	if err != nil || !reflect.DeepEqual(a, takedown) {
		t.Errorf("action: %+v %v", a, err)
	}
	raw, err = dcstix.EncodeNotice(notice, "identity--b0000000-0000-4000-8000-000000000009", notice.MarkingRefs)
	if err != nil {
		t.Fatal(err)
	}
	stixschema.CheckSchema(t, defs["kizuna-deconfliction-notice.json"], raw)
	n, err := dcstix.DecodeNotice(raw)
	if err != nil || !reflect.DeepEqual(n, notice) {
		t.Errorf("notice: %+v %v", n, err)
	}
}

// TestDecodeErrors: a registration's problems are named with its id and
// JSON path.
func TestDecodeErrors(t *testing.T) {
	raw, _ := dcstix.EncodeAction(takedown)
	for _, c := range []struct{ old, new, want string }{
		{`"value":"203.0.113.0/24"`, `"value":"203.0.113.0/33"`, `$.targets[0].value: "203.0.113.0/33" is not an address or a CIDR range`},
		{`"category":4`, `"category":9`, "$.category: must be from 1 (CAT1) to 6 (CAT6)"},
		{`"action_kind":"takedown-request"`, `"action_kind":"hack-back"`, `$.action_kind: "hack-back" is not one of`},
		{`"window":{`, `"windw":{`, "$.windw: is not a property defined here"},
		{`"category":4`, `"category":"CAT4"`, "$.category: must be an integer"},
	} {
		broken := strings.Replace(string(raw), c.old, c.new, 1)
		if broken == string(raw) {
			t.Fatalf("%s: not replaced", c.old)
		}
		_, err := dcstix.DecodeAction([]byte(broken))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), takedown.ID) {
			t.Errorf("%s: %v, want %q", c.new, err, c.want)
		}
	}
}
