package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense/defstix"
)

const consultUsage = `Usage: kizuna consult COMMAND [flags]

Consultations between the allies' points of contact (role poc), through a
node's native API:

  open --incident ID --to NATION... [--assessment ID] [--statement S]
                             open a consultation on an incident
  act ID ACT [flags]         acknowledge, share-assessment, endorse, disagree,
                             propose-position, record-disagreement or close
  list                       the consultations you may read
  show ID [--json]           where a consultation stands: parties, deadlines, steps, escalations

Run 'kizuna consult COMMAND -h' for its flags.`

func runConsult(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, consultUsage); handled {
		return err
	}
	sub, rest := args[0], args[1:]
	var (
		incident, assessment, statement, position string
		to, markings                              listFlag
		rank                                      int
		asJSON, versions                          bool
	)
	var c *apiClient
	var pos []string
	var coll string
	var err error
	switch sub {
	case "open":
		c, pos, coll, err = nodeCommand(e, "consult open", "--incident ID --to NATION... [flags]", rest, 0, func(fs *flag.FlagSet) {
			fs.StringVar(&incident, "incident", "", "the incident (required)")
			fs.Var(&to, "to", "an addressed nation, ISO 3166-1 alpha-3 (repeatable, or comma-separated)")
			fs.StringVar(&assessment, "assessment", "", "your nation's stored assessment, shared at once (its level sets the deadlines)")
			fs.StringVar(&statement, "statement", "", "a statement to the allies")
			fs.Var(&markings, "marking", "a marking-definition id added to the consultation's markings (repeatable)")
		})
	case "act":
		c, pos, coll, err = nodeCommand(e, "consult act", "ID ACT [flags]", rest, 2, func(fs *flag.FlagSet) {
			fs.StringVar(&assessment, "assessment", "", "with share-assessment: your nation's stored assessment")
			fs.IntVar(&rank, "level-rank", -1, "with share-assessment: the rank your nation's assessment reached")
			fs.StringVar(&statement, "statement", "", "a statement recorded with the act")
			fs.StringVar(&position, "position", "", "with propose-position: a JSON file {statement, level_rank, marking_refs, input_refs, release: {authority, rationale}}")
		})
	case "list":
		c, pos, coll, err = nodeCommand(e, "consult list", "[flags]", rest, 0, nil)
	case "show":
		c, pos, coll, err = nodeCommand(e, "consult show", "ID [flags]", rest, 1, func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print the STIX object")
			fs.BoolVar(&versions, "versions", false, "with --json: every version you may read")
		})
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna consult: unknown command %q\n\n%s", sub, consultUsage)}
	}
	if err != nil {
		return err
	}
	fail := func(err error) error { return &exitError{code: 1, msg: "consult " + sub + ": " + err.Error()} }
	q := query(coll)
	switch sub {
	case "open":
		if incident == "" || len(to) == 0 {
			return &exitError{code: 2, msg: "consult open: --incident and --to are required"}
		}
		var nations []string
		for _, t := range to {
			nations = append(nations, strings.Split(t, ",")...)
		}
		var out struct{ Consultation json.RawMessage }
		if _, err := c.call("POST", "/api/v1/consultations", map[string]any{"collection": coll, "incident_ref": incident,
			"addressees": nations, "assessment_ref": assessment, "statement": statement, "marking_refs": markings}, &out); err != nil {
			return fail(err)
		}
		return writeConsultation(e.stdout, out.Consultation)
	case "act":
		body := map[string]any{"collection": coll, "act": pos[1], "assessment_ref": assessment, "statement": statement}
		if rank >= 0 {
			body["level_rank"] = rank
		}
		if position != "" {
			b, err := os.ReadFile(position)
			if err != nil {
				return fail(err)
			}
			var p kizuna.JointPositionDraft
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				return fail(fmt.Errorf("%s: %v", position, err))
			}
			body["position"] = p
		}
		var out struct {
			Consultation json.RawMessage
			Response     json.RawMessage
		}
		code, err := c.call("POST", "/api/v1/consultations/"+url.PathEscape(pos[0])+"/acts", body, &out)
		if err != nil {
			return fail(err)
		}
		if code == 202 {
			var head struct{ ID string }
			json.Unmarshal(out.Response, &head)
			fmt.Fprintf(e.stdout, "sent %s; the node that owns the consultation applies it when it arrives\n", head.ID)
			return nil
		}
		return writeConsultation(e.stdout, out.Consultation)
	case "list":
		var out struct{ Consultations []json.RawMessage }
		if _, err := c.call("GET", "/api/v1/consultations"+q, nil, &out); err != nil {
			return fail(err)
		}
		for _, raw := range out.Consultations {
			if cs, err := defstix.DecodeConsultation(raw); err == nil {
				fmt.Fprintf(e.stdout, "%s  %s  rank %d  %s  on %s\n", cs.ID, cs.Nation, cs.Rank, cs.State, cs.IncidentRef)
			}
		}
		return nil
	}
	path := "/api/v1/consultations/" + url.PathEscape(pos[0]) + q
	if versions {
		path += map[bool]string{true: "&", false: "?"}[q != ""] + "versions=all"
	}
	var out json.RawMessage
	if _, err := c.call("GET", path, nil, &out); err != nil {
		return fail(err)
	}
	if asJSON {
		return printJSON(e.stdout, out)
	}
	var one struct{ Consultation json.RawMessage }
	if err := json.Unmarshal(out, &one); err != nil {
		return fail(err)
	}
	return writeConsultation(e.stdout, one.Consultation)
}

// writeConsultation prints where a consultation stands.
func writeConsultation(w io.Writer, raw json.RawMessage) error {
	c, err := defstix.DecodeConsultation(raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "consultation %s, opened by %s at rank %d on %s\n  state %s (version %s)\n", c.ID, c.Nation, c.Rank, c.IncidentRef,
		c.State, c.Modified.Format("2006-01-02T15:04:05.000Z"))
	for _, p := range c.Parties {
		due := ""
		if !p.Deadline.IsZero() {
			due = ", due " + p.Deadline.Format("2006-01-02 15:04Z")
		}
		esc := ""
		if p.Escalation > 0 {
			esc = ", escalated (level " + strconv.Itoa(p.Escalation) + ")"
		}
		fmt.Fprintf(w, "  %s %s%s%s\n", p.Nation, p.Status, due, esc)
	}
	for _, s := range c.Steps {
		fmt.Fprintf(w, "  %s  %s %-20s %s -> %s", s.At.Format("01-02 15:04"), s.Nation, s.Action, orDash(s.StateBefore), s.StateAfter)
		if s.Statement != "" {
			fmt.Fprintf(w, "  %q", s.Statement)
		}
		fmt.Fprintln(w)
	}
	for _, x := range c.Escalations {
		fmt.Fprintf(w, "  escalation: %s missed %s at %s; alerted %s (level %d); new deadline %s\n", x.Nation, x.Duty,
			x.Missed.Format("01-02 15:04"), x.ContactRef, x.Level, x.NewDeadline.Format("01-02 15:04"))
	}
	for _, d := range c.Disagreements {
		fmt.Fprintf(w, "  disagreement: %s\n", d)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
