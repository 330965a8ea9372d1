package federation

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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
