// Package keyrot rotates the personal-data key (gotong key rotate, issue 16 item 3):
// it moves every sealed value and every keyed hash from the current data key to a new
// one, in batches of rows that each commit on their own, while servers go on working.
//
// How a rotation runs:
//
//  1. Begin. A new data key is written beside the old one (gotong.key.next in the
//     data folder, with the same root key, so the audit chain's key and the subkeys
//     of recipient codes, courier links and signatures do not change) and its ID is
//     recorded in the settings (key_next_id), audited. From then on every server
//     seals and hashes with the next key and opens and looks up with both (the
//     Vault's rotation mode): a server that starts loads the next key (app.Open);
//     one that runs picks it up within its key watcher's interval; Begin waits that
//     long (Grace) before the first batch.
//  2. Batches. Each table's owner re-seals and re-hashes up to Size rows after a
//     cursor (registry.RekeyTargets and the others); the cursor, the counts and an
//     audit entry are written in the batch's own transaction, so a rotation killed
//     anywhere resumes at the first batch that did not commit, and a batch is never
//     counted twice. A row already under the next key is not written again. A second
//     pass (the sweep) goes through every table again and rewrites only what is still
//     under the old key: rows sealed by a transaction that began before its server
//     took the next key and committed after the first pass went by. A server that
//     learns of the rotation but cannot load the next key refuses to seal
//     (vault.Block) rather than write what would not open afterwards.
//  3. Finish. The settings record the new key's ID as key_id (audited, with the
//     counts), then gotong.key is kept as gotong.key.retired-<day> and gotong.key.next
//     becomes gotong.key. A server started with the old key afterwards refuses (the
//     key does not match); the operator deletes the retired file once a backup made
//     after the rotation is safe.
package keyrot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Settings a rotation keeps. key_id is app's: the fingerprint the data is written with.
const (
	SettingKeyID   = "key_id"
	SettingNextID  = "key_next_id"
	settingPrefix  = "key_rotation:" // + table: the table's progress (progress as JSON)
	defaultSize    = 500
	auditObjectKey = "key"
)

// Batch re-seals and re-keys up to limit rows of one table after the cursor after,
// inside tx, and returns the cursor of the last row it read ("" when none was left)
// and how many rows it rewrote. The owners of the tables provide them.
type Batch func(ctx context.Context, tx *store.Tx, after string, limit int) (last string, rewrote int, err error)

// Table is one table a rotation goes through.
type Table struct {
	Name  string
	Batch Batch
}

// Rotation is one run of gotong key rotate.
type Rotation struct {
	DB      *store.DB
	Vault   *vault.Vault // the deployment's vault, loaded with the current key
	DataDir string       // where gotong.key and gotong.key.next live
	Getenv  func(string) string
	Tables  []Table
	Size    int           // rows per batch; 0: 500
	Grace   time.Duration // wait after Begin for running servers to take the next key (gotong key rotate: 10 s)
	Now     func() time.Time
	// Progress, when set, hears of every committed batch of pass 1 (every row) or 2
	// (the sweep).
	Progress func(table string, pass int, p Progress)
}

// Progress is one table's state, kept in the settings.
type Progress struct {
	After   string `json:"after"`
	Done    bool   `json:"done"`
	Rows    int    `json:"rows"`
	Batches int    `json:"batches"`
}

// Result says what a Run did.
type Result struct {
	From, To string // key IDs
	Rows     int    // rows rewritten, over every run of this rotation
	Batches  int
	Retired  string // the old key file's new name ("" when the key did not come from the data folder)
	Resumed  bool
}

// ErrNotRotating: the database records no rotation and the vault holds no other key.
var ErrNotRotating = errors.New("no key rotation is under way")

// Run rotates the key, or resumes a rotation a killed run left. It returns ctx's
// error when cancelled between batches; every batch committed before stays.
func (r *Rotation) Run(ctx context.Context) (Result, error) {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Size <= 0 {
		r.Size = defaultSize
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: "system", Label: "key rotation", RemoteAddr: "cli"})
	cur, err := r.DB.Setting(ctx, SettingKeyID)
	if err != nil {
		return Result{}, fmt.Errorf("key rotation: the recorded key: %w", err)
	}
	next, err := r.DB.Setting(ctx, SettingNextID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Result{}, err
	}
	res := Result{From: cur, To: next, Resumed: next != ""}
	switch {
	case next == "" && cur != r.Vault.KeyID():
		// A run that recorded the new key and was stopped before swapping the files.
		if err := vault.LoadNext(r.Vault, r.DataDir, cur, r.Getenv); err != nil {
			return res, fmt.Errorf("key rotation: %w", r.Vault.Check(cur))
		}
		res.To, res.Resumed = cur, true
		return r.retire(res)
	case next == "":
		if res.To, err = r.begin(ctx, cur); err != nil {
			return res, err
		}
	default:
		if err := r.Vault.Check(cur); err != nil {
			return res, fmt.Errorf("key rotation: %w", err)
		}
		if err := vault.LoadNext(r.Vault, r.DataDir, next, r.Getenv); err != nil {
			return res, fmt.Errorf("key rotation to %s under way, but its next key: %w", next, err)
		}
	}
	// The second pass, the sweep, rewrites only rows still under the old key: a value
	// sealed by a transaction that began before its server took the next key and
	// committed after the first pass had gone by.
	for _, pass := range []int{1, 2} {
		for _, t := range r.Tables {
			p, err := r.table(ctx, t, pass)
			if err != nil {
				return res, err
			}
			res.Rows += p.Rows
			res.Batches += p.Batches
		}
	}
	if err := r.finish(ctx, res); err != nil {
		return res, err
	}
	return r.retire(res)
}

