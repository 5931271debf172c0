package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
)

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	if _, ok := currentUser(r); ok {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	s.render(w, r, "login", "Log in", loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

// loginPage is the sign-in form, again with the address and the refusal after a
// failed attempt.
type loginPage struct {
	Next, Email string
	Error       error
}

// pageLoginPost signs a user in. Failed attempts are limited per client address;
// successful ones are not, so an office behind one address is not locked out by use.
// The limit is applied before the password is hashed, counting the attempts still
// in flight: once LoginLimit sign-ins have failed or are being checked, every further
// attempt is refused at once, even one with the right password.
func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	email, next := r.PostFormValue("email"), safeNext(r.PostFormValue("next"))
	addr := clientAddr(r)
	if !s.logins.enter(addr) {
		s.fail(w, r, errs.E(errs.RateLimited, "too many failed sign-ins; wait a minute and try again"))
		return
	}
	defer s.logins.leave(addr)
	u, err := s.accounts.Authenticate(r.Context(), email, r.PostFormValue("password"))
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			if s.logins.fail(w, r, addr) {
				s.fail(w, r, errs.E(errs.RateLimited, "too many failed sign-ins; wait a minute and try again"))
				return
			}
			s.renderStatus(w, r, http.StatusUnauthorized, "login", map[string]any{"title": "Log in",
				"data": loginPage{Next: next, Email: email, Error: err}})
			return
		}
		s.fail(w, r, err)
		return
	}
	// A new session token at sign-in, so a token planted before it is worthless.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, errs.Wrap(err, "renew session"))
		return
	}
	sid, err := s.accounts.StartSession(r.Context(), u.ID, addr, s.opt.SessionLifetime)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "sid", sid)
	s.sessions.Put(r.Context(), "since", time.Now().UnixNano())
	// RenewToken keeps the session's values: a factor passed by whoever held it
	// before (another user, on a shared computer) must not count for this one.
	s.sessions.Remove(r.Context(), "factor_ok")
	if next == "/" {
		next = "/account"
	}
	if u.Role.NeedsFactor() {
		// Not signed in yet: the second factor next (factor_pages.go).
		http.Redirect(w, r, "/login/factor?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) {
	if u, ok := currentUser(r); ok {
		if sid := s.sessions.GetString(r.Context(), "sid"); sid != "" {
			if err := s.accounts.SignOut(r.Context(), sid, u.ID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	_ = s.sessions.Destroy(r.Context())
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) pageRegister(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "register", "Register as a collaborator", registerPage{Kinds: account.OrgKinds})
}

// registerPage is the registration form, again with what was typed (never the
// password) and the refusal.
type registerPage struct {
	Kinds []string
	Form  account.Registration
	Error error
}

func (s *Server) pageRegisterPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var in account.Registration
	in.Name, in.Kind = r.PostFormValue("name"), r.PostFormValue("kind")
	in.ContactName, in.ContactEmail, in.ContactPhone = r.PostFormValue("contact_name"), r.PostFormValue("contact_email"), r.PostFormValue("contact_phone")
	in.NPWP, in.DeedNumber, in.Address = r.PostFormValue("npwp"), r.PostFormValue("deed_number"), r.PostFormValue("address")
	in.User.Name, in.User.Email, in.User.Password = r.PostFormValue("user_name"), r.PostFormValue("user_email"), r.PostFormValue("user_password")
	// The page is a public form, so it asks for the human check (issue 14); the
	// API route keeps API.md's body, held back by the registrations' rate limit.
	err := s.verifyHuman(r, r.PostFormValue("altcha"))
	var o account.Org
	if err == nil {
		o, _, err = s.accounts.Register(r.Context(), in)
	}
	if err != nil {
		in.User.Password = ""
		code := statusOf[errs.KindOf(err)]
		s.renderStatus(w, r, code, "register", map[string]any{"title": "Register as a collaborator",
			"data": registerPage{Kinds: account.OrgKinds, Form: in, Error: err}})
		return
	}
	s.renderStatus(w, r, http.StatusCreated, "register_done", map[string]any{"title": "Thank you for registering", "data": o})
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, "")
}

// accountPage is the signed-in user's own page: the organisation (collaborators),
// the region (offices), and a token just made, shown this once.
type accountPage struct {
	Org        *account.Org
	RegionName string
	NewToken   string
	// Sessions are the user's signed-in sessions, this one marked current.
	Sessions []account.Session
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, newToken string) {
	u, _ := currentUser(r)
	data := accountPage{NewToken: newToken}
	if u.OrgID != "" {
		o, err := s.accounts.Org(r.Context(), u.OrgID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data.Org = &o
	}
	if reg, ok := s.regions.Get(u.Region); ok {
		data.RegionName = reg.Name
	}
	sessions, err := s.sessionsOf(r, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Sessions = sessions
	s.render(w, r, "account", "My account", data)
}

// pageCreateToken shows the new token once, in the response itself (never through a
// redirect or the session).
func (s *Server) pageCreateToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	u, _ := currentUser(r)
	secret, _, err := s.accounts.CreateToken(r.Context(), u.ID, r.PostFormValue("label"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAccount(w, r, secret)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, code int, form account.NewUser, formErr error) {
	users, next, err := s.accounts.ListUsers(r.Context(), account.UserFilter{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, _, err := s.accounts.ListOrgs(r.Context(), account.OrgFilter{Status: account.OrgVerified, Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var regions []region.Region
	for _, kota := range s.regions.Children(s.opt.Province) {
		regions = append(regions, kota)
		regions = append(regions, s.regions.Children(kota.Code)...)
	}
	form.Password = ""
	data := usersPageData{Users: users, Next: next, Orgs: orgs, Regions: regions, Form: form, Error: formErr}
	s.renderStatus(w, r, code, "admin_users", map[string]any{"title": "Users", "data": data})
}

// usersPageData is the admin's user list with the form that adds one.
type usersPageData struct {
	Users   []account.User
	Next    string
	Orgs    []account.Org
	Regions []region.Region
	Form    account.NewUser
	Error   error
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) {
	s.usersPage(w, r, http.StatusOK, account.NewUser{Role: "office"}, nil)
}

func (s *Server) pageUsersPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := account.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		Password: r.PostFormValue("password")}
	switch in.Role {
	case "office":
		in.Region = r.PostFormValue("region")
	case "collaborator":
		in.OrgID = r.PostFormValue("org_id")
	}
	if _, err := s.accounts.CreateUser(r.Context(), in); err != nil {
		s.usersPage(w, r, statusOf[errs.KindOf(err)], in, err)
		return
	}
	s.flash(r, "The user was added.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) pageUserDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.accounts.DeleteUser(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "The user was deleted.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) pageOrgs(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	if status == "" {
		status = account.OrgPending
	}
	filter := status
	if status == "all" {
		filter = ""
	}
	orgs, next, err := s.accounts.ListOrgs(r.Context(), account.OrgFilter{Status: filter, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flags, _, err := s.allocs.Flags(r.Context(), "", 20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "admin_orgs", "Organisations", orgsPage{Orgs: orgs, Next: next, Status: status,
		Statuses: []string{account.OrgPending, account.OrgVerified, account.OrgRejected}, Flags: flags,
		Defaults: s.allocs.Limits})
}

// orgsPage is the admin's list of organisations by status, with the flags raised
// against them and the deployment's default limits beside each one's own.
type orgsPage struct {
	Orgs     []account.Org
	Next     string
	Status   string
	Statuses []string
	Flags    []allocate.Flag
	Defaults allocate.Limits
}

func (s *Server) pageOrgLimits(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	open, err1 := wholeNumber(r.PostFormValue("open_limit"))
	reveal, err2 := wholeNumber(r.PostFormValue("reveal_limit"))
	if err1 != nil || err2 != nil {
		s.flashError(r, "limits must be whole numbers from 0 (the default) to %d")
		http.Redirect(w, r, "/admin/organizations?status=verified", http.StatusSeeOther)
		return
	}
	_, err := s.accounts.SetOrgLimits(r.Context(), r.PathValue("id"), open, reveal)
	switch {
	case errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		s.flash(r, "The limits were saved.")
	}
	http.Redirect(w, r, "/admin/organizations?status=verified", http.StatusSeeOther)
}

// wholeNumber reads a form's whole number, empty meaning 0; Indonesian thousands
// separators ("5.000") are accepted.
func wholeNumber(s string) (int, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	return parseWholeInt(s)
}

func (s *Server) pageOrgVerify(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.accounts.DecideOrg(r.Context(), r.PathValue("id"), r.PostFormValue("decision"), r.PostFormValue("reason"))
	switch {
	case errs.Is(err, errs.Invalid):
		s.flashError(r, errs.As(err).Format)
	case err != nil:
		s.fail(w, r, err)
		return
	case o.Status == account.OrgVerified:
		s.flash(r, "The organisation was verified.")
	default:
		s.flash(r, "The organisation was rejected.")
	}
	http.Redirect(w, r, "/admin/organizations", http.StatusSeeOther)
}
