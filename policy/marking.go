package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// ExtensionID is the id of kizuna's access-marking property extension.
const ExtensionID = "extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e"

// TLP2ExtensionID is the OASIS TLP 2.0 marking extension.
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// ACSExtensionID is the ISA ACS 3.0 marking extension that CISA AIS uses.
const ACSExtensionID = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce"

// TLP marking-definition ids: the STIX 2.1 predefined TLP 1.0 markings and
// the OASIS TLP 2.0 markings. These are interpreted by id, never by the
// content of a stored object, so that no POSTed object can redefine them.
const (
	TLP1White       = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1Green       = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1Amber       = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1Red         = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
	TLP2Clear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLP2Green       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLP2Amber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLP2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLP2Red         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

var tlpByID = map[string]string{
	TLP1White: kizuna.TLPClear, TLP1Green: kizuna.TLPGreen, TLP1Amber: kizuna.TLPAmber, TLP1Red: kizuna.TLPRed,
	TLP2Clear: kizuna.TLPClear, TLP2Green: kizuna.TLPGreen, TLP2Amber: kizuna.TLPAmber,
	TLP2AmberStrict: kizuna.TLPAmberStrict, TLP2Red: kizuna.TLPRed,
}

// tlpRank orders TLP from least to most restrictive; "" is no TLP.
var tlpRank = map[string]int{
	"": 0, kizuna.TLPClear: 1, kizuna.TLPGreen: 2, kizuna.TLPAmber: 3, kizuna.TLPAmberStrict: 4, kizuna.TLPRed: 5,
}

// TLPOf returns the TLP level of a TLP 1.0 or 2.0 marking-definition id.
func TLPOf(id string) (string, bool) {
	t, ok := tlpByID[id]
	return t, ok
}

// interpretation is what one marking-definition requires, with the reasons
// it could not be interpreted (which deny every reader).
type interpretation struct {
	label   kizuna.AccessLabel
	reasons []string
}

func (in *interpretation) fail(format string, args ...any) {
	in.reasons = append(in.reasons, fmt.Sprintf(format, args...))
}

// interpret reads a stored marking-definition. Anything it does not
// understand makes the marking uninterpretable: an unknown extension might
// restrict, so ignoring it could leak.
func (p *Policy) interpret(md *kizuna.Object) *interpretation {
	in := &interpretation{}
	var def struct {
		Type           string                     `json:"type"`
		DefinitionType string                     `json:"definition_type"`
		Definition     json.RawMessage            `json:"definition"`
		Extensions     map[string]json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(md.Raw, &def); err != nil {
		in.fail("$: not a JSON object: %v", err)
		return in
	}
	if err := checkKeys(md.Raw, jsonNames(def), false); err != nil {
		in.fail("$: %v", err)
		return in
	}
	var top struct {
		Extensions json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(md.Raw, &top) == nil && len(top.Extensions) > 0 && string(top.Extensions) != "null" {
		if err := checkKeys(top.Extensions, nil, false); err != nil {
			in.fail("$.extensions: %v", err) // an extension given twice
			return in
		}
	}
	if def.Type != "marking-definition" {
		in.fail("$.type: %q is not a marking-definition", def.Type)
		return in
	}
	switch def.DefinitionType {
	case "":
	case "statement":
		// A statement (copyright, terms of use) is a notice, not an access
		// control: it restricts nobody.
	case "tlp":
		in.fail("$.definition_type: a TLP marking must be one of the predefined TLP marking-definitions")
	default:
		in.fail("$.definition_type: %q is not a marking type this node interprets", def.DefinitionType)
	}
	if def.DefinitionType == "" && len(def.Extensions) == 0 {
		in.fail("$: neither definition_type nor extensions says what the marking means")
	}
	for key, ext := range def.Extensions {
		path := fmt.Sprintf("$.extensions[%q]", key)
		switch key {
		case TLP2ExtensionID:
			var t struct {
				ExtensionType string `json:"extension_type"`
				TLP           string `json:"tlp_2_0"`
			}
			if err := strictUnmarshal(ext, &t); err != nil {
				in.fail("%s: %v", path, err)
				continue
			}
			tlp := strings.ToLower(strings.TrimSpace(t.TLP))
			if _, ok := tlpRank[tlp]; !ok || tlp == "" {
				in.fail("%s.tlp_2_0: %q is not a TLP 2.0 level", path, t.TLP)
				continue
			}
			in.label = combine(in.label, kizuna.AccessLabel{TLP: tlp})
		case ExtensionID:
			p.interpretKizuna(in, path, ext, true)
		case ACSExtensionID:
			p.interpretACS(in, path, ext)
		default:
			in.fail("%s: unknown marking extension", path)
		}
	}
	return in
}

// kizunaMarking is the property extension kizuna defines (see
// ExtensionDefinition).
type kizunaMarking struct {
	ExtensionType string    `json:"extension_type"`
	Scheme        string    `json:"scheme"`
	Level         string    `json:"level"`
	ReleasableTo  *[]string `json:"releasable_to"`
	NoForn        bool      `json:"noforn"`
	Communities   []string  `json:"communities"`
	Audience      []string  `json:"audience"`
}

// interpretKizuna reads kizuna's extension. On a marking-definition every
// property applies; on any other object only audience may appear.
func (p *Policy) interpretKizuna(in *interpretation, path string, raw json.RawMessage, onMarking bool) {
	var m kizunaMarking
	if err := strictUnmarshal(raw, &m); err != nil {
		in.fail("%s: %v", path, err)
		return
	}
	if m.ExtensionType != "property-extension" {
		in.fail("%s.extension_type: must be \"property-extension\"", path)
	}
	if !onMarking && (m.Scheme != "" || m.Level != "" || m.ReleasableTo != nil || m.NoForn || m.Communities != nil) {
		in.fail("%s: on an object other than a marking-definition only audience applies; mark classification, releasability and communities with a marking-definition", path)
		return
	}
	var l kizuna.AccessLabel
	switch {
	case m.Scheme == "" && m.Level == "":
	case m.Scheme == "" || m.Level == "":
		in.fail("%s: scheme and level go together", path)
	default:
		lv, ok := p.levels.level(m.Scheme, m.Level)
		if !ok {
			in.fail("%s.level: scheme %q has no level %q in this node's configuration", path, m.Scheme, m.Level)
		} else {
			l.Classifications = []kizuna.Classification{{Scheme: lv.scheme, Level: lv.id}}
		}
	}
	if m.ReleasableTo != nil {
		nations, bad := p.levels.expandNations(*m.ReleasableTo)
		for _, b := range bad {
			in.fail("%s.releasable_to: %q is neither a nation code nor a configured group", path, b)
		}
		l.Releasable, l.ReleasableTo = true, nations
	}
	if m.NoForn {
		nation := p.levels.nationOf(m.Scheme)
		if nation == "" {
			in.fail("%s.noforn: needs a scheme owned by a nation", path)
		}
		l = combine(l, kizuna.AccessLabel{Releasable: true, ReleasableTo: []string{nation}})
	}
	for i, c := range m.Communities {
		if strings.TrimSpace(c) == "" {
			in.fail("%s.communities[%d]: must not be empty", path, i)
		}
	}
	l.Communities = m.Communities
	if m.Audience != nil {
		for i, a := range m.Audience {
			if !strings.HasPrefix(a, "identity--") {
				in.fail("%s.audience[%d]: %q is not an identity id", path, i, a)
			}
		}
		l.Audience, l.AudienceLimited = m.Audience, true
	}
	in.label = combine(in.label, l)
}

// strictUnmarshal decodes into the struct v points to and refuses unknown
// properties (one this node does not know might restrict access),
// duplicated ones and ones spelt with other case.
func strictUnmarshal(raw []byte, v any) error {
	if err := checkKeys(raw, jsonNames(reflect.ValueOf(v).Elem().Interface()), true); err != nil {
		return fmt.Errorf("cannot interpret: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("cannot interpret: %v", err)
	}
	return nil
}
