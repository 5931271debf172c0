package web

import (
	"net/http"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
)

// auditFilter reads the audit filter from the query string (dates are YYYY-MM-DD in
// WIB, "to" inclusive).
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	limit, err := limitParam(r)
	if err != nil {
		return audit.Filter{}, err
	}
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), Region: q.Get("region"), Limit: limit, Cursor: q.Get("cursor")}
	if v := q.Get("from"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, jakarta)
		if err != nil {
			return f, errs.E(errs.Invalid, "from must be a date YYYY-MM-DD")
		}
		f.From = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, jakarta)
		if err != nil {
			return f, errs.E(errs.Invalid, "to must be a date YYYY-MM-DD")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	return f, nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, next, err := audit.List(r.Context(), s.db.R(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(entries, next))
}
