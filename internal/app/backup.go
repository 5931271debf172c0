package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// ErrPostgresBackup is gotong backup or restore asked of a PostgreSQL deployment,
// which PostgreSQL's own tools back up.
var ErrPostgresBackup = errors.New(`this deployment uses PostgreSQL: back it up with pg_dump -Fc and restore it with pg_restore, ` +
	`or use continuous archiving (README, "Backups"); gotong backup and restore copy a SQLite database`)

// ErrBackupExists is a backup file that is already there; --force replaces it.
var ErrBackupExists = errors.New("already exists (give --force to replace it)")

// Copy describes a checked copy of a SQLite database.
type Copy struct {
	File   string
	Bytes  int64
	Schema int64  // the copy's schema version
	Want   int64  // the schema version this program migrates to
	KeyID  string // fingerprint of the personal-data key the copy was written with
	Audit  int64  // audit entries checked
}

// sqlitePath is the SQLite file of cfg, or ErrPostgresBackup.
func sqlitePath(cfg Config) (string, error) {
	dsn := cfg.DSN()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "", ErrPostgresBackup
	}
	if strings.Contains(dsn, "://") {
		return "", fmt.Errorf("unsupported database URL scheme in --db (use postgres:// or sqlite:PATH)")
	}
	return strings.TrimPrefix(dsn, "sqlite:"), nil
}

// Backup writes a consistent copy of the deployment's SQLite database to file while
// servers may go on writing (store.CopySQLite). The copy is made beside file under a
// temporary name, checked (integrity, schema version, key fingerprint), synced, and
// only then given its name: a crash or a failed check leaves no half-written file
// named file. An existing file is refused unless force.
func Backup(ctx context.Context, cfg Config, file string, force bool) (Copy, error) {
	src, err := sqlitePath(cfg)
	if err != nil {
		return Copy{}, err
	}
	fi, err := os.Stat(src)
	if err != nil {
		return Copy{}, fmt.Errorf("no database to back up (give --data or --db): %w", err)
	}
	if to, err := os.Stat(file); err == nil && os.SameFile(fi, to) {
		return Copy{}, fmt.Errorf("%s is the database itself: write the backup elsewhere", file)
	}
	if !force {
		if _, err := os.Lstat(file); err == nil {
			return Copy{}, fmt.Errorf("%s %w", file, ErrBackupExists)
		}
	}
	tmp, err := tempBeside(file)
	if err != nil {
		return Copy{}, err
	}
	defer removeSQLite(tmp) // the temporary name only: a copy put in place has its own
	if err := store.CopySQLite(ctx, src, tmp); err != nil {
		return Copy{}, err
	}
	db, err := open(ctx, tmp)
	if err != nil {
		return Copy{}, fmt.Errorf("the copy fails its check: %w", err)
	}
	c, err := inspect(ctx, db)
	db.Close()
	if err != nil {
		return Copy{}, fmt.Errorf("the copy fails its check: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return Copy{}, err
	}
	if force {
		err = os.Rename(tmp, file)
	} else if err = os.Link(tmp, file); errors.Is(err, fs.ErrExist) {
		// Link, unlike Rename, never replaces: a file that appeared meanwhile stays.
		err = fmt.Errorf("%s %w", file, ErrBackupExists)
	}
	if err != nil {
		return Copy{}, err
	}
	syncDir(filepath.Dir(file))
	c.File = file
	return c, nil
}

// inspect reads what a restore checks of an opened copy, except the key's match and
// the audit chain, which need the deployment's key.
func inspect(ctx context.Context, db *store.DB) (c Copy, err error) {
	if c.Schema, c.Want, err = db.SchemaVersions(ctx); err != nil {
		return c, fmt.Errorf("no schema version (is it a Gotong database?): %w", err)
	}
	if c.KeyID, err = db.Setting(ctx, "key_id"); err != nil {
		return c, fmt.Errorf("no personal-data key fingerprint recorded: %w", err)
	}
	fi, err := os.Stat(db.Path)
	if err != nil {
		return c, err
	}
	c.Bytes = fi.Size()
	return c, nil
}

// open opens a SQLite copy and runs its integrity check.
func open(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.OpenWith(ctx, "sqlite:"+path, store.Options{ReadConns: 2})
	if err != nil {
		return nil, fmt.Errorf("integrity check: not a readable SQLite database: %w", err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("integrity check failed: %w", err)
	}
	return db, nil
}

// Restored is what Restore did.
type Restored struct {
	Copy
	// Replaced is where the database the copy replaced was kept ("" when the data
	// folder had none).
	Replaced string
}

// Restore replaces the deployment's SQLite database with the copy in file, after
// checking, on a private copy of it in the data folder, that it is sound (SQLite's
// integrity check), that its schema is not newer than this program's, that it was
// written with this deployment's personal-data key, and that its audit chain
// verifies. Each failed check is an error naming it, and changes nothing. Only then,
// holding an exclusive lock that fails while a server (or any connection) has the
// database open, it keeps the replaced file as gotong.db.before-restore-TIME and puts
// the checked copy in its place. An older schema is restored as it is: run
// gotong migrate (or serve --migrate) afterwards.
//
// The lock covers the servers running when restore starts. A server started while
// restore is replacing the file (milliseconds) could still open the replaced one:
// stop the servers, restore, then start them.
func Restore(ctx context.Context, cfg Config, file string) (r Restored, err error) {
	target, err := sqlitePath(cfg)
	if err != nil {
		return r, err
	}
	if fi, err := os.Stat(file); err != nil {
		return r, fmt.Errorf("no backup file: %w", err)
	} else if !fi.Mode().IsRegular() {
		return r, fmt.Errorf("%s is not a backup file", file)
	}
	v, _, err := vault.LoadExisting(cfg.Data, os.Getenv)
	if err != nil {
		return r, fmt.Errorf("personal-data key: %w", err)
	}
	dir := filepath.Dir(target)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return r, err
		}
		// A failed check leaves no folder behind (Remove keeps a folder not empty).
		defer func() {
			if err != nil {
				os.Remove(dir)
			}
		}()
	}
	tmp, err := tempBeside(target)
	if err != nil {
		return r, err
	}
	defer removeSQLite(tmp) // the temporary name only: a copy put in place has its own
	if err := copyFile(file, tmp); err != nil {
		return r, err
	}
	if r.Copy, err = check(ctx, tmp, v); err != nil {
		return r, err
	}
	r.File = file
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
		// Nothing to replace; Link fails should a server have made one meanwhile.
		if err := os.Link(tmp, target); err != nil {
			return r, fmt.Errorf("put the copy in place: %w", err)
		}
		syncDir(dir)
		return r, nil
	}
	lock, err := store.LockSQLite(ctx, target)
	if errors.Is(err, store.ErrInUse) {
		return r, fmt.Errorf("%w: stop the servers and commands using it, then restore again", err)
	}
	if err != nil {
		return r, err
	}
	defer lock.Close()
	r.Replaced = target + ".before-restore-" + time.Now().UTC().Format("20060102T150405.000Z")
	if err := os.Rename(target, r.Replaced); err != nil {
		return r, fmt.Errorf("keep the replaced database: %w", err)
	}
	// The lock left WAL mode, so no -wal should remain; a stray one or a -shm
	// belongs to the replaced file, not to the copy.
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Rename(target+ext, r.Replaced+ext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return r, fmt.Errorf("keep the replaced database's %s file: %w", ext, err)
		}
	}
	if err := os.Link(tmp, target); err != nil {
		return r, fmt.Errorf("put the copy in place (the replaced database is at %s): %w", r.Replaced, err)
	}
	syncDir(dir)
	return r, nil
}

