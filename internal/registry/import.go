package registry

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/export"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/store"
)

// Import statuses.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Import is one uploaded file and what became of its rows (API.md). Counters count
// file rows: a household of four members is four rows.
type Import struct {
	ID        string `json:"id"`
	Kind      Kind   `json:"kind"`
	Filename  string `json:"filename"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	RowsTotal int    `json:"rows_total"`
	RowsDone  int    `json:"rows_done"`
	Accepted  int    `json:"accepted"`
	Updated   int    `json:"updated"`
	Merged    int    `json:"merged"`
	Review    int    `json:"review"`
	Rejected  int    `json:"rejected"`
	// Warnings counts rows taken in with a warning (no NIK; a NIK of a region since
	// split); each is also counted under one of the outcomes above.
	Warnings   int        `json:"warnings"`
	BytesTotal int64      `json:"bytes_total"`
	BytesDone  int64      `json:"bytes_done"`
	UserID     string     `json:"user_id"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	lastLine   int
	path       string
	format     string
	errFormat  string // Error's message format and arguments, for Failure
	errArgs    []any
}

// Failure is why the import failed, as an error whose message a page translates
// (nil unless it failed). Imports failed before the format was kept give the
// English message.
func (im Import) Failure() error {
	switch {
	case im.Error == "":
		return nil
	case im.errFormat == "":
		return errs.E(errs.Invalid, "%s", im.Error)
	}
	return errs.E(errs.Invalid, im.errFormat, im.errArgs...)
}

// Progress is the share of the file processed, 0..1 (for CSV by bytes; for XLSX
// unknown until done).
func (im Import) Progress() float64 {
	switch {
	case im.Status == StatusDone:
		return 1
	case im.BytesTotal > 0 && im.BytesDone > 0:
		return min(1, float64(im.BytesDone)/float64(im.BytesTotal))
	}
	return 0
}

// Importer is who imports: the user's id, email and scope.
type Importer struct {
	UserID string
	Email  string
	// Scope is the region prefix the importer may write: an office's region, or the
	// province for an admin.
	Scope string
}

// DefaultMaxUpload is API.md's default upload limit.
const DefaultMaxUpload = 200 << 20

// Upload is a stored uploaded file, not yet queued.
type Upload struct {
	path, format, filename string
	size                   int64
}

// Discard removes an upload that will not be queued.
func (u Upload) Discard() { _ = os.Remove(u.path) }

// StoreUpload streams an uploaded file to the uploads folder, refusing more than
// maxBytes; it never holds the file in memory.
func (s *Service) StoreUpload(filename string, body io.Reader, maxBytes int64) (Upload, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxUpload
	}
	lower := strings.ToLower(filename)
	if strings.HasSuffix(lower, ".xls") || strings.HasSuffix(lower, ".ods") {
		return Upload{}, errs.E(errs.Invalid, "save the file as .xlsx or .csv and send it again")
	}
	if err := privateDir(s.uploads); err != nil {
		return Upload{}, errs.Wrap(err, "uploads folder")
	}
	tmp, err := os.CreateTemp(s.uploads, "upload-*")
	if err != nil {
		return Upload{}, errs.Wrap(err, "store upload")
	}
	n, err := io.Copy(tmp, io.LimitReader(body, maxBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Upload{}, errs.E(errs.TooLarge, "the file is larger than the upload limit of %d MiB", maxBytes>>20)
		}
		return Upload{}, errs.Wrap(err, "store upload")
	}
	if n > maxBytes {
		os.Remove(tmp.Name())
		return Upload{}, errs.E(errs.TooLarge, "the file is larger than the upload limit of %d MiB", maxBytes>>20)
	}
	if n == 0 {
		os.Remove(tmp.Name())
		return Upload{}, errs.E(errs.Invalid, "the file is empty")
	}
	name := filepath.Base(filename)
	if len(name) > 200 {
		name = name[:200]
	}
	return Upload{path: tmp.Name(), format: sniffFormat(tmp.Name()), filename: name, size: n}, nil
}

