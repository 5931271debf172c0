package web

import (
	"net/http"

	"github.com/gotong/gotong/internal/callback"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// The call-back pages: the office's samples with a form to draw one, and one
// sample as a calling list, made for a phone — tap the number to call, then Ya or
// Tidak.

// samplesPage is the list of samples and what the draw form offers.
type samplesPage struct {
	Samples  []callback.Sample
	Programs []program.Program
	Names    map[string]string // program names by id
	Regions  []region.Region   // the caller's region and the regions just below it
	MaxSize  int
}

func (s *Server) pageSamples(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	sms, err := s.callbacks.Samples(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ps, _, err := s.programs.List(r.Context(), program.Filter{Limit: 100})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := samplesPage{Samples: sms, Programs: ps, Names: map[string]string{}, MaxSize: callback.MaxSize}
	for _, pr := range ps {
		data.Names[pr.ID] = pr.Name
	}
	scope := p.RegionScope(s.opt.Province)
	if own, ok := s.regions.Get(scope); ok {
		data.Regions = append([]region.Region{own}, s.regions.Children(scope)...)
	}
	s.render(w, r, "verifications", "Call-back checks", data)
}

func (s *Server) pageDrawSample(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	size, err := parseWholeInt(r.PostFormValue("size"))
	if err != nil {
		s.flashFailure(r, errs.E(errs.Invalid, "the sample size must be between 1 and %d", callback.MaxSize))
		http.Redirect(w, r, "/verifications", http.StatusSeeOther)
		return
	}
	sm, err := s.callbacks.Draw(r.Context(), principal(r), r.PostFormValue("program_id"), r.PostFormValue("region"), size)
	switch kind := errs.KindOf(err); {
	case err == nil:
		http.Redirect(w, r, "/verifications/"+sm.ID, http.StatusSeeOther)
	case kind == errs.Invalid || kind == errs.Conflict:
		s.flashFailure(r, err)
		http.Redirect(w, r, "/verifications", http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) pageSample(w http.ResponseWriter, r *http.Request) {
	sm, err := s.callbacks.Sample(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := ""
	if pr, err := s.programs.Get(r.Context(), sm.ProgramID, true); err == nil {
		name = pr.Name
	}
	s.render(w, r, "verification", "Call-back check", map[string]any{"Sample": sm, "Program": name})
}

func (s *Server) pageAnswerSample(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id, alloc := r.PathValue("id"), r.PathValue("allocation")
	var confirmed bool
	switch r.PostFormValue("confirmed") {
	case "yes":
		confirmed = true
	case "no":
	default:
		s.fail(w, r, errs.E(errs.Invalid, "say whether the recipient confirmed: confirmed true or false"))
		return
	}
	err := s.callbacks.Answer(r.Context(), principal(r), id, alloc, confirmed, r.PostFormValue("note"))
	switch {
	case err == nil:
		s.flash(r, "The answer was recorded.")
	case errs.KindOf(err) == errs.Invalid:
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/verifications/"+id+"#a-"+alloc, http.StatusSeeOther)
}
