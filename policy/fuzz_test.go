package policy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
	"github.com/kizuna-dev/kizuna/stix"
)

// FuzzInterpretMarking stores arbitrary marking-definition JSON and labels
// an object with it: no input may panic, and whatever is not understood
// must deny.
func FuzzInterpretMarking(f *testing.F) {
	for _, seed := range []string{
		`{"type":"marking-definition","extensions":{"extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e":{"extension_type":"property-extension","scheme":"USA","level":"SECRET","releasable_to":["USA","JPN"]}}}`,
		`{"type":"marking-definition","extensions":{"extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e":{"extension_type":"property-extension","scheme":"JPN","level":"極秘","noforn":true,"communities":["ics"],"audience":["identity--a0000000-0000-4000-8000-000000000001"]}}}`,
		`{"type":"marking-definition","extensions":{"extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce":{"extension_type":"property-extension","policy_reference":"urn:isa:policy:acs:ns:v3.0?privdefault=permit&sharedefault=permit","control_set":{"classification":"S","formal_determination":["NF"],"permitted_nationalities":["USA"]},"further_sharing":[{"sharing_scope":["FOREIGNGOV"],"rule_effect":"deny"}]}}}`,
		`{"type":"marking-definition","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"tlp_2_0":"amber+strict"}}}`,
		`{"type":"marking-definition","definition_type":"statement","definition":{"statement":"x"}}`,
		`{"type":"marking-definition","definition_type":"tlp","definition":{"tlp":"white"}}`,
		`[]`, `null`, `{"extensions":null}`,
	} {
		f.Add([]byte(seed))
	}
	w := newWorld(f)
	pr := reader("fuzz", orgJP, "JPN", []string{"ics"}, "JPN:kimitsu", "USA:TOP SECRET")
	const mdID = "marking-definition--f0000000-0000-4000-8000-000000000001"
	obj := w.indicator(orgUS, []string{mdID}, kizuna.GranularMarking{MarkingRef: mdID, Selectors: []string{"description"}})
	f.Fuzz(func(t *testing.T, raw []byte) {
		md := &kizuna.Object{ID: mdID, Type: "marking-definition", Raw: raw}
		p, err := policy.New(policy.DefaultConfig(), fixedMarking{md})
		if err != nil {
			t.Fatal(err)
		}
		l, portions, _, err := p.Label(w.ctx, obj, w.c)
		if err != nil {
			t.Fatalf("a held marking must label, not fail: %v", err)
		}
		d := p.Decide(pr, l)
		if d.Allow && len(l.Uninterpretable) > 0 {
			t.Fatal("an uninterpretable label allowed")
		}
		if len(portions) != 1 {
			t.Fatalf("portions %+v", portions)
		}
		if _, err := json.Marshal(l); err != nil {
			t.Fatal(err)
		}
	})
}

type fixedMarking struct{ md *kizuna.Object }

func (m fixedMarking) FindMarkingDefinition(_ context.Context, id string) (*kizuna.Object, error) {
	if id == m.md.ID {
		return m.md, nil
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s not found", id)
}

// FuzzRedact removes arbitrary selectors from arbitrary JSON: no panic, and
// the result, when there is one, is a JSON object.
func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":2}],"c":"d"}`), "a.[1].b")
	f.Add([]byte(`{"labels":["x","y"]}`), "labels.[0]")
	f.Add([]byte(`{"x":1}`), "x")
	f.Add([]byte(`{"x":{"y":[[1]]}}`), "x.y.[0].[0]")
	f.Fuzz(func(t *testing.T, raw []byte, selector string) {
		out, done, err := policy.Redact(raw, []string{selector})
		if err != nil {
			return
		}
		var doc map[string]any
		if len(done) > 0 {
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatalf("redacted output is not a JSON object: %v", err)
			}
			if _, ok := doc[policy.RedactedProperty]; !ok {
				t.Fatal("redaction not listed")
			}
		}
	})
}

