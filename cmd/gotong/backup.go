package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gotong/gotong/internal/app"
)

// cmdBackup writes a consistent copy of a SQLite deployment's database, while its
// server may be running (app.Backup); PostgreSQL is refused with the README's way.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("backup", stderr, &cfg)
	force := fs.Bool("force", false, "replace FILE if it exists")
	if err := parseArgs(fs, args, stderr, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: gotong backup [--force] FILE")
	}
	c, err := app.Backup(ctx, cfg, fs.Arg(0), *force)
	if err != nil {
		return backupError(err)
	}
	fmt.Fprintf(stdout, "backup written to %s: %d bytes, schema version %d, personal-data key %s; keep the key with it, stored apart\n",
		c.File, c.Bytes, c.Schema, c.KeyID)
	return nil
}

// cmdRestore replaces a SQLite deployment's database with a backup, once the backup
// passes every check (app.Restore).
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("restore", stderr, &cfg)
	if err := parseArgs(fs, args, stderr, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("usage: gotong restore FILE")
	}
	r, err := app.Restore(ctx, cfg, fs.Arg(0))
	if err != nil {
		return backupError(err)
	}
	fmt.Fprintf(stdout, "restored %s: integrity ok, schema version %d, personal-data key %s, audit chain intact (%d entries)\n",
		r.File, r.Schema, r.KeyID, r.Audit)
	if r.Replaced != "" {
		fmt.Fprintf(stdout, "the replaced database is kept as %s\n", r.Replaced)
	}
	if r.Schema < r.Want {
		fmt.Fprintf(stdout, "the copy's schema (version %d) is older than this program's (%d): run gotong migrate, or serve with --migrate\n",
			r.Schema, r.Want)
	}
	return nil
}

// backupError makes PostgreSQL's refusal a usage error (the command does not apply
// to this configuration); every other failure exits 1.
func backupError(err error) error {
	if errors.Is(err, app.ErrPostgresBackup) {
		return usageError{err.Error()}
	}
	return configOr(err)
}
