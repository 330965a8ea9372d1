package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

// writeDefenseConfig gives a node the shipped collective-defense
// configuration with the deadlines replaced, so that a missed deadline
// falls due within the test.
func writeDefenseConfig(t *testing.T, dataDir, deadlines string) {
	t.Helper()
	setConsultationConfig(t, dataDir, map[string]string{"deadlines": deadlines})
}

// setConsultationConfig gives a node the shipped consultation
// configuration with the properties replaced (JSON values).
func setConsultationConfig(t *testing.T, dataDir string, props map[string]string) {
	t.Helper()
	if err := materializeDefense(dataDir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dataDir, defenseDir, "consultation.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for k, v := range props {
		c[k] = json.RawMessage(v)
	}
	b, _ = json.Marshal(c)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// consultationOn reads a consultation on a node through the CLI as a
// principal; ok is false when the node answers 404.
func consultationOn(t *testing.T, n *fedNode, token, id string) (c *kizuna.Consultation, ok bool) {
	t.Helper()
	out, errOut, code := runCLI(t, "consult", "show", id, "--json", "--url", "https://"+n.addr, "--cacert", filepath.Join(n.dir, "node-tls.crt"), "--token", token)
	if code != 0 {
		if strings.Contains(errOut, "404") {
			return nil, false
		}
		t.Fatalf("%s: consult show: %s", n.Name, errOut)
	}
	var v struct{ Consultation json.RawMessage }
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	c, err := defstix.DecodeConsultation(v.Consultation)
	if err != nil {
		t.Fatal(err)
	}
	return c, true
}

// waitConsultation polls a node until the consultation satisfies cond.
func waitConsultation(t *testing.T, n *fedNode, token, id, what string, cond func(*kizuna.Consultation) bool) *kizuna.Consultation {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, ok := consultationOn(t, n, token, id)
		if ok && cond(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: consultation %s never %s (last: %+v)", n.Name, id, what, c)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func party(c *kizuna.Consultation, nation string) kizuna.Party {
	for _, p := range c.Parties {
		if p.Nation == nation {
			return p
		}
	}
	return kizuna.Party{}
}

// TestConsultationThreeNodes runs the acceptance scenario on three real
// nodes (USA, JPN, AUS) peered by the CLI: JPN opens a consultation with
// the USA on an incident marked 極秘 releasable to JPN and USA; the USA
// acknowledges and shares its assessment from its own node, through
// responses the JPN node applies; AUS, not party to it, holds nothing of
// it; a second consultation addressed to AUS escalates when AUS misses
// its acknowledgement deadline; every node shows the same state.
func TestConsultationThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three nodes: skipped in -short mode")
	}
	nodes := MustMesh(t, true,
		fedSpec{Name: "USA", Nation: "USA", Org: usaPOCOrg, Behind: []string{"identity--a2000000-0000-4000-8000-000000000012"},
			Ceiling: []string{"USA:SECRET"}, Communities: []string{"cyber-wg", "five-eyes"}, MaxTLP: "amber"},
		fedSpec{Name: "JPN", Nation: "JPN", Org: jpnPOCOrg, Behind: []string{"identity--a1000000-0000-4000-8000-000000000011"},
			Ceiling: []string{"JPN:gokuhi"}, Communities: []string{"cyber-wg"}, MaxTLP: "amber"},
		fedSpec{Name: "AUS", Nation: "AUS", Org: ausPOCOrg, Behind: []string{"identity--a3000000-0000-4000-8000-000000000013"},
			Ceiling: []string{"AUS:SECRET"}, Communities: []string{"cyber-wg", "five-eyes"}, MaxTLP: "green"})
	usa, jpn, aus := nodes[0], nodes[1], nodes[2]
	pocs := map[string]string{}
	for _, n := range nodes {
		clearance := map[string]string{"USA": "USA:SECRET", "JPN": "JPN:gokuhi", "AUS": "AUS:SECRET"}[n.Nation]
		pocs[n.Name] = strings.TrimSpace(MustRunCLI(t, "principal", "add", "--data", n.dir, "--name", "poc", "--nation", n.Nation, "--org", n.Org,
			"--clearance", clearance, "--community", "cyber-wg", "--role", "reader", "--role", "publisher", "--role", "poc"))
		// The same example contacts everywhere; acknowledgements are due
		// two seconds after the opening, so that AUS misses its own.
		writeDefenseConfig(t, n.dir, `[{"rank": 0, "acknowledge": "2s", "assess": "1h", "review": "1h", "grace": "1h"}]`)
		n.start(t)
		t.Cleanup(func() { n.stop(t, 15) })
	}
	cli := func(n *fedNode, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, append(args, "--url", "https://"+n.addr, "--cacert", filepath.Join(n.dir, "node-tls.crt"), "--token", pocs[n.Name])...)
		if code != 0 {
			t.Fatalf("%s: kizuna %s: exit %d: %s", n.Name, strings.Join(args, " "), code, errOut)
		}
		return out
	}

	// JPN's point of contact defines 極秘 releasable to JPN and USA and
	// stores an incident under it.
	rel := cliMarking(jpnPOCOrg, "極秘 – releasable to JPN, USA", `"scheme": "JPN", "level": "gokuhi", "releasable_to": ["JPN", "USA"]`)
	jpn.publisher = pocs["JPN"]
	for k, msg := range jpn.post(t, []json.RawMessage{rel.raw}) {
		if msg != "" {
			t.Fatalf("JPN refused %s: %s", k, msg)
		}
	}
	dir := t.TempDir()
	bundle := filepath.Join(dir, "secret.json")
	incident := writeIncidentBundleBy(t, bundle, jpnPOCOrg, []string{rel.id})
	cli(jpn, "incident", "add", bundle)
	out := cli(jpn, "consult", "open", "--incident", incident, "--to", "USA", "--statement", "Japan requests consultations.")
	c1 := strings.TrimSuffix(strings.Fields(out)[1], ",")

	// The USA acknowledges on its own node; the response federates to JPN,
	// which applies it and publishes the next version back.
	waitConsultation(t, usa, pocs["USA"], c1, "reached the USA node", func(*kizuna.Consultation) bool { return true })
	if out := cli(usa, "consult", "act", c1, "acknowledge"); !strings.Contains(out, "sent x-kizuna-consultation-response--") {
		t.Fatalf("USA acknowledge: %s", out)
	}
	waitConsultation(t, usa, pocs["USA"], c1, "acknowledged on the USA node", func(c *kizuna.Consultation) bool { return c.State == kizuna.ConsultAcknowledged })
	answers := filepath.Join(dir, "answers.json")
	os.WriteFile(answers, []byte(`[{"factor": "severity", "degree": "high", "confidence": 75, "analyst_ref": "`+usaPOCOrg+`"}]`), 0o600)
	cli(usa, "incident", "answer", incident, answers)
	out = cli(usa, "incident", "assess", incident, "--store")
	assessment := strings.TrimSpace(out[strings.LastIndex(out, "stored ")+len("stored "):])
	cli(usa, "consult", "act", c1, "share-assessment", "--assessment", assessment)
	shared := func(c *kizuna.Consultation) bool { return party(c, "USA").Status == kizuna.ParticipantAssessed }
	onJPN := waitConsultation(t, jpn, pocs["JPN"], c1, "recorded the USA's assessment on the JPN node", shared)
	onUSA := waitConsultation(t, usa, pocs["USA"], c1, "recorded the USA's assessment on the USA node", func(c *kizuna.Consultation) bool {
		return c.Modified.Equal(onJPN.Modified)
	})
	if onUSA.State != onJPN.State || len(onUSA.Steps) != len(onJPN.Steps) || party(onUSA, "USA").AssessmentRef != assessment {
		t.Errorf("the nodes differ: JPN %s %d steps, USA %s %d steps", onJPN.State, len(onJPN.Steps), onUSA.State, len(onUSA.Steps))
	}

	// AUS is not party, and holds nothing of it.
	if _, ok := consultationOn(t, aus, pocs["AUS"], c1); ok {
		t.Error("the AUS node serves the consultation")
	}
	if out := cli(aus, "consult", "list"); strings.Contains(out, c1) {
		t.Errorf("AUS lists the consultation: %s", out)
	}
	for _, typ := range []string{"incident", defstix.TypeConsultation, defstix.TypeResponse, defstix.TypeAssessment, defstix.TypeFactorAnswers} {
		if b := aus.taxii(t, "GET", "collections/default/objects/?match[type]="+typ, aus.publisher, nil); strings.Contains(string(b), typ+"--") {
			t.Errorf("the AUS node holds a %s: %s", typ, b)
		}
	}

	// A second consultation, at TLP:GREEN, addressed to AUS: AUS misses the
	// acknowledgement deadline, the JPN node escalates to AUS's second
	// contact, and the AUS node shows the escalation too.
	green := filepath.Join(dir, "green.json")
	incident2 := writeIncidentBundleBy(t, green, jpnPOCOrg, []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"})
	cli(jpn, "incident", "add", green)
	out = cli(jpn, "consult", "open", "--incident", incident2, "--to", "AUS")
	c2 := strings.TrimSuffix(strings.Fields(out)[1], ",")
	escalated := func(c *kizuna.Consultation) bool {
		return len(c.Escalations) == 1 && c.Escalations[0].Nation == "AUS" && c.Escalations[0].Level == kizuna.EscalationSecond
	}
	e1 := waitConsultation(t, jpn, pocs["JPN"], c2, "escalated on the JPN node", escalated)
	e2 := waitConsultation(t, aus, pocs["AUS"], c2, "escalated on the AUS node", escalated)
	if !e1.Modified.Equal(e2.Modified) {
		waitConsultation(t, aus, pocs["AUS"], c2, "at JPN's version on the AUS node", func(c *kizuna.Consultation) bool { return c.Modified.Equal(e1.Modified) })
	}
	if out := cli(aus, "consult", "show", c2); !strings.Contains(out, "escalation: AUS missed acknowledge") {
		t.Errorf("consult show on AUS:\n%s", out)
	}
}
