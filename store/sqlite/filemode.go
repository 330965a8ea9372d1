package sqlite

import (
	"errors"
	"io/fs"
	"os"

	"github.com/kizuna-dev/kizuna"
)

// privateMode is the mode of every file of the store: the objects and the
// audit log are for the node's own user only.
const privateMode fs.FileMode = 0o600

// makePrivate creates the database file at path with mode 0600 if it does
// not exist, before SQLite opens it: SQLite creates its -wal and -shm files
// with the mode of the database file, whereas a file it created itself
// would take 0644 less the process's umask. An existing database file, or
// a companion left from an earlier run, that others may read is narrowed
// to 0600.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateMode)
	if err == nil {
		// Exactly 0600, whatever the umask took away.
		err = errors.Join(f.Chmod(privateMode), f.Close())
		if err != nil {
			return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: creating %s", path)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: creating %s", path)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: %s", p)
		}
		if st.Mode().Perm()&^privateMode != 0 {
			if err := os.Chmod(p, privateMode); err != nil {
				return kizuna.WrapError(kizuna.EINTERNAL, err, "sqlite: %s is readable by other users (mode %v) and cannot be made private", p, st.Mode().Perm())
			}
		}
	}
	return nil
}
