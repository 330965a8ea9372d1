package exstix_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/exercise"
	"github.com/kizuna-dev/kizuna/exercise/evaluate"
	"github.com/kizuna-dev/kizuna/exercise/exercisetest"
	"github.com/kizuna-dev/kizuna/exercise/exstix"
	"github.com/kizuna-dev/kizuna/internal/stixschema"
)

func TestExtensionDefinitions(t *testing.T) {
	stixschema.CheckDefinitions(t, exstix.ExtensionDefinitions(), map[string]string{
		"kizuna-exercise.json":                     exstix.ExtExercise,
		"kizuna-exercise-inject-release.json":      exstix.ExtRelease,
		"kizuna-exercise-after-action-report.json": exstix.ExtReport,
		"kizuna-exercise-corrective-action.json":   exstix.ExtCorrective,
	}, "../../docs")
}

// objects encodes one object of each type from the played example.
func objects(t testing.TB) (map[string][]byte, *exercisetest.World, *evaluate.Result) {
	w := exercisetest.NewWorld(t)
	w.Play()
	res := w.Evaluate(72 * time.Hour)
	f := res.Findings()
	n := 0
	cas := evaluate.Review(nil, res, f, func() string {
		n++
		return fmt.Sprintf("x-kizuna-corrective-action--00000000-0000-4000-8000-0000000000%02d", n)
	})
	at := exercisetest.Startex.Add(80 * time.Hour)
	for i := range cas {
		cas[i].Due = at.Add(90 * 24 * time.Hour)
	}
	must := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var refs []string
	for _, ca := range cas {
		refs = append(refs, ca.ID)
	}
	return map[string][]byte{
		"kizuna-exercise.json": must(exstix.EncodeExercise(&exstix.Exercise{ID: w.Ex.ID, CreatedByRef: w.Ex.ControlRef,
			Created: exercisetest.Created, Modified: at, Exercise: w.Ex, State: kizuna.ExerciseEnded, Start: exercisetest.Startex,
			End: exercisetest.Startex.Add(w.Ex.Duration), ScenarioSHA256: strings.Repeat("ab", 32), EndedAt: at})),
		"kizuna-exercise-inject-release.json": must(exstix.EncodeRelease(&w.Rels[0], w.Ex.ControlRef)),
		"kizuna-exercise-after-action-report.json": must(exstix.EncodeReport(&exstix.Report{ID: "x-kizuna-after-action-report--00000000-0000-4000-8000-000000000001",
			CreatedByRef: w.Ex.ControlRef, Created: at, Modified: at, ExerciseRef: w.Ex.ID, Outcomes: res.Outcomes, Findings: f,
			CorrectiveRefs: refs, HTMLSHA256: exstix.Digest([]byte("html")), PDFSHA256: exstix.Digest([]byte("pdf"))})),
		"kizuna-exercise-corrective-action.json": must(exstix.EncodeCorrective(&cas[0], w.Ex.ControlRef)),
	}, w, res
}

// TestRoundTrip: each object decodes to what was encoded and matches the
// schema its extension-definition publishes.
func TestRoundTrip(t *testing.T) {
	objs, w, res := objects(t)
	defs := exstix.ExtensionDefinitions()
	for name, raw := range objs {
		stixschema.CheckSchema(t, defs[name], raw)
	}
	x, err := exstix.DecodeExercise(objs["kizuna-exercise.json"])
	if err != nil {
		t.Fatal(err)
	}
	if x.State != kizuna.ExerciseEnded || !reflect.DeepEqual(x.Exercise.Participants, w.Ex.Participants) || x.Exercise.Duration != w.Ex.Duration {
		t.Errorf("exercise: %+v", x)
	}
	rel, err := exstix.DecodeRelease(objs["kizuna-exercise-inject-release.json"])
	if err != nil || !reflect.DeepEqual(*rel, w.Rels[0]) {
		t.Errorf("release: %+v, %v\nwant %+v", rel, err, w.Rels[0])
	}
	rep, err := exstix.DecodeReport(objs["kizuna-exercise-after-action-report.json"])
	if err != nil || !reflect.DeepEqual(rep.Outcomes, res.Outcomes) {
		t.Errorf("report: %v", err)
	}
	ca, err := exstix.DecodeCorrective(objs["kizuna-exercise-corrective-action.json"])
	if err != nil || ca.Status != kizuna.CorrectiveOpen || len(ca.History) != 1 || ca.Checks[0] == "" {
		t.Errorf("corrective: %+v %v", ca, err)
	}
}

// TestDecodeErrors: problems are named with the object id and JSON path.
func TestDecodeErrors(t *testing.T) {
	objs, w, _ := objects(t)
	rel := string(objs["kizuna-exercise-inject-release.json"])
	cases := []struct {
		raw, want string
		decode    func([]byte) error
	}{
		{strings.Replace(rel, `"inject":"I-01"`, `"inject":"I-02"`, 1), "$.id: must be " + exercise.ReleaseID(w.Ex.ID, "I-02", "jpn-ncco"),
			func(b []byte) error { _, err := exstix.DecodeRelease(b); return err }},
		{strings.Replace(rel, `"participant"`, `"participnat"`, 1), "$.participnat: is not a property defined here",
			func(b []byte) error { _, err := exstix.DecodeRelease(b); return err }},
		{strings.Replace(rel, `"released_at":"2027`, `"released_at":"27`, 1), "$.released_at:",
			func(b []byte) error { _, err := exstix.DecodeRelease(b); return err }},
		{strings.Replace(string(objs["kizuna-exercise.json"]), `"state":"ended"`, `"state":"paused"`, 1), `$.state: "paused" is not one of`,
			func(b []byte) error { _, err := exstix.DecodeExercise(b); return err }},
		{strings.Replace(string(objs["kizuna-exercise-corrective-action.json"]), `"status":"open"`, `"status":"verified"`, 1),
			"$.status: must be the status of the last history entry",
			func(b []byte) error { _, err := exstix.DecodeCorrective(b); return err }},
		{strings.Replace(rel, exstix.ExtRelease, exstix.ExtReport, 1), "must be {\"extension_type\": \"new-sdo\"}",
			func(b []byte) error { _, err := exstix.DecodeRelease(b); return err }},
	}
	for i, c := range cases {
		err := c.decode([]byte(c.raw))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: %v, want %q", i, err, c.want)
		}
	}
}
