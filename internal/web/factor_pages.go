package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/pquerna/otp"
)

// The second step of signing in for admins and offices (issue 16, item 6): after
// the password, a session is only pending (authenticate answers nothing else); here
// it sets up its second factor the first time, or types a code.

// factorPage is the code form, or the enrolment (Secret and QR set).
type factorPage struct {
	Next   string
	Secret string       // the secret in groups of four, to type by hand
	QR     template.URL // the otpauth:// address as a PNG data: URL
	Error  error
}

// factorDone is shown once, after enrolment: the recovery codes.
type factorDone struct {
	Next     string
	Recovery []string
}

// pending returns the half-signed-in user, or sends the caller on: to its page
// when already signed in, to the sign-in form otherwise.
func (s *Server) pending(w http.ResponseWriter, r *http.Request) (account.User, bool) {
	if u, ok := pendingUser(r); ok {
		return u, true
	}
	if _, ok := currentUser(r); ok {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return account.User{}, false
}

func (s *Server) pageFactor(w http.ResponseWriter, r *http.Request) {
	u, ok := s.pending(w, r)
	if !ok {
		return
	}
	s.renderFactor(w, r, u, http.StatusOK, safeNext(r.URL.Query().Get("next")), nil)
}

// renderFactor shows the code form, or the enrolment to a user without a factor.
func (s *Server) renderFactor(w http.ResponseWriter, r *http.Request, u account.User, code int, next string, failure error) {
	has, err := s.accounts.HasFactor(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := factorPage{Next: next, Error: failure}
	if has {
		s.renderStatus(w, r, code, "factor", map[string]any{"title": "Second factor", "data": data})
		return
	}
	e, err := s.accounts.BeginEnrolment(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if data.QR, err = qrDataURL(e.URL); err != nil {
		s.fail(w, r, err)
		return
	}
	data.Secret = groupsOf(e.Secret, 4)
	s.renderStatus(w, r, code, "factor_enrol", map[string]any{"title": "Set up a second factor", "data": data})
}

// qrDataURL draws an otpauth:// address as a QR code in a data: URL (the CSP
// allows data: images; nothing leaves the server for a QR service).
func qrDataURL(address string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(address)
	if err != nil {
		return "", errs.Wrap(err, "second factor address")
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", errs.Wrap(err, "QR code")
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", errs.Wrap(err, "QR code")
	}
	// Safe: our own PNG, base64 encoded; html/template would refuse a data: URL
	// given as a string.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

func groupsOf(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), " ")
}

// pageFactorPost checks the code (or a recovery code) and finishes signing in.
func (s *Server) pageFactorPost(w http.ResponseWriter, r *http.Request) {
	u, next, ok := s.factorForm(w, r)
	if !ok {
		return
	}
	if s.factorPassed(w, r, u, next, s.accounts.CheckFactor(r.Context(), u.ID, r.PostFormValue("code"))) {
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// pageFactorEnrol confirms a new factor with its first code and shows the
// recovery codes, this once.
func (s *Server) pageFactorEnrol(w http.ResponseWriter, r *http.Request) {
	u, next, ok := s.factorForm(w, r)
	if !ok {
		return
	}
	codes, err := s.accounts.ConfirmEnrolment(r.Context(), u.ID, r.PostFormValue("code"))
	if s.factorPassed(w, r, u, next, err) {
		s.render(w, r, "factor_done", "Your recovery codes", factorDone{Next: next, Recovery: codes})
	}
}

// factorForm reads a form of the factor's pages for the half-signed-in user.
func (s *Server) factorForm(w http.ResponseWriter, r *http.Request) (account.User, string, bool) {
	u, ok := s.pending(w, r)
	if !ok {
		return u, "", false
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return u, "", false
	}
	next := safeNext(r.PostFormValue("next"))
	if next == "/" {
		next = "/account"
	}
	return u, next, true
}

// factorPassed answers a checked code: after a wrong one the form again (other
// failures, rate limited or internal, get the error page); after a right one the
// session is signed in, under a new token (the pending one may have been seen),
// and it reports true for the caller to go on.
func (s *Server) factorPassed(w http.ResponseWriter, r *http.Request, u account.User, next string, checked error) bool {
	switch {
	case errs.Is(checked, errs.Unauthorized):
		s.renderFactor(w, r, u, http.StatusUnauthorized, next, checked)
		return false
	case checked != nil:
		s.fail(w, r, checked)
		return false
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, errs.Wrap(err, "renew session"))
		return false
	}
	s.sessions.Put(r.Context(), "factor_ok", true)
	return true
}

// pageResetFactor lets an admin remove another user's second factor (a lost
// phone); the user sets up a new one at its next sign-in.
func (s *Server) pageResetFactor(w http.ResponseWriter, r *http.Request) {
	err := s.accounts.ResetFactor(r.Context(), r.PathValue("id"))
	switch {
	case errs.Is(err, errs.Conflict):
		s.flashFailure(r, err)
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		s.flash(r, "The second factor was reset: the user is signed out and sets up a new one at the next sign-in.")
	}
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}