// check runs every check of Restore on the copy at path.
func check(ctx context.Context, path string, v *vault.Vault) (c Copy, err error) {
	db, err := open(ctx, path)
	if err != nil {
		return c, err
	}
	defer db.Close()
	if c, err = inspect(ctx, db); err != nil {
		return c, err
	}
	if c.Schema > c.Want {
		return c, fmt.Errorf("schema version: the copy is at version %d, newer than this program's %d; restore it with the release that made it",
			c.Schema, c.Want)
	}
	if c.KeyID != v.KeyID() {
		return c, fmt.Errorf("personal-data key: the copy was written with key %q but this deployment's key is %q; "+
			"restore with the key kept with the backup (%s, %s or %s in the data folder)",
			c.KeyID, v.KeyID(), vault.EnvKey, vault.EnvKeyFile, vault.KeyFile)
	}
	p, n, err := audit.Verify(ctx, db.R(), v.AuditKey())
	if err != nil {
		return c, fmt.Errorf("audit verify: cannot check the audit log: %w", err)
	}
	if p != nil {
		return c, fmt.Errorf("audit verify: %w", p)
	}
	c.Audit = n
	return c, nil
}

// tempBeside makes an empty private file in the folder of path, for a copy that
// takes path's name once complete.
func tempBeside(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// removeSQLite removes a SQLite file with its -wal and -shm, if they are there.
func removeSQLite(path string) {
	for _, ext := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + ext)
	}
}

// copyFile copies src to the existing file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile flushes a file to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir flushes a folder, so that a rename or link in it survives a power cut;
// best effort, as some file systems refuse it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
