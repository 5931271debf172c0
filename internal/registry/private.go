package registry

import (
	"io/fs"
	"os"
)

// privateDir makes the uploads folder dir, or tightens it, so that only this user
// may list or read it, whatever the umask: uploaded files hold personal data. The
// files in it are made by os.CreateTemp, mode 0600.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, fi.Mode().Perm()&^fs.FileMode(0o077))
	}
	return nil
}
