package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/keyrot"
)

// cmdKeyRotate moves every sealed value and keyed hash to a new personal-data key
// (package keyrot) while the servers run. Stopped at any point, it is run again and
// goes on where it stopped.
func cmdKeyRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("key rotate", stderr, &cfg)
	size := fs.Int("batch", 500, "rows per batch; each batch is one transaction")
	grace := fs.Duration("grace", 10*time.Second, "wait after the rotation begins, for running servers to take the next key (they look every 5 s)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *size < 1 || *size > 100_000 {
		return usagef("--batch: %d is not between 1 and 100000", *size)
	}
	if *grace < 0 {
		return usagef("--grace: a negative wait")
	}
	cfg.KeyRotation = true // the rotation checks the key itself: it may find a rotation half done
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	r := &keyrot.Rotation{DB: a.DB, Vault: a.Vault, DataDir: cfg.Data, Getenv: os.Getenv, Tables: a.KeyTables(),
		Size: *size, Grace: *grace,
		Progress: func(table string, pass int, p keyrot.Progress) {
			switch {
			case !p.Done:
			case pass == 1:
				fmt.Fprintf(stdout, "%s: %d rows re-sealed in %d batches\n", table, p.Rows, p.Batches)
			case p.Rows > 0:
				fmt.Fprintf(stdout, "%s: %d rows still under the old key re-sealed on the second pass\n", table, p.Rows)
			}
		}}
	res, err := r.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "personal-data key rotated from %s to %s: %d rows in %d batches\n", res.From, res.To, res.Rows, res.Batches)
	if res.Retired != "" {
		fmt.Fprintf(stdout, "the old key is kept as %s: delete it once a backup made after the rotation is safe\n", res.Retired)
	}
	return nil
}
