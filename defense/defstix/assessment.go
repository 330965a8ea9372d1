package defstix

import (
	"slices"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

func newSDOExt(id string) map[string]any {
	return map[string]any{id: map[string]string{"extension_type": "new-sdo"}}
}

// DecodeFactorAnswers validates an x-kizuna-factor-answers object.
func DecodeFactorAnswers(raw []byte) (*kizuna.FactorAnswers, error) {
	r, m, err := parse(raw, TypeFactorAnswers)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(commonProps, "incident_ref", "nation", "answers")...)
	r.newSDO(m, ExtFactorAnswers)
	e := r.envelope(m)
	a := &kizuna.FactorAnswers{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		IncidentRef: r.ref(m, "incident_ref", "$", true, "incident"), Nation: r.nation(m, "nation", "$", true)}
	degrees := append(slices.Clone(kizuna.Degrees), kizuna.DegreeUnknown)
	for i, x := range r.objects(m, "answers", "$", true) {
		p := index("$.answers", i)
		r.only(x, p, "factor", "degree", "confidence", "analyst_ref", "evidence_refs", "rationale")
		ans := kizuna.FactorAnswer{Factor: r.enum(x, "factor", p, true, kizuna.Factors), Degree: r.enum(x, "degree", p, true, degrees),
			AnalystRef: r.ref(x, "analyst_ref", p, true, "identity"), EvidenceRefs: r.refs(x, "evidence_refs", p, false),
			Rationale: r.str(x, "rationale", p, false)}
		ans.Confidence, _ = r.integer(x, "confidence", p, true, 0, 100)
		if a.Answer(ans.Factor) != nil {
			r.errf(member(p, "factor"), "%q is answered twice", ans.Factor)
		}
		a.Answers = append(a.Answers, ans)
	}
	return a, r.err()
}

// EncodeFactorAnswers writes an x-kizuna-factor-answers object.
func EncodeFactorAnswers(a *kizuna.FactorAnswers) ([]byte, error) {
	return write(TypeFactorAnswers, envelope{a.ID, a.CreatedByRef, a.Created, a.Modified, a.MarkingRefs},
		map[string]any{"incident_ref": a.IncidentRef, "nation": a.Nation, "answers": a.Answers}, newSDOExt(ExtFactorAnswers))
}

// readResult reads an assessment result (the properties shared by the
// assessment and, per nation, the campaign assessment).
func readResult(r *reader, m map[string]any, p string) kizuna.AssessmentResult {
	var res kizuna.AssessmentResult
	res.Nation = r.nation(m, "nation", p, true)
	if s := r.object(m, "scored_severity", p, true); s != nil {
		r.strict(s, member(p, "scored_severity"), &res.Severity)
	}
	if s := r.object(m, "policy", p, true); s != nil {
		r.strict(s, member(p, "policy"), &res.Policy)
	}
	if s := r.object(m, "level", p, true); s != nil {
		r.strict(s, member(p, "level"), &res.Level)
		if res.Level.ID == "" || res.Level.Rank < 0 {
			r.errf(member(p, "level"), "needs an id and a rank of 0 or more")
		}
	}
	for _, k := range []string{"rules_fired", "deciding_rules", "deciding_factors"} {
		if _, ok := m[k]; !ok {
			r.errf(member(p, k), "is required (an empty list when none)")
			continue
		}
		var l []string
		r.strict(m[k], member(p, k), &l)
		switch k {
		case "rules_fired":
			res.RulesFired = l
		case "deciding_rules":
			res.DecidingRules = l
		default:
			for i, f := range l {
				if !slices.Contains(kizuna.Factors, f) {
					r.errf(index(member(p, k), i), "%q is not a factor", f)
				}
			}
			res.DecidingFactors = l
		}
	}
	return res
}

var resultProps = []string{"nation", "scored_severity", "policy", "level", "rules_fired", "deciding_rules", "deciding_factors"}

