package registry

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// The fix file (issue 15, item 10) gives an office back the rows of its file that
// were rejected, as it uploaded them: the same header, every cell, plus a reason
// column and the row's line in the original. The office fixes the rows in its
// spreadsheet and uploads the fix file as it is: the importer ignores the two added
// columns (mapHeader reads only the columns it knows), so fixed rows are taken in
// and rows still wrong are rejected again. Rows accepted the first time are not in
// it, so nothing is doubled; a household's accepted rows are, when another of its
// rows was rejected, and merge as exact duplicates when sent again.
//
// The uploaded file is removed when its import ends (it holds NIKs in clear), so
// the rows are kept in import_rows, sealed by the vault, at most maxKeptRows per
// import; the retention purge removes them (PurgeImportRows).

// maxKeptRows bounds the rows kept for one import's fix file (the header
// included). An import rejecting more rows than that is a wrong file rather than
// rows to fix one by one; errors.csv still lists every rejected row.
const maxKeptRows = 20000

// Words of the fix file's added columns, in the reader's language (say).
var (
	fixReasonHeader = msg.New("Reason")
	fixLineHeader   = msg.New("Original line")
	// fixSibling is the reason of a household row that was not itself rejected.
	fixSibling = msg.New("This row was not rejected, but another row of the same household (same No KK) was: send the household again whole.")
)

// addedColumn tells the columns a fix file adds, in either language, so that a fix
// file that is rejected again does not grow them twice.
func addedColumn(h string) bool {
	switch headerKey(h) {
	case "alasan", "reason", "barisasal", "originalline":
		return true
	}
	return false
}

