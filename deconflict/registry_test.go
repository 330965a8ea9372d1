package deconflict_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
)

const day = 24 * time.Hour

func ids() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("x-kizuna-deconfliction-notice--00000000-0000-4000-8000-%012d", n)
	}
}

// TestLocalTakedownAgainstMonitoring: a US takedown request on a /24 and a
// Japanese CAT1 monitoring of an address inside it, in overlapping windows,
// conflict under the shipped rule; both owners get a notice. Disjoint
// windows or ranges, a withdrawn action, or an action the registrant may
// not see, give nothing.
func TestLocalTakedownAgainstMonitoring(t *testing.T) {
	rules := MustRules(t)
	reg := deconflict.NewRegistry(rules)
	monitor := action("JPN", orgJPPolice, kizuna.ActionMonitor, 1, t0.Add(-10*day), t0.Add(20*day), ip("203.0.113.45"), dns("tide-update.example"))
	other := action("JPN", orgJPPolice, kizuna.ActionMonitor, 1, t0, t0.Add(20*day), ip("198.51.100.0/24"))
	later := action("JPN", orgJPPolice, kizuna.ActionMonitor, 1, t0.Add(30*day), t0.Add(40*day), ip("203.0.113.45"))
	withdrawn := action("JPN", orgJPPolice, kizuna.ActionMonitor, 1, t0, t0.Add(20*day), ip("203.0.113.46"))
	withdrawn.State = kizuna.ActionWithdrawn
	for _, a := range []*kizuna.DefensiveAction{monitor, other, later, withdrawn} {
		if err := reg.Put(a); err != nil {
			t.Fatal(err)
		}
	}
	takedown := action("USA", orgUSCyber, kizuna.ActionTakedown, 4, t0, t0.Add(3*day), ip("203.0.113.0/24"))
	us := &kizuna.Principal{Name: "us-analyst", Nation: "USA", Organization: orgUSCyber}
	got, err := reg.Match(us, everyone{}, takedown)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Other != monitor || !slices.Equal(got[0].Rules, []string{"disruption-against-passive-collection"}) ||
		!got[0].From.Equal(t0) || !got[0].To.Equal(t0.Add(3*day)) || !slices.Equal(got[0].Overlap, []string{"ip4:203.0.113.0/24"}) {
		t.Fatalf("conflicts: %+v", got)
	}
	n := rules.Notices(got[0], t0, ids())
	if n[0].Recipient != orgUSCyber || n[0].OtherActionRef != monitor.ID || n[0].OtherKind != kizuna.ActionMonitor || n[0].Severity != "high" {
		t.Errorf("registrant's notice: %+v", n[0])
	}
	if n[1].Recipient != orgJPPolice || n[1].ActionRef != monitor.ID || n[1].OtherActionRef != "" || n[1].OtherNation != "USA" || n[1].Rule != "disruption-against-passive-collection" {
		t.Errorf("other owner's notice: %+v", n[1])
	}
	// The registrant may not see the Japanese registration: no conflict is
	// reported to it.
	if got, _ := reg.Match(us, nationOnly{}, takedown); len(got) != 0 {
		t.Errorf("a registration the principal may not see was reported: %+v", got)
	}
	// A block of the same range against CAT1 monitoring fires the low rule;
	// a monitoring against a monitoring fires none.
	block := action("USA", orgUSCyber, kizuna.ActionBlock, 3, t0, t0.Add(day), ip("203.0.113.0/24"))
	if got, _ := reg.Match(us, everyone{}, block); len(got) != 1 || got[0].Rules[0] != "block-against-collection" {
		t.Errorf("block: %+v", got)
	}
	watch := action("USA", orgUSCyber, kizuna.ActionMonitor, 1, t0, t0.Add(day), ip("203.0.113.0/24"))
	if got, _ := reg.Match(us, everyone{}, watch); len(got) != 0 {
		t.Errorf("two monitorings conflict: %+v", got)
	}
	// Removed, the monitoring conflicts with nothing.
	reg.Remove(monitor.ID)
	if got, _ := reg.Match(us, everyone{}, takedown); len(got) != 0 {
		t.Errorf("after removal: %+v", got)
	}
}

// TestActionErrorsNamePaths: an invalid registration is refused with every
// problem at its JSON path.
func TestActionErrorsNamePaths(t *testing.T) {
	a := action("US", "identity--x", "hack-back", 7, t0, t0.Add(-time.Hour), ip("10.0.0.0/7"), dns("co.jp"))
	_, err := deconflict.KeysOf(a)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"$.action_kind: \"hack-back\" is not one of", "$.category: must be from 1", "$.nation: \"US\"",
		"$.organization_ref:", "$.window.end: must be after the start", "$.targets[0].value: 10.0.0.0/7 is wider than /8",
		"$.targets[1].value: co.jp is a public suffix"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestRuleErrors: a rule file's problems name the file and path.
func TestRuleErrors(t *testing.T) {
	data := `{"version": "1", "rules": [{"name": "Bad Name", "severity": "urgent", "description": {"en": "x"},
	  "a": {"kinds": ["nuke"]}, "b": {"min_category": 5, "max_category": 2}, "extra": 1}]}`
	_, err := deconflict.ParseRules([]byte(data), "r.json")
	if err == nil {
		t.Fatal("accepted")
	}
	if !strings.Contains(err.Error(), "r.json: $.rules[0].extra: is not a property defined here") {
		t.Errorf("unknown property: %v", err)
	}
	data = strings.Replace(data, `, "extra": 1`, "", 1)
	_, err = deconflict.ParseRules([]byte(data), "r.json")
	for _, want := range []string{`r.json: $.rules[0].name: "Bad Name"`, `r.json: $.rules[0].severity: "urgent"`,
		`r.json: $.rules[0].a.kinds[0]: "nuke"`, "r.json: $.rules[0].b: min_category 5 is above max_category 2"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
