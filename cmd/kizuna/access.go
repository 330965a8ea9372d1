package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kizuna-dev/kizuna"
)

func runAccess(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, "Usage: kizuna access explain [flags]\n\nRun 'kizuna access explain -h' for its flags."); handled {
		return err
	}
	if args[0] != "explain" {
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna access: unknown subcommand %q (want explain)", args[0])}
	}
	fs := flag.NewFlagSet("access explain", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna access explain --principal NAME --object ID [--collection ID] [--data DIR]")
	fs.SetOutput(e.stderr)
	data := nodeFlagsOf(fs)
	name := fs.String("principal", "", "the principal (required)")
	id := fs.String("object", "", "the object id (required)")
	collection := fs.String("collection", "", "the collection (default: every collection holding the object)")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	if *name == "" || *id == "" {
		return &exitError{code: 2, msg: "access explain: --principal and --object are required"}
	}
	n, err := data.open(ctx, nil)
	if err != nil {
		return err
	}
	defer n.Close()
	p, err := n.Store.FindPrincipalByName(ctx, *name)
	if err != nil {
		return fmt.Errorf("access explain: principal %q: %s", *name, errorText(err))
	}
	if p.RevokedAt != nil {
		fmt.Fprintf(e.stdout, "DENY: principal %s is revoked\n", p.Name)
		return &exitError{code: 1}
	}
	objs, err := n.findEverywhere(ctx, *id, *collection)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("access explain: no object %s on this node", *id)}
	}
	allowed := false
	for _, o := range objs {
		c, err := n.Store.FindCollectionByID(ctx, o.Collection)
		if err != nil {
			return err
		}
		pctx := kizuna.NewContextWithPrincipal(ctx, p)
		fmt.Fprintf(e.stdout, "collection %s (%s): can_read=%t\n", c.ID, c.Title, n.Authorizer.CanRead(pctx, c))
		x := n.Policy.Explain(ctx, p, o)
		if _, err := x.WriteTo(e.stdout); err != nil {
			return err
		}
		allowed = allowed || (x.Decision.Allow && n.Authorizer.CanRead(pctx, c))
	}
	if !allowed {
		return &exitError{code: 1}
	}
	return nil
}

// findEverywhere returns the latest version of an object in the collection,
// or in every collection that holds it, with the labels filled in. It reads
// unrestricted: it serves the operator on the host, for explanations.
func (n *cliNode) findEverywhere(ctx context.Context, id, collection string) ([]*kizuna.Object, error) {
	var cols []string
	if collection != "" {
		cols = []string{collection}
	} else {
		cs, err := n.Store.FindCollections(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			cols = append(cols, c.ID)
		}
	}
	labels, err := n.Store.FindLabels(ctx, 0)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*kizuna.AccessLabel{}
	for _, l := range labels {
		byID[l.ID] = &l.Label
	}
	var out []*kizuna.Object
	for _, c := range cols {
		page, err := n.Store.FindObjects(ctx, kizuna.ObjectFilter{
			Collection: c, IDs: []string{id}, Versions: kizuna.VersionMatch{Last: true},
			Access: kizuna.AccessScope{Unrestricted: true}, IncludeRaw: true, Limit: 1,
		})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			if o.Label == nil {
				o.Label = byID[o.LabelID]
			}
			for i := range o.Portions {
				if o.Portions[i].Label == nil {
					o.Portions[i].Label = byID[o.Portions[i].LabelID]
				}
			}
			if o.Collection == "" {
				o.Collection = c
			}
			out = append(out, o)
		}
	}
	return out, nil
}