// keepRejectedRows keeps the header and the rows the fix file of import im needs,
// read from its file again once every row has been validated. In a household file
// the rows of a household one of whose rows was rejected are kept too, wherever
// they stand in the file. Run again (a resumed import), it starts over.
func (s *Service) keepRejectedRows(ctx context.Context, im Import) error {
	lines, err := store.All(ctx, s.db.R(), scanInt, `SELECT DISTINCT line FROM import_errors WHERE import_id = $1 ORDER BY line`, im.ID)
	if err != nil || len(lines) == 0 {
		return err
	}
	rejected := make(map[int]bool, len(lines))
	for _, l := range lines {
		rejected[l] = true
	}
	var households map[string]bool
	if im.Kind == Household {
		households = map[string]bool{}
		if err := s.eachFileRow(im, func(pos map[string]int, line int, cells []string) bool {
			if kk := fileKK(pos, cells); rejected[line] && kk != "" {
				households[kk] = true
			}
			return true
		}); err != nil {
			return err
		}
	}
	var rows [][]any
	seal := func(line int, cells []string) error {
		b, err := json.Marshal(cells)
		if err != nil {
			return err
		}
		enc, err := s.vault.Seal(b, vault.AD("import_rows", im.ID, strconv.Itoa(line)))
		if err != nil {
			return err
		}
		rows = append(rows, []any{im.ID, line, enc})
		return nil
	}
	var header []string
	var sealErr error
	if err := s.eachFileRow(im, func(pos map[string]int, line int, cells []string) bool {
		if header == nil {
			header = cells
		}
		if line == 1 || rejected[line] || households[fileKK(pos, cells)] {
			sealErr = seal(line, cells)
		}
		return sealErr == nil && len(rows) < maxKeptRows
	}); err != nil {
		return err
	}
	if sealErr != nil {
		return sealErr
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_rows WHERE import_id = $1`, im.ID); err != nil {
			return err
		}
		_, err := tx.Insert(ctx, `INSERT INTO import_rows (import_id, line, cells) VALUES `, "", rows)
		return err
	})
}

func scanInt(r interface{ Scan(...any) error }) (int, error) {
	var n int
	err := r.Scan(&n)
	return n, err
}

// fileKK is a household row's No KK as written, its digits alone, so that "3171 0101"
// and "31710101" are one household; "" when it has none.
func fileKK(pos map[string]int, cells []string) string {
	i, ok := pos[colKK]
	if !ok || i >= len(cells) {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, cells[i])
}

// eachFileRow reads import im's file from the top and calls fn with the header's
// positions and each readable row, the header (line 1) first, until fn returns
// false. Rows the reader cannot take are skipped (errors.csv names them).
func (s *Service) eachFileRow(im Import, fn func(pos map[string]int, line int, cells []string) bool) error {
	rr, f, err := openRows(im, s.limits, false)
	if err != nil {
		return err
	}
	defer f.Close()
	defer rr.Close()
	line, header, err := rr.Next()
	if err != nil {
		return err
	}
	pos, err := mapHeader(im.Kind, header)
	if err != nil {
		return err
	}
	if !fn(pos, line, header) {
		return nil
	}
	for {
		line, cells, err := rr.Next()
		var unreadable *rowError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &unreadable):
			continue
		case err != nil:
			// The validation pass read this far; a file that breaks here broke there
			// too, and the rows before are what there is.
			return nil
		}
		if !fn(pos, line, cells) {
			return nil
		}
	}
}

// fixRow is one row of a fix file.
type fixRow struct {
	line    int
	cells   []string
	reasons []string
}

// FixFile is an import's fix file, ready to write.
type FixFile struct {
	header []string
	keep   []int // the header's columns written, without earlier added ones
	rows   []fixRow
}

// Rows is how many rows the fix file gives back.
func (f FixFile) Rows() int { return len(f.rows) }

// Format is the format of the file the import read: "csv" or "xlsx".
func (im Import) Format() string { return im.format }

// FixFile reads import im's fix file, its reasons rendered by say in the reader's
// language; im comes from Import, which checked the reader's scope. An import
// without kept rows (none rejected, or imported before fix files were kept) gives a
// file of the added columns alone. The download is audited: it holds NIKs in clear.
func (s *Service) FixFile(ctx context.Context, im Import, say func(msg.Message) string) (FixFile, error) {
	var ff FixFile
	id := im.ID
	reasons := map[int][]string{}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var line int
		var col, reason, args string
		if err := r.Scan(&line, &col, &reason, &args); err != nil {
			return err
		}
		text := say(storedReason(reason, args))
		if col != "" {
			text = col + ": " + text
		}
		reasons[line] = append(reasons[line], text)
		return nil
	}, `SELECT line, col, reason, reason_args FROM import_errors WHERE import_id = $1 ORDER BY line, col`, id)
	if err != nil {
		return ff, err
	}
	sibling := say(fixSibling)
	err = store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var line int
		var sealed string
		if err := r.Scan(&line, &sealed); err != nil {
			return err
		}
		b, err := s.vault.Open(sealed, vault.AD("import_rows", id, strconv.Itoa(line)))
		if err != nil {
			return err
		}
		var cells []string
		if err := json.Unmarshal(b, &cells); err != nil {
			return err
		}
		if line == 1 {
			ff.header = cells
			return nil
		}
		why := reasons[line]
		if len(why) == 0 {
			why = []string{sibling}
		}
		ff.rows = append(ff.rows, fixRow{line: line, cells: cells, reasons: why})
		return nil
	}, `SELECT line, cells FROM import_rows WHERE import_id = $1 ORDER BY line`, id)
	if err != nil {
		return ff, err
	}
	for i, h := range ff.header {
		if !addedColumn(h) {
			ff.keep = append(ff.keep, i)
		}
	}
	header := make([]string, 0, len(ff.keep)+2)
	for _, i := range ff.keep {
		header = append(header, ff.header[i])
	}
	ff.header = append(header, say(fixReasonHeader), say(fixLineHeader))
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "import.fix_file", ObjectType: "import", ObjectID: id, Region: im.Scope,
			Detail: map[string]int{"rows": len(ff.rows)}})
	})
	return ff, err
}

// record is row r as written: its kept cells, its reasons and its line.
func (f FixFile) record(r fixRow) []string {
	out := make([]string, 0, len(f.keep)+2)
	for _, i := range f.keep {
		v := ""
		if i < len(r.cells) {
			v = r.cells[i]
		}
		out = append(out, v)
	}
	return append(out, strings.Join(r.reasons, "; "), strconv.Itoa(r.line))
}

// WriteCSV writes the fix file as CSV with a byte-order mark (so Excel reads it as
// UTF-8); a cell a spreadsheet would run as a formula is neutralised with a leading
// apostrophe, which the importer takes off again (validator.cell).
func (f FixFile) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(f.header)
	for _, r := range f.rows {
		rec := f.record(r)
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the fix file as a workbook: one "Data" sheet of text cells (a
// text cell is never run as a formula, so values are written as they came), the
// added columns last.
func (f FixFile) WriteXLSX(w io.Writer) error {
	x := excelize.NewFile()
	defer x.Close()
	const data = "Data"
	if err := x.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49})
	if err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(data)
	if err != nil {
		return err
	}
	for i, h := range f.header {
		width := float64(max(12, min(60, len(h)+4)))
		if i == len(f.header)-2 {
			width = 60 // the reason
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	head := make([]any, len(f.header))
	for i, h := range f.header {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for n, r := range f.rows {
		rec := f.record(r)
		vals := make([]any, len(rec))
		for i, v := range rec {
			vals[i] = excelize.Cell{StyleID: text, Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	_ = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}

// PurgeImportRows removes the kept rows of the imports that ended before the
// instant, returning how many rows it removed: the retention purge calls it, as
// the rows hold the same personal data as the file.
func (s *Service) PurgeImportRows(ctx context.Context, tx *store.Tx, before time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM import_rows WHERE import_id IN
		(SELECT id FROM imports WHERE finished_at IS NOT NULL AND finished_at < $1)`, before)
	if err != nil {
		return 0, fmt.Errorf("purge import rows: %w", err)
	}
	return res.RowsAffected()
}
