// Package atomicfile replaces files so that a reader (a sensor loading its
// rules, the node reading its configuration) sees the old content or the
// new, never a part: the new content is written to a temporary file in the
// same directory (0600), synced, and renamed over the old.
package atomicfile

import (
	"os"
	"path/filepath"
)

// File is a file being written; the path holds its content only after
// Commit.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts replacing path.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs the content, renames it over the path and syncs the
// directory, so that a crash leaves the old content or the new.
func (f *File) Commit() error {
	if f.done {
		return os.ErrClosed
	}
	f.done = true
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if err := f.Sync(); err != nil {
		f.File.Close()
		return err
	}
	if err := f.File.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(f.path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Abort removes what was written; the path is left as it was. It is a
// no-op after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// WriteFile replaces path with data (0600).
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
