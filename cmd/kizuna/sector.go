package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kizuna-dev/kizuna/route/routeapi"
	"github.com/kizuna-dev/kizuna/sector"
)

const sectorUsage = `Usage:
  kizuna sector list      [--nation NNN]              vocabularies and their versions
  kizuna sector show      ID                          a sector, its links and their rationale
  kizuna sector crosswalk [--from NNN --to NNN]       mappings, unmapped sectors and coverage gaps
  kizuna sector diff      NNN NNN                     two nations' priority tiers compared
  kizuna sector profile   SECTOR                      CSF 2.0 requirements of a sector across nations

Each reads the sector configuration of --data DIR (DIR/sectors/ over the shipped
defaults) and validates it; --json prints JSON.`

func runSector(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, sectorUsage); handled {
		return err
	}
	sub := args[0]
	fs := flag.NewFlagSet("sector "+sub, flag.ContinueOnError)
	fs.Usage = usageFunc(fs, sectorUsage)
	fs.SetOutput(e.stderr)
	data := fs.String("data", defaultDataDir, "data directory whose sectors/ holds the operator's sector configuration")
	asJSON := fs.Bool("json", false, "print JSON")
	nation := fs.String("nation", "", "list: only this nation")
	from := fs.String("from", "", "crosswalk: from this nation")
	to := fs.String("to", "", "crosswalk: to this nation")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	cfg, err := routeapi.LoadConfig(*data)
	if err != nil {
		return err
	}
	pos := fs.Args()
	want := map[string]int{"list": 0, "show": 1, "crosswalk": 0, "diff": 2, "profile": 1}
	k, ok := want[sub]
	if !ok {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna sector: unknown subcommand %q (want list, show, crosswalk, diff or profile)", sub)}
	}
	if len(pos) != k {
		return &exitError{code: 2, msg: fmt.Sprintf("sector %s: want %d argument(s), got %d\n%s", sub, k, len(pos), sectorUsage)}
	}
	var v any
	var text func(io.Writer)
	switch sub {
	case "list":
		vs := cfg.Catalog.Nations()
		if *nation != "" {
			if cfg.Catalog.Vocabulary(*nation) == nil {
				return fmt.Errorf("sector list: nation %q has no sector vocabulary", *nation)
			}
			vs = []*sector.Vocabulary{cfg.Catalog.Vocabulary(*nation)}
		}
		v = vs
		text = func(w io.Writer) {
			for _, voc := range vs {
				fmt.Fprintf(w, "%s\t%s\t%d sectors\t%s\n", voc.Nation, voc.Title, len(voc.Sectors), voc.Version)
				for _, s := range voc.Sectors {
					fmt.Fprintf(w, "  %s\t%s\t%s\ttier %s\n", s.ID, s.Name, s.NameNative, tierText(cfg.Tiers.TierOf(s.ID)))
				}
			}
		}
	case "show":
		sv, err := routeapi.View(cfg, pos[0])
		if err != nil {
			return fmt.Errorf("sector show: %v", err)
		}
		v = sv
		text = func(w io.Writer) {
			fmt.Fprintf(w, "%s\t%s\t%s\tnation %s\ttier %s\n", sv.ID, sv.Name, sv.NameNative, sv.Nation, tierText(sv.Tier))
			for _, l := range sv.Links {
				fmt.Fprintf(w, "  %s %s\t%s\t%s\n", l.Relation, l.To, cfg.Catalog.Label(l.To), linkNote(l))
			}
		}
	case "crosswalk":
		cw, err := routeapi.Crosswalk(cfg.Catalog, *from, *to)
		if err != nil {
			return fmt.Errorf("sector crosswalk: %v", err)
		}
		v = cw
		text = func(w io.Writer) {
			for _, m := range cw.Mappings {
				weak := ""
				if m.Weak {
					weak = " (weak)"
				}
				fmt.Fprintf(w, "%s\t%s%s\t%s\t%s\n", m.Source, m.Relation, weak, m.Target, m.Rationale)
			}
			for _, u := range cw.Unmapped {
				fmt.Fprintf(w, "%s\tunmapped\t%s\t%s\n", u.Sector, strings.Join(u.Nations, ","), u.Note)
			}
			for _, g := range cw.Gaps {
				fmt.Fprintf(w, "%s\tgap\t%s\tneither mapped nor marked unmapped\n", g, *to)
			}
		}
	case "diff":
		d, err := cfg.Tiers.Diff(cfg.Catalog, pos[0], pos[1])
		if err != nil {
			return fmt.Errorf("sector diff: %v", err)
		}
		v = d
		text = func(w io.Writer) {
			if d.Example {
				fmt.Fprintln(w, "(example tiers)")
			}
			for _, r := range d.Rows {
				var cs []string
				for _, c := range r.Counterparts {
					cs = append(cs, fmt.Sprintf("%s %s (tier %s)", c.Relation, c.Sector, tierText(c.Tier)))
				}
				fmt.Fprintf(w, "%s\ttier %s\t%s\t%s\n", r.Sector, tierText(r.Tier), r.Verdict, strings.Join(cs, ", "))
			}
		}
	case "profile":
		c, err := cfg.Profiles.Compare(cfg.Catalog, pos[0])
		if err != nil {
			return fmt.Errorf("sector profile: %v", err)
		}
		v = c
		text = func(w io.Writer) {
			if c.Example {
				fmt.Fprintln(w, "(example profiles)")
			}
			fmt.Fprint(w, "subcategory")
			for _, p := range c.Profiles {
				fmt.Fprintf(w, "\t%s", p.Sector)
			}
			fmt.Fprintln(w, "\tverdict")
			for _, r := range c.Rows {
				fmt.Fprint(w, r.Subcategory)
				for _, q := range r.Requirements {
					fmt.Fprintf(w, "\t%s", requirementText(q))
				}
				fmt.Fprintf(w, "\t%s\n", r.Verdict)
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

// requirementText is a profile's requirement in a table cell.
func requirementText(q *sector.Requirement) string {
	switch {
	case q == nil:
		return "-"
	case q.Level != "" && q.Tier > 0:
		return fmt.Sprintf("%s, tier %d", q.Level, q.Tier)
	case q.Tier > 0:
		return fmt.Sprintf("tier %d", q.Tier)
	}
	return q.Level
}

func tierText(t int) string {
	if t == 0 {
		return "-"
	}
	return fmt.Sprint(t)
}

func linkNote(l sector.Link) string {
	var notes []string
	if l.Weak {
		notes = append(notes, "weak")
	}
	if l.Via != "" {
		notes = append(notes, "via "+l.Via)
	}
	if l.Rationale != "" {
		notes = append(notes, l.Rationale)
	}
	return strings.Join(notes, "; ")
}

// withNationalSectors adds the sector extension to an organisation's
// identity: sectors of its nation in the data directory's configuration.
func withNationalSectors(dir, nation string, raw []byte, ids []string) ([]byte, error) {
	cfg, err := routeapi.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if s := cfg.Catalog.Sector(id); s != nil && s.Nation() != nation {
			return nil, fmt.Errorf("--national-sector %s is a sector of %s, not of %s", id, s.Nation(), nation)
		}
	}
	return cfg.Catalog.WithSectors(raw, ids)
}
