package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
)

// Sessions by user and the admin's new password (issue 16, item 6): an admin lists
// a user's sessions and ends one or all, or gives the user a new password (which
// ends them all); a user lists and ends its own on /account. account keeps the rows
// (sessions.go there); the scs session holds the row's id as "sid".

// seeSession checks the signed-in session of userID against its row. A session
// begun before rows were kept (no "sid") gets one now, so that it can be listed and
// ended like the others.
func (s *Server) seeSession(r *http.Request, userID, addr string) error {
	ctx := r.Context()
	sid := s.sessions.GetString(ctx, "sid")
	if sid == "" {
		sid, err := s.accounts.StartSession(ctx, userID, addr, s.opt.SessionLifetime)
		if err != nil {
			return err
		}
		s.sessions.Put(ctx, "sid", sid)
		return nil
	}
	return s.accounts.SeeSession(ctx, sid, userID, addr)
}

// sessionsOf lists the live sessions of userID, the request's own marked current.
func (s *Server) sessionsOf(r *http.Request, userID string) ([]account.Session, error) {
	list, err := s.accounts.Sessions(r.Context(), userID, s.opt.SessionIdle, s.opt.SessionLifetime)
	if err != nil {
		return nil, err
	}
	current := s.sessions.GetString(r.Context(), "sid")
	for i := range list {
		list[i].Current = current != "" && list[i].ID == current
	}
	return list, nil
}

// liveUser is the user of the path's {id}, deactivated or not, or not found.
func (s *Server) liveUser(r *http.Request) (account.User, error) {
	return s.accounts.UserAny(r.Context(), r.PathValue("id"))
}

func (s *Server) apiUserSessions(w http.ResponseWriter, r *http.Request) {
	u, err := s.liveUser(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeSessions(w, r, u.ID)
}

func (s *Server) apiMySessions(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	s.writeSessions(w, r, u.ID)
}

func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, userID string) {
	list, err := s.sessionsOf(r, userID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, ""))
}

func (s *Server) apiEndUserSession(w http.ResponseWriter, r *http.Request) {
	s.endSessionAPI(w, r, r.PathValue("id"))
}

func (s *Server) apiEndMySession(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	s.endSessionAPI(w, r, u.ID)
}

func (s *Server) endSessionAPI(w http.ResponseWriter, r *http.Request, userID string) {
	if err := s.accounts.EndSession(r.Context(), userID, r.PathValue("session")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiEndUserSessions(w http.ResponseWriter, r *http.Request) {
	n, err := s.accounts.EndSessions(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"ended": n})
}

// apiSetNewPassword answers the new password once; nothing keeps it.
func (s *Server) apiSetNewPassword(w http.ResponseWriter, r *http.Request) {
	pw, err := s.accounts.SetNewPassword(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"password": pw})
}

// userSessionsPage is the admin's page of one user: its sessions, the buttons that
// end them, and the new password just set, shown this once.
type userSessionsPage struct {
	Target      account.User
	Sessions    []account.Session
	NewPassword string
}

func (s *Server) pageUserSessions(w http.ResponseWriter, r *http.Request) {
	s.renderUserSessions(w, r, "")
}

func (s *Server) renderUserSessions(w http.ResponseWriter, r *http.Request, newPassword string) {
	u, err := s.liveUser(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.sessionsOf(r, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "admin_user_sessions", "Sessions and password", userSessionsPage{Target: u, Sessions: list, NewPassword: newPassword})
}

func (s *Server) pageEndUserSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.accounts.EndSession(r.Context(), id, r.PathValue("session")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "The session was ended.")
	http.Redirect(w, r, "/admin/users/"+id+"/sessions", http.StatusSeeOther)
}

func (s *Server) pageEndUserSessions(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.accounts.EndSessions(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "Every session of the user was ended.")
	http.Redirect(w, r, "/admin/users/"+id+"/sessions", http.StatusSeeOther)
}

// pageSetNewPassword shows the new password in the response itself (never through
// a redirect or the session), as a new API token is.
func (s *Server) pageSetNewPassword(w http.ResponseWriter, r *http.Request) {
	pw, err := s.accounts.SetNewPassword(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderUserSessions(w, r, pw)
}

func (s *Server) pageEndMySession(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if err := s.accounts.EndSession(r.Context(), u.ID, r.PathValue("session")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "The session was ended.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