// CreateImport stores an uploaded file and queues it.
func (s *Service) CreateImport(ctx context.Context, who Importer, kind Kind, filename string, body io.Reader, maxBytes int64) (Import, error) {
	if _, ok := templates[kind]; !ok {
		return Import{}, errs.E(errs.Invalid, "kind must be household, person, rw or institution")
	}
	up, err := s.StoreUpload(filename, body, maxBytes)
	if err != nil {
		return Import{}, err
	}
	return s.Queue(ctx, who, kind, up)
}

// Queue checks a stored upload's header and queues it for import. The header is
// checked at once, so a file missing required columns is refused before anything is
// queued.
func (s *Service) Queue(ctx context.Context, who Importer, kind Kind, up Upload) (Import, error) {
	if _, ok := templates[kind]; !ok {
		up.Discard()
		return Import{}, errs.E(errs.Invalid, "kind must be household, person, rw or institution")
	}
	im := Import{ID: newID(), Kind: kind, Filename: up.filename, Status: StatusQueued, UserID: who.UserID,
		Scope: who.Scope, CreatedAt: store.Now(), lastLine: 1, BytesTotal: up.size, format: up.format}
	im.path = filepath.Join(s.uploads, im.ID+"."+im.format)
	if err := os.Rename(up.path, im.path); err != nil {
		up.Discard()
		return Import{}, errs.Wrap(err, "store upload")
	}
	if err := checkHeader(im, s.limits); err != nil {
		os.Remove(im.path)
		return Import{}, err
	}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO imports (id, kind, user_id, scope, filename, path, format, status, bytes_total, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, im.ID, string(kind), who.UserID, who.Scope, im.Filename, im.path,
			im.format, im.Status, im.BytesTotal, im.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "import.create", ObjectType: "import", ObjectID: im.ID, Region: who.Scope,
			Detail: map[string]any{"kind": kind, "filename": im.Filename, "bytes": up.size}})
	})
	if err != nil {
		os.Remove(im.path)
		return Import{}, err
	}
	s.enqueue(im.ID)
	return im, nil
}

// sniffFormat tells an XLSX (a zip) from anything else, which is read as CSV.
func sniffFormat(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "csv"
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err == nil && bytes.Equal(head, []byte("PK\x03\x04")) {
		return "xlsx"
	}
	return "csv"
}

// openRows opens an import's file for reading; header: only its first rows are
// wanted (the check made while the upload is answered).
func openRows(im Import, lim Limits, header bool) (rowReader, *os.File, error) {
	f, err := os.Open(im.path)
	if err != nil {
		return nil, nil, err
	}
	var rr rowReader
	if im.format == "xlsx" {
		var st os.FileInfo
		if st, err = f.Stat(); err == nil {
			rr, err = newXLSXReader(f, st.Size(), lim, header)
		}
	} else {
		rr, err = newCSVReader(f, lim)
	}
	if err != nil {
		f.Close()
		var e *errs.Error
		if !errors.As(err, &e) {
			e = errs.E(errs.Invalid, "%s", err.Error())
		}
		return nil, nil, e
	}
	return rr, f, nil
}

// checkHeader reads only the header row and maps it.
func checkHeader(im Import, lim Limits) error {
	rr, f, err := openRows(im, lim, true)
	if err != nil {
		return err
	}
	defer f.Close()
	defer rr.Close()
	_, err = readHeader(im.Kind, rr)
	return err
}

// readHeader reads the header row and maps it to the kind's columns.
func readHeader(kind Kind, rr rowReader) (map[string]int, error) {
	_, header, err := rr.Next()
	if errors.Is(err, io.EOF) {
		return nil, errs.E(errs.Invalid, "the file is empty")
	}
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		err = errs.E(errs.Invalid, "the file cannot be read: %s", err.Error())
	}
	if err != nil {
		return nil, err
	}
	return mapHeader(kind, header)
}

const importColumns = `id, kind, filename, status, error, rows_total, rows_done, accepted, updated, merged, review, rejected, warnings,
	bytes_total, bytes_done, user_id, scope, created_at, finished_at, last_line, path, format, error_format, error_args`

