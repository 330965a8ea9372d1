package stix

import (
	"strings"
	"testing"
)

// Verdicts on which kizuna agrees with the OASIS stix2-validator (run with
// its default options) where it once did not; docs/interop.md lists the
// comparison and the differences that remain on purpose.

const (
	idExtDef = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"
	idMarkX  = "marking-definition--a1b2c3d4-0000-4000-8000-000000000001"
)

func extRef(kv ...string) map[string]any {
	r := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return map[string]any{"external_references": []any{r}}
}

func statementMarking(extra map[string]any) map[string]any {
	m := map[string]any{"id": idMarkX, "definition_type": "statement", "definition": map[string]any{"statement": "Copyright ACME"}, "name": "ACME"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// acceptedCases are objects the OASIS validator accepts: kizuna must too.
var acceptedCases = []mutation{
	{name: "empty list nested in a custom property (ATT&CK ICS x-mitre-asset)", typ: "x-acme", set: map[string]any{
		"x_acme_related": []any{map[string]any{"name": "HMI", "related_asset_sectors": []any{}}}}},
	{name: "null nested in a custom property", typ: "x-acme", set: map[string]any{"x_acme_detail": map[string]any{"vendor": nil}}},
	{name: "empty list nested in an extension's property", typ: "indicator", set: map[string]any{"extensions": map[string]any{
		idExtDef: map[string]any{"extension_type": "property-extension", "scores": map[string]any{"history": []any{}}}}}},
	{name: "uppercase hexadecimal in the id", typ: "indicator", set: map[string]any{"id": "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3E"}},
	{name: "uppercase hexadecimal in a reference", typ: "relationship", set: map[string]any{"source_ref": "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3E"}},
	{name: "whole-second created on a marking-definition", typ: "marking-definition", set: statementMarking(map[string]any{"created": "2017-06-01T00:00:00Z"})},
	{name: "more than nine fractional digits", typ: "indicator", set: map[string]any{
		"modified": "2026-03-02T10:30:00.123456789123Z", "valid_from": "2026-01-01T00:00:00.0000000001Z"}},
	{name: "STIX 2.0 custom extension on an observable", typ: "file", set: map[string]any{"extensions": map[string]any{"acme-ext": map[string]any{"rating": 3}}}},
	{name: "custom extension on an SDO", typ: "indicator", set: map[string]any{"extensions": map[string]any{"x-acme-ext": map[string]any{"rating": 3}}}},
	{name: "two-letter relationship type", typ: "relationship", set: map[string]any{"relationship_type": "in"}},
	{name: "negative location precision", typ: "location", set: map[string]any{"latitude": 35.7, "longitude": 139.7, "precision": -1.0}},
	{name: "CVE reference", typ: "vulnerability", set: extRef("source_name", "cve", "external_id", "CVE-2021-44228")},
	{name: "CVE reference with a five-digit number", typ: "vulnerability", set: extRef("source_name", "cve", "external_id", "CVE-2016-10033")},
	{name: "CAPEC reference", typ: "attack-pattern", set: extRef("source_name", "capec", "external_id", "CAPEC-163")},
	{name: "IANA character set", typ: "directory", set: map[string]any{"path_enc": "Shift_JIS"}},
	{name: "CPE 2.3 with an escaped colon", typ: "software", set: map[string]any{"cpe": `cpe:2.3:a:acme:foo\:bar:1.0:*:*:*:*:*:*:*`}},
	{name: "language with script and region", typ: "indicator", set: map[string]any{"lang": "zh-Hant-TW"}},
	{name: "software language as an ISO 639-2 code", typ: "software", set: map[string]any{"languages": []any{"eng", "ja"}}},
	{name: "pattern on a custom observable", typ: "indicator", set: map[string]any{"pattern": "[x-acme-sensor:reading > 3]"}},
	{name: "pattern with the id property", typ: "indicator", set: map[string]any{"pattern": "[file:id = 'file--10b34988-a487-5408-8ccd-184f66dbc953']"}},
	{name: "TLSH with its version prefix", typ: "file", set: map[string]any{"hashes": map[string]any{"TLSH": "T1" + strings.Repeat("A1", 35)}}},
	{name: "time_date_stamp to the second", typ: "file", set: map[string]any{"extensions": map[string]any{"windows-pebinary-ext": map[string]any{
		"pe_type": "exe", "time_date_stamp": "2016-01-01T00:00:00Z"}}}},
}

// rejectedCases are objects the OASIS validator rejects for a rule of STIX
// 2.1: kizuna must too, naming the path.
var rejectedCases = []mutation{
	{name: "custom property starting with a digit", typ: "indicator", set: map[string]any{"9abc": "x"}, path: "$['9abc']", msg: "starting with a letter"},
	{name: "custom property starting with '_'", typ: "indicator", set: map[string]any{"_abc": "x"}, path: "$._abc", msg: "starting with a letter"},
	{name: "custom property that is an empty list", typ: "indicator", set: map[string]any{"x_abc": []any{}}, path: "$.x_abc", msg: "empty list"},
	{name: "custom _bin property not base64", typ: "indicator", set: map[string]any{"x_acme_bin": "not base64!"}, path: "$.x_acme_bin", msg: "base64"},
	{name: "custom _hex property of odd length", typ: "indicator", set: map[string]any{"x_acme_hex": "abc"}, path: "$.x_acme_hex", msg: "hexadecimal"},
	{name: "empty hex value", typ: "file", set: map[string]any{"magic_number_hex": ""}, path: "$.magic_number_hex", msg: "hexadecimal"},
	{name: "extension property starting with a digit", typ: "indicator", set: map[string]any{"extensions": map[string]any{
		idExtDef: map[string]any{"extension_type": "property-extension", "1st": 1}}}, path: "$.extensions['" + idExtDef + "']['1st']", msg: "starting with a letter"},
	{name: "custom extension name without -ext", typ: "file", set: map[string]any{"extensions": map[string]any{"x-foobar": map[string]any{"rating": 1}}},
		path: "$.extensions['x-foobar']", msg: "ending in \"-ext\""},
	{name: "CVE identifier of three digits", typ: "vulnerability", set: extRef("source_name", "cve", "external_id", "CVE-2016-123"),
		path: "$.external_references[0].external_id", msg: "not a CVE identifier"},
	{name: "CVE identifier in lowercase", typ: "vulnerability", set: extRef("source_name", "cve", "external_id", "cve-2016-1234"),
		path: "$.external_references[0].external_id", msg: "not a CVE identifier"},
	{name: "CVE reference without external_id", typ: "vulnerability", set: extRef("source_name", "cve", "url", "https://www.cve.org/"),
		path: "$.external_references[0].external_id", msg: "is required when source_name is \"cve\""},
	{name: "CVE identifier under another source", typ: "vulnerability", set: extRef("source_name", "nvd", "external_id", "CVE-2016-1234"),
		path: "$.external_references[0].source_name", msg: "needs source_name \"cve\""},
	{name: "CAPEC identifier without the hyphen", typ: "attack-pattern", set: extRef("source_name", "capec", "external_id", "CAPEC163"),
		path: "$.external_references[0].external_id", msg: "not a CAPEC identifier"},
	{name: "external reference url that is not a URI", typ: "indicator", set: extRef("source_name", "acme", "url", "https://example.com/a b"),
		path: "$.external_references[0].url", msg: "RFC 3986"},
	{name: "external reference hash outside hash-algorithm-ov", typ: "indicator", set: map[string]any{"external_references": []any{map[string]any{
		"source_name": "acme", "url": "https://example.com/", "hashes": map[string]any{"x_acme": "abc"}}}},
		path: "$.external_references[0].hashes.x_acme", msg: "hash-algorithm-ov"},
	{name: "path_enc outside the IANA registry", typ: "directory", set: map[string]any{"path_enc": "bla.bla.bla"}, path: "$.path_enc", msg: "IANA registry"},
	{name: "name_enc in another spelling", typ: "file", set: map[string]any{"name_enc": "utf-8"}, path: "$.name_enc", msg: `spells it "UTF-8"`},
	{name: "cpe that is not CPE 2.3", typ: "software", set: map[string]any{"cpe": "cpe:/a:microsoft:word:2000"}, path: "$.cpe", msg: "CPE 2.3"},
	{name: "lang that is no language", typ: "indicator", set: map[string]any{"lang": "foo"}, path: "$.lang", msg: "RFC 5646"},
	{name: "lang that is a word", typ: "indicator", set: map[string]any{"lang": "english"}, path: "$.lang", msg: "RFC 5646"},
	{name: "software language that is no language", typ: "software", set: map[string]any{"languages": []any{"xyzzy"}}, path: "$.languages[0]", msg: "RFC 5646"},
	{name: "granular marking lang that is no language", typ: "indicator", set: map[string]any{"granular_markings": []any{
		map[string]any{"lang": "xx", "selectors": []any{"name"}}}}, path: "$.granular_markings[0].lang", msg: "RFC 5646"},
	{name: "pattern object type of two letters", typ: "indicator", set: map[string]any{"pattern": "[ab:value = 'x']"}, path: "$.pattern", msg: "not a valid observable type name"},
	{name: "pattern property of two letters", typ: "indicator", set: map[string]any{"pattern": "[x-acme:ab = 'x']"}, path: "$.pattern", msg: "not a valid observable property name"},
	{name: "pattern object type in capitals", typ: "indicator", set: map[string]any{"pattern": "[File:name = 'x']"}, path: "$.pattern", msg: "not a valid observable type name"},
	{name: "pattern that does not parse", typ: "indicator", set: map[string]any{"pattern": "[file:name = 'x'"}, path: "$.pattern", msg: "offset"},
	{name: "artifact media type outside the registry's types", typ: "artifact", set: map[string]any{"mime_type": "bla/blabla"}, path: "$.mime_type", msg: "media type"},
	{name: "abbreviated registry hive", typ: "windows-registry-key", set: map[string]any{"key": `hklm\system\bar`}, path: "$.key", msg: "written out in full"},
	{name: "URL with a space", typ: "url", set: map[string]any{"value": "http://example.com/a b"}, path: "$.value", msg: "RFC 3986"},
	{name: "empty list in a dictionary", typ: "process", set: map[string]any{"environment_variables": map[string]any{"PATH": []any{}}},
		path: "$.environment_variables.PATH", msg: "empty list"},
	{name: "malformed SSDEEP", typ: "file", set: map[string]any{"hashes": map[string]any{"SSDEEP": "not valid!"}}, path: "$.hashes.SSDEEP", msg: "SSDEEP"},
	{name: "TLSH of the wrong length", typ: "file", set: map[string]any{"hashes": map[string]any{"TLSH": "A1B2"}}, path: "$.hashes.TLSH", msg: "TLSH"},
	{name: "time_date_stamp with fractional seconds", typ: "file", set: map[string]any{"extensions": map[string]any{"windows-pebinary-ext": map[string]any{
		"pe_type": "exe", "time_date_stamp": "2016-01-01T00:00:00.000Z"}}},
		path: "$.extensions['windows-pebinary-ext'].time_date_stamp", msg: "precise to the second"},
	{name: "extension_properties without toplevel-property-extension", typ: "extension-definition", set: map[string]any{"extension_properties": []any{"rating"}},
		path: "$.extension_properties", msg: "toplevel-property-extension"},
	{name: "translated property of one letter", typ: "language-content", set: map[string]any{"contents": map[string]any{"de": map[string]any{"a": "b"}}},
		path: "$.contents.de.a", msg: "name of a property"},
	{name: "marking-definition marking itself", typ: "marking-definition", set: statementMarking(map[string]any{"object_marking_refs": []any{idMarkX}}),
		path: "$.object_marking_refs[0]", msg: "must not mark itself"},
	{name: "reserved property on an observable", typ: "file", set: map[string]any{"action": true}, path: "$.action", msg: "reserved"},
	{name: "year 0000", typ: "indicator", set: map[string]any{"valid_from": "0000-01-01T00:00:00Z"}, path: "$.valid_from", msg: "year 0000"},
}

func TestAcceptedLikeOASIS(t *testing.T) {
	for _, tc := range acceptedCases {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			raw := tc.build(t)
			if _, errs := Validate(raw); len(errs) > 0 {
				t.Errorf("Validate: %v", errs)
			}
			if _, err := Parse(raw); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestRejectedLikeOASIS(t *testing.T) {
	for _, tc := range rejectedCases {
		t.Run(tc.typ+"/"+tc.name, func(t *testing.T) {
			id := MustValid(t, tc.typ)["id"].(string)
			if s, ok := tc.set["id"].(string); ok {
				id = s
			}
			assertRejected(t, tc.build(t), id+": "+tc.path, tc.path, tc.msg)
		})
	}
}
