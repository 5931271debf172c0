package web

import (
	"net/http"
)

// pageVerifyReceipt is the public page a printed receipt's QR code opens: "Dokumen
// asli" with what the receipt states (not who received the goods), or "Tidak dapat
// diverifikasi". No login.
func (s *Server) pageVerifyReceipt(w http.ResponseWriter, r *http.Request) {
	c, err := s.donations.VerifyReceipt(r.Context(), r.PathValue("id"), r.URL.Query().Get("sig"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDonationCheck(w, r, map[string]any{"Kind": "receipt", "Valid": c.Valid, "Receipt": c})
}

// pageVerifyDonorCertificate is the same for a donor's thank-you certificate.
func (s *Server) pageVerifyDonorCertificate(w http.ResponseWriter, r *http.Request) {
	c, err := s.donations.VerifyDonorCertificate(r.Context(), r.PathValue("id"), r.URL.Query().Get("sig"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderDonationCheck(w, r, map[string]any{"Kind": "certificate", "Valid": c.Valid, "Certificate": c})
}

func (s *Server) renderDonationCheck(w http.ResponseWriter, r *http.Request, data map[string]any) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	s.render(w, r, "verify_receipt", "Document check", data)
}
