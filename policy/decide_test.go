package policy_test

import (
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// TestRules checks each rule of the access model on stored markings, from
// Label through Decide.
func TestRules(t *testing.T) {
	w := newWorld(t)
	m := map[string]string{
		"USA SECRET REL USA,JPN":  w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}),
		"USA SECRET":              w.marking(map[string]any{"scheme": "USA", "level": "SECRET"}),
		"USA SECRET NOFORN":       w.marking(map[string]any{"scheme": "USA", "level": "SECRET", "noforn": true}),
		"USA CONF REL USA,JPN":    w.marking(map[string]any{"scheme": "USA", "level": "C", "releasable_to": []string{"USA", "JPN"}}),
		"JPN kimitsu REL USA,JPN": w.marking(map[string]any{"scheme": "JPN", "level": "機密", "releasable_to": []string{"USA", "JPN"}}),
		"JPN kimitsu":             w.marking(map[string]any{"scheme": "JPN", "level": "kimitsu"}),
		"REL USA,JPN":             w.marking(map[string]any{"releasable_to": []string{"USA", "JPN"}}),
		"REL JPN":                 w.marking(map[string]any{"releasable_to": []string{"JPN"}}),
		"REL FVEY":                w.marking(map[string]any{"releasable_to": []string{"FVEY"}}),
		"community ics":           w.marking(map[string]any{"communities": []string{"ics"}}),
		"audience JP":             w.marking(map[string]any{"audience": []string{orgJP}}),
		"audience US":             w.marking(map[string]any{"audience": []string{orgUS}}),
		"uninterpretable":         w.markingWith(map[string]any{"extension-definition--00000000-0000-4000-8000-000000000009": map[string]any{"extension_type": "property-extension"}}),
		"ACS U":                   w.acs(map[string]any{"classification": "U"}, nil),
	}
	usSecret := reader("us-secret", orgUS, "USA", nil, "USA:SECRET")
	usTS := reader("us-ts", orgUS, "USA", nil, "USA:TOP SECRET")
	jpGokuhi := reader("jp-gokuhi", orgJP, "JPN", nil, "JPN:gokuhi")
	jpGokuhiText := reader("jp-gokuhi-text", orgJP, "JPN", nil, "JPN:極秘")
	jpHi := reader("jp-hi", orgJP, "JPN", nil, "JPN:秘")
	jpEcon := reader("jp-econ", orgJP2, "JPN", nil, "JPN:juyo-keizai-anpo")
	auSecret := reader("au-secret", orgAU, "AUS", nil, "AUS:SECRET")
	noNation := reader("no-nation", orgJP, "", nil, "JPN:kimitsu")
	ics := reader("ics", orgJP, "JPN", []string{"ics"})
	plain := reader("plain", orgJP2, "JPN", nil)
	revoked := reader("revoked", orgJP, "JPN", nil, "JPN:kimitsu")
	revokedAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	revoked.RevokedAt = &revokedAt

	tests := []struct {
		name      string
		createdBy string
		markings  []string
		reader    *kizuna.Principal
		allow     bool
		rule      string
	}{
		{"TLP:RED visible to the audience", orgUS, []string{policy.TLP2Red, m["audience JP"]}, jpGokuhi, true, policy.RuleAllow},
		{"TLP:RED hidden from the creator outside the audience", orgUS, []string{policy.TLP2Red, m["audience JP"]}, usSecret, false, policy.RuleAudience},
		{"TLP:RED (1.0) defaults to the creator's organisation", orgUS, []string{policy.TLP1Red}, usSecret, true, policy.RuleAllow},
		{"TLP:RED (1.0) hidden from other organisations", orgUS, []string{policy.TLP1Red}, jpGokuhi, false, policy.RuleAudience},
		{"AMBER+STRICT to an audience organisation", orgJP, []string{policy.TLP2AmberStrict, m["audience US"]}, usSecret, true, policy.RuleAllow},
		{"AMBER+STRICT not to another organisation", orgJP, []string{policy.TLP2AmberStrict, m["audience US"]}, jpGokuhi, false, policy.RuleAudience},
		{"TLP:AMBER defaults to the creator's organisation", orgJP, []string{policy.TLP1Amber}, jpHi, true, policy.RuleAllow},
		{"TLP:AMBER not to another organisation", orgJP, []string{policy.TLP1Amber}, plain, false, policy.RuleAudience},
		{"TLP:GREEN to any principal", orgUS, []string{policy.TLP2Green}, plain, true, policy.RuleAllow},
		{"TLP:WHITE to any principal", orgUS, []string{policy.TLP1White}, plain, true, policy.RuleAllow},
		{"JPN gokuhi sees USA SECRET REL TO USA, JPN", orgUS, []string{m["USA SECRET REL USA,JPN"]}, jpGokuhi, true, policy.RuleAllow},
		{"JPN 極秘 (Japanese text) sees USA SECRET REL TO USA, JPN", orgUS, []string{m["USA SECRET REL USA,JPN"]}, jpGokuhiText, true, policy.RuleAllow},
		{"JPN gokuhi does not see USA SECRET without releasability", orgUS, []string{m["USA SECRET"]}, jpGokuhi, false, policy.RuleReleasability},
		{"JPN gokuhi does not see USA SECRET NOFORN", orgUS, []string{m["USA SECRET NOFORN"]}, jpGokuhi, false, policy.RuleReleasability},
		{"USA SECRET sees USA SECRET NOFORN", orgUS, []string{m["USA SECRET NOFORN"]}, usSecret, true, policy.RuleAllow},
		{"JPN hi does not see USA SECRET REL TO USA, JPN", orgUS, []string{m["USA SECRET REL USA,JPN"]}, jpHi, false, policy.RuleClassification},
		{"JPN hi sees USA CONFIDENTIAL REL TO USA, JPN", orgUS, []string{m["USA CONF REL USA,JPN"]}, jpHi, true, policy.RuleAllow},
		{"JPN economic-security clearance is at the hi tier", orgUS, []string{m["USA CONF REL USA,JPN"]}, jpEcon, true, policy.RuleAllow},
		{"USA SECRET does not see JPN kimitsu REL TO USA, JPN", orgJP, []string{m["JPN kimitsu REL USA,JPN"]}, usSecret, false, policy.RuleClassification},
		{"USA TOP SECRET sees JPN kimitsu REL TO USA, JPN", orgJP, []string{m["JPN kimitsu REL USA,JPN"]}, usTS, true, policy.RuleAllow},
		{"USA TOP SECRET does not see JPN kimitsu without releasability", orgJP, []string{m["JPN kimitsu"]}, usTS, false, policy.RuleReleasability},
		{"AUS reader does not see REL TO USA, JPN", orgUS, []string{m["REL USA,JPN"]}, auSecret, false, policy.RuleReleasability},
		{"AUS reader sees REL TO FVEY", orgUS, []string{m["REL FVEY"]}, auSecret, true, policy.RuleAllow},
		{"releasability sets intersect", orgUS, []string{m["USA SECRET REL USA,JPN"], m["REL JPN"]}, usTS, false, policy.RuleReleasability},
		{"intersection keeps the common nation", orgUS, []string{m["USA SECRET REL USA,JPN"], m["REL JPN"]}, jpGokuhi, true, policy.RuleAllow},
		{"a principal without nation is denied releasable content", orgJP, []string{m["REL USA,JPN"]}, noNation, false, policy.RuleReleasability},
		{"a missing community denies", orgJP, []string{m["community ics"]}, plain, false, policy.RuleCommunity},
		{"a member of the community sees it", orgJP, []string{m["community ics"]}, ics, true, policy.RuleAllow},
		{"an uninterpretable marking denies", orgJP, []string{policy.TLP2Clear, m["uninterpretable"]}, jpGokuhi, false, policy.RuleUninterpretable},
		{"most restrictive TLP wins", orgUS, []string{policy.TLP2Clear, policy.TLP2Red}, jpGokuhi, false, policy.RuleAudience},
		{"ACS U restricts nobody", orgUS, []string{m["ACS U"]}, plain, true, policy.RuleAllow},
		{"no marking: the collection default (AMBER, REL TO JPN) admits the creator's org in Japan", orgJP, nil, jpHi, true, policy.RuleAllow},
		{"no marking: the default hides it from another organisation", orgJP, nil, plain, false, policy.RuleAudience},
		{"no marking: the default hides it from a foreign member of the organisation", orgJP, nil, reader("us-in-jp", orgJP, "USA", nil), false, policy.RuleReleasability},
		{"no principal", orgJP, []string{policy.TLP2Clear}, nil, false, policy.RuleNoPrincipal},
		{"a revoked principal", orgJP, []string{policy.TLP2Clear}, revoked, false, policy.RuleNoPrincipal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := w.indicator(tt.createdBy, tt.markings)
			l := w.label(obj)
			d := w.p.Decide(tt.reader, l)
			if d.Allow != tt.allow || d.Rule != tt.rule {
				t.Errorf("label %s: got allow=%v rule=%s (%s), want allow=%v rule=%s", policy.DescribeLabel(l), d.Allow, d.Rule, d.Reason, tt.allow, tt.rule)
			}
			if d.Reason == "" {
				t.Error("decision without a reason")
			}
			if testing.Verbose() {
				t.Logf("%s -> %s: %s", policy.DescribeLabel(l), d.Rule, d.Reason)
			}
		})
	}
}

