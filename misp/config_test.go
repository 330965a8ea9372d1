package misp

import (
	"strings"
	"testing"
)

func TestConfigErrorsNameFileAndEntry(t *testing.T) {
	const id = `"identity--6b6c4a1e-2f3d-4c5b-8a9e-0d1c2b3a4f51"`
	const md = `"marking-definition--7a1c0e52-1d2e-4f3a-9b8c-0a1b2c3d4e01"`
	cases := []struct{ json, want string }{
		{`{`, "m.json: unexpected EOF"},
		{`{"created_by_ref":` + id + `,"distribution":{"0":[` + md + `]},"colour":"red"}`, `m.json: json: unknown field "colour"`},
		{`{"distribution":{"0":[` + md + `]}}`, `m.json: created_by_ref: "" is not an identity id`},
		{`{"created_by_ref":"identity--X","distribution":{"0":[` + md + `]}}`, `m.json: created_by_ref: "identity--X" is not an identity id`},
		{`{"created_by_ref":` + id + `}`, "m.json: distribution: no distribution level and no sharing group is mapped"},
		{`{"created_by_ref":` + id + `,"distribution":{"4":[` + md + `]}}`, `m.json: distribution["4"]: not a MISP distribution level to map`},
		{`{"created_by_ref":` + id + `,"distribution":{"5":[` + md + `]}}`, `m.json: distribution["5"]`},
		{`{"created_by_ref":` + id + `,"distribution":{"0":[]}}`, `m.json: distribution["0"]: an empty list of markings`},
		{`{"created_by_ref":` + id + `,"distribution":{"0":["tlp:red"]}}`, `m.json: distribution["0"][0]: "tlp:red" is not a marking-definition id`},
		{`{"created_by_ref":` + id + `,"sharing_groups":{"team":[` + md + `]}}`, `m.json: sharing_groups["team"]: not a sharing group UUID`},
		{`{"created_by_ref":` + id + `,"sharing_groups":{"5d7a1f2e-3c4b-4a59-8e6d-1f0a2b3c4d5e":[` + md + `],"5D7A1F2E-3C4B-4A59-8E6D-1F0A2B3C4D5E":[` + md + `]}}`, "given twice"},
		{`{"created_by_ref":` + id + `,"distribution":{"0":[` + md + `]},"tags":{"pap:red":[]}}`, `m.json: tags["pap:red"]: an empty list`},
		{`{"created_by_ref":` + id + `,"distribution":{"0":[` + md + `]},"tags":{"PAP:RED":[` + md + `],"pap:red":[` + md + `]}}`, "given twice"},
		{`{"created_by_ref":` + id + `,"distribution":{"0":[` + md + `]},"restricting_tag_prefixes":[""]}`, "restricting_tag_prefixes[0]: an empty prefix"},
		{`{"created_by_ref":` + id + `,"distribution":{"0":[` + md + `]},"fallback":[]}`, "fallback: an empty list"},
	}
	for _, c := range cases {
		_, err := ParseConfig("m.json", []byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n  got %v\n  want %q", c.json, err, c.want)
		}
	}
	cfg, err := LoadConfig("testdata/mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tags["pap:red"] == nil || len(cfg.RestrictingTagPrefixes) != 2 {
		t.Errorf("tags %v, prefixes %v", cfg.Tags, cfg.RestrictingTagPrefixes)
	}
}
