package policy

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Explanation is the decision for one principal and one object version,
// with the markings behind the label and the decision for each portion.
type Explanation struct {
	Principal string
	Object    string
	Version   string
	Label     *kizuna.AccessLabel
	Decision  Decision
	// Markings describes each marking-definition the object references
	// (what it requires, or why it cannot be interpreted).
	Markings []string
	// Portions holds the decision for each portion marked with
	// granular_markings.
	Portions []PortionDecision
}

// PortionDecision is the decision for one portion.
type PortionDecision struct {
	Selectors []string
	Required  bool // a required property: a denial withholds the object
	Decision  Decision
}

// Explain decides whether pr may see obj (whose Label and Portions are set,
// as the store returns them) and says why.
func (p *Policy) Explain(ctx context.Context, pr *kizuna.Principal, obj *kizuna.Object) *Explanation {
	e := &Explanation{Object: obj.ID, Label: obj.Label, Decision: p.Decide(pr, obj.Label)}
	if pr != nil {
		e.Principal = pr.Name
	}
	if !obj.Version.IsZero() {
		e.Version = obj.Version.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	refs := obj.MarkingRefs
	for _, gm := range obj.GranularMarkings {
		if gm.MarkingRef != "" {
			refs = append(refs, gm.MarkingRef)
		}
	}
	for _, ref := range refs {
		in, err := p.resolve(ctx, ref)
		switch {
		case err != nil:
			e.Markings = append(e.Markings, fmt.Sprintf("%s: unknown to this node (%s)", ref, kizuna.ErrorMessage(err)))
		case len(in.reasons) > 0:
			e.Markings = append(e.Markings, fmt.Sprintf("%s: cannot be interpreted: %s", ref, strings.Join(sortedCopy(in.reasons), "; ")))
		default:
			e.Markings = append(e.Markings, fmt.Sprintf("%s: %s", ref, DescribeLabel(&in.label)))
		}
	}
	for _, portion := range obj.Portions {
		pd := PortionDecision{Selectors: portion.Selectors, Decision: p.Decide(pr, portion.Label)}
		for _, s := range portion.Selectors {
			pd.Required = pd.Required || RequiredProperty(obj.Type, s)
		}
		e.Portions = append(e.Portions, pd)
	}
	return e
}

// WriteTo prints the explanation for people: the verdict and the rule
// first, then the label, the markings and the portions.
func (e *Explanation) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	verdict := "DENY"
	if e.Decision.Allow {
		verdict = "ALLOW"
	}
	fmt.Fprintf(&b, "%s: principal %s, object %s", verdict, e.Principal, e.Object)
	if e.Version != "" {
		fmt.Fprintf(&b, " (version %s)", e.Version)
	}
	fmt.Fprintf(&b, "\nrule: %s: %s\nlabel: %s\n", e.Decision.Rule, e.Decision.Reason, DescribeLabel(e.Label))
	for _, m := range e.Markings {
		fmt.Fprintf(&b, "marking %s\n", m)
	}
	for _, pd := range e.Portions {
		v := "visible"
		if !pd.Decision.Allow {
			v = "redacted"
			if pd.Required {
				v = "withholds the object (required property)"
			}
		}
		fmt.Fprintf(&b, "portion %s: %s: rule %s: %s\n", strings.Join(pd.Selectors, ", "), v, pd.Decision.Rule, pd.Decision.Reason)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// DescribeLabel renders a label in one line, in the order of the decision.
func DescribeLabel(l *kizuna.AccessLabel) string {
	if l == nil {
		return "none"
	}
	var parts []string
	if l.TLP != "" {
		parts = append(parts, "TLP:"+strings.ToUpper(l.TLP))
	}
	for _, c := range l.Classifications {
		parts = append(parts, c.Scheme+":"+c.Level)
	}
	if l.Releasable {
		parts = append(parts, "REL TO ["+strings.Join(l.ReleasableTo, ", ")+"]")
	}
	if len(l.Communities) > 0 {
		parts = append(parts, "communities ["+strings.Join(l.Communities, ", ")+"]")
	}
	if l.AudienceLimited {
		parts = append(parts, "audience ["+strings.Join(l.Audience, ", ")+"]")
	}
	if len(l.Uninterpretable) > 0 {
		parts = append(parts, "UNINTERPRETABLE ["+strings.Join(l.Uninterpretable, ", ")+"]")
	}
	if len(parts) == 0 {
		return "no restriction"
	}
	return strings.Join(parts, " ")
}
