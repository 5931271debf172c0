package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/errs"
)

// pageVerify is the public page a printed record's QR code opens: "Dokumen asli"
// with what the record states, or "Tidak dapat diverifikasi". It shows no personal
// data, and needs no login.
func (s *Server) pageVerify(w http.ResponseWriter, r *http.Request) {
	kind := verifyKind(r.PathValue("kind"))
	if kind == "" {
		s.fail(w, r, errs.E(errs.NotFound, "page not found"))
		return
	}
	v, err := s.verify(r, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, "verify", "Document check", map[string]any{"Kind": kind, "V": v, "Record": v.Record})
}
