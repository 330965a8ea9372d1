package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna/internal/atomicfile"
	"github.com/kizuna-dev/kizuna/stream"
)

// streamConfig is what 'kizuna stream' follows.
type streamConfig struct {
	collections, types, events listFlag
	since, cursorFile          string
	maxEvents                  int
}

// runStream prints a node's live stream as JSON lines, one event a line,
// for SOC tools: it reconnects on its own from the last event's id, and
// with --cursor-file it resumes where a previous run stopped.
func runStream(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("stream", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, `Usage: kizuna stream [--collection ID] [--types T,...] [--events KIND,...] [--since TIME|ID] [--cursor-file FILE] [flags]

Prints the node's live stream (GET /api/v1/stream) as JSON lines, one event
a line: what the principal of the token may read, as it is stored. On a
lost connection it reconnects and resumes after the last event printed.`)
	var af apiFlags
	af.register(fs)
	var cfg streamConfig
	fs.Var(&cfg.collections, "collection", "a collection (id or alias) to follow (repeatable; default: every one you may read)")
	fs.Var(&cfg.types, "types", "STIX types to follow, comma-separated (repeatable; default: all)")
	fs.Var(&cfg.events, "events", "event kinds to follow: object, incident, consultation, deletion (default: all)")
	fs.StringVar(&cfg.since, "since", "", "start from an RFC 3339 time or an event id (default: now, or the cursor file's)")
	fs.StringVar(&cfg.cursorFile, "cursor-file", "", "a file holding the id of the last event printed: read at start to resume, rewritten after each event")
	fs.IntVar(&cfg.maxEvents, "max-events", 0, "exit after this many events (0: follow until interrupted)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: "stream: unexpected argument " + fs.Arg(0)}
	}
	c, err := af.client()
	if err != nil {
		return &exitError{code: 2, msg: "stream: " + err.Error()}
	}
	lastID := ""
	if cfg.cursorFile != "" {
		b, err := os.ReadFile(cfg.cursorFile)
		switch {
		case err == nil:
			lastID = strings.TrimSpace(string(b))
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	q := url.Values{}
	for _, v := range cfg.collections {
		q.Add("collection", v)
	}
	for name, l := range map[string]listFlag{"types": cfg.types, "events": cfg.events} {
		if len(l) > 0 {
			q.Set(name, strings.Join(l, ","))
		}
	}
	if cfg.since != "" {
		q.Set("since", cfg.since)
	}
	f := &follower{c: c, hc: &http.Client{Transport: c.http.Transport}, url: c.base + stream.Path + "?" + q.Encode(),
		out: e.stdout, log: e.stderr, lastID: lastID, savedID: lastID, cursorFile: cfg.cursorFile, max: cfg.maxEvents}
	err = f.run(ctx)
	if ctx.Err() != nil {
		return nil // interrupted: a normal end
	}
	return err
}

// follower reads a stream, reconnecting as long as the node answers.
type follower struct {
	c          *apiClient
	hc         *http.Client // without the API client's time limit
	url        string
	out, log   io.Writer
	lastID     string
	cursorFile string
	max, seen  int
	// saved is when the cursor file was last written, savedID what.
	saved   time.Time
	savedID string
}

// save writes the last event id to the cursor file, when there is one and
// the id changed. It is written at most once a second while events flow,
// and when a connection ends: a run that is killed resumes at most a
// second of events early, and prints those again.
func (f *follower) save() error {
	if f.cursorFile == "" || f.lastID == f.savedID {
		return nil
	}
	if err := atomicfile.WriteFile(f.cursorFile, []byte(f.lastID+"\n")); err != nil {
		return err
	}
	f.saved, f.savedID = time.Now(), f.lastID
	return nil
}

// errDone ends a follower that printed the events asked for.
var errDone = errors.New("done")

// run follows the stream until ctx ends, the events asked for are
// printed, or the node refuses the request.
func (f *follower) run(ctx context.Context) error {
	wait := time.Second
	for {
		seen := f.seen
		retry, err := f.once(ctx)
		if f.seen > seen {
			wait = time.Second // the connection served: back off from the start
		}
		switch {
		case errors.Is(err, errDone):
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case retry == 0:
			return err
		}
		if retry > 0 {
			wait = retry
		}
		fmt.Fprintf(f.log, "kizuna stream: %v; reconnecting in %s\n", err, wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// once reads the stream over one connection. It returns the delay before
// reconnecting (-1: the usual back-off; 0: do not, the node refused).
func (f *follower) once(ctx context.Context) (retry time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+f.c.token)
	req.Header.Set("Accept", "text/event-stream")
	if f.lastID != "" {
		req.Header.Set("Last-Event-ID", f.lastID)
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return -1, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var body struct{ Title, Description string }
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &body) == nil && body.Description != "" {
			msg = body.Title + ": " + body.Description
		}
		err := fmt.Errorf("%d %s", resp.StatusCode, msg)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
				return time.Duration(s) * time.Second, err
			}
			return -1, err
		}
		return 0, err
	}
	defer func() {
		if serr := f.save(); serr != nil && err == nil {
			retry, err = 0, serr
		}
	}()
	rd := stream.NewReader(resp.Body)
	for {
		m, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the node ended the stream")
			}
			return -1, err
		}
		var line bytes.Buffer
		if err := json.Compact(&line, m.Data); err != nil {
			return 0, fmt.Errorf("event %q: its data is not JSON: %v", m.Event, err)
		}
		line.WriteByte('\n')
		if _, err := f.out.Write(line.Bytes()); err != nil {
			return 0, err
		}
		f.lastID = m.ID
		if time.Since(f.saved) >= time.Second {
			if err := f.save(); err != nil {
				return 0, err
			}
		}
		if f.seen++; f.max > 0 && f.seen >= f.max {
			return 0, errDone
		}
	}
}
