package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/internal/jsonscan"
	"github.com/kizuna-dev/kizuna/stix"
)

// importFile imports one file (or stdin, "-") in two passes over it. The
// first checks, without storing anything, that the whole file is
// well-formed JSON with a valid bundle envelope (type, id, nothing after
// it): an envelope error can sit after the objects, and a file is imported
// all or nothing at that level. The second streams the objects through the
// ingest service in batches. Both keep memory flat whatever the file's
// size. Standard input, or any input that cannot be read twice, is spooled
// to a file in the data directory (0600, unlinked at once, so that nothing
// is left behind even by a crash) during the first pass.
//
// A file refused by the first pass is recorded in sum.notImported and is
// not an error; the error is for failures that stop the import.
func importFile(ctx context.Context, e *env, n *node, collection, name string, progress bool, sum *importSummary) error {
	src, err := openImportSource(e, n.dir, name)
	if err != nil {
		return err
	}
	defer src.close()
	if err := src.check(); err != nil {
		if kizuna.ErrorCode(err) != kizuna.EINVALID {
			return fmt.Errorf("%s: %w", name, err)
		}
		sum.notImported = append(sum.notImported, name+": "+kizuna.ErrorMessage(err))
		return nil
	}
	r, size, err := src.rewind()
	if err != nil {
		return err
	}
	return importObjects(ctx, e, n, collection, name, r, size, progress, sum)
}

// importSource is one input of an import, readable twice.
type importSource struct {
	name  string
	file  *os.File  // what the second pass reads: the file itself, or the spool
	owned bool      // file is closed with the source (not standard input)
	start int64     // offset of the input in file
	in    io.Reader // what the first pass reads (through the spool when spooling)
	rest  io.Reader // when spooling, the input not yet read into the spool
	spool *bufio.Writer
}

// openImportSource opens a file, or standard input for "-". A regular file
// is read twice in place; anything else is spooled.
func openImportSource(e *env, dir, name string) (*importSource, error) {
	src := &importSource{name: name}
	var in io.Reader
	if name == "-" {
		in = e.stdin
		if f, ok := e.stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				if off, err := f.Seek(0, io.SeekCurrent); err == nil {
					src.file, src.start, src.in = f, off, f
					return src, nil
				}
			}
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			src.file, src.in, src.owned = f, f, true
			return src, nil
		}
		in = f
		defer f.Close() // spooled below; the spool is what stays open
	}
	spool, err := os.CreateTemp(dir, ".import-*.spool")
	if err != nil {
		return nil, fmt.Errorf("spooling %s: %w", name, err)
	}
	// Unlinked at once: the open file stays readable, and nothing of it
	// remains once closed, even after a crash.
	if err := os.Remove(spool.Name()); err != nil {
		spool.Close()
		os.Remove(spool.Name())
		return nil, fmt.Errorf("spooling %s: %w", name, err)
	}
	src.file, src.rest, src.owned = spool, in, true
	src.spool = bufio.NewWriterSize(spool, 1<<20)
	src.in = io.TeeReader(in, src.spool)
	return src, nil
}

func (src *importSource) close() {
	if src.owned {
		src.file.Close()
	}
}

// check is the first pass: nil when the whole input is well-formed and its
// envelope valid, else an EINVALID error naming the byte offset.
func (src *importSource) check() error {
	err := checkEnvelope(skipBOM(src.in))
	if err == nil {
		return src.flush()
	} else if kizuna.ErrorCode(err) != kizuna.EINVALID {
		return err // the input could not be read
	}
	// Invalid: the decoder reads the input again for its own message, with
	// the byte offset in the input.
	again, rerr := src.reread()
	if rerr != nil {
		return rerr
	}
	if derr := decodeAll(skipBOM(again)); derr != nil {
		return derr
	}
	return err // the decoder accepts what the check refused (nesting deeper than 10,000 in all): refused still
}

// checkEnvelope reads a whole input and reports, as the STIX decoder would
// after returning every object, whether it is well-formed JSON with a valid
// envelope, several times faster than the decoder. Errors are EINVALID
// (their byte offsets may differ from the decoder's), or the reader's.
func checkEnvelope(r io.Reader) error {
	skeleton, err := jsonscan.Skeleton(r, "objects")
	var se *jsonscan.SyntaxError
	if errors.As(err, &se) {
		return kizuna.Errorf(kizuna.EINVALID, "%s", se.Error())
	} else if err != nil {
		return err
	}
	// The decoder judges the envelope on the skeleton (the bundle without
	// its objects), as it would on the whole input.
	return decodeAll(bytes.NewReader(skeleton))
}

