package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CursorsFile holds the federation cursors in the data directory.
const CursorsFile = "federation-cursors.json"

// Cursors persists, per peer and collection, how far synchronisation got:
// for a push, the date_added of the last local version the peer confirmed;
// for a pull, the peer's date_added of the last version stored here. Each
// update is written atomically before the next batch starts, so a crash
// repeats at most one batch, which the receiver's idempotence absorbs.
type Cursors struct {
	path string
	mu   sync.Mutex
	m    map[string]time.Time
}

// OpenCursors loads the cursors file of dir (none yet is fine).
func OpenCursors(dir string) (*Cursors, error) {
	c := &Cursors{path: filepath.Join(dir, CursorsFile), m: map[string]time.Time{}}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &c.m); err != nil {
		return nil, fmt.Errorf("%s: %v", c.path, err)
	}
	return c, nil
}

func cursorKey(direction, peer, collection string) string {
	return direction + " " + peer + " " + collection
}

// Get returns a cursor; zero when none was saved.
func (c *Cursors) Get(direction, peer, collection string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[cursorKey(direction, peer, collection)]
}

// Set saves a cursor and writes the file.
func (c *Cursors) Set(direction, peer, collection string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[cursorKey(direction, peer, collection)] = t.UTC()
	return c.save()
}

// Forget drops the cursors of a peer (when it is removed).
func (c *Cursors) Forget(peer string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if strings.HasPrefix(k, cursorKey("push", peer, "")) || strings.HasPrefix(k, cursorKey("pull", peer, "")) {
			delete(c.m, k)
		}
	}
	return c.save()
}

// save writes the file; c.mu is held.
func (c *Cursors) save() error {
	b, err := json.MarshalIndent(c.m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(c.path, append(b, '\n'))
}
