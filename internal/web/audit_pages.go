package web

import (
	"net/http"
	"net/url"

	"github.com/gotong/gotong/internal/audit"
)

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err == nil {
		// The page takes a region's name as the picker writes it; the API a code.
		f.Region, err = s.formRegion("region", f.Region)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, next, err := audit.List(r.Context(), s.db.R(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	data := auditPage{Entries: entries, F: f, Region: q.Get("region"), Province: s.opt.Province, From: q.Get("from"), To: q.Get("to"), Next: next}
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", next)
		nq.Del("verify")
		data.NextURL = "/admin/audit?" + nq.Encode()
	}
	if q.Get("verify") != "" {
		p, n, err := audit.Verify(r.Context(), s.db.R(), s.db.AuditKey)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c := chainCheck{OK: p == nil, Checked: n}
		if p != nil {
			c.Problem = p.Error()
		}
		data.Verify = &c
	}
	s.render(w, r, "audit", "Audit log", data)
}

// auditPage is a page of the audit log under a filter, with the chain's check when
// asked for.
type auditPage struct {
	Entries       []audit.Entry
	F             audit.Filter
	Region        string // the region as typed; F.Region is its code
	Province      string // where the region picker searches
	From, To      string
	Next, NextURL string
	Verify        *chainCheck
}

type chainCheck struct {
	OK      bool
	Checked int64
	Problem string
}
