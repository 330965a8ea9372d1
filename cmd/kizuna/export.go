package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/stix"
)

func runExport(ctx context.Context, e *env, args []string) error {
	if feedFormatArg(args) != "" {
		return runFeedExport(ctx, e, args) // export_feed.go
	}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna export --collection ID [flags] > bundle.json")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	collection := fs.String("collection", "", "collection id or alias (required)")
	typ := fs.String("type", "", "only objects of these types (comma-separated)")
	addedAfter := fs.String("added-after", "", "only versions added after this timestamp (RFC 3339)")
	versions := fs.String("versions", "all", "which versions: all, last or first")
	as := fs.String("principal", node.AdminName, "export what this principal may read")
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
	filter := kizuna.ObjectFilter{Collection: *collection}
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
	n, err := data.open(ctx, logger)
	if err != nil {
		return err
	}
	defer n.Close()
	err = n.Export(ctx, e.stdout, node.ExportOptions{Filter: filter, Principal: *as, Unrestricted: *unrestricted})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
