package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Rules a Decision names. A denial names the first rule that failed, in
// this order; an allowance names RuleAllow.
const (
	RuleAllow           = "allow"
	RuleNoPrincipal     = "no-principal"    // nobody authenticated, or the principal is revoked
	RuleNoLabel         = "no-label"        // nothing says who may read
	RuleUninterpretable = "uninterpretable" // a marking the node cannot interpret
	RuleTLP             = "tlp"             // a TLP value the node does not know
	RuleAudience        = "audience"        // TLP:AMBER/AMBER+STRICT/RED or a named audience
	RuleReleasability   = "releasability"   // the reader's nation is not in the releasable set
	RuleCommunity       = "community"       // a community the reader does not belong to
	RuleExercise        = "exercise"        // exercise data outside the exercise view (docs/exercises.md, rule 2)
	RuleClassification  = "classification"  // no clearance grants a required level
	RuleUnknownLevel    = "unknown-level"   // a required level the configuration lacks
	RuleWriteRole       = "write-role"      // CheckWrite: not a publisher or peer
	RuleWriteClearance  = "write-clearance" // CheckWrite: above the publisher's clearance
	RuleWriteRelease    = "write-release"   // CheckWrite: not releasable to the publisher's nation
	RuleWriteOwner      = "write-owner"     // CheckWrite: an id another organisation owns
	RuleWriteCreator    = "write-creator"   // CheckWrite: created_by_ref names an organisation the publisher may not act as
	RuleWriteImmutable  = "write-immutable" // CheckWrite: a marking-definition id already means another definition
	RuleWriteReserved   = "write-reserved"  // CheckWrite: not the canonical content of a reserved id
	RuleWriteDefine     = "write-define"    // CheckWrite: a classification marking outside the definer's schemes
	RuleWriteIDCase     = "write-id-case"   // Label: the id of a marking-definition or an observable not in lowercase
	RuleWriteSCOID      = "write-sco-id"    // Label: a UUIDv5 observable id that is not the deterministic id of its value
)

// Decision is the outcome of the access decision and the rule behind it.
type Decision struct {
	Allow  bool
	Rule   string
	Reason string
}

func deny(rule, format string, args ...any) Decision {
	return Decision{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// Decide is the one access decision: may principal pr see what label l
// marks? Every condition of the label must hold.
func (p *Policy) Decide(pr *kizuna.Principal, l *kizuna.AccessLabel) Decision {
	if pr == nil {
		return deny(RuleNoPrincipal, "no authenticated principal")
	}
	if pr.RevokedAt != nil {
		return deny(RuleNoPrincipal, "principal %q is revoked", pr.Name)
	}
	if l == nil {
		return deny(RuleNoLabel, "the object has no access label")
	}
	if len(l.Uninterpretable) > 0 {
		return deny(RuleUninterpretable, "marked with %s, which this node cannot interpret", strings.Join(l.Uninterpretable, ", "))
	}
	if _, ok := tlpRank[l.TLP]; !ok {
		return deny(RuleTLP, "TLP %q is unknown", l.TLP)
	}
	if l.AudienceLimited || tlpNeedsAudience(l.TLP) {
		if !inAudience(pr, l.Audience) {
			what := "the named audience"
			if l.TLP != "" {
				what = "TLP:" + strings.ToUpper(l.TLP) + " audience"
			}
			return deny(RuleAudience, "organisation %q is not in the %s [%s]", pr.Organization, what, strings.Join(l.Audience, ", "))
		}
	}
	if l.Releasable {
		if pr.Nation == "" {
			return deny(RuleReleasability, "principal %q has no nation; the object is releasable only to [%s]", pr.Name, strings.Join(l.ReleasableTo, ", "))
		}
		if !slices.Contains(l.ReleasableTo, pr.Nation) {
			return deny(RuleReleasability, "nation %s is not in the releasable set [%s]", pr.Nation, strings.Join(l.ReleasableTo, ", "))
		}
	}
	for _, c := range l.Communities {
		if !slices.Contains(pr.Communities, c) {
			return deny(RuleCommunity, "principal %q is not a member of community %q", pr.Name, c)
		}
	}
	for _, req := range l.Classifications {
		if d := p.checkLevel(pr, req, RuleClassification); !d.Allow {
			return d
		}
	}
	return Decision{Allow: true, Rule: RuleAllow, Reason: "every marking is satisfied"}
}

// checkLevel decides whether a clearance of pr grants the level req: a
// level the configuration lacks denies by RuleUnknownLevel, one no
// clearance grants by rule (RuleClassification to read it,
// RuleWriteClearance to publish at it).
func (p *Policy) checkLevel(pr *kizuna.Principal, req kizuna.Classification, rule string) Decision {
	ok, known := p.levels.grants(pr.Clearances, req)
	switch {
	case !known:
		return deny(RuleUnknownLevel, "%s:%s is not a level of this node's configuration", req.Scheme, req.Level)
	case ok:
		return Decision{Allow: true, Rule: RuleAllow}
	case rule == RuleWriteClearance:
		return deny(rule, "principal %q (cleared %s) may not publish at %s:%s", pr.Name, clearanceList(pr.Clearances), req.Scheme, req.Level)
	}
	return deny(rule, "no clearance of principal %q (%s) grants %s:%s", pr.Name, clearanceList(pr.Clearances), req.Scheme, req.Level)
}

// inAudience admits the reader's organisation or the reader itself.
func inAudience(pr *kizuna.Principal, audience []string) bool {
	for _, a := range audience {
		if (pr.Organization != "" && a == pr.Organization) || (pr.ID != "" && a == pr.ID) {
			return true
		}
	}
	return false
}

func clearanceList(cs []kizuna.Classification) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Scheme + ":" + c.Level
	}
	return strings.Join(parts, ", ")
}

// Classified reports whether a label requires a clearance (any level not
// marked no_clearance, including unknown ones): reads of such objects are
// audited.
func (p *Policy) Classified(l *kizuna.AccessLabel) bool {
	if l == nil {
		return false
	}
	for _, c := range l.Classifications {
		if lv, ok := p.levels.level(c.Scheme, c.Level); !ok || !lv.open {
			return true
		}
	}
	return false
}
