package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Start runs the import worker until Close. Imports left queued or running by a
// previous process (a crash, a kill) are picked up again: each batch of rows was
// committed together with the row it got to, so a resumed import continues after
// the last committed row and nothing is written twice or half.
//
// The worker runs one import at a time, so one process never reads two files at
// once. An import whose worker died twice is not resumed a third time: it fails
// (see maxAttempts). Start first removes what dead processes left in the uploads
// folder.
func (s *Service) Start(ctx context.Context) error {
	ctx, s.stop = context.WithCancel(ctx)
	s.running.Store(true)
	if err := s.sweepUploads(ctx); err != nil {
		return err
	}
	pending, err := store.All(ctx, s.db.R(), store.String, `SELECT id FROM imports WHERE status IN ('queued', 'running') ORDER BY created_at`)
	if err != nil {
		return err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, id := range pending {
			s.runLogged(ctx, id)
		}
		// Besides what this process queues, look for imports no process holds: those
		// a web process (app.RoleWeb) queued, and those whose worker died and whose
		// lease lapsed.
		t := time.NewTicker(s.poll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case id := <-s.queue:
				s.runLogged(ctx, id)
			case <-t.C:
				for _, id := range s.unclaimed(ctx) {
					s.runLogged(ctx, id)
				}
			}
		}
	}()
	return nil
}

// unclaimed lists the imports waiting for a worker: queued or running with no
// lease in force, oldest first. A failure to read is logged; the next look tries
// again.
func (s *Service) unclaimed(ctx context.Context) []string {
	ids, err := store.All(ctx, s.db.R(), store.String, `SELECT id FROM imports WHERE status IN ('queued', 'running')
		AND (lease_until IS NULL OR lease_until < $1) ORDER BY created_at LIMIT 100`, store.Now())
	if err != nil && ctx.Err() == nil {
		s.log.Warn("look for waiting imports", "err", err)
	}
	return ids
}

// Close stops the worker, letting the batch in progress commit or roll back.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.wg.Wait()
}

func (s *Service) enqueue(id string) {
	if !s.running.Load() {
		// No worker in this process (a web process, or one not started yet): the
		// import waits in the database for a worker's look (Start, unclaimed).
		return
	}
	select {
	case s.queue <- id:
	default:
		// The queue is full: the import stays queued in the database and is picked
		// up at the next start.
		s.log.Warn("import queue full; import stays queued", "import", id)
	}
}

// Wait blocks until import id is done or failed, or ctx ends.
func (s *Service) Wait(ctx context.Context, id string) (Import, error) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[id] = append(s.subs[id], ch)
	s.mu.Unlock()
	for {
		im, err := s.Import(ctx, id, "")
		if err != nil || im.Status == StatusDone || im.Status == StatusFailed {
			return im, err
		}
		select {
		case <-ctx.Done():
			return im, ctx.Err()
		case <-ch:
		}
	}
}

func (s *Service) notify(id string) {
	s.mu.Lock()
	subs := s.subs[id]
	delete(s.subs, id)
	s.mu.Unlock()
	for _, ch := range subs {
		ch <- struct{}{}
	}
}

func (s *Service) runLogged(ctx context.Context, id string) {
	defer func() {
		// A bug met while reading one file fails that import, not the server (and
		// not, at every start, the server again).
		if p := recover(); p != nil {
			s.log.Error("import worker panicked", "import", id, "panic", p, "stack", string(debug.Stack()))
			_ = s.markFailed(context.WithoutCancel(ctx), id, fmt.Errorf("panic: %v", p))
			s.removeUpload(id)
			s.notify(id)
		}
	}()
	err := s.run(ctx, id)
	if errors.Is(err, errNotClaimed) {
		return // not ours to report on, nor to wake waiters for
	}
	var stopped *stoppedError
	if errors.As(err, &stopped) {
		s.release(context.WithoutCancel(ctx), id)
	}
	if err != nil && ctx.Err() == nil {
		s.log.Error("import failed", "import", id, "err", err)
		_ = s.markFailed(context.WithoutCancel(ctx), id, err)
		s.removeUpload(id)
	}
	if err == nil {
		s.removeUpload(id)
	}
	s.notify(id)
}

