package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/kizuna-dev/kizuna/internal/jsonvalue"
	"github.com/kizuna-dev/kizuna/pattern"
)

const patternUsage = `Usage:
  kizuna pattern validate [--stix-version 2.1|2.0] PATTERN
  kizuna pattern match    [--stix-version 2.1|2.0] PATTERN FILE

validate exits 0 when the pattern is valid, 1 with "offset N: message" when not.
match evaluates PATTERN against FILE (2.1: a JSON list of bundles; 2.0: a JSON
list of observed-data) and prints {"matched":...,"sdo_ids":[...]}; it exits 1
when the pattern does not parse and 3 when it cannot be evaluated.
`

// runPattern implements "kizuna pattern validate|match".
func runPattern(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, strings.TrimSuffix(patternUsage, "\n")); handled {
		return err
	}
	fs := flag.NewFlagSet("pattern "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	version := fs.String("stix-version", "2.1", "STIX version of the pattern and data: 2.1 or 2.0")
	fs.Usage = func() { fmt.Fprint(fs.Output(), patternUsage) }
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	v := pattern.Version(*version)
	if v != pattern.V21 && v != pattern.V20 {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna pattern: unsupported --stix-version %q", *version)}
	}
	switch args[0] {
	case "validate":
		if fs.NArg() != 1 {
			fmt.Fprint(e.stderr, patternUsage)
			return &exitError{code: 2}
		}
		if _, err := pattern.Validate(fs.Arg(0), v); err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		return nil
	case "match":
		if fs.NArg() != 2 {
			fmt.Fprint(e.stderr, patternUsage)
			return &exitError{code: 2}
		}
		return patternMatch(e, v, fs.Arg(0), fs.Arg(1))
	}
	fmt.Fprint(e.stderr, patternUsage)
	return &exitError{code: 2, msg: fmt.Sprintf("kizuna pattern: unknown subcommand %q", args[0])}
}

func patternMatch(e *env, v pattern.Version, src, file string) error {
	p, err := pattern.ParseVersion(src, v)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	obs, err := pattern.ParseObservations(data, v)
	if err != nil {
		return &exitError{code: 3, msg: "evaluation: " + err.Error()}
	}
	r, err := p.Match(obs)
	if err != nil {
		return &exitError{code: 3, msg: err.Error()}
	}
	out := struct {
		Matched bool     `json:"matched"`
		SDOIDs  []string `json:"sdo_ids"`
	}{r.Matched, r.ObservedData}
	if out.SDOIDs == nil {
		out.SDOIDs = []string{}
	}
	return json.NewEncoder(e.stdout).Encode(out)
}

const matchUsage = `Usage:
  kizuna match --indicators FILE --observations FILE [--whole-set]

Indicators: {"indicators":[...]}, a bundle, or a JSON list of indicators.
Observations: a JSON list of STIX 2.1 bundles (or one bundle). Prints one
JSON line per (indicator, observed_data) match, each bundle evaluated on its
own as it is read, in the order of the list; with --whole-set, one line per
indicator matching the observations taken together. Bad input ends the
command with an error naming the file, the bundle, the object and the JSON
path (lines already printed stand).
`

// runMatch implements "kizuna match".
func runMatch(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), matchUsage) }
	indFile := fs.String("indicators", "", "file of STIX indicators")
	obsFile := fs.String("observations", "", "file of STIX 2.1 bundles")
	whole := fs.Bool("whole-set", false, "evaluate the observations as one set")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *indFile == "" || *obsFile == "" || fs.NArg() != 0 {
		fmt.Fprint(e.stderr, matchUsage)
		return &exitError{code: 2}
	}
	// The indicators are indexed while the first observations are decoded;
	// an error in the indicators is reported before one in the observations.
	type loaded struct {
		ix  *pattern.Index
		err error
	}
	indexed := make(chan loaded, 1)
	go func() {
		ix, err := loadIndicators(e, *indFile)
		indexed <- loaded{ix, err}
	}()
	index := sync.OnceValues(func() (*pattern.Index, error) {
		l := <-indexed
		return l.ix, l.err
	})
	f, err := os.Open(*obsFile)
	if err != nil {
		if _, ixErr := index(); ixErr != nil {
			return ixErr
		}
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	workers := runtime.GOMAXPROCS(0)
	if *whole {
		var bundles []*pattern.Bundle
		err := pattern.ReadBundles(f, workers, func(b *pattern.Bundle) error {
			bundles = append(bundles, b)
			return ctx.Err()
		})
		ix, ixErr := index()
		if ixErr != nil {
			return ixErr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", *obsFile, err)
		}
		obs, err := pattern.PairBundles(bundles)
		if err != nil {
			return fmt.Errorf("%s: %w", *obsFile, err)
		}
		for _, id := range ix.MatchSet(obs) {
			if err := enc.Encode(map[string]string{"indicator": id}); err != nil {
				return err
			}
		}
		return nil
	}
	// Each bundle is matched as soon as it is decoded; the lines come out
	// in the order of the bundles.
	var ixErr error
	err = pattern.ReadBundles(f, workers, func(b *pattern.Bundle) error {
		ix, err := index()
		if err != nil {
			ixErr = err
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		obs, err := b.Observations()
		if err != nil {
			return err
		}
		for _, o := range obs {
			for _, id := range ix.MatchObservation(o) {
				if err := enc.Encode(struct {
					Indicator    string `json:"indicator"`
					ObservedData string `json:"observed_data"`
				}{id, o.ID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if _, err := index(); err != nil {
		return err
	}
	if err != nil && ixErr == nil && ctx.Err() == nil {
		return fmt.Errorf("%s: %w", *obsFile, err)
	}
	return err
}

// loadIndicators indexes the STIX patterns of the indicators in file. An
// indicator whose pattern does not parse is reported and left out.
func loadIndicators(e *env, file string) (*pattern.Index, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	doc, err := jsonvalue.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var list []any
	where := ""
	switch d := doc.(type) {
	case []any:
		list = d
	case map[string]any:
		for _, k := range []string{"indicators", "objects"} {
			if v, ok := d[k]; ok {
				l, ok := v.([]any)
				if !ok {
					return nil, fmt.Errorf("%s: %s: not a list", file, k)
				}
				list, where = append(list, l...), k
			}
		}
	default:
		return nil, fmt.Errorf("%s: not a list of indicators, a bundle or {\"indicators\":[...]}", file)
	}
	ix := pattern.NewIndex()
	for i, v := range list {
		if v == nil {
			continue // a null entry holds no indicator
		}
		at := fmt.Sprintf("%s[%d]", where, i)
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %s: not a JSON object", file, at)
		}
		var props [4]string // type, id, pattern, pattern_type
		for j, k := range [...]string{"type", "id", "pattern", "pattern_type"} {
			if p, ok := obj[k]; ok && p != nil {
				if props[j], ok = p.(string); !ok {
					if id, ok := obj["id"].(string); ok {
						at = id
					}
					return nil, fmt.Errorf("%s: %s: %s: not a string", file, at, k)
				}
			}
		}
		if props[0] != "indicator" || props[3] != "" && props[3] != "stix" {
			continue
		}
		p, err := pattern.Parse(props[2])
		if err != nil {
			fmt.Fprintf(e.stderr, "kizuna match: %s: %v\n", props[1], err)
			continue
		}
		ix.Add(props[1], p)
	}
	return ix, nil
}
