package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/taxii"
)

// runDemo starts three federated nodes (USA, JPN, AUS) on loopback in this
// process, loads the sample data set on the nodes of its creators, and
// shows who sees what.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna demo [flags]")
	fs.SetOutput(e.stderr)
	dir := fs.String("dir", "", "directory for the nodes' data (default: a new temporary directory, removed at exit)")
	runFor := fs.Duration("for", 0, "stop after this long (default: run until interrupted)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "kizuna-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		root = tmp
	}
	nodes := demoNodes()
	for _, d := range nodes {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		d.ln = ln
		defer ln.Close()
	}
	byNode, err := splitSample(nodes)
	if err != nil {
		return err
	}
	if err := prepareDemo(ctx, root, nodes); err != nil {
		return err
	}

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, len(nodes))
	for _, d := range nodes {
		logFile, err := os.OpenFile(filepath.Join(d.dir, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer logFile.Close()
		logger := slog.New(slog.NewTextHandler(logFile, nil)).With("node", d.Name)
		cfg := serveConfig{Data: d.dir, Listen: d.ln.Addr().String(), ServeConfig: node.ServeConfig{MaxContentLength: 10 << 20, MaxPageSize: 1000, FedCatchUp: time.Second}}
		go func() { done <- serve(sctx, &env{stdout: io.Discard, stderr: io.Discard}, cfg, d.ln, logger) }()
	}
	for _, d := range nodes {
		if err := waitHealthy(ctx, d); err != nil {
			return err
		}
	}
	for _, d := range nodes {
		if err := demoPublish(ctx, d, byNode[d.Name]); err != nil {
			return err
		}
	}
	counts := settle(ctx, nodes)
	printDemo(e.stdout, root, nodes, counts)

	var timeout <-chan time.Time
	if *runFor > 0 {
		timeout = time.After(*runFor)
	}
	select {
	case <-ctx.Done():
	case <-timeout:
	case err := <-done:
		return err
	}
	stop()
	for range nodes {
		<-done
	}
	return nil
}

func waitHealthy(ctx context.Context, d *demoNode) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + d.ln.Addr().String() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("demo node %s did not start (see %s)", d.Name, filepath.Join(d.dir, "node.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *demoNode) reader(name string) *demoReader {
	for _, r := range d.Readers {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// demoPublish posts objects as the node's publisher. An object marked
// with a marking-definition another node defines is accepted once that
// node's federation has delivered the marking (with the first object that
// needs it): such refusals are posted again for a while.
func demoPublish(ctx context.Context, d *demoNode, objects []json.RawMessage) error {
	c := &taxii.Client{APIRoot: d.url(), Token: d.reader("publisher").Token}
	deadline := time.Now().Add(30 * time.Second)
	for len(objects) > 0 {
		st, err := c.AddObjects(ctx, node.DefaultAlias, objects)
		if err != nil {
			return err
		}
		if st, err = c.WaitStatus(ctx, st.ID, 20*time.Millisecond); err != nil {
			return err
		}
		var again []json.RawMessage
		for _, f := range st.Failures {
			if !strings.Contains(f.Message, "is unknown to this node") || time.Now().After(deadline) {
				return fmt.Errorf("demo node %s refused part of the sample: %s", d.Name, f.Message)
			}
			for _, raw := range objects {
				if objectID(raw) == f.ID {
					again = append(again, raw)
				}
			}
		}
		if len(again) > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		objects = again
	}
	return nil
}

// objectID returns the id of a raw object, or "".
func objectID(raw json.RawMessage) string {
	var h struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &h)
	return h.ID
}

// visible counts the objects a principal reads on its node.
func visible(ctx context.Context, d *demoNode, r *demoReader) (int, error) {
	c := &taxii.Client{APIRoot: d.url(), Token: r.Token}
	n := 0
	err := c.AllObjects(ctx, node.DefaultAlias, taxii.ObjectQuery{Limit: 1000}, func(p *taxii.ObjectsPage) error {
		n += len(p.Objects)
		return nil
	})
	return n, err
}

// settle waits until every reader's count has been stable for a second
// (federation has delivered), at most ten seconds, and returns the counts.
func settle(ctx context.Context, nodes []*demoNode) map[*demoReader]int {
	counts := map[*demoReader]int{}
	stable := 0
	for i := 0; i < 50 && stable < 5; i++ {
		changed := false
		for _, d := range nodes {
			for _, r := range d.Readers {
				if k, err := visible(ctx, d, r); err == nil && k != counts[r] {
					counts[r], changed = k, true
				}
			}
		}
		if changed {
			stable = 0
		} else {
			stable++
		}
		time.Sleep(200 * time.Millisecond)
	}
	return counts
}

func printDemo(w io.Writer, root string, nodes []*demoNode, counts map[*demoReader]int) {
	fmt.Fprintf(w, "kizuna demo: three federated nodes on loopback (data in %s)\n\n", root)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tTAXII API ROOT\tAGREEMENT CEILING (what peers send it)")
	for _, d := range nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s, communities %s, TLP up to %s\n", d.Name, d.url(), strings.Join(d.Ceiling, " "), strings.Join(d.Communities, " "), strings.ToUpper(d.MaxTLP))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nPrincipals, and how many objects of the sample each reads on its own node:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tPRINCIPAL\tCLEARANCES\tOBJECTS\tTOKEN")
	for _, d := range nodes {
		for _, r := range d.Readers {
			cl := strings.Join(r.Clearances, " ")
			if cl == "" {
				cl = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.Name, r.Name, cl, counts[r], r.Token)
		}
	}
	tw.Flush()
	jp, au := nodes[1], nodes[2]
	fmt.Fprintf(w, `
Try (jq optional):
  # what a JPN analyst (cleared 極秘) sees on the JPN node, including USA's SECRET//REL JPN:
  curl -s -H 'Authorization: Bearer %s' -H 'Accept: application/taxii+json;version=2.1' \
    %scollections/default/objects/ | jq -r '.objects[] | [.type, .name // .id] | @tsv'
  # what an AUS analyst sees on the AUS node: only what AUS may hold, TLP up to GREEN:
  curl -s -H 'Authorization: Bearer %s' -H 'Accept: application/taxii+json;version=2.1' \
    %scollections/default/objects/ | jq -r '.objects[] | [.type, .name // .id] | @tsv'
  # where a received object came from, and who signed it:
  ... | jq '.objects[] | {id, x_kizuna_provenance}'
  # publish on one node and read it on another within a second:
  curl -s -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/taxii+json;version=2.1' \
    -H 'Accept: application/taxii+json;version=2.1' --data @bundle.json %scollections/default/objects/

Logs: %s/<node>/node.log. Press Ctrl-C to stop.
`, jp.reader("jpn-analyst").Token, jp.url(), au.reader("aus-analyst").Token, au.url(),
		nodes[0].reader("publisher").Token, nodes[0].url(), root)
	_ = kizuna.TLPGreen
}
