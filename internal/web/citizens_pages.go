package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/pledge"
	"github.com/gotong/gotong/internal/region"
)

// The pages of citizens who give (issue 14): registering as a citizen
// (/warga/daftar), a citizen's pledges and the pledge form, an aggregator's
// pledges with the link to a commitment, a citizen's request to become an
// individual collaborator, and the office's list of individuals to verify.

// citizenRegisterPage is the registration form, again with what was typed
// (never the password) and the refusal.
type citizenRegisterPage struct {
	Regions []region.Region
	Form    account.CitizenSignup
	Error   error
}

func (s *Server) pageCitizenRegister(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "citizen_register", "Register as a citizen", citizenRegisterPage{Regions: s.regions.Villages(s.opt.Province)})
}

// pageCitizenRegisterPost registers a citizen and sends them to sign in.
func (s *Server) pageCitizenRegisterPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := account.CitizenSignup{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), Region: r.PostFormValue("region")}
	err := s.verifyHuman(r, r.PostFormValue("altcha"))
	if err == nil {
		_, err = s.accounts.RegisterCitizen(r.Context(), in)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			s.fail(w, r, err)
			return
		}
		in.Password = ""
		s.renderStatus(w, r, statusOf[errs.KindOf(err)], "citizen_register", map[string]any{"title": "Register as a citizen",
			"data": citizenRegisterPage{Regions: s.regions.Villages(s.opt.Province), Form: in, Error: err}})
		return
	}
	s.flash(r, "Your account is ready: sign in with your email and password.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// pageCollaborate is a citizen's request to become an individual collaborator.
func (s *Server) pageCollaborate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.accounts.Collaborate(r.Context(), principal(r).UserID, r.PostFormValue("contact_phone"))
	switch {
	case err == nil:
		s.flash(r, "Your request was sent: the office of your region or the admin will verify you before you can commit aid.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	case errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
		http.Redirect(w, r, "/pledges", http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// pledgesPage is a citizen's pledges, or an aggregator's with its commitments
// to link them to.
type pledgesPage struct {
	Pledges     []pledge.Pledge
	Next        string
	Aggregator  bool
	Commitments []allocate.Commitment
}

func (s *Server) pagePledges(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	list, next, err := s.pledges.List(r.Context(), p, r.URL.Query().Get("cursor"), 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := pledgesPage{Pledges: list, Next: next, Aggregator: !p.Can(account.Pledge)}
	title := "My pledges"
	if data.Aggregator {
		title = "Pledges from citizens"
		if data.Commitments, _, err = s.allocs.List(r.Context(), p, allocate.ListFilter{Limit: 100}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "pledges", title, data)
}

// pageNewPledge is the pledge form on the list of verified aggregators.
func (s *Server) pageNewPledge(w http.ResponseWriter, r *http.Request) {
	aggs, err := s.accounts.Aggregators(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "pledge_new", "Give through an aggregator", aggs)
}

func (s *Server) pagePledgePost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	qty, err := parseWholeInt(r.PostFormValue("quantity"))
	if err != nil {
		qty = 0 // refused by the service with its words
	}
	_, err = s.pledges.Make(r.Context(), principal(r), r.PostFormValue("org_id"),
		pledge.New{What: r.PostFormValue("what"), Quantity: qty, Note: r.PostFormValue("note")})
	switch {
	case err == nil:
		s.flash(r, "Thank you: your pledge was sent to the aggregator.")
		http.Redirect(w, r, "/pledges", http.StatusSeeOther)
	case errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
		http.Redirect(w, r, "/pledges/new", http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) pageLinkPledge(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.pledges.Link(r.Context(), principal(r), r.PathValue("id"), r.PostFormValue("commitment_id"))
	switch {
	case err == nil:
		s.flash(r, "The pledge was linked; the citizen is told.")
	case errs.Is(err, errs.Invalid), errs.Is(err, errs.Conflict):
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/pledges", http.StatusSeeOther)
}

// pageIndividuals is the office's (and the admin's) list of individual
// collaborators of its region, pending first.
func (s *Server) pageIndividuals(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.accounts.Individuals(r.Context(), principal(r), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "individuals", "Individual collaborators", orgs)
}

func (s *Server) pageDecideIndividual(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	_, err := s.accounts.DecideIndividual(r.Context(), principal(r), r.PathValue("id"), r.PostFormValue("decision"), r.PostFormValue("reason"))
	switch {
	case err == nil:
		s.flash(r, "The decision was recorded.")
	case errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/office/individuals", http.StatusSeeOther)
}
