package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna export --collection ID [flags] > bundle.json")
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	collection := fs.String("collection", "", "collection id or alias (required)")
	typ := fs.String("type", "", "only objects of these types (comma-separated)")
	addedAfter := fs.String("added-after", "", "only versions added after this timestamp (RFC 3339)")
	versions := fs.String("versions", "all", "which versions: all, last or first")
	as := fs.String("principal", adminName, "export what this principal may read")
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *collection == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "export: --collection is required"}
	}
	filter := kizuna.ObjectFilter{Collection: *collection, IncludeRaw: true, Limit: 1000}
	if *typ != "" {
		filter.Types = strings.Split(*typ, ",")
	}
	if *addedAfter != "" {
		t, err := stix.ParseTimestamp(*addedAfter)
		if err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("export: --added-after %q: %v", *addedAfter, err)}
		}
		filter.AddedAfter = &t
	}
	switch *versions {
	case "all":
		filter.Versions.All = true
	case "last":
		filter.Versions.Last = true
	case "first":
		filter.Versions.First = true
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("export: --versions %q: want all, last or first", *versions)}
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
	p, err := n.store.FindPrincipalByName(ctx, *as)
	if err != nil {
		return fmt.Errorf("export: --principal %q: %s", *as, kizuna.ErrorMessage(err))
	} else if p.RevokedAt != nil {
		return fmt.Errorf("export: --principal %q is revoked", *as)
	}
	// Exports read through the same guard as every other read path.
	ctx = kizuna.NewContextWithPrincipal(ctx, p)
	return writeBundle(ctx, e, n.objects, filter)
}

// writeBundle streams every page of the filter as one STIX bundle.
func writeBundle(ctx context.Context, e *env, objects kizuna.ObjectStore, filter kizuna.ObjectFilter) error {
	w := bufio.NewWriterSize(e.stdout, 1<<16)
	fmt.Fprintf(w, `{"type":"bundle","id":"bundle--%s","objects":[`, kizuna.NewUUID())
	first := true
	for {
		page, err := objects.FindObjects(ctx, filter)
		if err != nil {
			return fmt.Errorf("export: %s", kizuna.ErrorMessage(err))
		}
		for _, o := range page.Objects {
			if !first {
				w.WriteByte(',')
			}
			first = false
			w.WriteString("\n")
			w.Write(o.Raw)
		}
		if !page.More {
			break
		}
		filter.Next = page.Next
	}
	w.WriteString("\n]}\n")
	return w.Flush()
}
