package web

import (
	"net/http"
	"net/url"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
)

// The pages of help requests (issue 14): the public form /bantuan and the status
// page /bantuan/status, in Indonesian first and light enough for a cheap phone
// (one column, no script but the human check's), and the office's list and
// request pages.

// kotaVillages is one kota's kelurahan, for the form's grouped picker.
type kotaVillages struct {
	Name     string
	Villages []region.Region
}

type helpFormPage struct {
	Form      help.NewRequest
	Requester help.Requester
	Kotas     []kotaVillages
	NeedKinds []string
	Urgencies []string
	Error     error
}

func (s *Server) helpForm(in help.NewRequest, err error) helpFormPage {
	d := helpFormPage{Form: in, NeedKinds: help.NeedKinds, Urgencies: help.Urgencies, Error: err}
	if in.Requester != nil {
		d.Requester = *in.Requester
	}
	for _, kota := range s.regions.Children(s.opt.Province) {
		d.Kotas = append(d.Kotas, kotaVillages{Name: kota.Name, Villages: s.regions.Villages(kota.Code)})
	}
	return d
}

func (s *Server) pageHelpForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "help_form", "Ask for help", s.helpForm(help.NewRequest{Urgency: "high", NeedKind: "food"}, nil))
}

func (s *Server) pageHelpPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.PostForm
	in := help.NewRequest{Kind: v.Get("kind"), Name: v.Get("name"), NIK: v.Get("nik"), Phone: v.Get("phone"), Region: v.Get("region"),
		RW: v.Get("rw"), RT: v.Get("rt"), Address: v.Get("address"), Need: v.Get("need"), NeedKind: v.Get("need_kind"),
		Urgency: v.Get("urgency"), OnBehalf: v.Get("on_behalf") == "1"}
	if in.OnBehalf {
		in.Requester = &help.Requester{Name: v.Get("requester_name"), Phone: v.Get("requester_phone")}
	}
	rec, err := s.submitHelp(w, r, in, v.Get("altcha"))
	if err != nil {
		s.renderStatus(w, r, statusOf[errs.KindOf(err)], "help_form", map[string]any{"title": "Ask for help", "data": s.helpForm(in, err)})
		return
	}
	http.Redirect(w, r, "/bantuan/status?"+url.Values{"ref": {rec.Reference}, "new": {"1"}}.Encode(), http.StatusSeeOther)
}

type helpStatusPage struct {
	Ref, Phone string
	New        bool
	Status     *help.Status
	Error      error
}

// pageHelpStatus is the status lookup: a form, and the answer when the form was
// sent (a GET, so that the answer can be bookmarked without the phone digits
// being posted anywhere new).
func (s *Server) pageHelpStatus(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := helpStatusPage{Ref: q.Get("ref"), Phone: q.Get("phone"), New: q.Get("new") == "1"}
	code := http.StatusOK
	if d.Ref != "" && d.Phone != "" {
		st, err := s.lookupHelp(w, r, d.Ref, d.Phone)
		if err != nil {
			d.Error, code = err, statusOf[errs.KindOf(err)]
		} else {
			d.Status = &st
		}
	}
	s.renderStatus(w, r, code, "help_status", map[string]any{"title": "Help request status", "data": d})
}

type helpListPage struct {
	Items    []help.Summary
	Status   string
	Statuses []string
}

func (s *Server) pageHelpRequests(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	items, err := s.help.List(r.Context(), s.helpScope(r), help.Filter{Status: status})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "help_requests", "Help requests", helpListPage{Items: items, Status: status,
		Statuses: []string{help.Submitted, help.Accepted, help.Declined}})
}

type helpRequestPage struct {
	R          help.Request
	Candidates []registry.Candidate
	Programs   []program.Program
}

func (s *Server) pageHelpRequest(w http.ResponseWriter, r *http.Request) {
	ctx, scope := r.Context(), s.helpScope(r)
	req, err := s.help.Get(ctx, scope, r.PathValue("id"), principal(r).SeesNIKs())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := helpRequestPage{R: req}
	if req.Status == help.Submitted {
		if d.Candidates, err = s.help.Candidates(ctx, scope, req.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Programs, _, err = s.programs.List(ctx, program.Filter{Status: program.Published, Limit: 100}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "help_request", "Help request", d)
}

// pageHelpAct accepts or declines a request from its page; a refusal the office
// can act on comes back on the page.
func (s *Server) pageHelpAct(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, scope, id := r.Context(), s.helpScope(r), r.PathValue("id")
	var err error
	var done string
	if r.URL.Path == "/help-requests/"+id+"/accept" {
		var d help.Decision
		d, err = s.help.Accept(ctx, scope, id, r.PostForm.Get("program_id"))
		done = "The request was accepted: a new person was added to the registry with the program's need."
		if d.MatchedExisting {
			done = "The request was accepted: the person was found in the registry and given the program's need."
		}
	} else {
		_, err = s.help.Decline(ctx, scope, id, r.PostForm.Get("reason"))
		done = "The request was declined; the person who asked is told why."
	}
	switch {
	case err == nil:
		s.flash(r, done)
	case errs.Is(err, errs.Conflict), errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/help-requests/"+id, http.StatusSeeOther)
}

// HelpNeed, HelpUrgency and HelpStatus name a request's codes in the page's language.
func (v view) HelpNeed(code string) string    { return v.T(help.NeedLabel(code)) }
func (v view) HelpUrgency(code string) string { return v.T(help.UrgencyLabel(code)) }
func (v view) HelpStatus(code string) string  { return v.T(help.StatusLabel(code)) }
