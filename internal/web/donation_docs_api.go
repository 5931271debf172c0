package web

import (
	"net/http"
)

// The documents of donations to the task force (API.md, "Donations to the task
// force"): the receipt (tanda terima) of an intake, the donor's thank-you
// certificate, and the public check of either. Package donate gathers, signs and
// audits; package document renders.

// apiDonationReceipt writes an offer's receipt: ?receipt=ID, or the latest.
func (s *Server) apiDonationReceipt(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	pw := &fileWriter{w: w, name: "tanda-terima-" + id + ".pdf"}
	if err := s.donations.WriteReceipt(r.Context(), principal(r), id, r.URL.Query().Get("receipt"), pw); err != nil {
		if pw.written {
			s.log.Error("write PDF", "file", pw.name, "err", err)
			return
		}
		s.fail(w, r, err)
	}
}

// apiDonorCertificate writes an organisation's thank-you certificate for what it gave.
func (s *Server) apiDonorCertificate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	pw := &fileWriter{w: w, name: "piagam-donatur-" + id + ".pdf"}
	if err := s.donations.WriteDonorCertificate(r.Context(), principal(r), id, pw); err != nil {
		if pw.written {
			s.log.Error("write PDF", "file", pw.name, "err", err)
			return
		}
		s.fail(w, r, err)
	}
}

// apiVerifyReceipt answers {"valid":true,…} for a genuine receipt's signature and
// {"valid":false} for anything else, with 200 either way.
func (s *Server) apiVerifyReceipt(w http.ResponseWriter, r *http.Request) {
	c, err := s.donations.VerifyReceipt(r.Context(), r.PathValue("id"), r.URL.Query().Get("sig"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}

// apiVerifyDonorCertificate is the same for a donor's certificate.
func (s *Server) apiVerifyDonorCertificate(w http.ResponseWriter, r *http.Request) {
	c, err := s.donations.VerifyDonorCertificate(r.Context(), r.PathValue("id"), r.URL.Query().Get("sig"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, c)
}
