package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
)

const incidentUsage = `Usage: kizuna incident COMMAND [flags]

Incidents and their assessments on a node, through its native API, as the
principal whose token is given (--token, --token-file or $KIZUNA_TOKEN):

  add FILE                   store the incident and impacts of a STIX bundle (or JSON array)
  list                       the incidents you may read
  show ID                    an incident, its impacts you may read and its facts
  answer ID FILE             your nation's answers to the factors (a JSON list, or {"answers": [...]})
  answers ID                 the nations' answers you may read
  assess ID [--store]        your nation's model and policy on the incident
  assessments ID             the stored assessments you may read
  divergence ID              the nations' assessments side by side, and why they differ
  campaigns                  the incidents linked into campaigns
  campaign-assess ID ID...   assess linked incidents together (stored)

Run 'kizuna incident COMMAND -h' for its flags.`

// nodeCommand parses the flags of a command that calls a node's API and
// returns its client and positional arguments; want is how many of them
// the command takes (-1: one or more).
func nodeCommand(e *env, name, synopsis string, args []string, want int, extra func(fs *flag.FlagSet)) (*apiClient, []string, string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna "+name+" "+synopsis)
	fs.SetOutput(e.stderr)
	var af apiFlags
	af.register(fs)
	coll := fs.String("collection", "", "the collection (default: the node's default collection)")
	if extra != nil {
		extra(fs)
	}
	// Flags may follow the positional arguments, as people write them.
	var pos []string
	for rest := args; ; {
		if err := parseFlags(e, fs, rest); err != nil {
			return nil, nil, "", err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if (want >= 0 && len(pos) != want) || (want < 0 && len(pos) == 0) {
		return nil, nil, "", &exitError{code: 2, msg: "Usage: kizuna " + name + " " + synopsis}
	}
	c, err := af.client()
	if err != nil {
		return nil, nil, "", &exitError{code: 2, msg: name + ": " + err.Error()}
	}
	return c, pos, *coll, nil
}

// query returns "?collection=…" when a collection is named.
func query(coll string) string {
	if coll == "" {
		return ""
	}
	return "?collection=" + url.QueryEscape(coll)
}

func runIncident(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, incidentUsage); handled {
		return err
	}
	sub, rest := args[0], args[1:]
	var store bool
	withStore := func(fs *flag.FlagSet) {
		fs.BoolVar(&store, "store", false, "store the assessment (an x-kizuna-threshold-assessment)")
	}
	type spec struct {
		synopsis string
		n        int
		extra    func(*flag.FlagSet)
	}
	specs := map[string]spec{
		"add": {"FILE [flags]", 1, nil}, "list": {"[flags]", 0, nil}, "show": {"ID [flags]", 1, nil},
		"answer": {"ID FILE [flags]", 2, nil}, "answers": {"ID [flags]", 1, nil}, "assess": {"ID [--store] [flags]", 1, withStore},
		"assessments": {"ID [flags]", 1, nil}, "divergence": {"ID [flags]", 1, nil}, "campaigns": {"[flags]", 0, nil},
		"campaign-assess": {"ID ID... [flags]", -1, nil},
	}
	sp, ok := specs[sub]
	if !ok {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna incident: unknown command %q\n\n%s", sub, incidentUsage)}
	}
	c, pos, coll, err := nodeCommand(e, "incident "+sub, sp.synopsis, rest, sp.n, sp.extra)
	if err != nil {
		return err
	}
	err = incidentCommand(e, c, sub, pos, coll, store)
	if err != nil {
		if _, ok := err.(*exitError); !ok {
			err = &exitError{code: 1, msg: "incident " + sub + ": " + err.Error()}
		}
	}
	return err
}

func incidentCommand(e *env, c *apiClient, sub string, pos []string, coll string, store bool) error {
	q := query(coll)
	var id string
	if len(pos) > 0 {
		id = url.PathEscape(pos[0])
	}
	switch sub {
	case "add":
		objs, err := readSTIXFile(pos[0])
		if err != nil {
			return err
		}
		req := map[string]any{"collection": coll}
		var impacts []json.RawMessage
		for _, o := range objs {
			var head struct{ Type string }
			json.Unmarshal(o, &head)
			switch head.Type {
			case "incident":
				if req["incident"] != nil {
					return fmt.Errorf("%s holds more than one incident", pos[0])
				}
				req["incident"] = o
			case "impact":
				impacts = append(impacts, o)
			default:
				return fmt.Errorf("%s: a %q object: only an incident and its impacts are stored here (use 'kizuna import' or TAXII for the rest)", pos[0], head.Type)
			}
		}
		if req["incident"] == nil {
			return fmt.Errorf("%s holds no incident", pos[0])
		}
		req["impacts"] = impacts
		var out struct {
			IncidentRef string                `json:"incident_ref"`
			Facts       *kizuna.IncidentFacts `json:"facts"`
		}
		if _, err := c.call("POST", "/api/v1/incidents", req, &out); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, out.IncidentRef)
		return nil
	case "answer":
		b, err := os.ReadFile(pos[1])
		if err != nil {
			return err
		}
		var body struct {
			Answers     []kizuna.FactorAnswer `json:"answers"`
			MarkingRefs []string              `json:"marking_refs,omitempty"`
		}
		if strings.HasPrefix(strings.TrimSpace(string(b)), "[") {
			err = json.Unmarshal(b, &body.Answers)
		} else {
			err = json.Unmarshal(b, &body)
		}
		if err != nil {
			return fmt.Errorf("%s: %v", pos[1], err)
		}
		var out json.RawMessage
		if _, err := c.call("PUT", "/api/v1/incidents/"+id+"/factors"+q, body, &out); err != nil {
			return err
		}
		return printJSON(e.stdout, out)
	case "assess":
		var out struct {
			Assessment json.RawMessage          `json:"assessment"`
			Result     *kizuna.AssessmentResult `json:"result"`
		}
		if _, err := c.call("POST", "/api/v1/incidents/"+id+"/assessments"+q, map[string]bool{"store": store}, &out); err != nil {
			return err
		}
		writeResult(e.stdout, out.Result)
		if len(out.Assessment) > 0 {
			var head struct{ ID string }
			json.Unmarshal(out.Assessment, &head)
			fmt.Fprintf(e.stdout, "stored %s\n", head.ID)
		}
		return nil
	case "divergence":
		var out defense.Divergence
		if _, err := c.call("GET", "/api/v1/incidents/"+id+"/divergence"+q, nil, &out); err != nil {
			return err
		}
		writeDivergence(e.stdout, &out)
		return nil
	case "campaign-assess":
		var out json.RawMessage
		if _, err := c.call("POST", "/api/v1/campaigns/assessments", map[string]any{"collection": coll, "incident_refs": pos}, &out); err != nil {
			return err
		}
		return printJSON(e.stdout, out)
	}
	path := map[string]string{"list": "/api/v1/incidents", "show": "/api/v1/incidents/" + id, "answers": "/api/v1/incidents/" + id + "/factors",
		"assessments": "/api/v1/incidents/" + id + "/assessments", "campaigns": "/api/v1/campaigns"}[sub]
	var out json.RawMessage
	if _, err := c.call("GET", path+q, nil, &out); err != nil {
		return err
	}
	return printJSON(e.stdout, out)
}

