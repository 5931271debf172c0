package web

import (
	"net/http"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/registry"
)

// Data-subject access (UU 27/2022, issue 14): a person asks the office of their
// region for what is kept about them and how it was processed; the office
// downloads it here and hands it over. The office of the target's region gets NIK
// and No. KK in clear (as on the target page); the admin, who holds the right
// province-wide, gets them masked as in every admin read, and sends the person to
// their office. Every download is audited (target.subject_access) before it is
// served.

// subjectAccess is the download.
type subjectAccess struct {
	Generated  time.Time                 `json:"generated_at"`
	Record     registry.SubjectRecord    `json:"record"`
	Aid        []allocate.AidLine        `json:"aid"`
	Deliveries []deliver.SubjectDelivery `json:"deliveries"`
	Audit      []audit.SubjectEntry      `json:"audit"`
}

// apiSubjectAccess is GET /api/v1/targets/{id}/subject-access.
func (s *Server) apiSubjectAccess(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	rec, err := s.registry.SubjectAccess(ctx, s.viewer(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := subjectAccess{Generated: time.Now().UTC(), Record: rec}
	if out.Aid, err = s.allocs.AidOf(ctx, []string{id}); err != nil {
		s.fail(w, r, err)
		return
	}
	objects := []audit.Object{{Type: "target", ID: id}}
	for _, m := range rec.Target.Members {
		objects = append(objects, audit.Object{Type: "member", ID: m.ID})
	}
	var allocations []string
	for _, l := range out.Aid {
		objects = append(objects, audit.Object{Type: "need", ID: l.NeedID})
		for _, a := range l.Allocations {
			allocations = append(allocations, a.ID)
			objects = append(objects, audit.Object{Type: "allocation", ID: a.ID})
		}
	}
	if out.Deliveries, err = s.delivery.SubjectDeliveries(ctx, allocations); err != nil {
		s.fail(w, r, err)
		return
	}
	entries, err := audit.About(ctx, s.db.R(), objects)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.Audit = make([]audit.SubjectEntry, len(entries))
	for i, e := range entries {
		out.Audit[i] = e.ForSubject()
	}
	if out.Aid == nil {
		out.Aid = []allocate.AidLine{}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="data-pribadi-`+safeFilename(id)+`.json"`)
	writeJSON(w, http.StatusOK, out)
}

// safeFilename keeps the letters, digits and dashes of an id for a file name.
func safeFilename(id string) string {
	b := make([]byte, 0, len(id))
	for i := 0; i < len(id) && len(b) < 64; i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b = append(b, c)
		}
	}
	return string(b)
}
