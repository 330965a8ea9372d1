package pattern

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/kizuna-dev/kizuna/internal/jsonvalue"
)

// batchBytes is about how much JSON text one decoding job holds (a
// variable so that tests can make batches of a few bundles).
var batchBytes = 128 << 10

// bundleBatch is a run of consecutive bundles of the list, decoded by one
// worker.
type bundleBatch struct {
	text  strings.Builder
	elems []batchElem
	out   []*Bundle
	err   error
	done  chan struct{}
}

type batchElem struct {
	start, end int
	el         jsonvalue.Element // without its Text
}

var errStopped = errors.New("stopped")

// ReadBundles reads a JSON list of STIX 2.1 bundles (or one bundle) from r, decodes them on
// workers goroutines and calls fn with each bundle, in the order of the
// list, from the calling goroutine. Only a few batches of bundles are held
// at a time, so a list of any length takes bounded memory when fn keeps
// nothing. It returns the first error in the order of the list: a syntax
// error or a bundle that is not one (a *DataError naming the bundle, the
// object and the JSON path), the reader's error, or fn's; fn has then seen
// every bundle before it.
func ReadBundles(r io.Reader, workers int, fn func(*Bundle) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if first, err := firstByte(br); err != nil {
		return err
	} else if first == '{' {
		return readOneBundle(br, fn)
	}
	r = br
	workers = max(workers, 1)
	ordered := make(chan *bundleBatch, 2*workers)
	jobs := make(chan *bundleBatch, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var splitErr error
	wg.Add(1 + workers)
	go func() {
		defer wg.Done()
		defer close(ordered)
		defer close(jobs)
		batch := newBundleBatch()
		send := func() error {
			select {
			case ordered <- batch:
			case <-stop:
				return errStopped
			}
			jobs <- batch // a worker takes it: they stop only when jobs closes
			batch = newBundleBatch()
			return nil
		}
		splitErr = jsonvalue.Elements(r, func(e *jsonvalue.Element) error {
			start := batch.text.Len()
			batch.text.Write(e.Text)
			el := *e
			el.Text = nil
			batch.elems = append(batch.elems, batchElem{start, batch.text.Len(), el})
			if batch.text.Len() >= batchBytes {
				return send()
			}
			return nil
		})
		if len(batch.elems) > 0 && splitErr != errStopped {
			send()
		}
	}()
	for range workers {
		go func() {
			defer wg.Done()
			var dec jsonvalue.Decoder
			for b := range jobs {
				b.decode(&dec)
			}
		}()
	}
	err := func() error {
		for b := range ordered {
			<-b.done
			for _, x := range b.out {
				if err := fn(x); err != nil {
					return err
				}
			}
			if b.err != nil {
				return b.err
			}
		}
		return nil
	}()
	close(stop)
	for range ordered {
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if se, ok := splitErr.(*jsonvalue.SyntaxError); ok {
		return syntaxError(se, false)
	}
	return splitErr
}

func newBundleBatch() *bundleBatch {
	b := &bundleBatch{done: make(chan struct{}), elems: make([]batchElem, 0, 256)}
	b.text.Grow(batchBytes + 16<<10)
	return b
}

// decode decodes the batch's bundles, up to the first error.
func (b *bundleBatch) decode(dec *jsonvalue.Decoder) {
	defer close(b.done)
	text := b.text.String()
	b.out = make([]*Bundle, 0, len(b.elems))
	for i := range b.elems {
		e := &b.elems[i]
		doc, err := dec.DecodeString(text[e.start:e.end])
		if err != nil {
			var se *jsonvalue.SyntaxError
			if errors.As(e.el.Locate(err), &se) {
				err = syntaxError(se, false)
			}
			b.err = err
			return
		}
		bundle, err := bundleOf(doc, "bundle["+strconv.Itoa(e.el.Index)+"]")
		if err != nil {
			b.err = err
			return
		}
		b.out = append(b.out, bundle)
	}
}

// firstByte returns the first byte after white space without consuming
// anything; 0 at the end of the input or past the buffer.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; n <= br.Size(); n++ {
		p, err := br.Peek(n)
		if len(p) < n {
			if err == io.EOF {
				err = nil
			}
			return 0, err
		}
		if c := p[n-1]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
	return 0, nil
}

// readOneBundle reads a file that holds one bundle, not a list.
func readOneBundle(r io.Reader, fn func(*Bundle) error) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	doc, err := jsonvalue.Decode(data)
	if se, ok := err.(*jsonvalue.SyntaxError); ok {
		return syntaxError(se, true)
	}
	if err != nil {
		return err
	}
	b, err := bundleOf(doc, "bundle")
	if err != nil {
		return err
	}
	return fn(b)
}
