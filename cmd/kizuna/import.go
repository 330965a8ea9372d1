package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/stix"
)

// importBatch is how many objects go to the store in one transaction (each
// object still atomic on its own, by savepoint): the store's own bound,
// sqlite's putBatchSize, so that an import writes as few pages per object
// as the store allows.
const importBatch = 5000

// importSummary counts an import's outcome.
type importSummary struct {
	accepted, unchanged, rejected int
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	collection := fs.String("collection", "", "collection id or alias to import into (required)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	var lf logFlags
	lf.register(fs)
	fs.Usage = usageFunc(fs, "Usage: kizuna import --collection ID [flags] FILE... ('-' reads standard input)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *collection == "" || fs.NArg() == 0 {
		fs.Usage()
		return &exitError{code: 2, msg: "import: --collection and at least one FILE are required"}
	}
	logger, err := lf.logger(e.stderr)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, *data, logger)
	if err != nil {
		return err
	}
	defer n.Close()

	ctx = ingest.AsOperator(ctx)
	var sum importSummary
	for _, name := range fs.Args() {
		if err := importFile(ctx, e, n, *collection, name, !*quiet, &sum); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "imported into %s: %d accepted (%d new, %d already present), %d rejected\n",
		*collection, sum.accepted, sum.accepted-sum.unchanged, sum.unchanged, sum.rejected)
	if sum.rejected > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("import: %d object(s) rejected", sum.rejected)}
	}
	return nil
}

// importFile streams one file (or stdin) through the ingest service in
// batches, so that memory stays flat whatever the file's size.
func importFile(ctx context.Context, e *env, n *node, collection, name string, progress bool, sum *importSummary) error {
	var r io.Reader
	var size int64
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		r = f
	}
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	// Files saved by some editors start with a UTF-8 byte-order mark, which
	// JSON does not allow; it carries no data.
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	var bar *progressBar
	if progress && isTerminal(e.stderr) {
		bar = newProgressBar(e.stderr, name, size, cr)
		defer bar.stop()
	}

	// One goroutine decodes batches ahead of the one being stored.
	type batchOrErr struct {
		objs     []json.RawMessage
		prepared *ingest.Prepared
		err      error
	}
	batches := make(chan batchOrErr, 2)
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		dec := stix.NewDecoder(br)
		batch := make([]json.RawMessage, 0, importBatch)
		send := func(b batchOrErr) bool {
			select {
			case batches <- b:
				return true
			case <-dctx.Done():
				return false
			}
		}
		for {
			raw, err := dec.Next()
			if errors.Is(err, io.EOF) {
				if len(batch) > 0 {
					send(batchOrErr{objs: batch})
				}
				return
			} else if err != nil {
				if len(batch) > 0 && !send(batchOrErr{objs: batch}) {
					return
				}
				send(batchOrErr{err: fmt.Errorf("%s: %w", name, err)})
				return
			}
			// Next's slice may alias the decoder's buffer; a batch outlives it.
			batch = append(batch, append(json.RawMessage(nil), raw...))
			if len(batch) == importBatch {
				if !send(batchOrErr{objs: batch}) {
					return
				}
				batch = make([]json.RawMessage, 0, importBatch)
			}
		}
	}()
	// A second stage parses and validates the next batch on every core while
	// the current one is labelled and stored.
	prepared := make(chan batchOrErr, 1)
	go func() {
		defer close(prepared)
		for b := range batches {
			if b.err == nil {
				b.prepared = n.ingest.Prepare(ctx, b.objs)
			}
			select {
			case prepared <- b:
			case <-dctx.Done():
				return
			}
		}
	}()
	for b := range prepared {
		if b.err != nil {
			return b.err
		}
		results, err := n.ingest.Commit(ctx, collection, b.prepared)
		if err != nil {
			return err
		}
		for _, res := range results {
			switch {
			case res.Err != nil:
				sum.rejected++
				// Messages name the object (its id, or its index) and the
				// JSON path themselves.
				fmt.Fprintf(e.stderr, "rejected: %s\n", kizuna.ErrorMessage(res.Err))
			case !res.Created:
				sum.accepted++
				sum.unchanged++
			default:
				sum.accepted++
			}
		}
		if bar != nil {
			bar.objects.Store(int64(sum.accepted + sum.rejected))
		}
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
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
	objects atomic.Int64
	done    chan struct{}
	stopped chan struct{}
}

func newProgressBar(w io.Writer, name string, size int64, cr *countingReader) *progressBar {
	b := &progressBar{done: make(chan struct{}), stopped: make(chan struct{})}
	start := time.Now()
	draw := func() {
		read := cr.n.Load()
		rate := float64(b.objects.Load()) / max(time.Since(start).Seconds(), 0.001)
		if size > 0 {
			const width = 30
			filled := int(float64(width) * float64(read) / float64(size))
			filled = min(max(filled, 0), width)
			fmt.Fprintf(w, "\r%s [%-*s] %3d%% %d objects (%.0f/s) ", name, width,
				strings.Repeat("#", filled), read*100/size, b.objects.Load(), rate)
		} else {
			fmt.Fprintf(w, "\r%s %d MB read, %d objects (%.0f/s) ", name, read>>20, b.objects.Load(), rate)
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
