// Package dcstix is the STIX 2.1 representation of deconfliction: the
// registered defensive action (x-kizuna-defensive-action) and the notice
// to an owner (x-kizuna-deconfliction-notice), each a new object type
// defined by an extension-definition kizuna publishes
// (docs/kizuna-defensive-action.json, docs/kizuna-deconfliction-notice.json).
// Being STIX, registrations are marked, access-checked and audited like any
// other object; they do not federate to allies in the clear: only the
// pairwise exchange's tokens leave the node.
package dcstix

import (
	"embed"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/deconflict"
	"github.com/kizuna-dev/kizuna/internal/newsdo"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
)

// Extension-definition ids and the types they define.
const (
	ExtAction  = "extension-definition--5f1c8e2a-7b4d-4c6e-9a3f-2d8b1e6c4a70"
	ExtNotice  = "extension-definition--9b3e7d1f-2a6c-4e8b-b5d1-6c4a9f2e8d31"
	TypeAction = "x-kizuna-defensive-action"
	TypeNotice = "x-kizuna-deconfliction-notice"
)

//go:embed extensions/*.json
var extensions embed.FS

// ExtensionDefinitions returns the extension-definitions by file name;
// docs/ holds copies.
func ExtensionDefinitions() map[string][]byte { return newsdo.Definitions(extensions, "extensions") }

type window struct {
	Start newsdo.Timestamp `json:"start"`
	End   newsdo.Timestamp `json:"end"`
}

type actionProps struct {
	Name           string                `json:"name"`
	Description    string                `json:"description,omitempty"`
	Kind           string                `json:"action_kind"`
	Category       int                   `json:"category"`
	Targets        []kizuna.ActionTarget `json:"targets"`
	Window         window                `json:"window"`
	Nation         string                `json:"nation"`
	Organization   string                `json:"organization_ref"`
	State          string                `json:"approval_state"`
	DeconflictWith []string              `json:"deconflict_with,omitempty"`
}

// EncodeAction writes an x-kizuna-defensive-action version.
func EncodeAction(a *kizuna.DefensiveAction) ([]byte, error) {
	return newsdo.Encode(newsdo.Envelope{Type: TypeAction, ID: a.ID, Created: a.Created, Modified: a.Modified, CreatedByRef: a.CreatedByRef,
		MarkingRefs: a.MarkingRefs}, ExtAction, actionProps{Name: a.Name, Kind: a.Kind, Category: a.Category, Targets: a.Targets,
		Window: window{newsdo.Timestamp(a.Start), newsdo.Timestamp(a.End)}, Nation: a.Nation, Organization: a.Organization, State: a.State,
		DeconflictWith: a.DeconflictWith})
}

// DecodeAction validates an x-kizuna-defensive-action: the envelope, every
// property, each target normalised (errors name "$.targets[i].value").
func DecodeAction(raw []byte) (*kizuna.DefensiveAction, error) {
	var p actionProps
	e, err := newsdo.Decode(raw, TypeAction, ExtAction, &p)
	if err != nil {
		return nil, err
	}
	a := &kizuna.DefensiveAction{ID: e.ID, Created: e.Created, Modified: e.Modified, CreatedByRef: e.CreatedByRef, MarkingRefs: e.MarkingRefs,
		Name: p.Name, Kind: p.Kind, Category: p.Category, Targets: p.Targets, Start: p.Window.Start.Time(), End: p.Window.End.Time(),
		Nation: p.Nation, Organization: p.Organization, State: p.State, DeconflictWith: p.DeconflictWith}
	errs := &strictjson.Errors{File: e.ID}
	if p.Name == "" {
		errs.Addf("$.name", "is required")
	}
	deconflict.Check(errs, a)
	if err := errs.Err(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return a, nil
}

type other struct {
	Nation       string `json:"nation"`
	Organization string `json:"organization_ref"`
	ActionRef    string `json:"action_ref,omitempty"`
	Kind         string `json:"action_kind"`
	Category     int    `json:"category"`
}

type noticeProps struct {
	Rule      string   `json:"rule"`
	Rules     []string `json:"rules"`
	Severity  string   `json:"conflict_severity"`
	ActionRef string   `json:"action_ref"`
	Recipient string   `json:"recipient_ref"`
	Other     other    `json:"other"`
	Overlap   []string `json:"overlap,omitempty"`
	Window    window   `json:"window"`
	Agreement string   `json:"agreement,omitempty"`
}

// EncodeNotice writes an x-kizuna-deconfliction-notice, created by the
// node's operator organisation createdBy.
func EncodeNotice(n *kizuna.DeconflictionNotice, createdBy string, markings []string) ([]byte, error) {
	return newsdo.Encode(newsdo.Envelope{Type: TypeNotice, ID: n.ID, Created: n.Created, Modified: n.Created, CreatedByRef: createdBy,
		MarkingRefs: markings}, ExtNotice, noticeProps{Rule: n.Rule, Rules: n.Rules, Severity: n.Severity, ActionRef: n.ActionRef,
		Recipient: n.Recipient, Other: other{n.OtherNation, n.OtherOrg, n.OtherActionRef, n.OtherKind, n.OtherCategory}, Overlap: n.Overlap,
		Window: window{newsdo.Timestamp(n.WindowStart), newsdo.Timestamp(n.WindowEnd)}, Agreement: n.Agreement})
}

// DecodeNotice validates an x-kizuna-deconfliction-notice.
func DecodeNotice(raw []byte) (*kizuna.DeconflictionNotice, error) {
	var p noticeProps
	e, err := newsdo.Decode(raw, TypeNotice, ExtNotice, &p)
	if err != nil {
		return nil, err
	}
	n := &kizuna.DeconflictionNotice{ID: e.ID, Created: e.Created, Rule: p.Rule, Rules: p.Rules, Severity: p.Severity, ActionRef: p.ActionRef,
		Recipient: p.Recipient, OtherNation: p.Other.Nation, OtherOrg: p.Other.Organization, OtherActionRef: p.Other.ActionRef,
		OtherKind: p.Other.Kind, OtherCategory: p.Other.Category, Overlap: p.Overlap, WindowStart: p.Window.Start.Time(),
		WindowEnd: p.Window.End.Time(), Agreement: p.Agreement, MarkingRefs: e.MarkingRefs}
	errs := &strictjson.Errors{File: e.ID}
	if len(p.Rules) == 0 || p.Rules[0] != p.Rule {
		errs.Addf("$.rules", "must list the rules that fired, the first being $.rule")
	}
	if !n.WindowEnd.After(n.WindowStart) {
		errs.Addf("$.window.end", "must be after the start")
	}
	if p.Other.Category < 1 || p.Other.Category > 6 {
		errs.Addf("$.other.category", "must be from 1 (CAT1) to 6 (CAT6)")
	}
	if err := errs.Err(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return n, nil
}
