package web

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/httprate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/help"
)

// Help requests, warga bantu warga (issue 14): anyone asks (the human check and two
// limits stand in for an account), the office of the region decides.

// The limits of help requests. Per client address through s.newLimiter: a person
// fills one form in minutes, a kiosk or a shared connection a few more. Per phone
// and per reference through httprate keyed on the value itself (helpLimits): the
// phone limit stops one number from flooding the office's queue through many
// addresses, and the reference limit stops anyone guessing the last four digits of
// a known reference (10 000 values) at any number of addresses.
const (
	helpSubmitPerAddress = 20 // a minute
	helpLookupPerAddress = 30 // a minute
	helpPerPhone         = 5  // an hour
	helpPerReference     = 10 // an hour
)

// helpLimiters are one server's limiters, shared by the API and the pages.
type helpLimiters struct {
	submit, lookup func(http.HandlerFunc) http.HandlerFunc
	phone, ref     *httprate.RateLimiter
}

var helpLimitersOf sync.Map // *Server → *helpLimiters

func (s *Server) helpLimits() *helpLimiters {
	if l, ok := helpLimitersOf.Load(s); ok {
		return l.(*helpLimiters)
	}
	keyed := func(n int) *httprate.RateLimiter {
		return httprate.NewRateLimiter(n, time.Hour, httprate.WithKeyFuncs(func(*http.Request) (string, error) { return "", nil }))
	}
	l, _ := helpLimitersOf.LoadOrStore(s, &helpLimiters{submit: s.newLimiter(helpSubmitPerAddress), lookup: s.newLimiter(helpLookupPerAddress),
		phone: keyed(helpPerPhone), ref: keyed(helpPerReference)})
	return l.(*helpLimiters)
}

func (s *Server) helpSubmitLimit(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.helpLimits().submit(h)(w, r) }
}

func (s *Server) helpLookupLimit(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.helpLimits().lookup(h)(w, r) }
}

var errTooMany = errs.E(errs.RateLimited, "too many requests; wait a minute and try again")

// submitHelp checks the per-phone limit and the human check, then records the
// request. The limit comes first, so that a flood from one number costs no
// challenge lookups.
func (s *Server) submitHelp(w http.ResponseWriter, r *http.Request, in help.NewRequest, altcha string) (help.Receipt, error) {
	if p := help.ContactPhone(in); p != "" && s.helpLimits().phone.OnLimit(w, r, "phone:"+p) {
		return help.Receipt{}, errTooMany
	}
	if err := s.verifyHuman(r, altcha); err != nil {
		return help.Receipt{}, err
	}
	return s.help.Submit(r.Context(), in)
}

// lookupHelp is the status lookup, limited per reference.
func (s *Server) lookupHelp(w http.ResponseWriter, r *http.Request, reference, last4 string) (help.Status, error) {
	key := "ref:" + strings.ToUpper(strings.TrimSpace(reference))
	if s.helpLimits().ref.OnLimit(w, r, key) {
		return help.Status{}, errTooMany
	}
	return s.help.Lookup(r.Context(), reference, last4)
}

type helpRequestBody struct {
	help.NewRequest
	Altcha string `json:"altcha"`
}

func (s *Server) apiSubmitHelp(w http.ResponseWriter, r *http.Request) {
	var in helpRequestBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.submitHelp(w, r, in.NewRequest, in.Altcha)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec)
}

func (s *Server) apiHelpStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.lookupHelp(w, r, r.PathValue("ref"), r.URL.Query().Get("phone"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, st)
}

// helpScope is the region a principal handles requests of.
func (s *Server) helpScope(r *http.Request) string {
	return principal(r).RegionScope(s.opt.Province)
}

func (s *Server) apiHelpRequests(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	items, err := s.help.List(r.Context(), s.helpScope(r), help.Filter{Status: q.Get("status"), Region: q.Get("region"), Limit: limit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) apiAcceptHelp(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProgramID string `json:"program_id"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.help.Accept(r.Context(), s.helpScope(r), r.PathValue("id"), in.ProgramID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiDeclineHelp(w http.ResponseWriter, r *http.Request) {
	var in reasonBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := s.help.Decline(r.Context(), s.helpScope(r), r.PathValue("id"), in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, help.Status{Reference: req.Reference, Status: req.Status, Reason: req.Reason})
}
