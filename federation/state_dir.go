package federation

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kizuna-dev/kizuna"
)

// DirState keeps the node's documents as files of its data directory, each
// written atomically and 0600.
type DirState string

var _ kizuna.StateStore = DirState("")

// ReadState reads the file named name.
func (d DirState) ReadState(_ context.Context, name string) ([]byte, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s: no such file", path)
	}
	return b, err
}

// WriteState replaces the file named name.
func (d DirState) WriteState(_ context.Context, name string, data []byte) error {
	path, err := d.path(name)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// dirLocks serialise the updates of each data directory's documents
// within the process: a data directory is served by one process.
var dirLocks sync.Map // path -> *sync.Mutex

// UpdateState rewrites the file named name with what fn makes of its
// content.
func (d DirState) UpdateState(ctx context.Context, name string, fn func(old []byte) ([]byte, error)) error {
	path, err := d.path(name)
	if err != nil {
		return err
	}
	mu, _ := dirLocks.LoadOrStore(path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data, err := fn(old)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// path returns the file of a document; a name is a plain file name.
func (d DirState) path(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", kizuna.Errorf(kizuna.EINVALID, "state document name %q: want a plain file name", name)
	}
	return filepath.Join(string(d), name), nil
}

// Where names a document for error messages: the file of a data directory,
// or the document's name.
func Where(st kizuna.StateStore, name string) string {
	if d, ok := st.(DirState); ok {
		return filepath.Join(string(d), name)
	}
	return name
}