// flush completes the spool once the first pass has read the input.
func (src *importSource) flush() error {
	if src.spool == nil {
		return nil
	}
	if err := src.spool.Flush(); err != nil {
		return fmt.Errorf("spooling %s: %w", src.name, err)
	}
	return nil
}

// reread returns the input from its start again, after a first pass that
// may have stopped early: a spool holds only what the first pass read, so
// the rest of the input follows it.
func (src *importSource) reread() (io.Reader, error) {
	if err := src.flush(); err != nil {
		return nil, err
	}
	if _, err := src.file.Seek(src.start, io.SeekStart); err != nil {
		return nil, err
	}
	if src.spool != nil {
		return io.MultiReader(src.file, src.rest), nil
	}
	return src.file, nil
}

// rewind returns the input for the second pass, and its size when known.
func (src *importSource) rewind() (io.Reader, int64, error) {
	if _, err := src.file.Seek(src.start, io.SeekStart); err != nil {
		return nil, 0, err
	}
	var size int64
	if st, err := src.file.Stat(); err == nil {
		size = st.Size() - src.start
	}
	return src.file, size, nil
}

// skipBOM drops a UTF-8 byte-order mark, which some editors write at the
// start of a file and JSON does not allow; it carries no data.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	return br
}

// decodeAll runs the STIX decoder over an input to its end.
func decodeAll(r io.Reader) error {
	dec := stix.NewDecoder(r)
	for {
		if _, err := dec.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// importObjects is the second pass: it streams the objects of a checked
// input through the ingest service in batches, one goroutine decoding
// ahead and another parsing and validating the next batch on every core
// while the current one is labelled and stored.
func importObjects(ctx context.Context, e *env, n *node, collection, name string, in io.Reader, size int64, progress bool, sum *importSummary) error {
	cr := &countingReader{r: in}
	br := skipBOM(cr)
	var bar *progressBar
	if progress && isTerminal(e.stderr) {
		bar = newProgressBar(e.stderr, name, size, cr)
		defer bar.stop()
	}
	type batchOrErr struct {
		objs     []json.RawMessage
		first    int // index in the file of the batch's first object
		prepared *ingest.Prepared
		err      error
	}
	batches := make(chan batchOrErr, 2)
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		dec := stix.NewDecoder(br)
		batch, first := make([]json.RawMessage, 0, importBatch), 0
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
			// io.EOF itself is the end; the decoder's errors for input
			// that ends too early wrap io.EOF, and they are errors.
			if err == io.EOF {
				if len(batch) > 0 {
					send(batchOrErr{objs: batch, first: first})
				}
				return
			} else if err != nil {
				// The first pass found the file valid: it changed since.
				send(batchOrErr{err: fmt.Errorf("%s changed during the import; objects before the change may have been stored: %s", name, kizuna.ErrorMessage(err))})
				return
			}
			// Next's slice may alias the decoder's buffer; a batch outlives it.
			batch = append(batch, append(json.RawMessage(nil), raw...))
			if len(batch) == importBatch {
				if !send(batchOrErr{objs: batch, first: first}) {
					return
				}
				batch, first = make([]json.RawMessage, 0, importBatch), first+importBatch
			}
		}
	}()
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
		for i, res := range results {
			switch {
			case res.Err != nil:
				sum.rejected++
				fmt.Fprintf(e.stderr, "rejected: %s\n", rejection(name, b.first+i, res))
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

// rejection describes a rejected object. Messages name the object id and
// the JSON path; an object without an id is named by the file and its
// index in it (the ingest service knows only its index in the batch).
func rejection(name string, index int, res kizuna.PutResult) string {
	msg := kizuna.ErrorMessage(res.Err)
	if res.ID != "" {
		return msg
	}
	for _, prefix := range []string{"object at index " + fmt.Sprint(index%importBatch) + ": ", "object at index: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return fmt.Sprintf("%s: object at index %d: %s", name, index, msg)
}
