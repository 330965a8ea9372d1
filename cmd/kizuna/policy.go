package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/defense/defstix"
	"github.com/kizuna-dev/kizuna/defense/score"
	"github.com/kizuna-dev/kizuna/defense/threshold"
)

const policyUsage = `Usage: kizuna policy test --policy FILE --incident FILE [flags]

Runs a nation's threshold policy (a file being written, or a configured one)
on a saved incident, with no node: it prints the level, the rules fired and
the deciding rules and factors, or the error with the policy's file, JSON
path and line:column.`

func runPolicy(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, policyUsage); handled {
		return err
	}
	if args[0] != "test" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna policy: unknown subcommand %q (want test)", args[0])}
	}
	fs := flag.NewFlagSet("policy test", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna policy test --policy FILE --incident FILE [--impacts FILE] [--answers FILE] [--model FILE] [--config DIR]")
	fs.SetOutput(e.stderr)
	polFile := fs.String("policy", "", "the policy file (required)")
	incFile := fs.String("incident", "", "the incident: a STIX bundle or JSON array with the incident and its impacts, or the incident alone (required)")
	impFile := fs.String("impacts", "", "more impacts: a STIX bundle or JSON array")
	ansFile := fs.String("answers", "", "the nation's answers to the factors: a JSON list, or an x-kizuna-factor-answers object")
	modelFile := fs.String("model", "", "the scoring model file (default: the nation's in the configuration)")
	confDir := fs.String("config", "", "a collective-defense configuration directory holding defense.json (default: the shipped one); it gives the sector vocabularies and the nation's model")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	if *polFile == "" || *incFile == "" {
		return &exitError{code: 2, msg: "policy test: --policy and --incident are required"}
	}
	fail := func(err error) error { return &exitError{code: 1, msg: "policy test: " + errorText(err)} }
	data, err := os.ReadFile(*polFile)
	if err != nil {
		return fail(err)
	}
	pol, err := threshold.Load(data, filepath.Base(*polFile))
	if err != nil {
		return fail(err)
	}
	var eng *defense.Engine
	if *confDir != "" {
		eng, err = defense.Load(os.DirFS(*confDir), ".")
	} else {
		eng, err = defense.LoadDefaults()
	}
	if err != nil {
		return fail(err)
	}
	var model *score.Model
	switch {
	case *modelFile != "":
		data, err := os.ReadFile(*modelFile)
		if err != nil {
			return fail(err)
		}
		if model, err = score.Load(data, filepath.Base(*modelFile)); err != nil {
			return fail(err)
		}
	case eng.Nation(pol.Nation) != nil:
		model = eng.Nation(pol.Nation).Model
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("policy test: no scoring model is configured for %s: give one with --model", pol.Nation)}
	}
	objs, err := readSTIXFile(*incFile)
	if err == nil && *impFile != "" {
		var more []json.RawMessage
		more, err = readSTIXFile(*impFile)
		objs = append(objs, more...)
	}
	if err != nil {
		return fail(err)
	}
	var inc *kizuna.Incident
	var impacts []*kizuna.Impact
	for _, raw := range objs {
		var head struct{ Type string }
		json.Unmarshal(raw, &head)
		switch head.Type {
		case "incident":
			if inc, err = defstix.DecodeIncident(raw); err == nil {
				err = eng.CheckIncident(inc, defstix.ExtAlliance)
			}
		case "impact":
			var im *kizuna.Impact
			if im, err = defstix.DecodeImpact(raw); err == nil {
				impacts = append(impacts, im)
			}
		}
		if err != nil {
			return fail(err)
		}
	}
	if inc == nil {
		return fail(fmt.Errorf("%s holds no incident", *incFile))
	}
	var answers *kizuna.FactorAnswers
	if *ansFile != "" {
		b, err := os.ReadFile(*ansFile)
		if err != nil {
			return fail(err)
		}
		if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
			answers = &kizuna.FactorAnswers{Nation: pol.Nation, IncidentRef: inc.ID}
			if err := json.Unmarshal(b, &answers.Answers); err != nil {
				return fail(fmt.Errorf("%s: %v", *ansFile, err))
			}
		} else if answers, err = defstix.DecodeFactorAnswers(b); err != nil {
			return fail(err)
		}
	}
	facts := eng.Facts(inc, impacts)
	res, err := defense.AssessWith(model, pol, facts, answers)
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]any{"result": res, "facts": facts})
	}
	writeResult(e.stdout, res)
	return nil
}
