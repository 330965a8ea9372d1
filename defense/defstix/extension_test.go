package defstix_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/stix"
)

// TestExtensionDefinitions: every extension-definition is valid STIX, has
// the id the code uses, and docs/ holds an identical copy.
func TestExtensionDefinitions(t *testing.T) {
	want := map[string]string{
		"kizuna-defense-incident-extension.json":    defstix.ExtAlliance,
		"kizuna-defense-factor-answers.json":        defstix.ExtFactorAnswers,
		"kizuna-defense-threshold-assessment.json":  defstix.ExtAssessment,
		"kizuna-defense-consultation.json":          defstix.ExtConsultation,
		"kizuna-defense-consultation-response.json": defstix.ExtResponse,
		"kizuna-defense-joint-position.json":        defstix.ExtJointPosition,
		"kizuna-defense-campaign-assessment.json":   defstix.ExtCampaignAssessment,
	}
	defs := defstix.ExtensionDefinitions()
	if len(defs) != len(want) {
		t.Errorf("%d definitions, want %d", len(defs), len(want))
	}
	for name, id := range want {
		raw := defs[name]
		obj, err := stix.Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if obj.ID != id || obj.Type != "extension-definition" {
			t.Errorf("%s: id %s, want %s", name, obj.ID, id)
		}
		var d struct{ Schema string }
		if json.Unmarshal(raw, &d) != nil || !json.Valid([]byte(d.Schema)) {
			t.Errorf("%s: the schema property is not a JSON document", name)
		}
		docs, err := os.ReadFile(filepath.Join("../../docs", name))
		if err != nil || !bytes.Equal(docs, raw) {
			t.Errorf("docs/%s differs from the embedded definition (%v)", name, err)
		}
	}
}

// TestObjectsMatchSchemas checks the encoded objects against the JSON
// Schemas the extension-definitions publish, with the Python jsonschema
// package when the machine has it, so that what kizuna writes is what it
// tells others to expect.
func TestObjectsMatchSchemas(t *testing.T) {
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import jsonschema; jsonschema.Draft202012Validator").Run() != nil {
		t.Skip("python3 with jsonschema (Draft 2020-12) is not installed")
	}
	inc, _ := defstix.EncodeIncident(incident())
	var incObj struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	json.Unmarshal(inc, &incObj)
	enc := func(b []byte, err error) json.RawMessage {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c := &kizuna.Consultation{ID: coID, Created: t0, Modified: t0, CreatedByRef: jpnOrg, IncidentRef: incID, Nation: "JPN",
		State: kizuna.ConsultRequested, Rank: 2, OpenedAt: t0,
		Parties: []kizuna.Party{{Nation: "JPN", POCRef: jpnOrg, Status: "acknowledged", Deadline: t0.Add(time.Hour)},
			{Nation: "USA", POCRef: usaOrg, Status: "requested", Deadline: t0.Add(time.Hour)}},
		Steps:       []kizuna.ConsultStep{{Seq: 1, Action: "open", Nation: "JPN", ActorRef: jpnOrg, At: t0, StateAfter: "requested"}},
		Escalations: []kizuna.Escalation{{Nation: "USA", Duty: "acknowledge", Level: 1, ContactRef: usaOrg, Missed: t0, At: t0, NewDeadline: t0}},
	}
	cases := map[string]json.RawMessage{
		"kizuna-defense-incident-extension.json": incObj.Extensions[defstix.ExtAlliance],
		"kizuna-defense-factor-answers.json": enc(defstix.EncodeFactorAnswers(&kizuna.FactorAnswers{ID: faID, Created: t0, Modified: t0,
			IncidentRef: incID, Nation: "USA", Answers: []kizuna.FactorAnswer{{Factor: "severity", Degree: "high", Confidence: 75, AnalystRef: usaOrg}}})),
		"kizuna-defense-threshold-assessment.json": enc(defstix.EncodeAssessment(&kizuna.ThresholdAssessment{ID: asID, Created: t0, Modified: t0,
			IncidentRef: incID, IncidentVersion: t0, Result: result()})),
		"kizuna-defense-consultation.json": enc(defstix.EncodeConsultation(c)),
		"kizuna-defense-consultation-response.json": enc(defstix.EncodeResponse(&kizuna.ConsultationResponse{ID: reID, Created: t0, Modified: t0,
			CreatedByRef: usaOrg, ConsultationRef: coID, Nation: "USA", Action: "disagree", Statement: "no"})),
		"kizuna-defense-joint-position.json": enc(defstix.EncodeJointPosition(&kizuna.JointPosition{ID: jpID, Created: t0, Modified: t0,
			ConsultationRef: coID, IncidentRef: incID, Statement: "s", LevelRank: 1, Nations: []string{"JPN", "USA"}})),
		"kizuna-defense-campaign-assessment.json": enc(defstix.EncodeCampaignAssessment(&kizuna.CampaignAssessment{ID: caID, Created: t0, Modified: t0,
			IncidentRefs: []string{incID, inc2ID}, Results: []kizuna.AssessmentResult{result()}})),
	}
	defs := defstix.ExtensionDefinitions()
	for name, instance := range cases {
		var d struct{ Schema string }
		json.Unmarshal(defs[name], &d)
		script := `import json,sys,jsonschema
s=json.loads(sys.argv[1]); i=json.loads(sys.argv[2])
errs=[e.message+" at "+"/".join(map(str,e.absolute_path)) for e in jsonschema.Draft202012Validator(s).iter_errors(i)]
print("\n".join(errs)); sys.exit(1 if errs else 0)`
		out, err := exec.Command(py, "-c", script, d.Schema, string(instance)).CombinedOutput()
		if err != nil {
			t.Errorf("%s: the encoded object does not match the schema:\n%s\n%s", name, out, instance)
		}
		// And a broken one does not, so that the check can fail.
		broken := strings.Replace(string(instance), `"2026-11-20T02:40:00`, `"2026-11-20 02:40:00`, 1)
		if broken != string(instance) {
			if exec.Command(py, "-c", script, d.Schema, broken).Run() == nil {
				t.Errorf("%s: the schema accepts a malformed timestamp", name)
			}
		}
	}
}
