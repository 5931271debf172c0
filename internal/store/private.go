package store

import (
	"io/fs"
	"os"
)

// makePrivate makes the SQLite file at path, and the -wal and -shm files beside it,
// readable and writable by this user only, whatever the umask: the file holds
// personal data. SQLite creates a new database 0644, and its -wal and -shm with the
// database file's mode (os_unix.c, findCreateFileMode and unixOpenSharedMemory), so
// creating the file 0600 before SQLite first opens it (an empty file is an empty
// database) covers all three. Files left by an earlier version, or made elsewhere, are
// tightened; that is best effort, since a file of another owner cannot be changed and
// then SQLite's own open says what is wrong.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			_ = os.Chmod(p, fi.Mode().Perm()&^fs.FileMode(0o077))
		}
	}
	return nil
}