// readSTIXFile reads the objects of a STIX bundle, a JSON array of objects
// or a single object.
func readSTIXFile(name string) ([]json.RawMessage, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var objs []json.RawMessage
	trimmed := strings.TrimSpace(string(b))
	switch {
	case strings.HasPrefix(trimmed, "["):
		err = json.Unmarshal(b, &objs)
	default:
		var head struct {
			Type    string            `json:"type"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err = json.Unmarshal(b, &head); err == nil {
			if head.Type == "bundle" {
				objs = head.Objects
			} else {
				objs = []json.RawMessage{b}
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return objs, nil
}

// writeResult prints one nation's assessment for people.
func writeResult(w io.Writer, r *kizuna.AssessmentResult) {
	if r == nil {
		return
	}
	notional := ""
	if r.Severity.Notional {
		notional = ", notional model"
	}
	example := ""
	if r.Policy.Example {
		example = ", example policy"
	}
	fmt.Fprintf(w, "%s  severity %.2f (%s, level %d) under %s %s%s\n", r.Nation, r.Severity.Score, r.Severity.LevelName, r.Severity.Level,
		r.Severity.Model, r.Severity.ModelVersion, notional)
	fmt.Fprintf(w, "     level %d %q (policy %s %s%s)\n", r.Level.Rank, r.Level.Name, r.Policy.Nation, r.Policy.Version, example)
	fmt.Fprintf(w, "     rules fired: %s\n", orNone(r.RulesFired))
	fmt.Fprintf(w, "     deciding rules: %s; deciding factors: %s\n", orNone(r.DecidingRules), orNone(r.DecidingFactors))
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// writeDivergence prints the nations' outcomes and each differing pair's
// explanation.
func writeDivergence(w io.Writer, d *defense.Divergence) {
	for _, o := range d.Outcomes {
		if o.Result != nil {
			writeResult(w, o.Result)
		} else {
			fmt.Fprintf(w, "%s  no result: %s\n", o.Nation, o.Error)
		}
	}
	for _, p := range d.Pairs {
		fmt.Fprintf(w, "\ndivergence %s / %s (cause: %s)\n", p.A, p.B, p.Cause)
		for _, in := range p.Differing {
			fmt.Fprintf(w, "  %-20s %s: %-16s %s: %s\n", in.Input, p.A, in.A, p.B, in.B)
		}
		for _, line := range p.Summary {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	if len(d.Pairs) == 0 {
		fmt.Fprintln(w, "\nno divergence: every nation with a result reaches the same rank")
	}
}
