package web

import (
	"net/http"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/idea"
	"github.com/gotong/gotong/internal/region"
)

// ideasPage is what the forum's list shows.
type ideasPage struct {
	Ideas      []idea.Idea
	Next       string
	Filter     idea.Filter
	Query      string // the filter as a query, for the next page's link
	Statuses   []string
	Categories []string
	Regions    []region.Region // where an idea may be for: each kota, then its kecamatan
	Error      string
}

// ideaPage is what one idea's page shows.
type ideaPage struct {
	Idea     idea.Detail
	Next     []string // the statuses the admin may move it to
	Can      ideaActs
	Statuses []string
}

// ideaActs are the forms the viewer gets on an idea's page.
type ideaActs struct {
	TakePart, Offer, Govern bool
}

func (s *Server) pageIdeas(w http.ResponseWriter, r *http.Request) {
	f, err := ideaFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := ideasPage{Filter: f, Statuses: idea.Statuses, Categories: idea.Categories, Regions: s.warehouseRegions()}
	if f.Sort == "" {
		p.Filter.Sort = "recent"
	}
	q := r.URL.Query()
	q.Del("cursor")
	p.Query = q.Encode()
	p.Ideas, p.Next, err = s.ideas.List(r.Context(), principal(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "ideas", "Ideas for the city", p)
}

func (s *Server) pageProposeIdea(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := idea.NewIdea{Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body"), Category: r.PostForm.Get("category"),
		Region: r.PostForm.Get("region"), Needs: r.PostForm.Get("needs")}
	i, err := s.ideas.Propose(r.Context(), principal(r), in)
	switch {
	case errs.Is(err, errs.Invalid):
		s.flashFailure(r, err)
		http.Redirect(w, r, "/ideas#propose", http.StatusSeeOther)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.flash(r, "Thank you: your idea is on the forum.")
	http.Redirect(w, r, "/ideas/"+i.ID, http.StatusSeeOther)
}

func (s *Server) pageIdea(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	i, err := s.ideas.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ideaPage{Idea: i, Statuses: idea.Statuses,
		Can: ideaActs{TakePart: p.Can(account.TakePart), Offer: p.Can(account.OfferToIdea), Govern: p.Can(account.GovernIdeas)}}
	if page.Can.Govern {
		page.Next = idea.NextStatuses(i.Status)
	}
	s.render(w, r, "idea", i.Title, page)
}

// pageIdeaAct takes part in an idea from its page: support, comment, offer,
// report, and the admin's status and hide; then back to the idea.
func (s *Server) pageIdeaAct(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p, id, ctx := principal(r), r.PathValue("id"), r.Context()
	var err error
	var done string
	switch action := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]; action {
	case "support":
		_, err = s.ideas.Support(ctx, p, id)
		done = "Thank you for your support."
	case "comments":
		_, err = s.ideas.Comment(ctx, p, id, r.PostForm.Get("body"))
		done = "Your comment was added."
	case "offers":
		_, err = s.ideas.MakeOffer(ctx, p, id, r.PostForm.Get("offer"))
		done = "Your organisation's offer was added."
	case "report":
		err = s.ideas.ReportIdea(ctx, p, id, r.PostForm.Get("reason"))
		done = "Thank you: the report was sent to the admin."
	case "status":
		_, err = s.ideas.SetStatus(ctx, p, id, r.PostForm.Get("status"), r.PostForm.Get("reason"))
		done = "The idea's status was changed."
	case "hide":
		_, err = s.ideas.Hide(ctx, p, id, r.PostForm.Get("reason"))
		done = "The idea is hidden from the forum."
	default:
		err = errs.E(errs.NotFound, "page not found")
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
	http.Redirect(w, r, "/ideas/"+id, http.StatusSeeOther)
}
