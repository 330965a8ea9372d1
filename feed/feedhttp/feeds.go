// Package feedhttp serves a node's feeds to the tools of a security
// operations centre that poll them: each feed, named in the node's feeds
// file, is an export of one collection in one format (feed.Spec), read as
// the authenticated principal through the guarded store, with entity tags
// and Last-Modified so that a poll that finds nothing new is answered 304
// before any object is read in full.
package feedhttp

import (
	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
	"github.com/kizuna-dev/kizuna/internal/namedlist"
)

// Feed is a named export for tools that poll it.
type Feed struct {
	// Name is the last segment of the feed's URL, /api/v1/feeds/{name}.
	Name string `json:"name"`
	// Collection is the id or alias of the collection exported.
	Collection string `json:"collection"`
	feed.Spec
}

// Validate checks the name, the collection and the spec.
func (f *Feed) Validate() error {
	if !namedlist.IsName(f.Name) {
		return kizuna.Errorf(kizuna.EINVALID, "name %q: want 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'", f.Name)
	}
	if f.Collection == "" {
		return kizuna.Errorf(kizuna.EINVALID, "feed %s: no collection", f.Name)
	}
	if err := f.Spec.Validate(); err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "feed %s: %s", f.Name, kizuna.ErrorMessage(err))
	}
	return nil
}

// EntryName names the feed in the feeds file.
func (f *Feed) EntryName() string { return f.Name }

// feedsKey is the feeds file's one key.
const feedsKey = "feeds"

// ParseFeeds reads and validates the feeds file's content; an error names
// the file and the entry. Unknown keys are refused, so that a misspelt
// option is not silently left at its default.
func ParseFeeds(name string, data []byte) ([]Feed, error) {
	return namedlist.Parse[Feed](name, feedsKey, data)
}

// MarshalFeeds returns the feeds file's content, feeds sorted by name.
func MarshalFeeds(feeds []Feed) ([]byte, error) { return namedlist.Marshal[Feed](feedsKey, feeds) }
