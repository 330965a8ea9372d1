package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/stix"
)

func runExport(ctx context.Context, e *env, args []string) error {
	if feedFormatArg(args) != "" {
		return runFeedExport(ctx, e, args) // export_feed.go
	}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna export --collection ID [flags] > bundle.json")
	fs.SetOutput(e.stderr)
	data := dataFlag(fs)
	collection := fs.String("collection", "", "collection id or alias (required)")
	typ := fs.String("type", "", "only objects of these types (comma-separated)")
	addedAfter := fs.String("added-after", "", "only versions added after this timestamp (RFC 3339)")
	versions := fs.String("versions", "all", "which versions: all, last or first")
	as := fs.String("principal", adminName, "export what this principal may read")
	fs.String("format", "stix", "stix, or a feed format (see 'kizuna export --format csv -h')") // export_feed.go
	unrestricted := fs.Bool("unrestricted", false, "export every version whatever its markings, as the host operator (backups, moving a node; audited)")
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	principalSet := false
	fs.Visit(func(f *flag.Flag) { principalSet = principalSet || f.Name == "principal" })
	if *unrestricted && principalSet {
		return &exitError{code: 2, msg: "export: --unrestricted and --principal exclude each other"}
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
	collections, err := n.store.FindCollections(ctx)
	if err != nil {
		return err
	}
	if *unrestricted {
		// The host operator holds the data directory itself: this reads it
		// without a reader's decision, and says so in the audit log.
		c, err := n.store.FindCollectionByID(ctx, *collection)
		if err != nil {
			return fmt.Errorf("export: --collection %q: %s", *collection, kizuna.ErrorMessage(err))
		}
		n.audit(ctx, &kizuna.AuditEvent{Action: "export.unrestricted", Object: c.ID, Decision: "allow",
			Reason: "the host operator exported every version of the collection, whatever its markings"})
		all := kizuna.AccessScope{Unrestricted: true}
		filter.Access = all
		meta := &kizuna.MetaLookup{Objects: n.store, Collections: metaSearchOrder(collections, c.ID), Access: all}
		return writeBundle(ctx, e, n.store, filter, meta)
	}
	p, err := n.store.FindPrincipalByName(ctx, *as)
	if err != nil {
		return fmt.Errorf("export: --principal %q: %s", *as, kizuna.ErrorMessage(err))
	} else if p.RevokedAt != nil {
		return fmt.Errorf("export: --principal %q is revoked", *as)
	}
	// Exports read through the same guard as every other read path, the
	// meta objects the exported objects need included.
	ctx = kizuna.NewContextWithPrincipal(ctx, p)
	c, err := n.guard.FindCollectionByID(ctx, *collection)
	if err != nil {
		return fmt.Errorf("export: --collection %q: %s", *collection, kizuna.ErrorMessage(err))
	}
	meta := &kizuna.MetaLookup{Objects: n.objects, Collections: metaSearchOrder(collections, c.ID)}
	return writeBundle(ctx, e, n.objects, filter, meta)
}

// metaSearchOrder returns the collections in which an export or a peer
// looks for meta objects: the exported collection first, then the
// directory, then the others.
func metaSearchOrder(all []*kizuna.Collection, first string) []*kizuna.Collection {
	out := make([]*kizuna.Collection, 0, len(all))
	rank := func(c *kizuna.Collection) int {
		switch {
		case c.ID == first:
			return 0
		case c.Alias == directoryAlias:
			return 1
		}
		return 2
	}
	for r := 0; r < 3; r++ {
		for _, c := range all {
			if rank(c) == r {
				out = append(out, c)
			}
		}
	}
	return out
}

// writeBundle streams every page of the filter as one STIX bundle. With a
// finder, each object is preceded by the meta objects it needs that the
// reader may read (marking-definitions, extension-definitions, its
// creator), wherever they are stored, each written once: the bundle
// imports into a node that holds none of them.
func writeBundle(ctx context.Context, e *env, objects kizuna.ObjectStore, filter kizuna.ObjectFilter, finder kizuna.MetaFinder) error {
	w := bufio.NewWriterSize(e.stdout, 1<<16)
	fmt.Fprintf(w, `{"type":"bundle","id":"bundle--%s","objects":[`, kizuna.NewUUID())
	first := true
	write := func(raw []byte) {
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.WriteString("\n")
		w.Write(raw)
	}
	var meta *kizuna.MetaSet
	written := map[string]bool{} // meta versions written ahead of their place
	if finder != nil {
		meta = &kizuna.MetaSet{Finder: finder}
	}
	for {
		page, err := objects.FindObjects(ctx, filter)
		if err != nil {
			return fmt.Errorf("export: %s", kizuna.ErrorMessage(err))
		}
		for _, o := range page.Objects {
			key := metaVersionKey(o)
			if written[key] {
				continue
			}
			if meta == nil {
				write(o.Raw)
				continue
			}
			before, after, _, err := meta.Need(ctx, o)
			if err != nil {
				return fmt.Errorf("export: %s: %s", o.ID, kizuna.ErrorMessage(err))
			}
			for _, m := range slices.Concat(before, []*kizuna.Object{o}, after) {
				if k := metaVersionKey(m); !written[k] {
					written[k] = m != o
					write(m.Raw)
				}
			}
		}
		if !page.More {
			break
		}
		filter.Next = page.Next
	}
	w.WriteString("\n]}\n")
	return w.Flush()
}

// metaVersionKey names one version of an object.
func metaVersionKey(o *kizuna.Object) string {
	return o.ID + "@" + o.Version.UTC().Format(time.RFC3339Nano)
}