// begin makes the next key, records the rotation and waits for running servers.
func (r *Rotation) begin(ctx context.Context, cur string) (string, error) {
	if err := r.Vault.Check(cur); err != nil {
		return "", fmt.Errorf("key rotation: %w", err)
	}
	next, err := r.nextKey()
	if err != nil {
		return "", err
	}
	if err := vault.LoadNext(r.Vault, r.DataDir, next, r.Getenv); err != nil {
		return "", err
	}
	err = r.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.TxAddSetting(ctx, SettingNextID, next); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "key.rotate.begin", ObjectType: auditObjectKey, ObjectID: next,
			Detail: map[string]any{"from": cur, "to": next}})
	})
	if err != nil {
		return "", fmt.Errorf("key rotation: record the beginning (is another rotation starting?): %w", err)
	}
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(max(r.Grace, 0)):
	}
	return next, nil
}

// nextKey makes the next key file and returns its ID. A deployment whose key comes
// from the environment cannot be rotated by this command yet: it would need the
// operator to hand every server the next key (GOTONG_KEY_NEXT, which servers do read)
// and to swap the keys at the end.
func (r *Rotation) nextKey() (string, error) {
	getenv := r.Getenv
	if getenv(vault.EnvKey) != "" || getenv(vault.EnvKeyFile) != "" || getenv(vault.EnvKeyNext) != "" || getenv(vault.EnvKeyNextFile) != "" {
		return "", fmt.Errorf("key rotation: the key comes from %s or %s; rotate with the key file in the data folder (%s)",
			vault.EnvKey, vault.EnvKeyFile, vault.KeyFile)
	}
	return vault.NewNextKey(r.Vault, r.DataDir)
}

// table runs one pass of one table's batches to its end.
func (r *Rotation) table(ctx context.Context, t Table, pass int) (Progress, error) {
	name := settingPrefix + t.Name
	if pass > 1 {
		name += "/" + strconv.Itoa(pass)
	}
	for {
		if err := ctx.Err(); err != nil {
			return Progress{}, err
		}
		var p Progress
		err := r.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			text, found, err := tx.TxSetting(ctx, name, false)
			p = Progress{}
			switch {
			case err != nil:
				return err
			case found:
				if err := json.Unmarshal([]byte(text), &p); err != nil {
					return fmt.Errorf("key rotation: progress of %s: %w", t.Name, err)
				}
			}
			if p.Done {
				return nil
			}
			last, n, err := t.Batch(ctx, tx, p.After, r.Size)
			if err != nil {
				return fmt.Errorf("key rotation: %s after %q: %w", t.Name, p.After, err)
			}
			from := p.After
			if last == "" {
				p.Done = true
			} else {
				p.After, p.Rows, p.Batches = last, p.Rows+n, p.Batches+1
			}
			b, _ := json.Marshal(p)
			if err := tx.TxPutSetting(ctx, name, string(b)); err != nil {
				return err
			}
			if p.Done {
				return audit.Record(ctx, tx, audit.Change{Action: "key.rotate.table", ObjectType: auditObjectKey, ObjectID: t.Name,
					Detail: map[string]any{"table": t.Name, "pass": pass, "rows": p.Rows, "batches": p.Batches}})
			}
			return audit.Record(ctx, tx, audit.Change{Action: "key.rotate.batch", ObjectType: auditObjectKey, ObjectID: t.Name,
				Detail: map[string]any{"table": t.Name, "pass": pass, "after": from, "last": last, "rows": n}})
		})
		if err != nil {
			return p, err
		}
		if r.Progress != nil {
			r.Progress(t.Name, pass, p)
		}
		if p.Done {
			return p, nil
		}
	}
}

// finish records the new key as the one the data is written with.
func (r *Rotation) finish(ctx context.Context, res Result) error {
	return r.DB.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		cur, _, err := tx.TxSetting(ctx, SettingKeyID, true)
		if err != nil {
			return err
		}
		if cur != res.From {
			return fmt.Errorf("key rotation: the recorded key changed from %s to %s meanwhile", res.From, cur)
		}
		if err := tx.TxPutSetting(ctx, SettingKeyID, res.To); err != nil {
			return err
		}
		if err := tx.TxDeleteSettings(ctx, SettingNextID, settingPrefix); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "key.rotate.finish", ObjectType: auditObjectKey, ObjectID: res.To,
			Detail: map[string]any{"from": res.From, "to": res.To, "rows": res.Rows, "batches": res.Batches}})
	})
}

// retire swaps the key files and drops the old key from the vault.
func (r *Rotation) retire(res Result) (Result, error) {
	retired, err := vault.RetireKeyFile(r.DataDir, r.Now().UTC().Format(time.DateOnly))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	res.Retired = retired
	r.Vault.FinishRotation()
	return res, nil
}
