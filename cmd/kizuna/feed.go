package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed/feedhttp"
	"github.com/kizuna-dev/kizuna/internal/atomicfile"
	"github.com/kizuna-dev/kizuna/taxii"
)

// feedsFile names the feeds that tools poll over HTTP (data directory,
// 0600).
const feedsFile = "feeds.json"

const feedUsage = `Usage: kizuna feed add|list|remove [flags]

  add     name a feed: a collection exported in a format, at /api/v1/feeds/NAME
  list    list the feeds
  remove  remove a feed

A feed answers GET /api/v1/feeds/NAME with what the authenticated principal (HTTP Basic or a
bearer token) may read of the collection, with ETag and Last-Modified: a poll with If-None-Match
or If-Modified-Since that finds nothing new is answered 304. A Suricata feed's hash lists are at
/api/v1/feeds/NAME/lists/FILE. Changes take effect at once, without a restart.

Run 'kizuna feed SUBCOMMAND -h' for the flags of a subcommand.`

func runFeed(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, feedUsage); handled {
		return err
	}
	switch args[0] {
	case "add":
		return runFeedAdd(ctx, e, args[1:])
	case "list":
		return runFeedList(ctx, e, args[1:])
	case "remove":
		return runFeedRemove(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna feed: unknown subcommand %q (want add, list or remove)", args[0])}
	}
}

func runFeedAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("feed add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna feed add --name NAME --collection ID --format FORMAT [flags]")
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	name := fs.String("name", "", "the feed's name, the last segment of its URL (required)")
	collection := fs.String("collection", "", "collection id or alias (required)")
	var sf specFlags
	sf.register(fs, false)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	spec, err := sf.spec()
	if err != nil {
		return &exitError{code: 2, msg: "feed add: " + kizuna.ErrorMessage(err)}
	}
	fd := feedhttp.Feed{Name: *name, Collection: *collection, Spec: spec}
	if err := fd.Validate(); err != nil {
		return &exitError{code: 2, msg: "feed add: " + kizuna.ErrorMessage(err)}
	}
	n, err := openNode(ctx, *data, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	c, err := n.store.FindCollectionByID(ctx, fd.Collection)
	if err != nil {
		return fmt.Errorf("feed add: --collection %q: %s", fd.Collection, kizuna.ErrorMessage(err))
	}
	fd.Collection = c.ID
	feeds, err := n.feeds()
	if err != nil {
		return err
	}
	if slices.ContainsFunc(feeds, func(f feedhttp.Feed) bool { return f.Name == fd.Name }) {
		return fmt.Errorf("feed add: a feed named %q exists", fd.Name)
	}
	if err := n.saveFeeds(append(feeds, fd)); err != nil {
		return err
	}
	n.audit(ctx, &kizuna.AuditEvent{Action: "feed.add", Object: c.ID, Reason: "feed " + fd.Name + ": " + fd.Spec.String()})
	fmt.Fprintf(e.stdout, "feed %s: %s of collection %s at /api/v1/feeds/%s\n", fd.Name, fd.Format, c.ID, fd.Name)
	return nil
}

func runFeedList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("feed list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna feed list [--data DIR]")
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	feeds, err := feedhttp.LoadFeeds(filepath.Join(*data, feedsFile))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCOLLECTION\tFORMAT\tOPTIONS")
	for _, f := range feeds {
		opts := f.Spec
		opts.Format = ""
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Collection, f.Format, opts.String())
	}
	return tw.Flush()
}

func runFeedRemove(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("feed remove", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna feed remove --name NAME [--data DIR]")
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	name := fs.String("name", "", "the feed to remove (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" {
		return &exitError{code: 2, msg: "feed remove: --name is required"}
	}
	n, err := openNode(ctx, *data, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	feeds, err := n.feeds()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(feeds, func(f feedhttp.Feed) bool { return f.Name == *name })
	if i < 0 {
		return fmt.Errorf("feed remove: no feed named %q", *name)
	}
	c := feeds[i].Collection
	if err := n.saveFeeds(slices.Delete(feeds, i, i+1)); err != nil {
		return err
	}
	n.audit(ctx, &kizuna.AuditEvent{Action: "feed.remove", Object: c, Reason: "feed " + *name})
	fmt.Fprintf(e.stdout, "feed %s removed\n", *name)
	return nil
}

// feeds reads the node's feeds file.
func (n *node) feeds() ([]feedhttp.Feed, error) {
	return feedhttp.LoadFeeds(filepath.Join(n.dir, feedsFile))
}

func (n *node) saveFeeds(feeds []feedhttp.Feed) error {
	b, err := feedhttp.MarshalFeeds(feeds)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(n.dir, feedsFile), b)
}

// feedRoutes serves the feeds behind the same authentication, rate limits
// and error handling as TAXII, reading through the guard.
func (n *node) feedRoutes(ts *taxii.Server) http.Handler {
	h := &feedhttp.Handler{Objects: n.guard, Collections: n.guard, Feeds: n.feeds, Audit: n.audit, Logger: n.logger}
	mux := http.NewServeMux()
	h.Register(mux)
	return ts.Protect(mux)
}
