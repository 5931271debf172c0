package web

import (
	"net/http"
	"net/url"

	"github.com/gotong/gotong/internal/errs"
)

// Forgotten passwords (issue 15, item 11): the pages around account's reset links.
// The request answers the same whether the email has an account or not; both
// forms share the registrations' budget per client address.

// forgotPage is the request form, or the answer after it.
type forgotPage struct {
	Email string
	Sent  bool
	Error error
}

// resetPage is the form that sets a new password with a link's token.
type resetPage struct {
	Token string
	Valid bool
	Error error
}

func (s *Server) pageForgot(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "password_forgot", "Forgot your password?", forgotPage{})
}

func (s *Server) pageForgotPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	email := r.PostFormValue("email")
	base := s.baseURL(r)
	err := s.accounts.RequestReset(r.Context(), email, langOf(r), func(secret string) string {
		return base + "/password/reset?token=" + url.QueryEscape(secret)
	})
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		s.renderStatus(w, r, http.StatusBadRequest, "password_forgot", map[string]any{"title": "Forgot your password?",
			"data": forgotPage{Email: email, Error: err}})
		return
	}
	s.render(w, r, "password_forgot", "Forgot your password?", forgotPage{Sent: true})
}

func (s *Server) pageReset(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	err := s.accounts.CheckReset(r.Context(), token)
	if err != nil && !errs.Is(err, errs.NotFound) {
		s.fail(w, r, err)
		return
	}
	code := http.StatusOK
	if err != nil {
		code = http.StatusNotFound
	}
	s.renderStatus(w, r, code, "password_reset", map[string]any{"title": "Set a new password",
		"data": resetPage{Token: token, Valid: err == nil, Error: err}})
}

func (s *Server) pageResetPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	token := r.PostFormValue("token")
	if _, err := s.accounts.ResetPassword(r.Context(), token, r.PostFormValue("password")); err != nil {
		kind := errs.KindOf(err)
		if kind != errs.Invalid && kind != errs.NotFound {
			s.fail(w, r, err)
			return
		}
		s.renderStatus(w, r, statusOf[kind], "password_reset", map[string]any{"title": "Set a new password",
			"data": resetPage{Token: token, Valid: kind == errs.Invalid, Error: err}})
		return
	}
	s.flash(r, "Your password was changed. Sign in with it.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
