package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kizuna-dev/kizuna"
)

const collectionUsage = `Usage: kizuna collection add|list [flags]

  add   add a collection
  list  list the collections

Run 'kizuna collection SUBCOMMAND -h' for the flags of a subcommand.`

func runCollection(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, collectionUsage); handled {
		return err
	}
	switch args[0] {
	case "add":
		return runCollectionAdd(ctx, e, args[1:])
	case "list":
		return runCollectionList(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna collection: unknown subcommand %q (want add or list)", args[0])}
	}
}

func runCollectionAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("collection add", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna collection add --title TITLE [--alias ALIAS] [flags]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	id := fs.String("id", "", "collection id (a UUID; default: a new one)")
	title := fs.String("title", "", "title (required)")
	desc := fs.String("description", "", "description")
	alias := fs.String("alias", "", "a short alias usable in place of the id")
	readRoles := fs.String("read-roles", "reader,publisher,admin", "roles that may read (comma-separated)")
	writeRoles := fs.String("write-roles", "publisher,admin", "roles that may write (comma-separated)")
	nations := fs.String("nations", "", "if set, only principals of these nations may read or write")
	communities := fs.String("communities", "", "if set, readers and writers must hold all these communities")
	markings := fs.String("default-markings", "", "marking-definition ids for objects that carry none (default: TLP:AMBER releasable to the node's nation)")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *title == "" {
		return &exitError{code: 2, msg: "collection add: --title is required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	c := &kizuna.Collection{
		ID: *id, Title: *title, Description: *desc, Alias: *alias,
		CanRead:            kizuna.AccessRule{Roles: splitList(*readRoles), Nations: splitList(*nations), Communities: splitList(*communities)},
		CanWrite:           kizuna.AccessRule{Roles: splitList(*writeRoles), Nations: splitList(*nations), Communities: splitList(*communities)},
		DefaultMarkingRefs: splitList(*markings),
	}
	if err := n.CreateCollection(ctx, c); err != nil {
		return fmt.Errorf("collection add: %s", errorText(err))
	}
	fmt.Fprintln(e.stdout, c.ID)
	return nil
}

func runCollectionList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("collection list", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna collection list [--data DIR]")
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
	cs, err := n.Store.FindCollections(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tALIAS\tTITLE\tREAD ROLES\tWRITE ROLES")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Alias, c.Title,
			strings.Join(c.CanRead.Roles, ","), strings.Join(c.CanWrite.Roles, ","))
	}
	return tw.Flush()
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
