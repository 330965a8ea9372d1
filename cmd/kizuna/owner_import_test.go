package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna/node"
)

// ownedBundle is what a public data set looks like: a statement marking
// and the identity of its author, objects created by that author under the
// statement, and objects without created_by_ref or markings (the OASIS
// examples).
const ownedBundle = `{"type":"bundle","id":"bundle--7a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f60","objects":[
{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168","created":"2017-06-01T00:00:00.000Z","created_by_ref":"identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5","definition_type":"statement","definition":{"statement":"Copyright the author."}},
{"type":"identity","spec_version":"2.1","id":"identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5","created":"2017-06-01T00:00:00.000Z","modified":"2017-06-01T00:00:00.000Z","name":"The Author","identity_class":"organization","object_marking_refs":["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"]},
{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--0042a9f5-f053-4769-b3ef-9ad018dfa298","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","created_by_ref":"identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5","name":"Phishing","object_marking_refs":["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"]},
{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","name":"Poison Ivy Malware","pattern":"[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"},
{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"},
{"type":"identity","spec_version":"2.1","id":"identity--311b2d2d-f010-4473-83ec-1edf84858f4c","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"A victim","identity_class":"organization"}
]}`

// exportedIDs exports a collection as the principal and returns the ids of
// the objects, sorted.
func exportedIDs(t *testing.T, data, collection, principal string) []string {
	t.Helper()
	out := MustRunCLI(t, "export", "--data", data, "--collection", collection, "--principal", principal)
	var bundle struct {
		Objects []struct{ ID string } `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &bundle); err != nil {
		t.Fatalf("export: %v\n%.300s", err, out)
	}
	var ids []string
	for _, o := range bundle.Objects {
		ids = append(ids, o.ID)
	}
	sort.Strings(ids)
	return ids
}

// TestImportOwnedByOperator: objects the operator imports without
// created_by_ref are owned by the operator's organisation, so they default
// to its audience (not to an empty one nobody is in), and the statement
// marking and its author's identity do not take the collection's TLP:AMBER
// (which would put them in the author's audience only): the administrator's
// export holds every object, and imports whole into a fresh node.
func TestImportOwnedByOperator(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	MustRunCLI(t, "init", "--data", data)
	out, errOut, err := runWithInput(t, ownedBundle, "import", "--data", data, "--collection", node.DefaultAlias, "-")
	if err != nil || !strings.Contains(out, "6 accepted") {
		t.Fatalf("import: %v %q %s", err, out, errOut)
	}
	ids := exportedIDs(t, data, node.DefaultAlias, node.AdminName)
	if len(ids) != 6 {
		t.Fatalf("the administrator's export holds %d objects, want 6: %v", len(ids), ids)
	}
	// Another organisation's reader of the node gets the public part: the
	// statement, its author's identity and what the statement marks; not
	// the operator's TLP:AMBER objects.
	MustRunCLI(t, "principal", "add", "--data", data, "--name", "other", "--role", "reader", "--nation", "USA",
		"--org", "identity--0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")
	got := strings.Join(exportedIDs(t, data, node.DefaultAlias, "other"), " ")
	for id, want := range map[string]bool{
		"marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168": true, "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5": true,
		"attack-pattern--0042a9f5-f053-4769-b3ef-9ad018dfa298": true, "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f": false,
		"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd": false, "identity--311b2d2d-f010-4473-83ec-1edf84858f4c": false,
	} {
		if strings.Contains(got, id) != want {
			t.Errorf("another organisation's export holds %s: %v, want %v", id, !want, want)
		}
	}

	export := MustRunCLI(t, "export", "--data", data, "--collection", node.DefaultAlias, "--principal", node.AdminName)
	fresh := filepath.Join(root, "fresh")
	MustRunCLI(t, "init", "--data", fresh)
	out, errOut, err = runWithInput(t, export, "import", "--data", fresh, "--collection", node.DefaultAlias, "-")
	if err != nil || !strings.Contains(out, "6 accepted") {
		t.Fatalf("re-import into a fresh node: %v %q %s", err, out, errOut)
	}
}

// TestImportRefusesUppercaseSharedIDs: the operator's imports, like any
// publisher's POST, store no marking-definition or observable whose id is
// in uppercase (the same UUID, to RFC 4122, as its lowercase form), and so
// no object marked by one; the rest of the file is imported, and a
// relationship whose id is in mixed case (as ATT&CK publishes some) too.
func TestImportRefusesUppercaseSharedIDs(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	MustRunCLI(t, "init", "--data", data)
	bundle := `{"type":"bundle","id":"bundle--7a1d3f5e-2c4b-4d8e-9f0a-1b2c3d4e5f61","objects":[
{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--FA42A846-8D90-4E51-BC29-71D5B4802169","created":"2017-06-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Unrestricted."}},
{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '198.51.100.4']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","object_marking_refs":["marking-definition--FA42A846-8D90-4E51-BC29-71D5B4802169"]},
{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--FF26C055-6336-5BC5-B98D-13D6226742DD","value":"198.51.100.3"},
{"type":"relationship","spec_version":"2.1","id":"relationship--81f12913-1372-4c96-85ec-E9034ac98abb","created":"2016-05-07T11:22:30.000Z","modified":"2016-05-07T11:22:30.000Z","relationship_type":"indicates","source_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40","target_ref":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40"}
]}`
	out, errOut, err := runWithInput(t, bundle, "import", "--data", data, "--collection", node.DefaultAlias, "-")
	if err == nil {
		t.Fatalf("import accepted everything:\n%s", out)
	}
	if !strings.Contains(out, "1 accepted") || !strings.Contains(out, "3 rejected") {
		t.Errorf("summary %q, want 1 accepted and 3 rejected\nstderr:\n%s", out, errOut)
	}
	// Each refusal is named: the two ids in uppercase by the rule, the
	// indicator with the marking of the request that was refused.
	refused := map[string]string{
		"marking-definition--FA42A846-8D90-4E51-BC29-71D5B4802169": "rule write-id-case",
		"ipv4-addr--FF26C055-6336-5BC5-B98D-13D6226742DD":          "rule write-id-case",
		"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40":          "of this request was refused",
	}
	for _, line := range strings.Split(errOut, "\n") {
		for id, why := range refused {
			if strings.Contains(line, id) && strings.Contains(line, why) {
				delete(refused, id)
			}
		}
	}
	if len(refused) > 0 {
		t.Errorf("refusals not reported as expected: %v\nstderr:\n%s", refused, errOut)
	}
}
