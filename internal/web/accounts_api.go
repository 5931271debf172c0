package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
)

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Label string `json:"label"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	u, _ := currentUser(r)
	secret, t, err := s.accounts.CreateToken(r.Context(), u.ID, in.Label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "label": t.Label, "created_at": t.CreatedAt})
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := account.UserFilter{OrgID: q.Get("org_id"), Limit: limit, Cursor: q.Get("cursor")}
	if role := q.Get("role"); role != "" {
		if f.Role, err = account.ParseRole(role); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	users, next, err := s.accounts.ListUsers(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(users, next))
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in account.NewUser
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.accounts.CreateUser(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.accounts.UserAny(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiDeleteUser(w http.ResponseWriter, r *http.Request) {
	if err := s.accounts.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request) {
	var in account.Registration
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	o, u, err := s.accounts.Register(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		account.Org
		UserID string `json:"user_id"`
	}{o, u.ID})
}

func (s *Server) apiListOrgs(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, next, err := s.accounts.ListOrgs(r.Context(), account.OrgFilter{Status: r.URL.Query().Get("status"),
		Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(orgs, next))
}

// apiGetOrg shows an organisation to admins and to its own members; to anyone else
// it does not exist.
func (s *Server) apiGetOrg(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if org, all := principal(r).OrgScope(); !all && org != id {
		s.fail(w, r, errs.E(errs.NotFound, "organisation not found"))
		return
	}
	o, err := s.accounts.Org(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiVerifyOrg(w http.ResponseWriter, r *http.Request) {
	s.decideOrgWith(w, r, func(decision, reason string) (account.Org, error) {
		return s.accounts.DecideOrg(r.Context(), r.PathValue("id"), decision, reason)
	})
}

// decideOrgWith reads a decision on an organisation, has decide make it and
// answers the organisation after it.
func (s *Server) decideOrgWith(w http.ResponseWriter, r *http.Request, decide func(decision, reason string) (account.Org, error)) {
	var in struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := decide(in.Decision, in.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// apiOrgLimits sets an organisation's caps on open units and on recipients revealed
// per day (0: the deployment's default).
func (s *Server) apiOrgLimits(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OpenLimit   int `json:"open_limit"`
		RevealLimit int `json:"reveal_limit"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.accounts.SetOrgLimits(r.Context(), r.PathValue("id"), in.OpenLimit, in.RevealLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// apiFlags lists the patterns flagged for the admin, newest first.
func (s *Server) apiFlags(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, next, err := s.allocs.Flags(r.Context(), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(fs, next))
}
