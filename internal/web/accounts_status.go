package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
)

// Deactivating users and suspending organisations (issue 15, item 11), reversible
// and audited in package account.

// signedOutSince says whether a session begun at since (Unix nanoseconds; 0 for a
// session older than this field) was ended by a later sign-out of its user.
func signedOutSince(u account.User, since int64) bool {
	return !u.SignedOutAt.IsZero() && since <= u.SignedOutAt.UnixNano()
}

func (s *Server) apiSetUserActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.accounts.SetUserActive(r.Context(), r.PathValue("id"), active)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, u)
	}
}

func (s *Server) apiSuspendOrg(suspend bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &in); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		o, err := s.accounts.SuspendOrg(r.Context(), r.PathValue("id"), suspend, in.Reason)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}
}

func (s *Server) pageSetUserActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, err := s.accounts.SetUserActive(r.Context(), r.PathValue("id"), active)
		switch {
		case errs.Is(err, errs.Conflict):
			s.flashFailure(r, err)
		case err != nil:
			s.fail(w, r, err)
			return
		case active:
			s.flash(r, "The user was reactivated.")
		default:
			s.flash(r, "The user was deactivated: signed out everywhere, and cannot sign in.")
		}
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}
}

func (s *Server) pageSuspendOrg(suspend bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
		_, err := s.accounts.SuspendOrg(r.Context(), r.PathValue("id"), suspend, r.PostFormValue("reason"))
		switch {
		case errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict):
			s.flashFailure(r, err)
		case err != nil:
			s.fail(w, r, err)
			return
		case suspend:
			s.flash(r, "The organisation was suspended: it cannot commit; what it holds stays.")
		default:
			s.flash(r, "The organisation was reinstated.")
		}
		http.Redirect(w, r, "/admin/organizations?status=verified", http.StatusSeeOther)
	}
}
