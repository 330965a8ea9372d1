// Package exercise runs joint exercises over the live federation: it loads
// and validates scenario files (a master scenario events list of injects,
// each a set of STIX objects released at an exercise time to named
// participants, with the actions expected of them and their deadlines),
// builds the exercise marking that fences exercise data off, tells which
// objects are exercise data, schedules and records inject releases with an
// injected clock, and selects what to purge when an exercise ends.
//
// The package is pure: the node stores, federates and audits what it
// produces (package exercise/evaluate computes the metrics from the audit
// log; exercise/report renders the after-action report).
package exercise

import (
	"embed"
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/strictjson"
	"github.com/kizuna-dev/kizuna/stix"
)

// Defaults holds the shipped scenarios (defaults/scenarios/*.json); they
// are fictional examples to copy and adapt.
//
//go:embed defaults
var Defaults embed.FS

// ExampleScenario is the path in Defaults of the shipped US–Japan scenario.
const ExampleScenario = "defaults/scenarios/usa-jpn-port-ransomware.json"

// scenarioFile is the shape of a scenario file.
type scenarioFile struct {
	ID           string               `json:"id"`
	Version      string               `json:"version"`
	Name         kizuna.Text          `json:"name"`
	Description  kizuna.Text          `json:"description"`
	PlannedStart *time.Time           `json:"planned_start"`
	Duration     Duration             `json:"duration"`
	Control      string               `json:"control"`
	Objectives   []kizuna.Objective   `json:"objectives"`
	Participants []kizuna.Participant `json:"participants"`
	Injects      []injectFile         `json:"injects"`
}

type injectFile struct {
	ID          string            `json:"id"`
	At          Duration          `json:"at"`
	Title       kizuna.Text       `json:"title"`
	Description kizuna.Text       `json:"description"`
	From        string            `json:"from"`
	To          []string          `json:"to"`
	Objects     []json.RawMessage `json:"objects"`
	Expect      []expectFile      `json:"expect"`
}

type expectFile struct {
	Action string   `json:"action"`
	By     []string `json:"by"`
	Within Duration `json:"within"`
	Object string   `json:"object"`
}

// LoadScenario reads and validates the scenario file name of fsys.
func LoadScenario(fsys fs.FS, name string) (*kizuna.Exercise, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return ParseScenario(data, name)
}

// ParseScenario validates a scenario file and returns the exercise it
// describes. Every problem is reported, each with the file name and the
// JSON path ("s.json: $.injects[2].expect[0].by[1]: ..."); the error is
// EINVALID.
func ParseScenario(data []byte, file string) (*kizuna.Exercise, error) {
	var f scenarioFile
	if err := strictjson.Decode(data, file, &f); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	errs := &strictjson.Errors{File: file}
	ex := f.check(errs)
	if err := errs.Err(); err != nil {
		return nil, kizuna.WrapError(kizuna.EINVALID, err, "%v", err)
	}
	return ex, nil
}

var (
	exerciseIDRE = regexp.MustCompile(`^x-kizuna-exercise--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	identityRE   = regexp.MustCompile(`^identity--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	shortIDRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	langRE       = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	nationRE     = regexp.MustCompile(`^[A-Z]{3}$`)
)

var roles = []string{kizuna.ExercisePlayer, kizuna.ExerciseControl, kizuna.ExerciseObserver}

var expectActions = []string{kizuna.ExpectRead, kizuna.ExpectShare, kizuna.ExpectAcknowledge, kizuna.ExpectAssess,
	kizuna.ExpectConsultOpen, kizuna.ExpectConsultClose}

func (f *scenarioFile) check(errs *strictjson.Errors) *kizuna.Exercise {
	ex := &kizuna.Exercise{ID: f.ID, Name: f.Name, Description: f.Description, Version: f.Version,
		Objectives: f.Objectives, Participants: f.Participants, Duration: time.Duration(f.Duration)}
	if !exerciseIDRE.MatchString(f.ID) {
		errs.Addf("$.id", "%q is not an x-kizuna-exercise identifier", f.ID)
	}
	if f.Version == "" {
		errs.Addf("$.version", "is required")
	}
	checkText(errs, "$.name", f.Name, true)
	checkText(errs, "$.description", f.Description, false)
	if f.PlannedStart != nil {
		ex.PlannedStart = f.PlannedStart.UTC()
	}
	if f.Duration <= 0 {
		errs.Addf("$.duration", "is required and must be positive")
	}
	seen := map[string]bool{}
	for i, o := range f.Objectives {
		p := strictjson.Index("$.objectives", i)
		if !shortIDRE.MatchString(o.ID) || seen["objective:"+o.ID] {
			errs.Addf(p+".id", "%q must be a unique short id (letters, digits, . _ -)", o.ID)
		}
		seen["objective:"+o.ID] = true
		checkText(errs, p+".text", o.Text, true)
	}
	if len(f.Objectives) == 0 {
		errs.Addf("$.objectives", "at least one objective is required")
	}
	parts := map[string]*kizuna.Participant{}
	for i := range f.Participants {
		pt := &f.Participants[i]
		p := strictjson.Index("$.participants", i)
		if !shortIDRE.MatchString(pt.ID) || parts[pt.ID] != nil {
			errs.Addf(p+".id", "%q must be a unique short id (letters, digits, . _ -)", pt.ID)
		}
		parts[pt.ID] = pt
		if !nationRE.MatchString(pt.Nation) {
			errs.Addf(p+".nation", "%q is not an ISO 3166-1 alpha-3 code", pt.Nation)
		}
		if !identityRE.MatchString(pt.Organization) {
			errs.Addf(p+".organization", "%q is not an identity id", pt.Organization)
		}
		if !slices.Contains(roles, pt.Role) {
			errs.Addf(p+".role", "%q is not one of %s", pt.Role, strings.Join(roles, ", "))
		}
		checkText(errs, p+".name", pt.Name, true)
	}
	if len(f.Participants) < 2 {
		errs.Addf("$.participants", "an exercise needs at least two participants")
	}
	if c := parts[f.Control]; c == nil || c.Role != kizuna.ExerciseControl {
		errs.Addf("$.control", "%q must name a participant whose role is control", f.Control)
	} else {
		ex.ControlRef = c.Organization
	}
	ic := &injectChecker{errs: errs, parts: parts, duration: time.Duration(f.Duration), objects: map[string]objectInfo{}}
	for i := range f.Injects {
		ex.Injects = append(ex.Injects, ic.check(strictjson.Index("$.injects", i), &f.Injects[i]))
	}
	if len(f.Injects) == 0 {
		errs.Addf("$.injects", "at least one inject is required")
	}
	return ex
}

func checkText(errs *strictjson.Errors, path string, t kizuna.Text, required bool) {
	if required && len(t) == 0 {
		errs.Addf(path, "is required: a text per language, such as {\"en\": \"...\", \"ja\": \"...\"}")
	}
	for _, lang := range sortedKeys(t) {
		if !langRE.MatchString(lang) {
			errs.Addf(strictjson.Member(path, lang), "%q is not a language tag such as en or ja", lang)
		}
		if strings.TrimSpace(t[lang]) == "" {
			errs.Addf(strictjson.Member(path, lang), "must not be empty")
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// objectInfo is what the scenario knows of one inject object.
type objectInfo struct {
	typ    string
	inject int
	to     []string
}

// stixProblemPath rebases a path of package stix ("$.pattern") on the
// object's path in the scenario.
func stixProblemPath(objPath string, p stix.Problem) string {
	return objPath + strings.TrimPrefix(p.Path, "$")
}
