package policy

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/kizuna-dev/kizuna"
)

// acsMarking is the part of the ISA ACS 3.0 extension that governs who may
// read. Properties that record provenance (identifier, custodian,
// classification authority, declassification, disposition, public release)
// are kept in the stored marking and do not change access.
type acsMarking struct {
	PolicyReference string           `json:"policy_reference"`
	ControlSet      *acsControlSet   `json:"control_set"`
	FurtherSharing  []acsSharingRule `json:"further_sharing"`
}

type acsControlSet struct {
	Classification           string   `json:"classification"`
	SCIControls              []string `json:"sci_controls"`
	LogicalAuthorityCategory []string `json:"logical_authority_category"`
	FormalDetermination      []string `json:"formal_determination"`
	Caveat                   []string `json:"caveat"`
	Sensitivity              []string `json:"sensitivity"`
	Shareability             []string `json:"shareability"`
	Entity                   []string `json:"entity"`
	PermittedNationalities   []string `json:"permitted_nationalities"`
	PermittedOrganizations   []string `json:"permitted_organizations"`
}

type acsSharingRule struct {
	SharingScope []string `json:"sharing_scope"`
	RuleEffect   string   `json:"rule_effect"`
}

// acsProperties are the properties the ACS 3.0 schema defines (it allows no
// others).
var acsProperties = map[string]bool{
	"extension_type": true, "identifier": true, "name": true, "create_date_time": true,
	"responsible_entity_custodian": true, "responsible_entity_originator": true, "authority_reference": true,
	"policy_reference": true, "original_classification": true, "derivative_classification": true,
	"declassification": true, "resource_disposition": true, "public_release": true, "access_privilege": true,
	"further_sharing": true, "control_set": true,
}

var acsPolicyRef = regexp.MustCompile(`^urn:isa:policy:acs:ns:v3\.0\?privdefault=(permit|deny)&sharedefault=(permit|deny)\s?$`)

// acsLevels maps ACS classifications onto the USA scheme.
var acsLevels = map[string]string{"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "TS": "TOP SECRET"}

// ACSCommunityPrefix prefixes the community a reader needs for each ACS
// sensitivity value ("acs:sensitivity:PII"): sensitivities are need-to-know
// groups, which kizuna models as communities.
const ACSCommunityPrefix = "acs:sensitivity:"

// interpretACS maps ACS 3.0 onto the label: classification as a USA level,
// NF and permitted_nationalities as releasability, FOUO as USA CUI,
// sensitivities as communities, and a further-sharing denial to foreign
// governments as releasability to the USA. Controls that name groups the
// node cannot tell its principals apart by (entity, shareability,
// organisations, SCI, logical authority) and the caveats FISA and
// CISAPROPRIETARY deny every reader.
func (p *Policy) interpretACS(in *interpretation, path string, raw json.RawMessage) {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		in.fail("%s: cannot interpret: %v", path, err)
		return
	}
	if err := checkKeys(raw, acsProperties, true); err != nil {
		in.fail("%s: not ACS 3.0: %v", path, err)
	}
	var m acsMarking
	if err := json.Unmarshal(raw, &m); err != nil {
		in.fail("%s: cannot interpret: %v", path, err)
		return
	}
	if cs, ok := props["control_set"]; ok {
		// The control set lists the controls; one this node does not know
		// might restrict, so it must not pass unread.
		if err := strictUnmarshal(cs, &acsControlSet{}); err != nil {
			in.fail("%s.control_set: %v", path, err)
		}
	}
	var l kizuna.AccessLabel
	sub := acsPolicyRef.FindStringSubmatch(m.PolicyReference)
	if sub == nil {
		in.fail("%s.policy_reference: %q is not an ACS 3.0 policy reference", path, m.PolicyReference)
	}
	cs := m.ControlSet
	if cs == nil {
		in.fail("%s.control_set: required", path)
		return
	}
	cp := path + ".control_set"
	if lv, ok := acsLevels[cs.Classification]; ok {
		l.Classifications = append(l.Classifications, kizuna.Classification{Scheme: "USA", Level: lv})
	} else {
		in.fail("%s.classification: %q is not one of U, C, S, TS", cp, cs.Classification)
	}
	for i, fd := range cs.FormalDetermination {
		switch fd {
		case "NF":
			l = combine(l, kizuna.AccessLabel{Releasable: true, ReleasableTo: []string{"USA"}})
		case "FOUO":
			l.Classifications = append(l.Classifications, kizuna.Classification{Scheme: "USA", Level: "CUI"})
		case "PUBREL", "AIS", "PII-NECESSARY-TO-UNDERSTAND-THREAT", "NO-PII-PRESENT",
			"INFORMATION-DIRECTLY-RELATED-TO-CYBERSECURITY-THREAT":
			// Determinations about the content; they restrict nobody, and
			// PUBREL never loosens the other controls.
		default:
			in.fail("%s.formal_determination[%d]: %q is not interpreted", cp, i, fd)
		}
	}
	for i, c := range cs.Caveat {
		if c != "POSSIBLEPII" {
			in.fail("%s.caveat[%d]: %q has handling rules this node does not enforce", cp, i, c)
		}
	}
	for _, s := range cs.Sensitivity {
		l.Communities = append(l.Communities, ACSCommunityPrefix+s)
	}
	for name, list := range map[string][]string{
		"sci_controls": cs.SCIControls, "logical_authority_category": cs.LogicalAuthorityCategory,
		"shareability": cs.Shareability, "entity": cs.Entity, "permitted_organizations": cs.PermittedOrganizations,
	} {
		if len(list) > 0 {
			in.fail("%s.%s: %v names groups this node cannot tell its readers apart by", cp, name, list)
		}
	}
	if cs.PermittedNationalities != nil {
		nations, bad := p.levels.expandNations(cs.PermittedNationalities)
		for _, b := range bad {
			in.fail("%s.permitted_nationalities: %q is not a nation code", cp, b)
		}
		l = combine(l, kizuna.AccessLabel{Releasable: true, ReleasableTo: nations})
	}
	if sub != nil && sub[2] == "deny" {
		in.fail("%s.policy_reference: sharedefault=deny forbids sharing beyond the named recipients, which this node cannot express", path)
	}
	for i, r := range m.FurtherSharing {
		rp := fmt.Sprintf("%s.further_sharing[%d]", path, i)
		switch r.RuleEffect {
		case "permit":
			// Under sharedefault=permit a permit adds nothing.
		case "deny":
			if len(r.SharingScope) == 1 && r.SharingScope[0] == "FOREIGNGOV" {
				l = combine(l, kizuna.AccessLabel{Releasable: true, ReleasableTo: []string{"USA"}})
			} else {
				in.fail("%s.sharing_scope: denial to %v cannot be expressed", rp, r.SharingScope)
			}
		default:
			in.fail("%s.rule_effect: %q is neither permit nor deny", rp, r.RuleEffect)
		}
	}
	in.label = combine(in.label, l)
}
