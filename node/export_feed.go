package node

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
)

// FeedExportOptions choose what ExportFeed writes.
type FeedExportOptions struct {
	// Collection is the id or alias of the collection exported.
	Collection string
	// Principal names the reader whose access decision the export is.
	Principal string
	// Spec is the format and its options.
	Spec feed.Spec
	// Options say what to report of the indicators left out.
	Options feed.Options
	// Read, when set, counts the objects read as the export goes.
	Read *atomic.Int64
	// Via says in the audit log how the export was asked for ("the
	// command line").
	Via string
}

// ExportFeed writes what the principal may read of a collection in a
// format a SOC tool reads (Suricata or Snort rules, a blocklist, CSV, a
// MISP event), through the same guard as every other read path, with its
// portion redaction. It returns what it wrote and left out, and the hash
// lists that go beside Suricata rules (for the caller to write), and says
// in the audit log what it exported.
func (n *Node) ExportFeed(ctx context.Context, w io.Writer, opt FeedExportOptions) (*feed.Report, []*feed.HashList, error) {
	p, err := n.Store.FindPrincipalByName(ctx, opt.Principal)
	if err != nil {
		return nil, nil, fmt.Errorf("principal %q: %s", opt.Principal, kizuna.ErrorMessage(err))
	} else if p.RevokedAt != nil {
		return nil, nil, fmt.Errorf("principal %q is revoked", opt.Principal)
	}
	ctx = kizuna.NewContextWithPrincipal(ctx, p)
	c, err := n.Guard.FindCollectionByID(ctx, opt.Collection)
	if err != nil {
		return nil, nil, fmt.Errorf("collection %q: %s", opt.Collection, kizuna.ErrorMessage(err))
	}
	filter := opt.Spec.Query(c.ID)
	filter.IncludeRaw = true
	now := time.Now()
	// The search narrows what the guard hands over: it never reads past it.
	objs := opt.Spec.Read(ctx, n.Guard, filter, now)
	if opt.Read != nil {
		objs = countingObjects(objs, opt.Read)
	}
	rep, lists, err := opt.Spec.Export(w, objs, now, opt.Options)
	if err != nil {
		return nil, nil, err
	}
	via := ""
	if opt.Via != "" {
		via = " by " + opt.Via
	}
	if !opt.Spec.Search.IsZero() {
		via += "; search " + opt.Spec.Search.String()
	}
	n.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: "feed.export", Object: c.ID, Decision: "allow",
		Reason: fmt.Sprintf("%s%s: %d read, %d exported, %d entries, %d lists, %d left out, %d in part; markings: %s",
			opt.Spec.Format, via, rep.Read, rep.Exported, rep.Entries, len(lists), rep.SkippedCount, rep.PartialCount, strings.Join(rep.Markings, "; "))})
	return rep, lists, nil
}

// countingObjects counts the objects a stream hands over.
func countingObjects(objs feed.Objects, n *atomic.Int64) feed.Objects {
	return func(yield func(*kizuna.Object, error) bool) {
		for o, err := range objs {
			if err == nil {
				n.Add(1)
			}
			if !yield(o, err) {
				return
			}
		}
	}
}
