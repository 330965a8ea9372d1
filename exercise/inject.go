package exercise

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
)

// injectChecker validates injects in order, remembering the objects of
// earlier ones, which later expectations may name.
type injectChecker struct {
	errs     *strictjson.Errors
	parts    map[string]*kizuna.Participant
	duration time.Duration
	objects  map[string]objectInfo
	ids      map[string]bool
	n        int
}

// objectHead is what the checker reads of an inject object.
type objectHead struct {
	ID               string                     `json:"id"`
	Type             string                     `json:"type"`
	CreatedByRef     string                     `json:"created_by_ref"`
	GranularMarkings []any                      `json:"granular_markings"`
	MarkingRefs      []string                   `json:"object_marking_refs"`
	Extensions       map[string]json.RawMessage `json:"extensions"`
}

// tlpIDs are the markings an inject object may carry besides the exercise
// marking the release adds: every node holds them.
var tlpIDs = []string{policy.TLP1White, policy.TLP1Green, policy.TLP1Amber, policy.TLP1Red, policy.TLP2Clear, policy.TLP2Green,
	policy.TLP2Amber, policy.TLP2AmberStrict, policy.TLP2Red}

// forbiddenTypes are objects an inject may not carry: definitions and
// identities are the node's and the participants' own, and a marking in an
// inject could loosen the exercise marking.
var forbiddenTypes = []string{"marking-definition", "extension-definition", "language-content"}

func (c *injectChecker) check(path string, in *injectFile) kizuna.Inject {
	errs := c.errs
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	out := kizuna.Inject{ID: in.ID, At: time.Duration(in.At), Title: in.Title, Description: in.Description,
		From: in.From, To: in.To, Objects: in.Objects}
	if !shortIDRE.MatchString(in.ID) || c.ids[in.ID] {
		errs.Addf(path+".id", "%q must be a unique short id (letters, digits, . _ -)", in.ID)
	}
	c.ids[in.ID] = true
	if out.At > c.duration {
		errs.Addf(path+".at", "%s is after the end of the exercise (%s)", out.At, c.duration)
	}
	checkText(errs, path+".title", in.Title, true)
	checkText(errs, path+".description", in.Description, false)
	from := c.parts[in.From]
	if from == nil {
		errs.Addf(path+".from", "%q is not a participant", in.From)
	}
	if len(in.To) == 0 {
		errs.Addf(path+".to", "at least one participant is required")
	}
	for i, to := range in.To {
		p := strictjson.Index(path+".to", i)
		if c.parts[to] == nil {
			errs.Addf(p, "%q is not a participant", to)
		} else if slices.Index(in.To, to) != i {
			errs.Addf(p, "%q appears twice", to)
		}
	}
	if len(in.Objects) == 0 {
		errs.Addf(path+".objects", "at least one STIX object is required")
	}
	for i, raw := range in.Objects {
		c.object(strictjson.Index(path+".objects", i), raw, from, in.To)
	}
	for i, e := range in.Expect {
		out.Expect = append(out.Expect, c.expect(strictjson.Index(path+".expect", i), e, in))
	}
	c.n++
	return out
}

func (c *injectChecker) object(p string, raw json.RawMessage, from *kizuna.Participant, to []string) {
	errs := c.errs
	_, problems := stix.Validate(raw)
	for _, pr := range problems {
		errs.Addf(stixProblemPath(p, pr), "%s", pr.Message)
	}
	var h objectHead
	if err := json.Unmarshal(raw, &h); err != nil {
		return // reported by stix.Validate
	}
	if h.Type == "bundle" {
		errs.Addf(p+".type", "list the objects themselves, not a bundle")
		return
	}
	if slices.Contains(forbiddenTypes, h.Type) || h.Type == "identity" {
		errs.Addf(p+".type", "an inject may not carry a %s: the node and the participants publish their own", h.Type)
	}
	if len(h.GranularMarkings) > 0 {
		errs.Addf(p+".granular_markings", "exercise data is marked as a whole; granular markings are not allowed in injects")
	}
	for i, ref := range h.MarkingRefs {
		if !slices.Contains(tlpIDs, ref) {
			errs.Addf(strictjson.Index(p+".object_marking_refs", i), "%s: an inject object may carry TLP markings only; the release adds the exercise marking", ref)
		}
	}
	if _, ok := h.Extensions[policy.ExtensionID]; ok {
		errs.Addf(strictjson.Member(p+".extensions", policy.ExtensionID), "the release sets the audience of inject objects; leave it out")
	}
	if from != nil && h.CreatedByRef != "" && h.CreatedByRef != from.Organization {
		errs.Addf(p+".created_by_ref", "must be the organisation of the inject's source %q (%s), or be left out", from.ID, from.Organization)
	}
	if h.Type == "incident" && len(problems) == 0 {
		// The collective-defense engine reads inject incidents: check its
		// extensions now rather than when a player assesses.
		if _, err := defstix.DecodeIncident(raw); err != nil {
			errs.Addf(p, "%s", kizuna.ErrorMessage(err))
		}
	}
	if h.ID != "" {
		if _, dup := c.objects[h.ID]; dup {
			errs.Addf(p+".id", "%s appears in an earlier inject object; every inject object has its own id", h.ID)
		}
		c.objects[h.ID] = objectInfo{typ: h.Type, inject: c.n, to: to}
	}
}

func (c *injectChecker) expect(p string, e expectFile, in *injectFile) kizuna.Expectation {
	errs := c.errs
	out := kizuna.Expectation{Action: e.Action, By: e.By, Within: time.Duration(e.Within), Object: e.Object}
	if !slices.Contains(expectActions, e.Action) {
		errs.Addf(p+".action", "%q is not one of %s", e.Action, strings.Join(expectActions, ", "))
	}
	if e.Within <= 0 {
		errs.Addf(p+".within", "is required and must be positive")
	}
	if len(e.By) == 0 {
		errs.Addf(p+".by", "at least one participant is required")
	}
	for i, by := range e.By {
		switch pt := c.parts[by]; {
		case pt == nil:
			errs.Addf(strictjson.Index(p+".by", i), "%q is not a participant", by)
		case pt.Role != kizuna.ExercisePlayer:
			errs.Addf(strictjson.Index(p+".by", i), "%q is a %s; only players are evaluated", by, pt.Role)
		case !slices.Contains(in.To, by) && (e.Object == "" || !slices.Contains(c.objects[e.Object].to, by)):
			errs.Addf(strictjson.Index(p+".by", i), "%q does not receive the inject or the object the expectation names", by)
		}
	}
	needIncident := e.Action == kizuna.ExpectAssess || e.Action == kizuna.ExpectConsultOpen || e.Action == kizuna.ExpectConsultClose
	if e.Object != "" {
		info, ok := c.objects[e.Object]
		switch {
		case !ok:
			errs.Addf(p+".object", "%q is not an object of this inject or an earlier one", e.Object)
		case needIncident && info.typ != "incident":
			errs.Addf(p+".object", "%s is a %s; %s concerns an incident", e.Object, info.typ, e.Action)
		}
	} else if needIncident && !c.hasIncident(in) {
		errs.Addf(p+".object", "%s concerns an incident: name one, or release one in this inject", e.Action)
	}
	return out
}

func (c *injectChecker) hasIncident(in *injectFile) bool {
	for _, raw := range in.Objects {
		var h objectHead
		if json.Unmarshal(raw, &h) == nil && h.Type == "incident" {
			return true
		}
	}
	return false
}
