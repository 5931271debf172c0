package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/httprate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/idea"
)

// forumWrites is how many times a minute one user may write to the forum
// (propose, support, comment, offer, report), API and pages together: far
// above what a person types, low enough to stop a script filling the forum.
const forumWrites = 60

// perUser limits each signed-in user to n requests a minute on the handlers it
// wraps (inside allow, which has found the user). Keyed by user, not address:
// the citizens of a kelurahan may share one address behind their carrier, and
// a spammer with many addresses still has one account.
func (s *Server) perUser(n int) func(http.HandlerFunc) http.HandlerFunc {
	n = s.share(n)
	byUser := func(r *http.Request) (string, error) {
		u, _ := currentUser(r)
		return u.ID, nil
	}
	l := httprate.NewRateLimiter(n, time.Minute, httprate.WithKeyFuncs(byUser), httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.E(errs.RateLimited, "too many requests; wait a minute and try again"))
	}))
	return func(h http.HandlerFunc) http.HandlerFunc { return l.Handler(h).ServeHTTP }
}

// The forum's API (API.md, "Citizens": ideas). Reading is public; taking part
// needs a sign-in (TakePart), offering a verified organisation (OfferToIdea),
// moving and hiding ideas the admin (GovernIdeas). Package idea decides who
// sees what; this translates.

// ideaFilter reads a list's query.
func ideaFilter(r *http.Request) (idea.Filter, error) {
	limit, err := limitParam(r)
	if err != nil {
		return idea.Filter{}, err
	}
	q := r.URL.Query()
	f := idea.Filter{Status: q.Get("status"), Region: q.Get("region"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), Limit: limit}
	if v := q.Get("reported"); v != "" {
		if f.Reported, err = strconv.ParseBool(v); err != nil {
			return f, errs.E(errs.Invalid, "reported must be true or false")
		}
	}
	return f, nil
}

func (s *Server) apiIdeas(w http.ResponseWriter, r *http.Request) {
	f, err := ideaFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, next, err := s.ideas.List(r.Context(), principal(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) apiProposeIdea(w http.ResponseWriter, r *http.Request) {
	var in idea.NewIdea
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	i, err := s.ideas.Propose(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, i)
}

func (s *Server) apiIdea(w http.ResponseWriter, r *http.Request) {
	i, err := s.ideas.Get(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, i)
}

// answer writes v with code, or the error.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, code int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, code, v)
}

func (s *Server) apiSupportIdea(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if err := optionalJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	i, err := s.ideas.Support(r.Context(), principal(r), r.PathValue("id"))
	s.answer(w, r, http.StatusOK, i, err)
}

func (s *Server) apiCommentIdea(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.ideas.Comment(r.Context(), principal(r), r.PathValue("id"), in.Body)
	s.answer(w, r, http.StatusCreated, c, err)
}

func (s *Server) apiOfferToIdea(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Offer string `json:"offer"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.ideas.MakeOffer(r.Context(), principal(r), r.PathValue("id"), in.Offer)
	s.answer(w, r, http.StatusCreated, o, err)
}

func (s *Server) apiIdeaStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	i, err := s.ideas.SetStatus(r.Context(), principal(r), r.PathValue("id"), in.Status, in.Reason)
	s.answer(w, r, http.StatusOK, i, err)
}

func (s *Server) apiReportIdea(w http.ResponseWriter, r *http.Request) {
	var in reasonBody
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.ideas.ReportIdea(r.Context(), principal(r), r.PathValue("id"), in.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]bool{"reported": true})
}

func (s *Server) apiHideIdea(w http.ResponseWriter, r *http.Request) {
	var in reasonBody
	if err := optionalJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	i, err := s.ideas.Hide(r.Context(), principal(r), r.PathValue("id"), in.Reason)
	s.answer(w, r, http.StatusOK, i, err)
}
