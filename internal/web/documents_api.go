package web

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"sync"

	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/document"
)

// The documents of delivery (API.md, "Delivery"): a run's labels and handover record
// (BAST), a completed commitment's certificate, and the public check of a record's
// signature. Package deliver gathers, signs and audits; package document renders.

// fileWriter sends a download's headers with the first byte written, so that a
// refusal found before rendering (or an audit entry that could not be written) is
// still an error answer. The type is a PDF's unless ctype says otherwise.
type fileWriter struct {
	w       http.ResponseWriter
	name    string
	ctype   string
	written bool
}

func (p *fileWriter) Write(b []byte) (int, error) {
	if !p.written {
		p.written = true
		h := p.w.Header()
		h.Set("Content-Type", cmp.Or(p.ctype, "application/pdf"))
		h.Set("Content-Disposition", `attachment; filename="`+p.name+`"`)
		h.Set("Cache-Control", "no-store")
	}
	return p.w.Write(b)
}

// servePDF answers the PDF write renders for the request, or its error.
func (s *Server) servePDF(w http.ResponseWriter, r *http.Request, name string,
	write func(ctx context.Context, who deliver.Who, id string, w io.Writer) error) {
	pw := &fileWriter{w: w, name: name}
	if err := write(r.Context(), principal(r), r.PathValue("id"), pw); err != nil {
		if pw.written {
			s.log.Error("write PDF", "file", name, "err", err)
			return
		}
		s.fail(w, r, err)
	}
}

func (s *Server) apiDeliveryLabels(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, "label-"+r.PathValue("id")+".pdf", s.delivery.WriteLabels)
}

func (s *Server) apiDeliveryBAST(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, "bast-"+r.PathValue("id")+".pdf", s.delivery.WriteBAST)
}

func (s *Server) apiCertificate(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, "piagam-"+r.PathValue("id")+".pdf", s.delivery.WriteCertificate)
}

// verifyLimiters hold each server's budget for the public verification, shared by
// its API and its page.
var verifyLimiters sync.Map

// verifyLimit limits the public verification per client address: 120 checks a
// minute is far beyond anyone scanning printed records, and far too few to
// search for a signature.
func (s *Server) verifyLimit(h http.HandlerFunc) http.HandlerFunc {
	l, ok := verifyLimiters.Load(s)
	if !ok {
		l, _ = verifyLimiters.LoadOrStore(s, s.newLimiter(120))
	}
	return l.(func(http.HandlerFunc) http.HandlerFunc)(h)
}

// verifyKind maps the path's kind to a record kind ("" for none).
func verifyKind(k string) string {
	switch k {
	case document.KindBAST, document.KindCertificate:
		return k
	}
	return ""
}

func (s *Server) verify(r *http.Request, kind string) (deliver.Verified, error) {
	return s.delivery.VerifyRecord(r.Context(), kind, r.PathValue("id"), r.URL.Query().Get("sig"))
}

func (s *Server) apiVerifyBAST(w http.ResponseWriter, r *http.Request) {
	s.apiVerify(w, r, document.KindBAST)
}

func (s *Server) apiVerifyCertificate(w http.ResponseWriter, r *http.Request) {
	s.apiVerify(w, r, document.KindCertificate)
}

// apiVerify answers {"valid":true,…} for a genuine record's signature and
// {"valid":false} for anything else, with 200 either way.
func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request, kind string) {
	v, err := s.verify(r, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}
