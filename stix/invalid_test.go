package stix

import (
	"errors"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
)

// mutation derives a test object from the valid example of a type.
type mutation struct {
	name string
	typ  string         // the valid example to start from
	set  map[string]any // properties to set
	del  []string       // properties to remove
	path string         // the path the problem must name
	msg  string         // a part of its message
}

func (m mutation) build(tb testing.TB) []byte {
	tb.Helper()
	obj := MustValid(tb, m.typ)
	for _, k := range m.del {
		delete(obj, k)
	}
	for k, v := range m.set {
		obj[k] = v
	}
	return MustJSON(tb, obj)
}

const (
	idIdentity = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
	idMalware  = "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111"
	idIPv4     = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"
	idURL      = "url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"
	idTLPGreen = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	idInd      = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e"
)

// invalidCases holds at least one invalid example of every type, each with
// the JSON path its error must name.
var invalidCases = []mutation{
	{"missing name", "attack-pattern", nil, []string{"name"}, "$.name", "is required"},
	{"kill chain phase without phase_name", "attack-pattern", map[string]any{"kill_chain_phases": []any{map[string]any{"kill_chain_name": "x"}}}, nil, "$.kill_chain_phases[0].phase_name", "is required"},
	{"last_seen before first_seen", "campaign", map[string]any{"last_seen": "2024-01-01T00:00:00Z"}, nil, "$.last_seen", "must be later than or equal to first_seen (2025-01-01T00:00:00Z)"},
	{"reserved action_type", "course-of-action", map[string]any{"action_type": "textual:text/plain"}, nil, "$.action_type", "reserved"},
	{"missing context", "grouping", nil, []string{"context"}, "$.context", "is required"},
	{"empty object_refs", "grouping", map[string]any{"object_refs": []any{}}, nil, "$.object_refs", "empty list"},
	{"missing name", "identity", nil, []string{"name"}, "$.name", "is required"},
	{"name not a string", "incident", map[string]any{"name": 5}, nil, "$.name", "must be a string, not a number"},
	{"valid_until before valid_from", "indicator", map[string]any{"valid_until": "2025-12-31T23:59:59Z"}, nil, "$.valid_until", "must be later than valid_from (2026-01-01T00:00:00Z)"},
	{"valid_until equal to valid_from", "indicator", map[string]any{"valid_until": "2026-01-01T00:00:00.000Z"}, nil, "$.valid_until", "must be later than valid_from"},
	{"missing pattern_type", "indicator", nil, []string{"pattern_type"}, "$.pattern_type", "is required"},
	{"bad valid_from", "indicator", map[string]any{"valid_from": "2026-01-01T00:00:00+09:00"}, nil, "$.valid_from", "UTC"},
	{"bad first_seen", "infrastructure", map[string]any{"first_seen": "yesterday"}, nil, "$.first_seen", "not a STIX timestamp"},
	{"missing name", "intrusion-set", nil, []string{"name"}, "$.name", "is required"},
	{"latitude without longitude", "location", nil, []string{"longitude"}, "$.longitude", "present together"},
	{"no region, country or coordinates", "location", nil, []string{"latitude", "longitude", "precision", "region", "country"}, "$", "needs region, country, or latitude and longitude"},
	{"latitude out of range", "location", map[string]any{"latitude": 91}, nil, "$.latitude", "between -90 and 90"},
	{"missing is_family", "malware", nil, []string{"is_family"}, "$.is_family", "is required"},
	{"family without name", "malware", nil, []string{"name"}, "$.name", "is required when is_family is true"},
	{"sample_refs to an indicator", "malware", map[string]any{"sample_refs": []any{idInd}}, nil, "$.sample_refs[0]", "must refer to file or artifact, not indicator"},
	{"neither result nor analysis_sco_refs", "malware-analysis", nil, []string{"result"}, "$", "needs result or analysis_sco_refs"},
	{"missing object_refs", "note", nil, []string{"object_refs"}, "$.object_refs", "is required"},
	{"number_observed zero", "observed-data", map[string]any{"number_observed": 0}, nil, "$.number_observed", "between 1 and 999999999"},
	{"number_observed not an integer", "observed-data", map[string]any{"number_observed": 1.5}, nil, "$.number_observed", "must be an integer"},
	{"last_observed before first_observed", "observed-data", map[string]any{"last_observed": "2026-02-19T23:00:00Z"}, nil, "$.last_observed", "first_observed"},
	{"objects and object_refs", "observed-data", map[string]any{"objects": map[string]any{"0": map[string]any{"type": "ipv4-addr", "value": "198.51.100.3"}}}, nil, "$.objects", "must not both be present"},
	{"object_refs to an SDO", "observed-data", map[string]any{"object_refs": []any{idInd}}, nil, "$.object_refs[0]", "must refer to SCO or SRO"},
	{"opinion outside the enumeration", "opinion", map[string]any{"opinion": "maybe"}, nil, "$.opinion", "is not one of"},
	{"missing published", "report", nil, []string{"published"}, "$.published", "is required"},
	{"missing name", "threat-actor", nil, []string{"name"}, "$.name", "is required"},
	{"kill_chain_phases not a list", "tool", map[string]any{"kill_chain_phases": "delivery"}, nil, "$.kill_chain_phases", "must be a list"},
	{"external reference with source_name only", "vulnerability", map[string]any{"external_references": []any{map[string]any{"source_name": "cve"}}}, nil, "$.external_references[0]", "needs description, url or external_id"},
	{"missing target_ref", "relationship", nil, []string{"target_ref"}, "$.target_ref", "is required"},
	{"stop_time equal to start_time", "relationship", map[string]any{"stop_time": "2026-01-01T00:00:00Z"}, nil, "$.stop_time", "must be later than start_time"},
	{"source_ref to a marking-definition", "relationship", map[string]any{"source_ref": idTLPGreen}, nil, "$.source_ref", "must refer to SDO or SCO"},
	{"relationship_type with capitals", "relationship", map[string]any{"relationship_type": "Indicates"}, nil, "$.relationship_type", "a-z, 0-9 and '-'"},
	{"sighting_of_ref to an SCO", "sighting", map[string]any{"sighting_of_ref": idIPv4}, nil, "$.sighting_of_ref", "must refer to SDO"},
	{"negative count", "sighting", map[string]any{"count": -1}, nil, "$.count", "between 0 and 999999999"},
	{"where_sighted_refs to malware", "sighting", map[string]any{"where_sighted_refs": []any{idMalware}}, nil, "$.where_sighted_refs[0]", "must refer to identity or location"},
	{"observed_data_refs to an indicator", "sighting", map[string]any{"observed_data_refs": []any{idInd}}, nil, "$.observed_data_refs[0]", "observed-data"},
	{"payload_bin with url", "artifact", map[string]any{"payload_bin": "aGVsbG8="}, nil, "$.url", "together with payload_bin"},
	{"url without hashes", "artifact", nil, []string{"hashes"}, "$.hashes", "required when url is present"},
	{"payload_bin not base64", "artifact", map[string]any{"payload_bin": "***"}, []string{"url"}, "$.payload_bin", "base64"},
	{"number not an integer", "autonomous-system", map[string]any{"number": "AS15139"}, nil, "$.number", "must be an integer"},
	{"missing path", "directory", nil, []string{"path"}, "$.path", "is required"},
	{"resolves_to_refs to a url", "domain-name", map[string]any{"resolves_to_refs": []any{idURL}}, nil, "$.resolves_to_refs[0]", "must refer to ipv4-addr or ipv6-addr or domain-name"},
	{"belongs_to_ref to an identity", "email-addr", map[string]any{"belongs_to_ref": idIdentity}, nil, "$.belongs_to_ref", "user-account"},
	{"multipart with body", "email-message", map[string]any{"body": "hello"}, nil, "$.body", "is_multipart is true"},
	{"MIME part without body", "email-message", map[string]any{"body_multipart": []any{map[string]any{"content_type": "text/plain"}}}, nil, "$.body_multipart[0]", "exactly one of body and body_raw_ref"},
	{"neither hashes nor name", "file", nil, []string{"hashes", "name"}, "$", "needs hashes or name"},
	{"short SHA-256", "file", map[string]any{"hashes": map[string]any{"SHA-256": "abcd"}}, nil, "$.hashes['SHA-256']", "64 hexadecimal digits"},
	{"archive-ext without contains_refs", "file", map[string]any{"extensions": map[string]any{"archive-ext": map[string]any{"comment": "x"}}}, nil, "$.extensions['archive-ext'].contains_refs", "is required"},
	{"pebinary without pe_type", "file", map[string]any{"extensions": map[string]any{"windows-pebinary-ext": map[string]any{"imphash": "x"}}}, nil, "$.extensions['windows-pebinary-ext'].pe_type", "is required"},
	{"unknown extension name", "file", map[string]any{"extensions": map[string]any{"foo-ext": map[string]any{"a": "b"}}}, nil, "$.extensions['foo-ext']", "extension-definition id or a predefined extension"},
	{"extension of another type", "file", map[string]any{"extensions": map[string]any{"tcp-ext": map[string]any{"src_flags_hex": "02"}}}, nil, "$.extensions['tcp-ext']", "applies to network-traffic objects"},
	{"ntfs-ext without properties", "file", map[string]any{"extensions": map[string]any{"ntfs-ext": map[string]any{}}}, nil, "$.extensions['ntfs-ext']", "at least one"},
	{"IPv4 value out of range", "ipv4-addr", map[string]any{"value": "300.1.1.1"}, nil, "$.value", "not an IPv4 address"},
	{"IPv6 value in an ipv4-addr", "ipv4-addr", map[string]any{"value": "2001:db8::1"}, nil, "$.value", "not an IPv4 address"},
	{"IPv4 value in an ipv6-addr", "ipv6-addr", map[string]any{"value": "198.51.100.3"}, nil, "$.value", "not an IPv6 address"},
	{"upper-case MAC", "mac-addr", map[string]any{"value": "D2:FB:49:24:37:18"}, nil, "$.value", "lowercase"},
	{"missing name", "mutex", nil, []string{"name"}, "$.name", "is required"},
	{"neither src_ref nor dst_ref", "network-traffic", nil, []string{"src_ref", "dst_ref"}, "$", "needs src_ref or dst_ref"},
	{"port out of range", "network-traffic", map[string]any{"dst_port": 70000}, nil, "$.dst_port", "between 0 and 65535"},
	{"active with end", "network-traffic", map[string]any{"is_active": true}, nil, "$.end", "is_active is true"},
	{"http-request-ext without request_value", "network-traffic", map[string]any{"extensions": map[string]any{"http-request-ext": map[string]any{"request_method": "get"}}}, nil, "$.extensions['http-request-ext'].request_value", "is required"},
	{"socket-ext family outside the enumeration", "network-traffic", map[string]any{"extensions": map[string]any{"socket-ext": map[string]any{"address_family": "AF_FOO"}}}, nil, "$.extensions['socket-ext'].address_family", "is not one of"},
	{"no property", "process", nil, []string{"pid", "command_line", "created_time", "extensions"}, "$", "at least one property"},
	{"only a custom property", "process", map[string]any{"x_acme": 1}, []string{"pid", "command_line", "created_time", "extensions"}, "$", "at least one property"},
	{"registry value without properties", "windows-registry-key", map[string]any{"values": []any{map[string]any{}}}, nil, "$.values[0]", "at least one"},
	{"integrity level outside the enumeration", "process", map[string]any{"extensions": map[string]any{"windows-process-ext": map[string]any{"integrity_level": "root"}}}, nil, "$.extensions['windows-process-ext'].integrity_level", "is not one of"},
	{"missing name", "software", nil, []string{"name"}, "$.name", "is required"},
	{"value not a string", "url", map[string]any{"value": 5}, nil, "$.value", "must be a string"},
	{"no property", "user-account", nil, []string{"user_id", "account_login", "account_type", "display_name", "extensions"}, "$", "at least one property"},
	{"registry data type outside the enumeration", "windows-registry-key", map[string]any{"values": []any{map[string]any{"name": "Foo", "data_type": "REG_FOO"}}}, nil, "$.values[0].data_type", "is not one of"},
	{"validity_not_after before validity_not_before", "x509-certificate", map[string]any{"validity_not_after": "2015-01-01T00:00:00Z"}, nil, "$.validity_not_after", "validity_not_before"},
	{"modified on a marking-definition", "marking-definition", map[string]any{"modified": "2017-01-20T00:00:00.000Z"}, nil, "$.modified", "must not be present"},
	{"altered predefined TLP marking", "marking-definition", map[string]any{"name": "TLP:GREEN (ours)"}, nil, "$", "predefined TLP 1.0 marking"},
	{"tlp marking with another id", "marking-definition", map[string]any{"id": "marking-definition--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, nil, "$", "predefined TLP 1.0 id"},
	{"statement without definition", "marking-definition", map[string]any{"definition_type": "statement", "id": "marking-definition--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, []string{"definition"}, "$.definition", "is required with definition_type"},
	{"tlp colour outside the enumeration", "marking-definition", map[string]any{"definition": map[string]any{"tlp": "purple"}}, nil, "$.definition.tlp", "is not one of"},
	{"contents key not a language tag", "language-content", map[string]any{"contents": map[string]any{"not a tag": map[string]any{"name": "x"}}}, nil, "$.contents['not a tag']", "RFC 5646"},
	{"missing object_ref", "language-content", nil, []string{"object_ref"}, "$.object_ref", "is required"},
	{"extension type outside the enumeration", "extension-definition", map[string]any{"extension_types": []any{"new-thing"}}, nil, "$.extension_types[0]", "is not one of"},
	{"missing created_by_ref", "extension-definition", nil, []string{"created_by_ref"}, "$.created_by_ref", "is required"},

	// Common properties.
	{"type with capitals", "indicator", map[string]any{"type": "Indicator"}, nil, "$.type", "not a STIX type name"},
	{"type with double hyphen", "indicator", map[string]any{"type": "x--y"}, nil, "$.type", "not a STIX type name"},
	{"missing type", "indicator", nil, []string{"type"}, "$.type", "is required"},
	{"id of another type", "indicator", map[string]any{"id": idMalware}, nil, "$.id", `must equal the type "indicator"`},
	{"id with a UUIDv7", "indicator", map[string]any{"id": "indicator--018f4f2e-9b1a-7c3d-8e4f-5a6b7c8d9e0f"}, nil, "$.id", "not an RFC 4122 UUID"},
	{"id with a wrong variant", "indicator", map[string]any{"id": "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3e"}, nil, "$.id", "not an RFC 4122 UUID"},
	{"id in upper case", "indicator", map[string]any{"id": "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3E"}, nil, "$.id", "not an RFC 4122 UUID"},
	{"missing id", "indicator", nil, []string{"id"}, "$.id", "is required"},
	{"spec_version 2.0", "indicator", map[string]any{"spec_version": "2.0"}, nil, "$.spec_version", "not supported"},
	{"missing spec_version on an SDO", "indicator", nil, []string{"spec_version"}, "$.spec_version", "is required"},
	{"missing created", "indicator", nil, []string{"created"}, "$.created", "is required"},
	{"created to the second", "indicator", map[string]any{"created": "2026-03-01T09:00:00Z"}, nil, "$.created", "precise to the nearest millisecond"},
	{"modified before created", "indicator", map[string]any{"modified": "2026-02-01T00:00:00.000Z"}, nil, "$.modified", "must be later than or equal to created (2026-03-01T09:00:00.000Z)"},
	{"created_by_ref to malware", "indicator", map[string]any{"created_by_ref": idMalware}, nil, "$.created_by_ref", "must refer to identity"},
	{"confidence above 100", "indicator", map[string]any{"confidence": 101}, nil, "$.confidence", "between 0 and 100"},
	{"labels not a list", "indicator", map[string]any{"labels": "apt"}, nil, "$.labels", "must be a list"},
	{"label not a string", "indicator", map[string]any{"labels": []any{"apt", 3}}, nil, "$.labels[1]", "must be a string"},
	{"lang not a language tag", "indicator", map[string]any{"lang": "en_US"}, nil, "$.lang", "RFC 5646"},
	{"revoked not a boolean", "indicator", map[string]any{"revoked": "yes"}, nil, "$.revoked", "must be a boolean"},
	{"object_marking_refs to an identity", "indicator", map[string]any{"object_marking_refs": []any{idIdentity}}, nil, "$.object_marking_refs[0]", "must refer to marking-definition"},
	{"null property", "indicator", map[string]any{"description": nil}, nil, "$.description", "must not be null"},
	{"external reference without source_name", "indicator", map[string]any{"external_references": []any{map[string]any{"url": "https://example.com"}}}, nil, "$.external_references[0].source_name", "is required"},
	{"external reference hash", "indicator", map[string]any{"external_references": []any{map[string]any{"source_name": "x", "url": "https://example.com", "hashes": map[string]any{"MD5": "zz"}}}}, nil, "$.external_references[0].hashes.MD5", "32 hexadecimal digits"},
	{"custom property with a bad name", "indicator", map[string]any{"X-Acme": 1}, nil, "$['X-Acme']", "property names must be 3 to 250"},
	{"custom property too short", "indicator", map[string]any{"xy": 1}, nil, "$.xy", "property names must be 3 to 250"},
	{"null custom property", "indicator", map[string]any{"x_acme_score": nil}, nil, "$.x_acme_score", "must not be null"},
	{"empty custom list", "indicator", map[string]any{"x_acme_tags": []any{}}, nil, "$.x_acme_tags", "must not be an empty list"},
	{"extension with a bad extension_type", "indicator", map[string]any{"extensions": map[string]any{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": map[string]any{"extension_type": "property", "rank": 1}}}, nil, "$.extensions['extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e'].extension_type", "is not one of"},
	{"extension without extension_type", "indicator", map[string]any{"extensions": map[string]any{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": map[string]any{"rank": 1}}}, nil, "$.extensions['extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e'].extension_type", "is required"},
	{"extension property with a bad name", "indicator", map[string]any{"extensions": map[string]any{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": map[string]any{"extension_type": "property-extension", "Rank": 1}}}, nil, "$.extensions['extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e'].Rank", "property names"},
	{"extension key not an identifier", "indicator", map[string]any{"extensions": map[string]any{"extension-definition--1234": map[string]any{"extension_type": "property-extension"}}}, nil, "$.extensions['extension-definition--1234']", "not an RFC 4122 UUID"},
	{"new-sdo extension on a predefined type", "indicator", map[string]any{"extensions": map[string]any{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": map[string]any{"extension_type": "new-sdo"}}}, nil, "$.extensions", "predefined type"},
	{"predefined SCO extension on an SDO", "indicator", map[string]any{"extensions": map[string]any{"archive-ext": map[string]any{"contains_refs": []any{idIPv4}}}}, nil, "$.extensions['archive-ext']", "applies to file objects"},
	{"granular marking with both marking_ref and lang", "indicator", map[string]any{"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen, "lang": "en", "selectors": []any{"name"}}}}, nil, "$.granular_markings[0]", "exactly one of marking_ref and lang"},
	{"granular marking without selectors", "indicator", map[string]any{"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen}}}, nil, "$.granular_markings[0].selectors", "is required"},
	{"selector of an absent property", "indicator", map[string]any{"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen, "selectors": []any{"description"}}}}, nil, "$.granular_markings[0].selectors[0]", `"description", which is not present`},
	{"selector beyond a list", "indicator", map[string]any{"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen, "selectors": []any{"name", "labels.[1]"}}}}, nil, "$.granular_markings[0].selectors[1]", "beyond the end of the list"},
	{"selector indexing a string", "indicator", map[string]any{"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen, "selectors": []any{"name.[0]"}}}}, nil, "$.granular_markings[0].selectors[0]", "not a list"},
	{"malformed selector", "indicator", map[string]any{"granular_markings": []any{map[string]any{"marking_ref": idTLPGreen, "selectors": []any{"labels.[x]"}}}}, nil, "$.granular_markings[0].selectors[0]", "malformed list index"},
	{"SCO with a UUIDv5 but no ID contributing properties", "process", map[string]any{"id": "process--8b0a2f5b-7b1a-5c4a-9a1e-1f2a3b4c5d6e"}, nil, "$.id", "must use a UUIDv4"},
	{"SCO spec_version 2.0", "url", map[string]any{"spec_version": "2.0"}, nil, "$.spec_version", "not supported"},
	{"custom SDO without created", "x-acme", map[string]any{}, []string{"created"}, "$.created", "is required"},
	{"custom object with a bad type", "x-acme", map[string]any{"type": "x_acme", "id": "x_acme--4e9b6b1e-4c34-4b5c-9ac1-a6b1c0d1e2f3"}, nil, "$.type", "not a STIX type name"},
}

func TestInvalidExamples(t *testing.T) {
	for _, tc := range invalidCases {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			raw := tc.build(t)
			_, errs := Validate(raw)
			found := false
			for _, p := range errs {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error at %s containing %q; errors: %v", tc.path, tc.msg, errs)
			}
			_, err := Parse(raw)
			var ke *kizuna.Error
			if !errors.As(err, &ke) || ke.Code != kizuna.EINVALID {
				t.Fatalf("Parse error = %v, want an EINVALID *kizuna.Error", err)
			}
			if !strings.Contains(ke.Message, tc.path+": ") {
				t.Errorf("Parse message %q does not name %s", ke.Message, tc.path)
			}
		})
	}
}

// TestEveryTypeHasInvalidCase keeps the invalid table complete.
func TestEveryTypeHasInvalidCase(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range invalidCases {
		covered[tc.typ] = true
	}
	for name := range specs {
		if !covered[name] {
			t.Errorf("no invalid example for %s", name)
		}
		if _, err := MustReadFileErr("valid/" + name + ".json"); err != nil {
			t.Errorf("no valid example for %s", name)
		}
	}
}
