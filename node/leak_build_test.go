package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/policy"
)

// The organisation that creates every benchmark object, and another one.
const (
	leakOrg   = "identity--7d1c6a52-3b0e-4c8f-9a41-5e2f8b7c6d10"
	leakOther = "identity--8e2d7b63-4c1f-4d90-8b52-6f309c8d7e21"
)

// leakBenchMarkings are the marking-definitions of the benchmark, by name:
// kizuna classification markings (scheme, level, releasability, NOFORN,
// communities).
var leakBenchMarkings = []struct {
	name string
	ext  map[string]any
}{
	{"us-secret-rel-jpn", map[string]any{"scheme": "USA", "level": "SECRET", "releasable_to": []string{"USA", "JPN"}}},
	{"jp-gokuhi-rel-usa", map[string]any{"scheme": "JPN", "level": "gokuhi", "releasable_to": []string{"JPN", "USA"}}},
	{"us-ts-noforn", map[string]any{"scheme": "USA", "level": "TOP SECRET", "noforn": true}},
	{"energy", map[string]any{"communities": []string{"energy"}}},
	{"ics", map[string]any{"communities": []string{"ics"}}},
	{"au-protected-rel-usa", map[string]any{"scheme": "AUS", "level": "PROTECTED", "releasable_to": []string{"AUS", "USA"}}},
}

func leakMarkingID(i int) string {
	return fmt.Sprintf("marking-definition--1eaf0000-0000-4000-8000-%012d", i)
}

// leakBenchMix is the marking mix, drawn uniformly per object: object
// marking refs (indexes into leakBenchMarkings, or TLP ids) and an optional
// granular marking of the description. The benchmark's reader (JPN, cleared
// JPN gokuhi, community energy, not of the creating organisation) sees
// entries 0, 1, 3, 4, 6 and 9 (with the description of 9 redacted): 60%.
var leakBenchMix = []struct {
	refs     []string
	granular string
}{
	{nil, ""}, // the collection default, TLP:GREEN
	{[]string{policy.TLP2Clear}, ""},
	{[]string{policy.TLP2Amber}, ""},
	{[]string{leakMarkingID(0)}, ""},
	{[]string{leakMarkingID(1), policy.TLP2Green}, ""},
	{[]string{leakMarkingID(2)}, ""},
	{[]string{leakMarkingID(3), policy.TLP2Green}, ""},
	{[]string{leakMarkingID(4)}, ""},
	{[]string{leakMarkingID(5)}, ""},
	{[]string{policy.TLP2Clear}, leakMarkingID(2)},
}

// leakBuild fills a fresh node with the benchmark's principals, markings and
// a collection of rows objects (60% indicators, the rest malware and attack
// patterns), ingested as the operator.
func leakBuild(l *leakNode, rows int) (leakBenchInfo, error) {
	ctx := context.Background()
	info := leakBenchInfo{Rows: rows, ReaderToken: kizuna.NewToken(), AllToken: kizuna.NewToken()}
	principals := []struct {
		p     *kizuna.Principal
		token string
	}{
		{&kizuna.Principal{Name: leakBenchReader, Organization: leakOther, Nation: "JPN",
			Clearances: []kizuna.Classification{{Scheme: "JPN", Level: "gokuhi"}}, Communities: []string{"energy"},
			Roles: []string{kizuna.RoleReader}}, info.ReaderToken},
		{&kizuna.Principal{Name: leakBenchAll, Organization: leakOrg, Nation: "USA",
			Clearances:  []kizuna.Classification{{Scheme: "USA", Level: "TOP SECRET"}, {Scheme: "JPN", Level: "kimitsu"}, {Scheme: "AUS", Level: "TOP SECRET"}},
			Communities: []string{"energy", "ics"}, Roles: []string{kizuna.RoleReader}}, info.AllToken},
	}
	for _, pt := range principals {
		if err := l.n.Store.CreatePrincipal(ctx, pt.p, kizuna.HashToken(pt.token)); err != nil {
			return info, err
		}
	}
	var markings []json.RawMessage
	for i, m := range leakBenchMarkings {
		ext := map[string]any{"extension_type": "property-extension"}
		for k, v := range m.ext {
			ext[k] = v
		}
		raw, _ := json.Marshal(map[string]any{"type": "marking-definition", "spec_version": "2.1", "id": leakMarkingID(i),
			"created": "2026-01-01T00:00:00.000Z", "name": m.name, "extensions": map[string]any{policy.ExtensionID: ext}})
		markings = append(markings, raw)
	}
	if err := l.n.ImportRaw(ctx, node.DirectoryAlias, markings); err != nil {
		return info, err
	}
	c := &kizuna.Collection{Title: "leak benchmark", DefaultMarkingRefs: []string{policy.TLP2Green},
		CanRead:  kizuna.AccessRule{Roles: []string{kizuna.RoleReader}},
		CanWrite: kizuna.AccessRule{Roles: []string{kizuna.RolePublisher}}}
	if err := l.n.Store.CreateCollection(ctx, c); err != nil {
		return info, err
	}
	info.Collection = c.ID

	r := rand.New(rand.NewPCG(7, 11))
	const batch = 5000
	for lo := 0; lo < rows; lo += batch {
		var raws []json.RawMessage
		for i := lo; i < min(rows, lo+batch); i++ {
			raws = append(raws, leakBenchObject(r, i))
		}
		results, err := l.n.Ingest.Ingest(ingest.AsOperator(ctx), c.ID, raws)
		if err != nil {
			return info, err
		}
		for j, res := range results {
			if res.Err != nil {
				return info, fmt.Errorf("object %d: %v", lo+j, res.Err)
			}
			if (lo+j)%(rows/64) == 0 {
				info.Cuts = append(info.Cuts, res.DateAdded)
			}
		}
	}
	return info, nil
}

// leakBenchObject returns object i of the benchmark.
func leakBenchObject(r *rand.Rand, i int) json.RawMessage {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z")
	mix := leakBenchMix[r.IntN(len(leakBenchMix))]
	doc := map[string]any{"spec_version": "2.1", "id": "", "created": created, "modified": created,
		"created_by_ref": leakOrg, "description": fmt.Sprintf("Benchmark object %d, seen at a site of interest", i)}
	switch k := r.IntN(5); {
	case k < 3:
		doc["type"], doc["name"] = "indicator", fmt.Sprintf("Benchmark indicator %d", i)
		doc["pattern"] = fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		doc["pattern_type"], doc["valid_from"], doc["indicator_types"] = "stix", created, []string{"malicious-activity"}
	case k == 3:
		doc["type"], doc["name"], doc["is_family"] = "malware", fmt.Sprintf("Benchmark malware %d", i), false
	default:
		doc["type"], doc["name"] = "attack-pattern", fmt.Sprintf("Benchmark technique %d", i)
	}
	doc["id"] = doc["type"].(string) + "--" + leakUUID(r)
	if mix.refs != nil {
		doc["object_marking_refs"] = mix.refs
	}
	if mix.granular != "" {
		doc["granular_markings"] = []map[string]any{{"marking_ref": mix.granular, "selectors": []string{"description"}}}
	}
	raw, _ := json.Marshal(doc)
	return raw
}

// leakUUID returns a version 4 UUID drawn from r, so that a seed makes the
// same objects.
func leakUUID(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0x0fff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff)
}
