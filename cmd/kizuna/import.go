package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/node"
)

// importSummary counts the outcome of an import of several files.
type importSummary struct {
	accepted, unchanged, rejected int
	// notImported names each file left out whole, with the reason.
	notImported []string
}

// add counts one file's outcome.
func (sum *importSummary) add(f node.ImportSummary) {
	sum.accepted += f.Accepted
	sum.unchanged += f.Unchanged
	sum.rejected += f.Rejected
	if f.NotImported != "" {
		sum.notImported = append(sum.notImported, f.NotImported)
	}
}

// print writes what the import stored.
func (sum *importSummary) print(e *env, collection string) {
	fmt.Fprintf(e.stdout, "imported into %s: %d accepted (%d new, %d already present), %d rejected\n",
		collection, sum.accepted, sum.accepted-sum.unchanged, sum.unchanged, sum.rejected)
	for _, n := range sum.notImported {
		fmt.Fprintf(e.stdout, "not imported, nothing stored from it: %s\n", n)
	}
}

func runImport(ctx context.Context, e *env, args []string) error {
	if f, _ := flagValue(args, "format"); f == "misp" {
		return runMISPImport(ctx, e, args) // import_misp.go
	}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	collection := fs.String("collection", "", "collection id or alias to import into (required)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	format := fs.String("format", "stix", "stix, or misp (see 'kizuna import --format misp -h')") // import_misp.go
	var lf logFlags
	lf.register(fs)
	fs.Usage = usageFunc(fs, "Usage: kizuna import --collection ID [flags] FILE... ('-' reads standard input)\n\n"+
		"Each file is a STIX bundle, a JSON list of objects or one object. A file whose JSON or bundle\n"+
		"envelope is invalid anywhere is not imported at all; otherwise each object is stored or\n"+
		"rejected on its own, and each rejection is named on stderr with the object id and JSON path.")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *format != "stix" {
		return &exitError{code: 2, msg: fmt.Sprintf("import: --format %q: want stix or misp", *format)}
	}
	if *collection == "" || fs.NArg() == 0 {
		fs.Usage()
		return &exitError{code: 2, msg: "import: --collection and at least one FILE are required"}
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

	var sum importSummary
	for _, name := range fs.Args() {
		if err := importFile(ctx, e, n, *collection, name, !*quiet, &sum); err != nil {
			// The node could not go on (a store failure, a file changed
			// under the import): say what was stored before it stopped.
			sum.print(e, *collection)
			return fmt.Errorf("import: %s", errorText(err))
		}
	}
	sum.print(e, *collection)
	switch {
	case len(sum.notImported) > 0:
		return &exitError{code: 1, msg: fmt.Sprintf("import: %d file(s) not imported, %d object(s) rejected", len(sum.notImported), sum.rejected)}
	case sum.rejected > 0:
		return &exitError{code: 1, msg: fmt.Sprintf("import: %d object(s) rejected", sum.rejected)}
	}
	return nil
}

// importFile imports one file, naming each rejected object on stderr and
// drawing a progress bar on a terminal.
func importFile(ctx context.Context, e *env, n *cliNode, collection, name string, progress bool, sum *importSummary) error {
	opt := node.ImportOptions{
		Stdin:    e.stdin,
		Rejected: func(msg string) { fmt.Fprintf(e.stderr, "rejected: %s\n", msg) },
	}
	if progress && isTerminal(e.stderr) {
		opt.Progress = &node.ImportProgress{}
		bar := newProgressBar(e.stderr, name, opt.Progress)
		defer bar.stop()
	}
	f, err := n.ImportFile(ctx, collection, name, opt)
	sum.add(f)
	return err
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressBar redraws one status line on a terminal every 200 ms.
type progressBar struct {
	done    chan struct{}
	stopped chan struct{}
}

func newProgressBar(w io.Writer, name string, p *node.ImportProgress) *progressBar {
	b := &progressBar{done: make(chan struct{}), stopped: make(chan struct{})}
	start := time.Now()
	draw := func() {
		read, size, objects := p.Read.Load(), p.Size.Load(), p.Objects.Load()
		rate := float64(objects) / max(time.Since(start).Seconds(), 0.001)
		if size > 0 {
			const width = 30
			filled := int(float64(width) * float64(read) / float64(size))
			filled = min(max(filled, 0), width)
			fmt.Fprintf(w, "\r%s [%-*s] %3d%% %d objects (%.0f/s) ", name, width,
				strings.Repeat("#", filled), read*100/size, objects, rate)
		} else {
			fmt.Fprintf(w, "\r%s %d MB read, %d objects (%.0f/s) ", name, read>>20, objects, rate)
		}
	}
	go func() {
		defer close(b.stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw()
			case <-b.done:
				draw()
				fmt.Fprintln(w)
				return
			}
		}
	}()
	return b
}

func (b *progressBar) stop() {
	close(b.done)
	<-b.stopped
}