func scanImport(row interface{ Scan(...any) error }) (Import, error) {
	var im Import
	var kind string
	var finished *time.Time
	var errArgs string
	err := row.Scan(&im.ID, &kind, &im.Filename, &im.Status, &im.Error, &im.RowsTotal, &im.RowsDone, &im.Accepted, &im.Updated,
		&im.Merged, &im.Review, &im.Rejected, &im.Warnings, &im.BytesTotal, &im.BytesDone, &im.UserID, &im.Scope, &im.CreatedAt, &finished,
		&im.lastLine, &im.path, &im.format, &im.errFormat, &errArgs)
	if m, err := msg.Decode(im.errFormat, errArgs); err == nil {
		im.errArgs = m.Args
	}
	im.Kind = Kind(kind)
	im.CreatedAt = im.CreatedAt.UTC()
	if finished != nil {
		t := finished.UTC()
		im.FinishedAt = &t
	}
	return im, err
}

// Import returns an import visible within scope ("" = everything): an office sees the
// imports made for its region.
func (s *Service) Import(ctx context.Context, id, scope string) (Import, error) {
	im, err := scanImport(store.One(ctx, s.db.R(), `SELECT `+importColumns+` FROM imports WHERE id = $1`, id))
	if err != nil {
		return im, store.NotFound(err, "import not found")
	}
	if scope != "" && !strings.HasPrefix(im.Scope, scope) {
		return Import{}, errs.E(errs.NotFound, "import not found")
	}
	return im, nil
}

// ListImports lists the imports visible within scope, newest first (a Back
// cursor gives the page before it).
func (s *Service) ListImports(ctx context.Context, scope, cursor string, limit int) ([]Import, string, error) {
	cur, err := store.DecodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	n := store.Limit(limit)
	args := []any{scope, scope + "%"}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	after, order := cur.Keyset("created_at", "id", true, arg)
	q := `SELECT ` + importColumns + ` FROM imports WHERE ($1 = '' OR scope LIKE $2)` + after + order + ` LIMIT ` + arg(n+1)
	ims, err := store.All(ctx, s.db.R(), scanImport, q, args...)
	if err != nil {
		return nil, "", err
	}
	ims, next := store.PageAround(ims, n, cur, func(im Import) store.Cursor { return store.Cursor{At: im.CreatedAt, ID: im.ID} })
	return ims, next, nil
}

// storedReason reads a rejected row's reason as import_errors holds it. A row written
// before reasons were stored as keys (reason_args ”) holds a finished Indonesian
// sentence; it comes back as a key without a catalogue entry, shown as it is.
func storedReason(key, args string) msg.Message {
	if args == "" {
		return msg.Message{Key: key}
	}
	m, err := msg.Decode(key, args)
	if err != nil {
		return msg.Message{Key: key}
	}
	return m
}

// WriteErrors writes the rejected rows of an import as CSV: row, column, value,
// reason, the reason rendered by say in the reader's language. Values that a
// spreadsheet would run as a formula are neutralised with a leading apostrophe.
// The values are what the office uploaded (NIKs among them), so the download is
// audited, before anything is written.
func (s *Service) WriteErrors(ctx context.Context, id string, w io.Writer, say func(msg.Message) string) error {
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var scope string
		var rows int
		if err := tx.QueryRowContext(ctx, `SELECT i.scope, (SELECT COUNT(*) FROM import_errors e WHERE e.import_id = i.id)
			FROM imports i WHERE i.id = $1`, id).Scan(&scope, &rows); err != nil {
			return store.NotFound(err, "import not found")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "import.errors_export", ObjectType: "import", ObjectID: id, Region: scope,
			Detail: map[string]int{"errors": rows}})
	})
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"row", "column", "value", "reason"})
	err = store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var line int
		var col, value, reason, args string
		if err := r.Scan(&line, &col, &value, &reason, &args); err != nil {
			return err
		}
		_ = cw.Write([]string{fmt.Sprint(line), col, SafeCell(value), say(storedReason(reason, args))})
		return nil
	}, `SELECT line, col, value, reason, reason_args FROM import_errors WHERE import_id = $1 ORDER BY line, col`, id)
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// SafeCell neutralises a cell that a spreadsheet would evaluate as a formula; it
// is export.SafeCell, kept here for the registry's callers.
func SafeCell(s string) string { return export.SafeCell(s) }