func resultProperties(res kizuna.AssessmentResult) map[string]any {
	return map[string]any{"nation": res.Nation, "scored_severity": res.Severity, "policy": res.Policy, "level": res.Level,
		"rules_fired": nonNil(res.RulesFired), "deciding_rules": nonNil(res.DecidingRules), "deciding_factors": nonNil(res.DecidingFactors)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DecodeAssessment validates an x-kizuna-threshold-assessment object.
func DecodeAssessment(raw []byte) (*kizuna.ThresholdAssessment, error) {
	r, m, err := parse(raw, TypeAssessment)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(append(commonProps, resultProps...), "incident_ref", "incident_version", "impact_refs",
		"factor_answers_ref", "factor_answers_version")...)
	r.newSDO(m, ExtAssessment)
	e := r.envelope(m)
	a := &kizuna.ThresholdAssessment{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		IncidentRef: r.ref(m, "incident_ref", "$", true, "incident"), IncidentVersion: r.ts(m, "incident_version", "$", true),
		ImpactRefs: r.refs(m, "impact_refs", "$", false, "impact"), FactorAnswersRef: r.ref(m, "factor_answers_ref", "$", false, TypeFactorAnswers),
		FactorAnswersVersion: r.ts(m, "factor_answers_version", "$", false), Result: readResult(r, m, "$")}
	if (a.FactorAnswersRef == "") != a.FactorAnswersVersion.IsZero() {
		r.errf("$.factor_answers_version", "goes with factor_answers_ref, and only with it")
	}
	return a, r.err()
}

// EncodeAssessment writes an x-kizuna-threshold-assessment object.
func EncodeAssessment(a *kizuna.ThresholdAssessment) ([]byte, error) {
	props := resultProperties(a.Result)
	props["incident_ref"], props["incident_version"] = a.IncidentRef, stix.FormatTimestamp(a.IncidentVersion)
	props["impact_refs"], props["factor_answers_ref"] = a.ImpactRefs, a.FactorAnswersRef
	props["factor_answers_version"] = tsOrEmpty(a.FactorAnswersVersion)
	return write(TypeAssessment, envelope{a.ID, a.CreatedByRef, a.Created, a.Modified, a.MarkingRefs}, props, newSDOExt(ExtAssessment))
}

// DecodeCampaignAssessment validates an x-kizuna-campaign-assessment
// object.
func DecodeCampaignAssessment(raw []byte) (*kizuna.CampaignAssessment, error) {
	r, m, err := parse(raw, TypeCampaignAssessment)
	if err != nil {
		return nil, err
	}
	r.only(m, "$", append(commonProps, "campaign_ref", "incident_refs", "links", "nations", "first_seen", "last_seen", "results")...)
	r.newSDO(m, ExtCampaignAssessment)
	e := r.envelope(m)
	ca := &kizuna.CampaignAssessment{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		CampaignRef: r.ref(m, "campaign_ref", "$", false, "campaign"), IncidentRefs: r.refs(m, "incident_refs", "$", true, "incident"),
		Nations: r.nations(m, "nations", "$", false), FirstSeen: r.ts(m, "first_seen", "$", false), LastSeen: r.ts(m, "last_seen", "$", false)}
	if len(ca.IncidentRefs) == 1 {
		r.errf("$.incident_refs", "a campaign links two or more incidents")
	}
	for i, l := range r.objects(m, "links", "$", false) {
		p := index("$.links", i)
		var link kizuna.CampaignLink
		r.strict(l, p, &link)
		if !slices.Contains(ca.IncidentRefs, link.From) || !slices.Contains(ca.IncidentRefs, link.To) {
			r.errf(p, "links incidents that are not in incident_refs")
		}
		if !slices.Contains([]string{kizuna.LinkIndicator, kizuna.LinkActor, kizuna.LinkAnalyst}, link.Reason) {
			r.errf(member(p, "reason"), "%q is not a link reason", link.Reason)
		}
		ca.Links = append(ca.Links, link)
	}
	for i, x := range r.objects(m, "results", "$", true) {
		p := index("$.results", i)
		r.only(x, p, resultProps...)
		ca.Results = append(ca.Results, readResult(r, x, p))
	}
	return ca, r.err()
}

// EncodeCampaignAssessment writes an x-kizuna-campaign-assessment object.
func EncodeCampaignAssessment(ca *kizuna.CampaignAssessment) ([]byte, error) {
	results := make([]map[string]any, len(ca.Results))
	for i, res := range ca.Results {
		results[i] = resultProperties(res)
	}
	props := map[string]any{"campaign_ref": ca.CampaignRef, "incident_refs": ca.IncidentRefs, "nations": ca.Nations,
		"first_seen": tsOrEmpty(ca.FirstSeen), "last_seen": tsOrEmpty(ca.LastSeen), "results": results}
	if len(ca.Links) > 0 {
		props["links"] = ca.Links
	}
	return write(TypeCampaignAssessment, envelope{ca.ID, ca.CreatedByRef, ca.Created, ca.Modified, ca.MarkingRefs}, props, newSDOExt(ExtCampaignAssessment))
}