// FuzzWriteMeta labels arbitrary JSON as a marking-definition without
// markings of its own (a meta object, labelled with what it expresses) and
// as an observable, and applies the write rules to both: no input may
// panic, a marking the node cannot interpret leaves its definition to
// nobody, and the observable's content key ignores its markings.
func FuzzWriteMeta(f *testing.F) {
	for _, seed := range []string{
		`{"type":"marking-definition","extensions":{"extension-definition--a6ad3f01-dcdd-4bf5-8b2f-242de041664e":{"extension_type":"property-extension","scheme":"USA","level":"SECRET","noforn":true}}}`,
		`{"type":"marking-definition","definition_type":"statement","definition":{"statement":"x"}}`,
		`{"type":"marking-definition","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}`,
		`{"type":"ipv4-addr","value":"192.0.2.1","object_marking_refs":["x"],"x_kizuna_provenance":{}}`,
		`{"type":"ipv4-addr","value":"192.0.2.2","x_kizuna_provenance":{"node":"identity--usa-node"}}`,
		`[]`, `null`, `{"extensions":[]}`, `"x"`,
		`{"type":"ipv4-addr","spec_version":"2.1","value":"198.51.100.3"}`,
	} {
		f.Add([]byte(seed))
	}
	w := newWorld(f)
	w.p.SetAgency(relayAgency{})
	pr := reader("fuzz", orgJP, "JPN", nil, "JPN:kimitsu", "USA:TOP SECRET")
	peer := reader("node", orgJP2, "JPN", nil)
	peer.Roles = append(peer.Roles, kizuna.RolePeer)
	ctx := as(pr)
	rec := &kizuna.Owner{ID: "ipv4-addr--f0000000-0000-4000-8000-000000000002", Organization: orgUS, Content: "k"}
	f.Fuzz(func(t *testing.T, raw []byte) {
		md := &kizuna.Object{ID: "marking-definition--f0000000-0000-4000-8000-000000000003", Type: "marking-definition", Raw: raw, Hash: "h"}
		l, _, _, err := w.p.Label(ctx, md, w.c)
		if err != nil {
			t.Fatalf("a marking-definition without markings must label: %v", err)
		}
		if w.p.Decide(pr, l).Allow && len(l.Uninterpretable) > 0 {
			t.Fatal("an uninterpretable definition is readable")
		}
		if _, err := w.p.CheckWrite(ctx, pr, md, l, policy.Stored{}); err != nil && kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
			t.Fatalf("write rules: %v", err)
		}
		// A UUIDv5 observable id labels only when it is the deterministic
		// id of the object's value.
		v5 := &kizuna.Object{ID: "ipv4-addr--f0000000-0000-5000-8000-000000000004", Type: "ipv4-addr", Raw: raw, Hash: "h"}
		if _, _, _, err := w.p.Label(ctx, v5, w.c); err == nil {
			if id, serr := stix.SCOID(raw); serr == nil && id != v5.ID {
				t.Fatalf("an observable labelled under %s, not its deterministic id %s", v5.ID, id)
			}
		}
		sco := &kizuna.Object{ID: rec.ID, Type: "ipv4-addr", Raw: raw, Hash: "h", Label: &kizuna.AccessLabel{}}
		key, kerr := policy.ContentKey(sco)
		if _, err := w.p.CheckWrite(ctx, pr, sco, sco.Label, policy.Stored{Owner: rec}); kerr == nil && key != rec.Content && kizuna.ErrorCode(err) != kizuna.EFORBIDDEN {
			t.Fatalf("another organisation's observable with another content: %v", err)
		}
		// A peer acts for the owner only in relaying what the owner's
		// node signed, whatever else the object says.
		_, err = w.p.CheckWrite(as(peer), peer, sco, sco.Label, policy.Stored{Owner: rec})
		signed := bytes.Contains(raw, []byte("identity--usa-node"))
		if err == nil && !signed && kerr == nil && key != rec.Content {
			t.Fatalf("a peer stored another content of an organisation it relays for, without that node's signature: %s", raw)
		}
	})
}

// FuzzParseConfig parses arbitrary configuration files: no input may
// panic, and a configuration it accepts makes a policy.
func FuzzParseConfig(f *testing.F) {
	f.Add(policy.DefaultConfigJSON())
	f.Add([]byte(`{"schemes":[{"id":"USA","nation":"USA","levels":[{"id":"S","tier":1}]}],"marking_authorities":[{"scheme":"USA","nations":["JPN"]}]}`))
	f.Add([]byte(`{"schemes":[{"id":"A","levels":[{"id":"x","tier":0}]}],"nation_groups":{"G":["USA"]},"marking_authorities":[{"scheme":"a","nations":["G"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := policy.ParseConfig("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if _, err := policy.New(cfg, nil); err != nil {
			t.Fatalf("an accepted configuration makes no policy: %v", err)
		}
	})
}