// markFailed records that import id failed with err: the English message for the
// API, and the message's format and arguments for pages (Import.Failure). An
// internal error is not described beyond that.
func (s *Service) markFailed(ctx context.Context, id string, err error) error {
	msg, format, args := "internal error", "internal error", []byte("[]")
	if e := errs.As(err); e.Kind != errs.Internal {
		msg, format = e.Message(), e.Format
		if b, err := json.Marshal(e.Args); err == nil {
			args = b
		}
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'failed', error = $1, error_format = $2, error_args = $3, finished_at = $4
			WHERE id = $5`, msg, format, string(args), store.Now(), id)
		return err
	})
}

// maxAttempts is how many times an import is taken up before the worker gives up
// on it: a process that dies while reading a file (killed, out of memory) leaves the
// import running, and every start would take it up again.
const maxAttempts = 2

// stoppedError is an import interrupted by its worker being stopped (the server
// shutting down), not by the file: the attempt is given back.
type stoppedError struct{ err error }

func (e *stoppedError) Error() string { return "import stopped: " + e.err.Error() }
func (e *stoppedError) Unwrap() error { return e.err }

// release gives back the attempt of an import whose worker was stopped in an
// orderly way, and its lease, so that the next start resumes it at once.
func (s *Service) release(ctx context.Context, id string) {
	if err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE imports SET attempts = attempts - 1, lease_until = NULL
			WHERE id = $1 AND status = 'running' AND attempts > 0`, id)
		return err
	}); err != nil {
		s.log.Warn("release stopped import", "import", id, "err", err)
	}
}

// run processes one import from where it stopped.
func (s *Service) run(ctx context.Context, id string) (err error) {
	im, err := s.Import(ctx, id, "")
	if err != nil {
		return err
	}
	if im.Status == StatusDone || im.Status == StatusFailed {
		return nil
	}
	var label string
	if s.userLabel != nil {
		// An importer the accounts no longer know is audited by id alone; any other
		// failure to read them stops this run, as a failed read of the import would.
		if label, err = s.userLabel(ctx, im.UserID); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: im.UserID, Label: label, RemoteAddr: "import " + im.ID})
	// Claim the import with a lease, renewed with every batch: a second process (the
	// server restarting while `gotong import` runs the same file) leaves it alone
	// until the lease runs out, so an import never runs twice at once.
	claimed, attempts := false, 0
	if err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		res, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'running', started_at = COALESCE(started_at, $1), lease_until = $2,
			attempts = attempts + 1
			WHERE id = $3 AND status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $1)`, now, now.Add(s.lease), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if claimed = n == 1; !claimed || err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT attempts FROM imports WHERE id = $1`, id).Scan(&attempts)
	}); err != nil {
		return err
	}
	if !claimed {
		// Someone else holds it; look again once their lease could have lapsed (if
		// they died, we take over then).
		s.log.Info("import is being run by another process", "import", id)
		time.AfterFunc(s.lease, func() { s.enqueue(id) })
		return errNotClaimed
	}
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = &stoppedError{err}
		}
	}()
	if attempts > maxAttempts {
		// The workers that took it up before died with it: the file is not tried a
		// third time.
		return errs.E(errs.Invalid, "the import stopped %d times before it finished (it had read up to row %d) and is not tried again",
			attempts-1, im.lastLine)
	}
	rr, f, err := openRows(im, s.limits, false)
	if err != nil {
		return err
	}
	defer f.Close()
	defer rr.Close()
	pos, err := readHeader(im.Kind, rr)
	if err != nil {
		return err
	}
	v := newValidator(im.Kind, pos, s.regions, s.province, im.Scope)
	var recs []*record
	var bad []problemRow
	last := im.lastLine
	flush := func(line int) error {
		if len(recs) == 0 && len(bad) == 0 {
			return nil
		}
		err := s.writeBatch(ctx, im, recs, bad, last, line, rr.Offset())
		recs, bad, last = recs[:0], bad[:0], line
		if err == nil && s.afterBatch != nil {
			s.afterBatch()
		}
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, cells, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var unreadable *rowError
		if errors.As(err, &unreadable) {
			// A row the reader cannot take is rejected; the rest of the file goes on.
			if line > im.lastLine {
				bad = append(bad, problemRow{line, []problem{{col: "", value: "", reason: unreadable.reason}}})
			}
			continue
		}
		if err != nil {
			// The file cannot be read past here. The rows before the break are
			// committed and counted; nothing after it is claimed as read.
			if ferr := flush(max(last, v.lastLine(recs, bad))); ferr != nil {
				return ferr
			}
			if errs.KindOf(err) == errs.Internal {
				s.log.Error("import read", "import", id, "err", err)
				return errs.E(errs.Invalid, "the file cannot be read after row %d", last)
			}
			return err
		}
		if line <= im.lastLine {
			continue // committed before a restart
		}
		rec, ps := v.parse(line, cells)
		if ps != nil {
			bad = append(bad, problemRow{line, ps})
		} else {
			recs = append(recs, &rec)
		}
		if len(recs)+len(bad) >= s.batch {
			if err := flush(line); err != nil {
				return err
			}
		}
	}
	if err := flush(max(last, v.lastLine(recs, bad))); err != nil {
		return err
	}
	if _, err := s.fuzzyPass(ctx, id); err != nil {
		return err
	}
	// The fix file's rows are read while the file is still here (it goes when the
	// import ends).
	if err := s.keepRejectedRows(ctx, im); err != nil {
		return err
	}
	defer s.changed()
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'done', rows_total = rows_done, bytes_done = bytes_total,
			finished_at = $1, lease_until = NULL WHERE id = $2`, store.Now(), id); err != nil {
			return err
		}
		var c counts
		if err := tx.QueryRowContext(ctx, `SELECT accepted, updated, merged, review, rejected FROM imports WHERE id = $1`, id).
			Scan(&c.accepted, &c.updated, &c.merged, &c.review, &c.rejected); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "import.done", ObjectType: "import", ObjectID: id, Region: im.Scope,
			Detail: map[string]int{"accepted": c.accepted, "updated": c.updated, "merged": c.merged, "review": c.review, "rejected": c.rejected}})
	})
}

// errNotClaimed: another process holds the import.
var errNotClaimed = errors.New("import held by another process")

// problemRow is a rejected row and why.
type problemRow struct {
	line     int
	problems []problem
}

func (v *validator) lastLine(recs []*record, bad []problemRow) int {
	n := 0
	if len(recs) > 0 {
		n = recs[len(recs)-1].line
	}
	if len(bad) > 0 && bad[len(bad)-1].line > n {
		n = bad[len(bad)-1].line
	}
	return n
}

// writeBatch commits one batch: the valid rows, the rejected rows' reasons, the
// counters and the row the import got to — all or nothing.
func (s *Service) writeBatch(ctx context.Context, im Import, recs []*record, bad []problemRow, from, to int, offset int64) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		w := &batchWriter{s: s, ctx: ctx, tx: tx, imp: im.ID, scope: im.Scope, now: store.Now()}
		if len(recs) > 0 {
			if err := w.write(im.Kind, recs); err != nil {
				return err
			}
		}
		var errRows [][]any
		for _, b := range bad {
			seen := map[string]bool{}
			for _, p := range b.problems {
				if seen[p.col] {
					continue // one reason per cell is enough to fix it
				}
				seen[p.col] = true
				errRows = append(errRows, []any{im.ID, b.line, p.col, truncate(p.value, 200), p.reason.Key, p.reason.EncodeArgs()})
			}
		}
		if _, err := tx.Insert(ctx, `INSERT INTO import_errors (import_id, line, col, value, reason, reason_args) VALUES `, "", errRows); err != nil {
			return err
		}
		c := w.counts
		c.rejected = len(bad)
		warned := 0
		for _, r := range recs {
			if len(r.warnings) > 0 {
				warned++
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET rows_done = rows_done + $1, accepted = accepted + $2, updated = updated + $3,
			merged = merged + $4, review = review + $5, rejected = rejected + $6, warnings = warnings + $7, last_line = $8, bytes_done = $9,
			lease_until = $10 WHERE id = $11`,
			len(recs)+len(bad), c.accepted, c.updated, c.merged, c.review, c.rejected, warned, to, offset, w.now.Add(s.lease), im.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "import.batch", ObjectType: "import", ObjectID: im.ID, Region: im.Scope,
			Detail: map[string]any{"rows": fmt.Sprintf("%d-%d", from+1, to), "accepted": c.accepted, "updated": c.updated,
				"merged": c.merged, "review": c.review, "rejected": c.rejected, "warnings": warned}})
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// uploadGrace is how old a file in the uploads folder must be before start-up takes
// it for a dead process's leftover: another process (`gotong import` beside the
// server) may be writing an upload at this moment.
const uploadGrace = 10 * time.Minute

