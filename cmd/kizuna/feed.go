package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"text/tabwriter"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed/feedhttp"
	"github.com/kizuna-dev/kizuna/node"
)

// feedsFile is the document of the node's state naming the feeds that
// tools poll over HTTP (a file of the data directory, 0600, on SQLite; in
// the database, shared by every instance, on PostgreSQL).
const feedsFile = "feeds.json"

const feedUsage = `Usage: kizuna feed add|list|remove [flags]

  add     name a feed: a collection, or a saved search in it, exported in a format, at
          /api/v1/feeds/NAME
  list    list the feeds
  remove  remove a feed

A feed answers GET /api/v1/feeds/NAME with what the authenticated principal (HTTP Basic or a
bearer token) may read of the collection, narrowed by the feed's search (--type, --label,
--marking, --created-by, --modified-since) applied to what the principal may read, with ETag and Last-Modified: a poll with If-None-Match
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
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the feed's name, the last segment of its URL (required)")
	collection := fs.String("collection", "", "collection id or alias (required)")
	var sf specFlags
	sf.register(fs, false)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	spec, err := sf.spec()
	if err != nil {
		return &exitError{code: 2, msg: "feed add: " + errorText(err)}
	}
	fd := feedhttp.Feed{Name: *name, Collection: *collection, Spec: spec}
	if err := fd.Validate(); err != nil {
		return &exitError{code: 2, msg: "feed add: " + errorText(err)}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	c, err := n.Store.FindCollectionByID(ctx, fd.Collection)
	if err != nil {
		return fmt.Errorf("feed add: --collection %q: %s", fd.Collection, errorText(err))
	}
	fd.Collection = c.ID
	err = n.updateFeeds(ctx, func(feeds []feedhttp.Feed) ([]feedhttp.Feed, error) {
		if slices.ContainsFunc(feeds, func(f feedhttp.Feed) bool { return f.Name == fd.Name }) {
			return nil, fmt.Errorf("feed add: a feed named %q exists", fd.Name)
		}
		return append(feeds, fd), nil
	})
	if err != nil {
		return err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "feed.add", Object: c.ID, Reason: "feed " + fd.Name + ": " + fd.Spec.String()})
	what := "collection " + c.ID
	if fd.Search != nil {
		what += " matching " + fd.Search.String()
	}
	fmt.Fprintf(e.stdout, "feed %s: %s of %s at /api/v1/feeds/%s\n", fd.Name, fd.Format, what, fd.Name)
	return nil
}

func runFeedList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("feed list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna feed list [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	feeds, err := n.feeds(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCOLLECTION\tFORMAT\tOPTIONS\tSEARCH")
	for _, f := range feeds {
		opts := f.Spec
		opts.Format, opts.Search = "", nil
		search := f.Search.String()
		if search == "" {
			search = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.Collection, f.Format, opts.String(), search)
	}
	return tw.Flush()
}

func runFeedRemove(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("feed remove", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna feed remove --name NAME [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("name", "", "the feed to remove (required)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *name == "" {
		return &exitError{code: 2, msg: "feed remove: --name is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	var c string
	err = n.updateFeeds(ctx, func(feeds []feedhttp.Feed) ([]feedhttp.Feed, error) {
		i := slices.IndexFunc(feeds, func(f feedhttp.Feed) bool { return f.Name == *name })
		if i < 0 {
			return nil, fmt.Errorf("feed remove: no feed named %q", *name)
		}
		c = feeds[i].Collection
		return slices.Delete(feeds, i, i+1), nil
	})
	if err != nil {
		return err
	}
	n.Audit(ctx, &kizuna.AuditEvent{Action: "feed.remove", Object: c, Reason: "feed " + *name})
	fmt.Fprintf(e.stdout, "feed %s removed\n", *name)
	return nil
}

// feeds reads the node's feeds document; none is no feeds.
func (n *cliNode) feeds(ctx context.Context) ([]feedhttp.Feed, error) {
	return readFeeds(ctx, n.State)
}

// feedList is the feeds document.
var feedList = stateList[feedhttp.Feed]{name: feedsFile, parse: feedhttp.ParseFeeds, marshal: feedhttp.MarshalFeeds}

// readFeeds reads the feeds document of a node's state.
func readFeeds(ctx context.Context, st kizuna.StateStore) ([]feedhttp.Feed, error) {
	return feedList.read(ctx, st)
}

// updateFeeds replaces the feeds document with what fn makes of it.
func (n *cliNode) updateFeeds(ctx context.Context, fn func([]feedhttp.Feed) ([]feedhttp.Feed, error)) error {
	return feedList.update(ctx, n.State, fn)
}

// feedMount serves the feeds at /api/v1/feeds/ behind the same
// authentication, rate limits and error handling as TAXII, reading through
// the guard; the feeds document is read at each request, so that a feed
// added or removed, on any instance, takes effect at once.
func feedMount() node.Mount {
	return func(n *node.Node, r *node.Router) error {
		if _, err := readFeeds(context.Background(), n.State); err != nil {
			return err
		}
		h := &feedhttp.Handler{Objects: n.Guard, Collections: n.Guard, Logger: n.Logger, Audit: n.Audit,
			Feeds: func(ctx context.Context) ([]feedhttp.Feed, error) { return readFeeds(ctx, n.State) }}
		mux := http.NewServeMux()
		h.Register(mux)
		r.Mux.Handle("/api/v1/feeds/", r.Protect(mux))
		return nil
	}
}
