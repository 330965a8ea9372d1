package feed

import (
	"context"

	"github.com/kizuna-dev/kizuna"
)

// Pages streams every version a filter selects, page by page, from a store.
// Pass the guarded store (the policy's guard) with the reader's principal in
// ctx: the export then holds exactly what the reader may read, redacted as
// the reader sees it. Set filter.Versions.Last so that each object comes
// once, and IncludeRaw (the exporters read the objects' JSON; ETag does
// not need it). The stream may be read more than once, each time from the
// first page.
func Pages(ctx context.Context, store kizuna.ObjectStore, filter kizuna.ObjectFilter) Objects {
	return func(yield func(*kizuna.Object, error) bool) {
		f := filter // each pass over the stream starts at the first page
		for {
			page, err := store.FindObjects(ctx, f)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, o := range page.Objects {
				if !yield(o, nil) {
					return
				}
			}
			if !page.More {
				return
			}
			f.Next = page.Next
		}
	}
}