// sweepUploads removes what dead processes left in the uploads folder: uploads cut
// off while being written, and the files of imports that ended (or never made it
// into the database). Those files hold NIKs in clear. The files of imports still to
// run stay, and so does anything younger than uploadGrace that no import owns.
func (s *Service) sweepUploads(ctx context.Context) error {
	entries, err := os.ReadDir(s.uploads)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, "read uploads folder")
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		// An import's file is named by its id; anything else is an upload that
		// never became an import.
		var status string
		id := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".csv"), ".xlsx")
		if _, err := uuid.Parse(id); err == nil {
			err := store.One(ctx, s.db.R(), `SELECT status FROM imports WHERE id = $1`, id).Scan(&status)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		info, err := e.Info()
		if err != nil || status == StatusQueued || status == StatusRunning {
			continue
		}
		if status != "" || time.Since(info.ModTime()) > uploadGrace {
			if err := os.Remove(filepath.Join(s.uploads, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.log.Warn("remove leftover upload", "file", e.Name(), "err", err)
			} else {
				s.log.Info("removed leftover upload", "file", e.Name())
			}
		}
	}
	return nil
}

// removeUpload deletes an import's stored file once the import has ended: the file
// holds NIKs in clear, and what the office needs afterwards (the report, the error
// rows) is in the database.
func (s *Service) removeUpload(id string) {
	var path string
	if err := s.db.R().QueryRowContext(context.Background(), `SELECT path FROM imports WHERE id = $1`, id).Scan(&path); err == nil && path != "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove finished upload", "import", id, "err", err)
		}
	}
}
