package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"sync"
	"time"

	"github.com/kizuna-dev/kizuna/internal/atomicfile"
)

// State is what the node knows of one source's pulls: the cursor to
// continue from, and its health.
type State struct {
	// Cursor is the date_added on the server up to which everything has
	// been stored; the next pull asks for what was added after it.
	Cursor      time.Time `json:"cursor,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// Failures counts the pulls that failed since the last success.
	Failures int `json:"failures,omitempty"`
	// Read, Stored and Refused count objects over every pull: read from
	// the server, stored as new versions, refused by ingest (validation or
	// the write rules; each refusal is audited).
	Read    int64 `json:"read,omitempty"`
	Stored  int64 `json:"stored,omitempty"`
	Refused int64 `json:"refused,omitempty"`
	// Gaps counts the instants where more objects shared one date_added
	// than the largest page held: some may have been skipped.
	Gaps int `json:"gaps,omitempty"`
	// NoDates is set when the server's last answer had no
	// X-TAXII-Date-Added-Last: the cursor cannot advance and each pull
	// reads the collection again.
	NoDates bool `json:"no_dates,omitempty"`
}

// Lag is how far behind the source's content the cursor is: now minus the
// cursor (zero before the first object).
func (s State) Lag(now time.Time) time.Duration {
	if s.Cursor.IsZero() {
		return 0
	}
	return now.Sub(s.Cursor)
}

// StateFile keeps every source's State in one file (0600), replaced whole
// at each change, so that a crash loses at most the page being stored
// (which the next pull reads again; the store's idempotence absorbs it).
type StateFile struct {
	path string
	mu   sync.Mutex
	m    map[string]State
}

// OpenState reads the state file, or starts an empty one.
func OpenState(path string) (*StateFile, error) {
	f := &StateFile{path: path, m: map[string]State{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &f.m); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return f, nil
}

// Path is the file's path.
func (f *StateFile) Path() string { return f.path }

// Get returns a source's state.
func (f *StateFile) Get(name string) State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[name]
}

// All returns every source's state.
func (f *StateFile) All() map[string]State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.m)
}

// Update changes a source's state and writes the file.
func (f *StateFile) Update(name string, fn func(*State)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.m[name]
	fn(&s)
	f.m[name] = s
	return f.write()
}

// Delete forgets a source.
func (f *StateFile) Delete(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, name)
	return f.write()
}

func (f *StateFile) write() error {
	b, err := json.MarshalIndent(f.m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(f.path, append(b, '\n'))
}
