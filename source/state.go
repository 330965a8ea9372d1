package source

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kizuna-dev/kizuna"
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

// StateFile keeps every source's State in one document of the node's
// state (kizuna.StateStore: a file of the data directory, 0600, on SQLite;
// a row of the database on PostgreSQL), replaced whole at each change, so
// that a crash loses at most the page being stored (which the next pull
// reads again; the store's idempotence absorbs it). Every read goes to the
// store: among the instances of a node sharing PostgreSQL, the one that
// takes over a source's pulls continues from the cursor the last one
// stored.
type StateFile struct {
	st   kizuna.StateStore
	name string
}

// OpenState returns the state kept in the named document of st, checking
// that what it holds parses.
func OpenState(ctx context.Context, st kizuna.StateStore, name string) (*StateFile, error) {
	f := &StateFile{st: st, name: name}
	if _, err := f.All(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// Name is the document's name.
func (f *StateFile) Name() string { return f.name }

// Get returns a source's state.
func (f *StateFile) Get(ctx context.Context, name string) (State, error) {
	m, err := f.All(ctx)
	return m[name], err
}

// All returns every source's state.
func (f *StateFile) All(ctx context.Context) (map[string]State, error) {
	data, err := f.st.ReadState(ctx, f.name)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return map[string]State{}, nil
	} else if err != nil {
		return nil, err
	}
	return f.decode(data)
}

func (f *StateFile) decode(data []byte) (map[string]State, error) {
	m := map[string]State{}
	if data == nil {
		return m, nil
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", f.name, err)
	}
	return m, nil
}

// Update changes a source's state, atomically: concurrent updates (of the
// same source or of others, by this process or another instance) apply
// one after the other.
func (f *StateFile) Update(ctx context.Context, name string, fn func(*State)) error {
	return f.change(ctx, func(m map[string]State) {
		s := m[name]
		fn(&s)
		m[name] = s
	})
}

// Delete forgets a source.
func (f *StateFile) Delete(ctx context.Context, name string) error {
	return f.change(ctx, func(m map[string]State) { delete(m, name) })
}

func (f *StateFile) change(ctx context.Context, fn func(map[string]State)) error {
	return f.st.UpdateState(ctx, f.name, func(old []byte) ([]byte, error) {
		m, err := f.decode(old)
		if err != nil {
			return nil, err
		}
		fn(m)
		b, err := json.MarshalIndent(m, "", "  ")
		return append(b, '\n'), err
	})
}
