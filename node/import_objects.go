package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/ingest"
	"github.com/kizuna-dev/kizuna/stix"
)

// ImportObjects imports objects another format was converted into (a MISP
// event) into a collection as the host operator, named name in what it
// reports: through the same batches, validation and ingest as ImportFile's
// second pass. They were converted whole, so there is no first pass.
func (n *Node) ImportObjects(ctx context.Context, collection, name string, objs []json.RawMessage, opt ImportOptions) (ImportSummary, error) {
	var sum ImportSummary
	raw, err := json.Marshal(objs)
	if err != nil {
		return sum, err
	}
	if opt.Progress != nil {
		opt.Progress.Size.Store(int64(len(raw)))
	}
	passed := &checkGate{done: make(chan struct{})}
	close(passed.done)
	err = n.importObjects(ingest.AsOperator(ctx), collection, name, bytes.NewReader(raw), opt, &sum, passed)
	return sum, err
}

// importObjects is the second pass: it streams the objects of the input
// through the ingest service in batches, one goroutine decoding ahead and
// another parsing and validating the next batch on every core while the
// current one is labelled and stored. It stores the first batch only once
// the gate (the first pass) has passed the input.
func (n *Node) importObjects(ctx context.Context, collection, name string, in io.Reader, opt ImportOptions, sum *ImportSummary, gate *checkGate) error {
	if err := gateNow(gate); err != nil {
		return err
	}
	progress := opt.Progress
	if progress == nil {
		progress = &ImportProgress{}
	}
	br := skipBOM(&countingReader{r: in, n: &progress.Read})
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
				b.prepared = n.Ingest.Prepare(ctx, b.objs)
			}
			select {
			case prepared <- b:
			case <-dctx.Done():
				return
			}
		}
	}()
	checked := false
	for b := range prepared {
		if !checked {
			// Nothing is stored before the first pass has found the
			// whole input valid.
			if err := gate.wait(); err != nil {
				return &notImportedError{err}
			}
			checked = true
		}
		if b.err != nil {
			return b.err
		}
		results, err := n.Ingest.Commit(ctx, collection, b.prepared)
		if err != nil {
			return err
		}
		for i, res := range results {
			switch {
			case res.Err != nil:
				sum.Rejected++
				if opt.Rejected != nil {
					opt.Rejected(rejection(name, b.first+i, res))
				}
			case !res.Created:
				sum.Accepted++
				sum.Unchanged++
			default:
				sum.Accepted++
			}
		}
		progress.Objects.Store(int64(sum.Accepted + sum.Rejected))
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

// gateNow returns the first pass's refusal when it is already known, so
// that a refused input is not read again.
func gateNow(gate *checkGate) error {
	select {
	case <-gate.done:
		if gate.err != nil {
			return &notImportedError{gate.err}
		}
	default:
	}
	return nil
}

// importBatch is how many objects go to the store in one transaction (each
// object still atomic on its own, by savepoint): the store's own bound,
// sqlite's putBatchSize, so that an import writes as few pages per object
// as the store allows.
const importBatch = 5000

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
