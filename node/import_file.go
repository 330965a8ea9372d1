package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/internal/jsonscan"
	"github.com/kizuna-dev/kizuna/stix"
)

// ImportOptions tune ImportFile.
type ImportOptions struct {
	// Stdin is what the name "-" reads.
	Stdin io.Reader
	// Rejected, when set, receives the description of each rejected
	// object: its id and the JSON path of the problem, or the file and the
	// object's index in it.
	Rejected func(msg string)
	// Progress, when set, is kept up to date as the import goes.
	Progress *ImportProgress
}

// ImportProgress is how far an import got, updated as it goes.
type ImportProgress struct {
	Size    atomic.Int64 // the input's size in bytes (0: not known)
	Read    atomic.Int64 // bytes the second pass read
	Objects atomic.Int64 // objects stored or rejected
}

// ImportSummary counts an import's outcome.
type ImportSummary struct {
	Accepted, Unchanged, Rejected int
	// NotImported is why the file was left out whole ("" when it was not).
	NotImported string
}

// ImportFile imports one file (or Stdin, "-") into a collection as the
// host operator, in two passes over it. The first checks, without storing
// anything, that the whole file is well-formed JSON with a valid bundle
// envelope (type, id, nothing after it): an envelope error can sit after
// the objects, and a file is imported all or nothing at that level. The
// second streams the objects through the ingest service in batches. Both
// keep memory flat whatever the file's size. Standard input, or any input
// that cannot be read twice, is spooled to a file in the data directory
// (0600, unlinked at once, so that nothing is left behind even by a crash)
// during the first pass. A named file is read by both passes at once: the
// second decodes and validates its first batches while the first runs, and
// stores nothing before it has passed.
//
// A file refused by the first pass is reported in NotImported and is not
// an error; the error is for failures that stop the import (what was
// stored before is counted).
func (n *Node) ImportFile(ctx context.Context, collection, name string, opt ImportOptions) (ImportSummary, error) {
	ctx = ingest.AsOperator(ctx)
	var sum ImportSummary
	src, err := openImportSource(opt.Stdin, n.Dir, name)
	if err != nil {
		return sum, err
	}
	defer src.close()
	gate := &checkGate{done: make(chan struct{})}
	var r io.Reader
	var size int64
	if src.spool == nil && name != "-" {
		again, err := os.Open(name)
		if err != nil {
			return sum, err
		}
		defer again.Close()
		if st, err := again.Stat(); err == nil {
			size = st.Size()
		}
		go gate.run(src.check)
		defer gate.wait() // the check reads src, which is closed on return
		r = again
	} else {
		gate.run(src.check)
		if gate.err == nil {
			if r, size, err = src.rewind(); err != nil {
				return sum, err
			}
		}
	}
	if opt.Progress != nil {
		opt.Progress.Size.Store(size)
	}
	err = n.importObjects(ctx, collection, name, r, opt, &sum, gate)
	var refused *notImportedError
	if errors.As(err, &refused) {
		if kizuna.ErrorCode(refused.err) != kizuna.EINVALID {
			return sum, fmt.Errorf("%s: %w", name, refused.err)
		}
		sum.NotImported = name + ": " + kizuna.ErrorMessage(refused.err)
		return sum, nil
	}
	return sum, err
}

// checkGate holds the first pass's verdict for the second, which stores
// nothing before it.
type checkGate struct {
	done chan struct{}
	err  error
}

func (g *checkGate) run(check func() error) {
	g.err = check()
	close(g.done)
}

func (g *checkGate) wait() error {
	<-g.done
	return g.err
}

// notImportedError is a first pass's refusal, or its failure to read the
// input, which leaves the file out whole.
type notImportedError struct{ err error }

func (e *notImportedError) Error() string { return e.err.Error() }

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
func openImportSource(stdin io.Reader, dir, name string) (*importSource, error) {
	src := &importSource{name: name}
	var in io.Reader
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("-: no standard input to read")
		}
		in = stdin
		if f, ok := stdin.(*os.File); ok {
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
