package node

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// Filter selects the collection (required), the types, the versions
	// and added_after; paging is Export's.
	Filter kizuna.ObjectFilter
	// Principal names the reader whose access decision the export is.
	Principal string
	// Unrestricted exports every version whatever its markings, as the
	// host operator (backups, moving a node), and says so in the audit
	// log; Principal is then unused.
	Unrestricted bool
}

// Export writes a collection as one STIX bundle: what the principal may
// read, through the same guard as every other read path, each object
// preceded by the meta objects it needs that the principal may read.
func (n *Node) Export(ctx context.Context, w io.Writer, opt ExportOptions) error {
	filter := opt.Filter
	filter.IncludeRaw, filter.Next = true, ""
	if filter.Limit <= 0 {
		filter.Limit = 1000
	}
	collections, err := n.Store.FindCollections(ctx)
	if err != nil {
		return err
	}
	if opt.Unrestricted {
		// The host operator holds the node's store itself: this reads it
		// without a reader's decision, and says so in the audit log.
		c, err := n.Store.FindCollectionByID(ctx, filter.Collection)
		if err != nil {
			return fmt.Errorf("collection %q: %s", filter.Collection, kizuna.ErrorMessage(err))
		}
		n.Audit(ctx, &kizuna.AuditEvent{Action: "export.unrestricted", Object: c.ID, Decision: "allow",
			Reason: "the host operator exported every version of the collection, whatever its markings"})
		all := kizuna.AccessScope{Unrestricted: true}
		filter.Access = all
		meta := &kizuna.MetaLookup{Objects: n.Store, Collections: metaSearchOrder(collections, c.ID), Access: all}
		return WriteBundle(ctx, w, n.Store, filter, meta)
	}
	p, err := n.Store.FindPrincipalByName(ctx, opt.Principal)
	if err != nil {
		return fmt.Errorf("principal %q: %s", opt.Principal, kizuna.ErrorMessage(err))
	} else if p.RevokedAt != nil {
		return fmt.Errorf("principal %q is revoked", opt.Principal)
	}
	ctx = kizuna.NewContextWithPrincipal(ctx, p)
	c, err := n.Guard.FindCollectionByID(ctx, filter.Collection)
	if err != nil {
		return fmt.Errorf("collection %q: %s", filter.Collection, kizuna.ErrorMessage(err))
	}
	filter.Access = kizuna.AccessScope{}
	meta := &kizuna.MetaLookup{Objects: n.Guard, Collections: metaSearchOrder(collections, c.ID)}
	return WriteBundle(ctx, w, n.Guard, filter, meta)
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
		case c.Alias == DirectoryAlias:
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

// WriteBundle streams every page of the filter as one STIX bundle. With a
// finder, each object is preceded by the meta objects it needs that the
// reader may read (marking-definitions, extension-definitions, its
// creator), wherever they are stored, each written once: the bundle
// imports into a node that holds none of them.
func WriteBundle(ctx context.Context, out io.Writer, objects kizuna.ObjectStore, filter kizuna.ObjectFilter, finder kizuna.MetaFinder) error {
	w := bufio.NewWriterSize(out, 1<<16)
	fmt.Fprintf(w, `{"type":"bundle","id":"bundle--%s","objects":[`, kizuna.NewUUID())
	first := true
	var exercises []string // of the exercise data written, for the banner
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
			return errors.New(kizuna.ErrorMessage(err))
		}
		for _, o := range page.Objects {
			exercises = append(exercises, kizuna.ExercisesOfObject(o)...)
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
				return fmt.Errorf("%s: %s", o.ID, kizuna.ErrorMessage(err))
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
	w.WriteString("\n]")
	if b := exerciseBanner(exercises); b != "" {
		// Exercise data (an export of the exercises collection: no other
		// read holds it) is bannered (docs/exercises.md, rule 4).
		fmt.Fprintf(w, ",\n%q:%s", ExportBannerProperty, b)
	}
	w.WriteString("}\n")
	return w.Flush()
}

// ExportBannerProperty is the top-level bundle property of an export that
// holds exercise data: its EXERCISE banner.
const ExportBannerProperty = "x_kizuna_banner"

// exerciseBanner is the JSON string of the EXERCISE banner of the
// exercises, or "" for none.
func exerciseBanner(exercises []string) string {
	slices.Sort(exercises)
	exercises = slices.Compact(exercises)
	if len(exercises) == 0 {
		return ""
	}
	b, _ := json.Marshal(kizuna.ExerciseBanner(exercises))
	return string(b)
}

// metaVersionKey names one version of an object.
func metaVersionKey(o *kizuna.Object) string {
	return o.ID + "@" + o.Version.UTC().Format(time.RFC3339Nano)
}
