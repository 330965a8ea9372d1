package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/misp"
	"github.com/kizuna-dev/kizuna/node"
)

// flagValue returns the value args give a flag (--name V, --name=V, -name
// V, -name=V), before any "--".
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, p := range []string{"--" + name, "-" + name} {
			if a == p && i+1 < len(args) {
				return args[i+1], true
			}
			if len(a) > len(p) && a[:len(p)+1] == p+"=" {
				return a[len(p)+1:], true
			}
		}
	}
	return "", false
}

const importMISPUsage = `Usage: kizuna import --format misp --collection ID --mapping MAPPING.json [flags] FILE...
       kizuna import --format misp --collection ID --mapping MAPPING.json --feed DIR [FILE...]

Converts MISP events to STIX 2.1 and imports them: each FILE holds MISP JSON as MISP exports it
(an event, a list of events, a search response); --feed DIR reads a MISP feed directory through
its manifest.json. MAPPING.json says which of the node's marking-definitions stand for each MISP
distribution level, sharing group and restricting tag (docs/feeds.md); an event, object or
attribute whose distribution, sharing group or tag it does not map is refused and reported, never
imported under a wider marking. A file (or the feed) that cannot be read or converted whole is not
imported at all; the converted objects then go through the same ingest as 'kizuna import', each
stored or rejected on its own. The counts of attributes mapped and not mapped, by MISP type, and
every problem are printed.`

func runMISPImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = usageFunc(fs, importMISPUsage)
	data := nodeFlagsOf(fs)
	fs.String("format", "misp", "misp")
	collection := fs.String("collection", "", "collection id or alias to import into (required unless --dry-run)")
	mapping := fs.String("mapping", "", "the MISP marking mapping file (required)")
	feedDir := fs.String("feed", "", "a MISP feed directory (with manifest.json) to import")
	dryRun := fs.Bool("dry-run", false, "convert and report without storing anything")
	quiet := fs.Bool("quiet", false, "no progress line")
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *mapping == "" || (*collection == "" && !*dryRun) || fs.NArg() == 0 && *feedDir == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "import: --format misp needs --mapping, --collection, and FILEs or --feed DIR"}
	}
	cfg, err := misp.LoadConfig(*mapping)
	if err != nil {
		return &exitError{code: 2, msg: "import: --mapping " + err.Error()}
	}
	conv := misp.NewConverter(cfg)
	var events atomic.Int64
	stop := func() {}
	if isTerminal(e.stderr) && !*quiet {
		stop = progressLine(e.stderr, "converting MISP events", &events)
	}
	// Each source is converted whole before anything is stored: a source
	// that cannot be read or converted gives nothing.
	type converted struct {
		name string
		objs []json.RawMessage
	}
	var sources []converted
	var sum importSummary
	convert := func(name string, read func(fn func(file string, ev *misp.Event) error) error) {
		var objs []json.RawMessage
		err := read(func(file string, ev *misp.Event) error {
			o, err := conv.Convert(file, ev)
			objs = append(objs, o...)
			events.Add(1)
			return err
		})
		if err != nil {
			sum.notImported = append(sum.notImported, name+": "+err.Error())
			return
		}
		sources = append(sources, converted{name, objs})
	}
	if *feedDir != "" {
		convert(*feedDir, func(fn func(string, *misp.Event) error) error {
			return misp.ReadFeed(os.DirFS(*feedDir), fn)
		})
	}
	for _, name := range fs.Args() {
		convert(name, func(fn func(string, *misp.Event) error) error {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			evs, err := misp.ReadEvents(name, f)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				if err := fn(name, ev); err != nil {
					return err
				}
			}
			return nil
		})
	}
	stop()
	conv.Report.WriteTo(e.stdout)
	if *dryRun {
		for _, n := range sum.notImported {
			fmt.Fprintf(e.stdout, "would not be imported: %s\n", n)
		}
		if len(sum.notImported) > 0 {
			return &exitError{code: 1, msg: fmt.Sprintf("import: %d source(s) could not be converted", len(sum.notImported))}
		}
		return nil
	}

	logger, err := lf.logger(e.stderr)
	if err != nil {
		return err
	}
	n, err := data.open(ctx, logger)
	if err != nil {
		return err
	}
	defer n.Close()
	c, err := n.Store.FindCollectionByID(ctx, *collection)
	if err != nil {
		return fmt.Errorf("import: --collection %q: %s", *collection, errorText(err))
	}
	for _, src := range sources {
		if len(src.objs) == 0 {
			continue
		}
		if err := importConverted(ctx, e, n, c.ID, src.name, src.objs, !*quiet, &sum); err != nil {
			sum.print(e, *collection)
			return fmt.Errorf("import: %s", errorText(err))
		}
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "import.misp", Object: c.ID, Reason: fmt.Sprintf(
		"%d MISP events, %d attributes: %d mapped, %d not mapped, %d refused for their marking, %d under the fallback marking; %d STIX objects accepted, %d rejected; mapping %s",
		conv.Report.Events, conv.Report.Attributes, conv.Report.MappedCount(), conv.Report.NotMappedCount(),
		conv.Report.Refused, conv.Report.Restricted, sum.accepted, sum.rejected, *mapping)})
	sum.print(e, *collection)
	switch {
	case len(sum.notImported) > 0:
		return &exitError{code: 1, msg: fmt.Sprintf("import: %d source(s) not imported, %d object(s) rejected", len(sum.notImported), sum.rejected)}
	case sum.rejected > 0:
		return &exitError{code: 1, msg: fmt.Sprintf("import: %d object(s) rejected", sum.rejected)}
	}
	return nil
}

// importConverted imports the objects one MISP source was converted into,
// naming each rejected object on stderr and drawing a progress bar on a
// terminal.
func importConverted(ctx context.Context, e *env, n *cliNode, collection, name string, objs []json.RawMessage, progress bool, sum *importSummary) error {
	opt := node.ImportOptions{Rejected: func(msg string) { fmt.Fprintf(e.stderr, "rejected: %s\n", msg) }}
	if progress && isTerminal(e.stderr) {
		opt.Progress = &node.ImportProgress{}
		bar := newProgressBar(e.stderr, name, opt.Progress)
		defer bar.stop()
	}
	f, err := n.ImportObjects(ctx, collection, name, objs, opt)
	sum.add(f)
	return err
}
