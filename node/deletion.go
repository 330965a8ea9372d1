package node

import (
	"context"
	"time"

	"github.com/kizuna-dev/kizuna"
)

// Deletion is the removal of versions of one object from a collection by a
// principal (TAXII DELETE): the versions removed, as they were stored, with
// their labels and portions, so that whoever is told of it tells only the
// readers who could read them.
type Deletion struct {
	Collection string
	ID         string
	Versions   []*kizuna.Object
	At         time.Time
}

// SubscribeDeletions has fn receive the deletions made through this
// instance. fn must not block. It is called before the node serves, by a
// Mount.
func (n *Node) SubscribeDeletions(fn func(Deletion)) {
	n.deletionSubscribers = append(n.deletionSubscribers, fn)
}

// deleting returns the stored versions of id in the collection that a
// deletion of versions may remove (every one the store holds, whatever the
// deleter may see), or nil when nobody subscribes to deletions.
func (n *Node) deleting(ctx context.Context, collection, id string, versions kizuna.VersionMatch) ([]*kizuna.Object, error) {
	if len(n.deletionSubscribers) == 0 {
		return nil, nil
	}
	return n.versionsOf(ctx, collection, id, versions)
}

// versionsOf reads every stored version of id in the collection that
// versions selects.
func (n *Node) versionsOf(ctx context.Context, collection, id string, versions kizuna.VersionMatch) ([]*kizuna.Object, error) {
	f := kizuna.ObjectFilter{Collection: collection, IDs: []string{id}, Versions: versions,
		Access: kizuna.AccessScope{Unrestricted: true}}
	var out []*kizuna.Object
	for {
		page, err := n.Store.FindObjects(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Objects...)
		if !page.More {
			return out, nil
		}
		f.Next = page.Next
	}
}

// deleted tells the subscribers which of the versions read before a
// deletion the store no longer holds: a deleter removes only the versions
// it may see.
func (n *Node) deleted(ctx context.Context, collection, id string, before []*kizuna.Object) {
	if len(before) == 0 {
		return
	}
	after, err := n.versionsOf(ctx, collection, id, kizuna.VersionMatch{All: true})
	if err != nil {
		n.Logger.Warn("a deletion was not told to the streams: the versions left could not be read", "object", id, "err", err)
		return
	}
	left := map[time.Time]bool{}
	for _, o := range after {
		left[o.Version.UTC()] = true
	}
	d := Deletion{Collection: collection, ID: id, At: time.Now().UTC()}
	for _, o := range before {
		if !left[o.Version.UTC()] {
			d.Versions = append(d.Versions, o)
		}
	}
	if len(d.Versions) == 0 {
		return
	}
	for _, fn := range n.deletionSubscribers {
		fn(d)
	}
}
