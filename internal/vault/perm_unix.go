//go:build unix

package vault

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPrivate refuses a key file that the group or others may access, or that another
// user owns (a key planted by someone else is as bad as one they can read).
func checkPrivate(path string, info fs.FileInfo) error {
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, so other users may read it; run: chmod 600 %s",
			ErrInsecureKeyFile, path, perm, path)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: %s is owned by uid %d, not by this user (uid %d); run: chown %d %s && chmod 600 %s",
			ErrInsecureKeyFile, path, st.Uid, os.Geteuid(), os.Geteuid(), path, path)
	}
	return nil
}
