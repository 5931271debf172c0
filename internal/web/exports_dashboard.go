package web

import (
	"fmt"
	"net/http"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/export"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
)

// The dashboard's other tables as CSV and XLSX (issue 12: every dashboard table
// exports): its collaborators, its deliveries per day and its overdue
// allocations, read as the dashboard reads them (same scope, same figures) and
// sent as the 3W is (built whole, audited with its rows, then sent).

var collaboratorCols = []export.Column{
	{Name: "ID organisasi", Tag: "#org+id"},
	{Name: "Organisasi", Tag: "#org+impl+name"},
	{Name: "Dikomitmenkan", Tag: "#indicator+committed", Kind: export.Integer},
	{Name: "Dialokasikan", Tag: "#indicator+allocated", Kind: export.Integer},
	{Name: "Tersalurkan", Tag: "#indicator+delivered", Kind: export.Integer},
	{Name: "Gagal", Tag: "#indicator+failed", Kind: export.Integer},
	{Name: "Tingkat konfirmasi", Tag: "#indicator+confirmed+pct", Kind: export.Decimal},
}

var dailyCols = []export.Column{
	{Name: "Tanggal", Tag: "#date", Kind: export.Date},
	{Name: "Tersalurkan", Tag: "#indicator+delivered", Kind: export.Integer},
}

var overdueCols = []export.Column{
	{Name: "ID alokasi", Tag: "#activity+id"},
	{Name: "ID komitmen", Tag: "#activity+commitment+id"},
	{Name: "Organisasi", Tag: "#org+impl+name"},
	{Name: "Kode kelurahan", Tag: "#adm4+code"},
	{Name: "RW", Tag: "#loc+rw", Kind: export.Integer},
	{Name: "Jumlah", Tag: "#indicator+units", Kind: export.Integer},
	{Name: "Batas antar", Tag: "#date+due", Kind: export.Date},
	{Name: "Status", Tag: "#status"},
}

// dashExport serves one dashboard list as a file: rows turns the list into
// cells.
func dashExport[T any](s *Server, what, sheet string, cols []export.Column, list func(*http.Request, program.Program, string) ([]T, error),
	cells func(T) []any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, code, err := s.dashScope(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items, err := list(r, p, code)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := exportFormat(r)
		fill := func(t *export.Table) error {
			for _, it := range items {
				if err := t.Row(cells(it)...); err != nil {
					return err
				}
			}
			return nil
		}
		name := fmt.Sprintf("%s-%s-%s-%s", what, p.ID, code, s.exportDate())
		s.send(w, r, f, name, sheet, cols, fill, func(n int) audit.Change {
			return audit.Change{Action: "export." + what, ObjectType: "program", ObjectID: p.ID, Region: code,
				Detail: map[string]any{"program": p.ID, "region": code, "rows": n, "format": string(f)}}
		})
	}
}

func (s *Server) apiCollaboratorsExport() http.HandlerFunc {
	return dashExport(s, "collaborators", "Kolaborator", collaboratorCols, s.collaboratorsOf, func(c dashCollaborator) []any {
		return []any{c.OrgID, c.Organization, c.Committed, c.Allocated, c.Delivered, c.Failed, c.ConfirmationRate}
	})
}

func (s *Server) apiDailyExport() http.HandlerFunc {
	return dashExport(s, "daily", "Per hari", dailyCols, s.dailyOf, func(d monitor.Day) []any {
		return []any{d.Date, d.Delivered}
	})
}

func (s *Server) apiOverdueExport() http.HandlerFunc {
	return dashExport(s, "overdue", "Terlambat", overdueCols, s.overdueOf, func(o dashOverdue) []any {
		return []any{o.AllocationID, o.CommitmentID, o.Organization, o.Region, o.RW, o.Units, o.DeliverBy, o.Status}
	})
}