// TestDecideFailsClosed covers labels that no ingest produces but a store
// could hold (a configuration edited after ingest, a corrupted row).
func TestDecideFailsClosed(t *testing.T) {
	p := MustPolicy(t, nil)
	pr := reader("all", orgUS, "USA", []string{"ics"}, "USA:TOP SECRET", "JPN:kimitsu")
	tests := []struct {
		name  string
		label *kizuna.AccessLabel
		rule  string
	}{
		{"nil label", nil, policy.RuleNoLabel},
		{"unknown level", &kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "USA", Level: "ULTRA"}}}, policy.RuleUnknownLevel},
		{"unknown scheme", &kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "ATLANTIS", Level: "SECRET"}}}, policy.RuleUnknownLevel},
		{"unknown TLP", &kizuna.AccessLabel{TLP: "purple"}, policy.RuleTLP},
		{"releasable to nobody", &kizuna.AccessLabel{Releasable: true}, policy.RuleReleasability},
		{"an empty audience", &kizuna.AccessLabel{AudienceLimited: true}, policy.RuleAudience},
		{"TLP:RED without audience", &kizuna.AccessLabel{TLP: kizuna.TLPRed}, policy.RuleAudience},
		{"uninterpretable", &kizuna.AccessLabel{Uninterpretable: []string{"x"}}, policy.RuleUninterpretable},
	}
	for _, tt := range tests {
		if d := p.Decide(pr, tt.label); d.Allow || d.Rule != tt.rule {
			t.Errorf("%s: got %+v, want deny by %s", tt.name, d, tt.rule)
		}
	}
	if d := p.Decide(pr, &kizuna.AccessLabel{}); !d.Allow {
		t.Errorf("the empty label restricts nobody, got %+v", d)
	}
	// An unknown clearance grants nothing.
	odd := reader("odd", orgUS, "USA", nil, "ATLANTIS:SECRET", "USA:ULTRA")
	l := &kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "USA", Level: "CUI"}}}
	if d := p.Decide(odd, l); d.Allow || d.Rule != policy.RuleClassification {
		t.Errorf("unknown clearances granted %+v", d)
	}
}

