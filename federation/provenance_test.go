package federation

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
)

// MustKey returns a fresh Ed25519 key.
func MustKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

const sampleObject = `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
 "created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"C2 \u00e9",
 "created_by_ref":"identity--0a3f7c2e-1d4b-4e8a-9c6f-5b2d8e1a7c30","confidence":85.0,
 "pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`

func TestSignVerify(t *testing.T) {
	key := MustKey(t)
	pub := key.Public().(ed25519.PublicKey)
	signed, err := Sign(json.RawMessage(sampleObject), "identity--node-a", key)
	if err != nil {
		t.Fatal(err)
	}
	_, canonical, prov, err := Split(signed)
	if err != nil {
		t.Fatal(err)
	}
	if prov == nil || prov.Node != "identity--node-a" || prov.Key != KeyID(pub) {
		t.Fatalf("provenance = %+v", prov)
	}
	if !CheckSignature(canonical, prov, pub) {
		t.Fatal("a fresh signature does not verify")
	}
	// Re-formatting does not matter: the signature covers canonical JSON.
	var m map[string]any
	json.Unmarshal(signed, &m)
	pretty, _ := json.MarshalIndent(m, "", "    ")
	if _, c2, p2, err := Split(pretty); err != nil || !CheckSignature(c2, p2, pub) {
		t.Fatalf("re-formatted object does not verify: %v", err)
	}
	// Signing again replaces the provenance, it does not nest it.
	other := MustKey(t)
	again, err := Sign(signed, "identity--node-b", other)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(again), ProvenanceProperty) != 1 {
		t.Fatalf("re-signed object carries %d provenance properties", strings.Count(string(again), ProvenanceProperty))
	}
	_, c3, p3, _ := Split(again)
	if CheckSignature(c3, p3, pub) || !CheckSignature(c3, p3, other.Public().(ed25519.PublicKey)) {
		t.Fatal("the re-signed object verifies with the wrong key")
	}
}

func TestSignatureDetectsTampering(t *testing.T) {
	key := MustKey(t)
	pub := key.Public().(ed25519.PublicKey)
	signed, err := Sign(json.RawMessage(sampleObject), "identity--node-a", key)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(string) string{
		"value":  func(s string) string { return strings.Replace(s, "198.51.100.1", "198.51.100.2", 1) },
		"number": func(s string) string { return strings.Replace(s, "85", "86", 1) },
		"added":  func(s string) string { return strings.Replace(s, `"type"`, `"x_extra":1,"type"`, 1) },
		"signer": func(s string) string { return strings.Replace(s, "node-a", "node-b", 1) },
		"key id": func(s string) string { return strings.Replace(s, KeyID(pub), "0000000000000000", 1) },
		"signature": func(s string) string {
			i := strings.Index(s, `"sig":"`) + 7
			c := "A"
			if s[i] == 'A' {
				c = "B"
			}
			return s[:i] + c + s[i+1:]
		},
		"no sig":     func(s string) string { return strings.Replace(s, `"sig":"`, `"gis":"`, 1) },
		"duplicated": func(s string) string { return strings.Replace(s, `"type"`, `"name":"x","type"`, 1) },
	} {
		tampered := edit(string(signed))
		if tampered == string(signed) {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		_, canonical, prov, err := Split(json.RawMessage(tampered))
		if err == nil && CheckSignature(canonical, prov, pub) {
			t.Errorf("%s: a tampered object verifies", name)
		}
	}
}

func TestSplitRejectsBadInput(t *testing.T) {
	for _, raw := range []string{``, `[]`, `"x"`, `{"id":"a","id":"b"}`, `{"x_kizuna_provenance":"text"}`, `{"x_kizuna_provenance":{"node":""}}`, "{\"a\":\"\xff\"}"} {
		if _, _, _, err := Split(json.RawMessage(raw)); err == nil {
			t.Errorf("Split(%q) accepted it", raw)
		}
	}
}

func TestPublicKeyText(t *testing.T) {
	pub := MustKey(t).Public().(ed25519.PublicKey)
	got, err := ParsePublicKey(EncodePublicKey(pub))
	if err != nil || !got.Equal(pub) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{"", "ed25519:", "ed25519:AAAA", "rsa:" + EncodePublicKey(pub)[8:], EncodePublicKey(pub)[8:]} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted it", bad)
		}
	}
}

func FuzzSplit(f *testing.F) {
	key := MustKey(f)
	signed, _ := Sign(json.RawMessage(sampleObject), "identity--n", key)
	f.Add([]byte(sampleObject))
	f.Add([]byte(signed))
	f.Fuzz(func(t *testing.T, raw []byte) {
		stripped, canonical, prov, err := Split(raw)
		if err != nil {
			return
		}
		if strings.Contains(string(canonical), `"`+ProvenanceProperty+`"`) && prov != nil {
			// A nested property of the same name is allowed; the top-level
			// one must be gone.
			var m map[string]json.RawMessage
			if json.Unmarshal(stripped, &m) == nil {
				if _, ok := m[ProvenanceProperty]; ok {
					t.Fatal("the provenance property survived Split")
				}
			}
		}
		CheckSignature(canonical, prov, key.Public().(ed25519.PublicKey))
	})
}
