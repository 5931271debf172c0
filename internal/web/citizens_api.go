package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/pledge"
)

// Citizens who give (issue 14): a citizen registers alone behind the human check,
// may ask to become an individual collaborator (verified by the admin or the
// office of their region), and may pledge goods to a verified aggregator, which
// links the pledge to one of its commitments.

// apiRegisterCitizen creates a citizen's account: the human check first (spent
// even when the rest is refused, so one solution tries one registration), then
// a unique email and a sane password. It shares the registrations' rate limit.
func (s *Server) apiRegisterCitizen(w http.ResponseWriter, r *http.Request) {
	var in struct {
		account.CitizenSignup
		Altcha string `json:"altcha"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.verifyHuman(r, in.Altcha); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.accounts.RegisterCitizen(r.Context(), in.CitizenSignup)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

// apiCollaborate turns the signed-in citizen into an individual collaborator
// waiting for verification.
func (s *Server) apiCollaborate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ContactPhone string `json:"contact_phone"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.accounts.Collaborate(r.Context(), principal(r).UserID, in.ContactPhone)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

// apiIndividuals lists the individual collaborators of the caller's region.
func (s *Server) apiIndividuals(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.accounts.Individuals(r.Context(), principal(r), r.URL.Query().Get("status"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(orgs, ""))
}

// apiDecideIndividual verifies or rejects an individual collaborator of the
// caller's region.
func (s *Server) apiDecideIndividual(w http.ResponseWriter, r *http.Request) {
	s.decideOrgWith(w, r, func(decision, reason string) (account.Org, error) {
		return s.accounts.DecideIndividual(r.Context(), principal(r), r.PathValue("id"), decision, reason)
	})
}

// apiPledge records a citizen's pledge to a verified aggregator.
func (s *Server) apiPledge(w http.ResponseWriter, r *http.Request) {
	var in pledge.New
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	pl, err := s.pledges.Make(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, pl)
}

// apiPledges lists a citizen's own pledges, or those made to the caller's aggregator.
func (s *Server) apiPledges(w http.ResponseWriter, r *http.Request) {
	limit, err := limitParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, next, err := s.pledges.List(r.Context(), principal(r), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, next))
}

// apiLinkPledge links a pledge made to the caller's aggregator to one of its
// commitments.
func (s *Server) apiLinkPledge(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CommitmentID string `json:"commitment_id"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	pl, err := s.pledges.Link(r.Context(), principal(r), r.PathValue("id"), in.CommitmentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pl)
}
