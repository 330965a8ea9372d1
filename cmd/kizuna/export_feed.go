package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna/federation"
	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/feed/feedhttp"
	"github.com/kizuna-dev/kizuna/internal/atomicfile"
	"github.com/kizuna-dev/kizuna/node"
)

// feedFormatArg returns the format an export's arguments ask for ("" for
// the STIX bundle), so that runExport hands feed formats to runFeedExport.
func feedFormatArg(args []string) string {
	if _, ok := flagValue(args, "feed"); ok {
		return "feed"
	}
	if f, _ := flagValue(args, "format"); f != "stix" {
		return f
	}
	return ""
}

const exportFeedUsage = `Usage: kizuna export --collection ID --format FORMAT [--principal NAME] [--out DIR] [flags]
       kizuna export --feed NAME [--principal NAME] [--out DIR]

Writes what the principal may read of the collection in a format a SOC tool reads: Suricata or
Snort rules, a blocklist, CSV or a MISP event; --type, --label, --marking, --created-by and
--modified-since narrow it to the objects matching them (a saved search). --feed exports a feed of the node's feeds file
(kizuna feed list) with its collection, format, options and search. Without --out the export goes to
standard output; Suricata rules need --out, since the rules that test file hashes load list files
written beside the rules file. Files are replaced whole (a sensor never reads a part). A summary
goes to stderr, with every indicator left out or exported in part and why.`

func runFeedExport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, exportFeedUsage)
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	collection := fs.String("collection", "", "collection id or alias")
	feedName := fs.String("feed", "", "export this feed of the feeds file instead of --collection and --format")
	as := fs.String("principal", node.AdminName, "export what this principal may read")
	out := fs.String("out", "", "write the files into this directory (required for suricata)")
	quiet := fs.Bool("quiet", false, "no progress line and no list of what was left out")
	var sf specFlags
	sf.register(fs, true)
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("export: unexpected argument %q", fs.Arg(0))}
	}
	logger, err := lf.logger(e.stderr)
	if err != nil {
		return err
	}
	var fd feedhttp.Feed
	var n *cliNode
	if *feedName != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, k := range append([]string{"collection", "format", "sid-range", "action", "subdomains", "columns", "observables", "valid-now", "misp-info", "misp-tags"}, searchFlags...) {
			if set[k] {
				return &exitError{code: 2, msg: "export: --feed names the collection, format, options and search; --" + k + " goes without it"}
			}
		}
		if n, err = data.open(ctx, logger); err != nil {
			return err
		}
		defer n.Close()
		feeds, err := n.feeds(ctx)
		if err != nil {
			return err
		}
		found := false
		for _, f := range feeds {
			if f.Name == *feedName {
				fd, found = f, true
			}
		}
		if !found {
			return &exitError{code: 2, msg: fmt.Sprintf("export: --feed %q: no such feed in %s", *feedName, federation.Where(n.State, feedsFile))}
		}
	} else {
		spec, err := sf.spec()
		if err != nil {
			return &exitError{code: 2, msg: "export: " + errorText(err)}
		}
		if *collection == "" {
			return &exitError{code: 2, msg: "export: --collection is required"}
		}
		fd = feedhttp.Feed{Collection: *collection, Spec: spec}
	}
	if fd.Format == feed.FormatSuricata && *out == "" {
		return &exitError{code: 2, msg: "export: suricata rules need --out DIR, for the hash list files the rules load"}
	}
	if n == nil {
		if n, err = data.open(ctx, logger); err != nil {
			return err
		}
		defer n.Close()
	}
	var read atomic.Int64
	stop := func() {}
	if isTerminal(e.stderr) && !*quiet {
		stop = progressLine(e.stderr, "export "+fd.Format, &read)
	}
	skipped := bufio.NewWriter(e.stderr)
	opt := feed.Options{MaxListed: 1}
	if !*quiet {
		opt.OnSkip = func(s feed.Skipped) {
			what := "left out"
			if s.Partial {
				what = "in part"
			}
			fmt.Fprintf(skipped, "%s: %s: %s\n", what, s.ID, s.Reason)
		}
	}
	// The export reads through the guard as the principal: the one access
	// decision, with its portion redaction.
	rep, lists, err := writeExport(e, *out, fd.Spec, func(w io.Writer) (*feed.Report, []*feed.HashList, error) {
		return n.ExportFeed(ctx, w, node.FeedExportOptions{Collection: fd.Collection, Principal: *as, Spec: fd.Spec,
			Options: opt, Read: &read, Via: "the command line"})
	})
	stop()
	skipped.Flush()
	if err != nil {
		return fmt.Errorf("export: %s", errorText(err))
	}
	printExportSummary(e.stderr, fd.Format, rep, lists)
	return nil
}