// TestEquivalencesAreNotTransitive: agreements USA≡JPN and JPN≡KOR do not
// make a USA clearance good for KOR levels.
func TestEquivalencesAreNotTransitive(t *testing.T) {
	cfg := policy.DefaultConfig()
	cfg.Equivalences = append(cfg.Equivalences, policy.Equivalence{
		Agreement: "Japan-ROK GSOMIA (2016)",
		Levels:    []policy.ClassificationEntry{{Scheme: "JPN", Level: "gokuhi"}, {Scheme: "KOR", Level: "class-2"}},
	})
	p, err := policy.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	kor := &kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "KOR", Level: "class-2"}}}
	if d := p.Decide(reader("jp", orgJP, "JPN", nil, "JPN:gokuhi"), kor); !d.Allow {
		t.Errorf("JPN gokuhi should see KOR class-2 under the Japan-ROK entry: %+v", d)
	}
	if d := p.Decide(reader("us", orgUS, "USA", nil, "USA:TOP SECRET"), kor); d.Allow {
		t.Errorf("USA TOP SECRET must not see KOR class-2 through Japan: %+v", d)
	}
	// A higher JPN clearance grants lower KOR levels through the same entry.
	korLow := &kizuna.AccessLabel{Classifications: []kizuna.Classification{{Scheme: "KOR", Level: "Ⅲ급비밀"}}}
	canon := p.Canonical(*korLow)
	if canon.Classifications[0].Level != "class-3" {
		t.Errorf("Korean text not canonicalised: %+v", canon)
	}
	if d := p.Decide(reader("jp", orgJP, "JPN", nil, "JPN:kimitsu"), &canon); !d.Allow {
		t.Errorf("JPN kimitsu should see KOR class-3: %+v", d)
	}
}
