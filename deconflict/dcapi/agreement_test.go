package dcapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAgreementsNameTheirProblems: a state document whose agreement is
// wrong is refused naming the document, the entry and the problem.
func TestAgreementsNameTheirProblems(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	good := AgreementConfig{ID: "USA-JPN", Peer: "jpn", Nation: "JPN", Key: key, Epoch: 1, Bucket: "24h", Rules: "abc", Rate: 60}
	for _, c := range []struct {
		edit func(*AgreementConfig)
		want string
	}{
		{func(c *AgreementConfig) { c.Key = key[:16] }, "agreements[1]: agreement USA-JPN: the key must be 32 bytes, not 16"},
		{func(c *AgreementConfig) { c.Nation = "USA" }, "agreements[1]: agreement USA-JPN: the ally's nation USA is this node's own"},
		{func(c *AgreementConfig) { c.Bucket = "1d" }, `agreements[1]: agreement USA-JPN: bucket "1d": want a duration such as 24h`},
		{func(c *AgreementConfig) { c.Peer = "" }, "agreements[1]: agreement USA-JPN: no peer"},
		{func(c *AgreementConfig) { c.Epoch = 0 }, "agreements[1]: agreement USA-JPN: epoch 0: want 1 or more"},
		{func(c *AgreementConfig) { c.Rules = "" }, "agreements[1]: agreement USA-JPN: no rules digest"},
	} {
		bad := good
		c.edit(&bad)
		other := good
		other.ID = "USA-AUS"
		doc, _ := json.Marshal(Agreements{Agreements: []*AgreementConfig{&other, &bad}})
		_, err := decodeAgreements(doc, "USA")
		if err == nil || !strings.Contains(err.Error(), AgreementsState+": "+c.want) {
			t.Errorf("%+v: %v, want %q", bad, err, c.want)
		}
	}
	doc, _ := json.Marshal(Agreements{Agreements: []*AgreementConfig{&good}})
	a, err := decodeAgreements(doc, "USA")
	if err != nil || a.Find("USA-JPN") == nil || a.Find("USA-AUS") != nil {
		t.Fatalf("%+v %v", a, err)
	}
	ag, err := a.Find("USA-JPN").Agreement("USA")
	if err != nil || ag.Other("USA") != "JPN" || ag.Bucket.Hours() != 24 {
		t.Errorf("%+v %v", ag, err)
	}
}

// FuzzAgreements: whatever the state document holds, reading it never
// panics, and what it accepts gives usable agreements.
func FuzzAgreements(f *testing.F) {
	doc, _ := json.Marshal(Agreements{Agreements: []*AgreementConfig{{ID: "USA-JPN", Peer: "jpn", Nation: "JPN",
		Key: bytes.Repeat([]byte{1}, 32), Epoch: 1, Bucket: "24h", Rules: "abc", Rate: 60}}})
	f.Add(doc)
	f.Add([]byte(`{"agreements":[{"id":"x","key":"AAAA"}]}`))
	f.Add([]byte(`{"agreements":[null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeAgreements(data, "USA")
		if err != nil {
			return
		}
		for _, c := range a.Agreements {
			if _, err := c.Agreement("USA"); err != nil {
				t.Fatalf("accepted, then refused: %v", err)
			}
		}
	})
}