// writeExport writes an export to stdout, or into dir: the main file and
// any hash lists each replaced whole, only once the export has succeeded.
func writeExport(e *env, dir string, spec feed.Spec, export func(io.Writer) (*feed.Report, []*feed.HashList, error)) (*feed.Report, []*feed.HashList, error) {
	if dir == "" {
		w := bufio.NewWriterSize(e.stdout, 1<<16)
		rep, lists, err := export(w)
		if err != nil {
			return nil, nil, err
		}
		return rep, lists, w.Flush()
	}
	main, err := atomicfile.Create(filepath.Join(dir, spec.FileName()))
	if err != nil {
		return nil, nil, err
	}
	defer main.Abort()
	rep, lists, err := export(main)
	if err != nil {
		return nil, nil, err
	}
	files := []*atomicfile.File{main}
	for _, l := range lists {
		f, err := atomicfile.Create(filepath.Join(dir, l.Name))
		if err != nil {
			return nil, nil, err
		}
		defer f.Abort()
		if _, err := l.WriteTo(f); err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	// The lists first, so that the rules that load them never find them
	// missing.
	for i := len(files) - 1; i >= 0; i-- {
		if err := files[i].Commit(); err != nil {
			return nil, nil, err
		}
	}
	return rep, lists, nil
}

// printExportSummary says what an export wrote and left out.
func printExportSummary(w io.Writer, format string, rep *feed.Report, lists []*feed.HashList) {
	unit := map[string]string{feed.FormatSuricata: "rules", feed.FormatSnort: "rules", feed.FormatCSV: "rows", feed.FormatMISP: "attributes"}[format]
	if unit == "" {
		unit = "lines"
	}
	fmt.Fprintf(w, "exported %d of %d objects read as %s: %d %s", rep.Exported, rep.Read, format, rep.Entries, unit)
	if len(lists) > 0 {
		fmt.Fprintf(w, ", %d hash list files", len(lists))
	}
	fmt.Fprintf(w, "; %d left out, %d in part", rep.SkippedCount, rep.PartialCount)
	if rep.Collisions > 0 {
		fmt.Fprintf(w, ", %d rule ids derived again after a collision", rep.Collisions)
	}
	fmt.Fprintln(w)
	for typ, k := range rep.Ignored {
		fmt.Fprintf(w, "not carried by %s: %d %s\n", format, k, typ)
	}
	if len(rep.Markings) > 0 {
		fmt.Fprintf(w, "markings: %s\n", strings.Join(rep.Markings, "; "))
	}
}

// progressLine redraws one status line on a terminal every 200 ms until
// stopped: the objects read and the rate.
func progressLine(w io.Writer, name string, n *atomic.Int64) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	start := time.Now()
	draw := func() {
		k := n.Load()
		fmt.Fprintf(w, "\r%s: %d objects read (%.0f/s) ", name, k, float64(k)/max(time.Since(start).Seconds(), 0.001))
	}
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw()
			case <-done:
				draw()
				fmt.Fprintln(w)
				return
			}
		}
	}()
	return func() { close(done); <-stopped }
}
