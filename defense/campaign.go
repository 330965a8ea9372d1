package defense

import (
	"slices"
	"sort"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

// Cluster is a set of incidents linked into one campaign, with the links
// that join them.
type Cluster struct {
	IncidentRefs []string              `json:"incident_refs"`
	Links        []kizuna.CampaignLink `json:"links"`
}

// Link groups incidents into campaigns: two incidents are linked when they
// cite the same indicator as evidence, name the same suspected actor, or
// an analyst linked them; a campaign is a connected group of two or more.
// The result is in a stable order (by each campaign's first incident id).
func Link(incidents []*kizuna.Incident) []Cluster {
	ids := make([]string, len(incidents))
	pos := map[string]int{}
	for i, inc := range incidents {
		ids[i] = inc.ID
		pos[inc.ID] = i
	}
	parent := make([]int, len(incidents))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	var links []kizuna.CampaignLink
	join := func(a, b int, reason, ref string) {
		if a == b {
			return
		}
		from, to := ids[a], ids[b]
		if from > to {
			from, to = to, from
		}
		l := kizuna.CampaignLink{From: from, To: to, Reason: reason, Ref: ref}
		if !slices.Contains(links, l) {
			links = append(links, l)
		}
		parent[find(a)] = find(b)
	}
	byIndicator, byActor := map[string]int{}, map[string]int{}
	for i, inc := range incidents {
		a := inc.Alliance
		if a == nil {
			continue
		}
		for _, ref := range a.EvidenceRefs {
			if !strings.HasPrefix(ref, "indicator--") {
				continue
			}
			if j, ok := byIndicator[ref]; ok {
				join(j, i, kizuna.LinkIndicator, ref)
			} else {
				byIndicator[ref] = i
			}
		}
		if ref := a.SuspectedActorRef; ref != "" {
			if j, ok := byActor[ref]; ok {
				join(j, i, kizuna.LinkActor, ref)
			} else {
				byActor[ref] = i
			}
		}
		for _, other := range a.LinkedIncidentRefs {
			if j, ok := pos[other]; ok {
				join(i, j, kizuna.LinkAnalyst, "")
			}
		}
	}
	groups := map[int][]int{}
	for i := range incidents {
		groups[find(i)] = append(groups[find(i)], i)
	}
	var out []Cluster
	for _, members := range groups {
		if len(members) < 2 {
			continue
		}
		c := Cluster{}
		for _, m := range members {
			c.IncidentRefs = append(c.IncidentRefs, ids[m])
		}
		sort.Strings(c.IncidentRefs)
		for _, l := range links {
			if slices.Contains(c.IncidentRefs, l.From) {
				c.Links = append(c.Links, l)
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IncidentRefs[0] < out[j].IncidentRefs[0] })
	return out
}

// CampaignMember is one incident of a campaign with its facts and the
// nations' answers for it.
type CampaignMember struct {
	Incident *kizuna.Incident
	Facts    *kizuna.IncidentFacts
	Answers  map[string]*kizuna.FactorAnswers
}

// AssessCampaign assesses linked incidents together, which NCISS does not
// attempt: the incidents' facts are combined (nations, sectors and
// evidence joined, casualties added, the worst of each ordinal fact), each
// nation's answers combined (per factor the strongest answer), and each
// nation's policy runs on the combination with campaign.incidents,
// campaign.nations and campaign.span_days set, so that a policy can weigh
// cumulative activity. Nations whose model or policy fails are left out of
// the results; their errors are returned beside.
func (e *Engine) AssessCampaign(c Cluster, members []CampaignMember) (*kizuna.CampaignAssessment, []Outcome) {
	f := &kizuna.IncidentFacts{}
	ca := &kizuna.CampaignAssessment{IncidentRefs: c.IncidentRefs, Links: c.Links}
	answers := map[string]*kizuna.FactorAnswers{}
	for _, m := range members {
		merge(f, m.Facts)
		if t := m.Incident.Created; !t.IsZero() && (ca.FirstSeen.IsZero() || t.Before(ca.FirstSeen)) {
			ca.FirstSeen = t
		}
		if t := m.Incident.Modified; t.After(ca.LastSeen) {
			ca.LastSeen = t
		}
		for n, a := range m.Answers {
			answers[n] = strongest(answers[n], a, n)
		}
	}
	ca.Nations = f.AffectedNations
	camp := threshold.Campaign{Incidents: len(members), Nations: f.AffectedNations,
		SpanDays: ca.LastSeen.Sub(ca.FirstSeen).Hours() / 24}
	var failed []Outcome
	for _, n := range e.order {
		r, err := e.assess(n, f, answers[n], camp)
		if err != nil {
			failed = append(failed, Outcome{Nation: n, Error: kizuna.ErrorMessage(err)})
			continue
		}
		ca.Results = append(ca.Results, *r)
	}
	return ca, failed
}

func union(a, b []string) []string {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// merge adds the facts of one incident to the campaign's.
func merge(f, g *kizuna.IncidentFacts) {
	f.AffectedNations = union(f.AffectedNations, g.AffectedNations)
	f.Sectors = union(f.Sectors, g.Sectors)
	f.ReportedSectors = union(f.ReportedSectors, g.ReportedSectors)
	f.DependentSectors = union(f.DependentSectors, g.DependentSectors)
	f.DependentNations = union(f.DependentNations, g.DependentNations)
	f.MilitaryDependentNations = union(f.MilitaryDependentNations, g.MilitaryDependentNations)
	f.ExternalImpacts = union(f.ExternalImpacts, g.ExternalImpacts)
	f.EvidenceRefs = union(f.EvidenceRefs, g.EvidenceRefs)
	f.CurrentImpact = union(f.CurrentImpact, g.CurrentImpact)
	f.FunctionalImpact = worst(orderFunctional, f.FunctionalImpact, g.FunctionalImpact)
	f.InformationImpact = worst(orderInformation, f.InformationImpact, g.InformationImpact)
	f.ObservedActivity = worst(orderActivity, f.ObservedActivity, g.ObservedActivity)
	f.ActivityLocation = worst(orderLocation, f.ActivityLocation, g.ActivityLocation)
	f.ActorCharacterization = worst(orderActor, f.ActorCharacterization, g.ActorCharacterization)
	f.PotentialImpact = worst(orderPotential, f.PotentialImpact, g.PotentialImpact)
	f.PhysicalDamage = worst(orderPhysical, f.PhysicalDamage, g.PhysicalDamage)
	f.Recoverability = worst(orderRecoverability, f.Recoverability, g.Recoverability)
	f.Deaths += g.Deaths
	f.Injuries += g.Injuries
	f.DurationHours = max(f.DurationHours, g.DurationHours)
	f.MaxAvailabilityImpact = max(f.MaxAvailabilityImpact, g.MaxAvailabilityImpact)
	f.Criticality = max(f.Criticality, g.Criticality)
	f.MilitaryTargets = f.MilitaryTargets || g.MilitaryTargets
	f.GovernmentTargets = f.GovernmentTargets || g.GovernmentTargets
	if g.AttributionConfidence > f.AttributionConfidence || f.SuspectedActorRef == "" {
		if g.SuspectedActorRef != "" || g.SuspectedState != "" {
			f.SuspectedActorRef, f.SuspectedState, f.AttributionConfidence = g.SuspectedActorRef, g.SuspectedState, g.AttributionConfidence
		}
	}
	if f.Determination == "" || g.Determination == "confirmed" || g.Determination == "successful-attempt" {
		f.Determination = g.Determination
	}
	if f.IncidentID == "" {
		f.IncidentID = g.IncidentID
	}
}

// strongest combines two sets of answers: per factor the answer of the
// highest degree, the more confident of two equal ones.
func strongest(a, b *kizuna.FactorAnswers, nation string) *kizuna.FactorAnswers {
	out := &kizuna.FactorAnswers{Nation: nation}
	for _, f := range kizuna.Factors {
		x, y := a.Answer(f), b.Answer(f)
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			x = y
		case y != nil:
			rx, okx := kizuna.DegreeRank(x.Degree)
			ry, oky := kizuna.DegreeRank(y.Degree)
			if oky && (!okx || ry > rx || ry == rx && y.Confidence > x.Confidence) {
				x = y
			}
		}
		out.Answers = append(out.Answers, *x)
	}
	return out
}
