// Package feedhttp serves a node's feeds to the tools of a security
// operations centre that poll them: each feed, named in the node's feeds
// file, is an export of one collection in one format (feed.Spec), read as
// the authenticated principal through the guarded store, with entity tags
// and Last-Modified so that a poll that finds nothing new is answered 304
// before any object is read in full.
package feedhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/feed"
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
	if !isName(f.Name) {
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

func isName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// file is the JSON form of the feeds file.
type file struct {
	Feeds []Feed `json:"feeds"`
}

// LoadFeeds reads a feeds file; a file that does not exist holds no feeds.
func LoadFeeds(path string) ([]Feed, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return ParseFeeds(filepath.Base(path), data)
}

// ParseFeeds reads and validates the feeds file's content; an error names
// the file and the entry. Unknown keys are refused, so that a misspelt
// option is not silently left at its default.
func ParseFeeds(name string, data []byte) ([]Feed, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	seen := map[string]bool{}
	for i := range f.Feeds {
		fd := &f.Feeds[i]
		if err := fd.Validate(); err != nil {
			return nil, fmt.Errorf("%s: feeds[%d]: %s", name, i, kizuna.ErrorMessage(err))
		}
		if seen[fd.Name] {
			return nil, fmt.Errorf("%s: feeds[%d]: a second feed named %q", name, i, fd.Name)
		}
		seen[fd.Name] = true
	}
	return f.Feeds, nil
}

// MarshalFeeds returns the feeds file's content, feeds sorted by name.
func MarshalFeeds(feeds []Feed) ([]byte, error) {
	feeds = slices.Clone(feeds)
	slices.SortFunc(feeds, func(a, b Feed) int { return strings.Compare(a.Name, b.Name) })
	b, err := json.MarshalIndent(file{Feeds: feeds}, "", "  ")
	return append(b, '\n'), err
}
