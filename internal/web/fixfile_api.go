package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
)

// importFixFile answers GET /api/v1/imports/{id}/rejected: the import's rejected
// rows as they were uploaded, with a reason column, for an office to fix and send
// again (issue 15, item 10). ?format=csv|xlsx; the upload's format by default. The
// file and its added columns are in the reader's language, and so is its name.
//
// The file holds NIKs and No. KK in clear, as uploaded, so only the office of the
// import's region gets it; to the admin, who sees NIKs masked, it does not exist.
func (s *Server) importFixFile(w http.ResponseWriter, r *http.Request) {
	if !principal(r).SeesNIKs() {
		s.fail(w, r, errs.E(errs.NotFound, "import not found"))
		return
	}
	im, err := s.registry.Import(r.Context(), r.PathValue("id"), s.viewer(r).Scope)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = im.Format()
	}
	var contentType string
	switch format {
	case "csv":
		contentType = "text/csv; charset=utf-8"
	case "xlsx":
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		s.fail(w, r, errs.E(errs.Invalid, "format must be csv or xlsx"))
		return
	}
	lang := langOf(r)
	ff, err := s.registry.FixFile(r.Context(), im, func(m msg.Message) string { return say(lang, m) })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "baris-ditolak-"
	if lang == langEN {
		name = "rejected-rows-"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+im.ID[:8]+`.`+format+`"`)
	if format == "xlsx" {
		err = ff.WriteXLSX(w)
	} else {
		err = ff.WriteCSV(w)
	}
	if err != nil {
		s.log.Error("write import fix file", "import", im.ID, "err", err)
	}
}
