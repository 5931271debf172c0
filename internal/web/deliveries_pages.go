package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/errs"
)

// The collaborator's delivery pages: on the commitment page its runs and a form to
// give reserved allocations to a courier, grouped as a driver goes (kelurahan,
// then RW, at most maxGroup stops a group); the run's page with the courier's link
// (shown once, right after the run is made), its stops, its downloads and a button
// to take the link back. Package deliver decides who may see and do what.

// maxGroup is the size of a suggested group: a courier's day on a motorbike.
const maxGroup = 50

// runRow is a run in the commitment's list, with its progress.
type runRow struct {
	deliver.Summary
	Delivered, Failed int
}

// State is the run's state as catalogue text.
func (r runRow) State() string { return runStateText[r.Status] }

// runStateText and proofText are the catalogue texts of a run's states and of the
// proofs of a delivery.
var (
	runStateText = map[string]string{deliver.Assigned: "given to the courier", deliver.InProgress: "on its way",
		deliver.Done: "finished", deliver.Revoked: "link revoked"}
	proofText = map[string]string{allocate.ProofCode: "recipient's code", allocate.ProofPhoto: "photo and name",
		allocate.ProofProvider: "courier company's report"}
)

// stopGroup is a suggested run: reserved allocations of one kelurahan and RW.
type stopGroup struct {
	Region, IDs string // IDs: the allocations' ids, space-separated, for the group's checkbox
	RW          int
	Part        int // 1, 2 … when the RW has more than maxGroup stops
	Allocations []allocate.Allocation
}

// deliverySection is the commitment page's "Pengantaran" section.
type deliverySection struct {
	Runs      []runRow
	Groups    []stopGroup
	Providers []string
}

// deliverySection reads the runs of commitment c and groups its reserved
// allocations that are in no open run; as are the allocations the page shows.
func (s *Server) deliverySection(r *http.Request, c allocate.Commitment, as []allocate.Allocation) (*deliverySection, error) {
	who := principal(r)
	if !who.Can(account.ManageDeliveries) {
		return nil, nil
	}
	runs, err := s.delivery.List(r.Context(), who, c.ID)
	if err != nil {
		return nil, err
	}
	stops, err := s.delivery.CommitmentStops(r.Context(), who, c.ID)
	if err != nil {
		return nil, err
	}
	status := make(map[string]string, len(as))
	for _, a := range as {
		status[a.ID] = a.Status
	}
	open := map[string]bool{}
	byRun := map[string]*runRow{}
	sec := &deliverySection{Providers: deliver.CourierProviders}
	for _, sm := range runs {
		sec.Runs = append(sec.Runs, runRow{Summary: sm})
	}
	for i := range sec.Runs {
		byRun[sec.Runs[i].ID] = &sec.Runs[i]
	}
	for _, st := range stops {
		open[st.AllocationID] = open[st.AllocationID] || st.Open
		if row := byRun[st.DeliveryID]; row != nil {
			switch status[st.AllocationID] {
			case allocate.Delivered:
				row.Delivered++
			case allocate.Failed:
				row.Failed++
			}
		}
	}
	var free []allocate.Allocation
	for _, a := range as {
		if a.Status == allocate.Reserved && !open[a.ID] {
			free = append(free, a)
		}
	}
	sec.Groups = groupStops(free)
	return sec, nil
}

// groupStops groups allocations by kelurahan, then RW, in the order a driver
// follows, cutting a group at maxGroup stops.
func groupStops(as []allocate.Allocation) []stopGroup {
	slices.SortStableFunc(as, func(a, b allocate.Allocation) int {
		x, y := a.Target, b.Target
		return cmp.Or(strings.Compare(x.Region, y.Region), cmp.Compare(x.RW, y.RW), cmp.Compare(x.RT, y.RT),
			strings.Compare(x.Address, y.Address))
	})
	var out []stopGroup
	for _, a := range as {
		n := len(out)
		if n == 0 || out[n-1].Region != a.Target.Region || out[n-1].RW != a.Target.RW || len(out[n-1].Allocations) == maxGroup {
			g := stopGroup{Region: a.Target.Region, RW: a.Target.RW, Part: 1}
			if n > 0 && out[n-1].Region == g.Region && out[n-1].RW == g.RW {
				g.Part = out[n-1].Part + 1
			}
			out = append(out, g)
			n++
		}
		g := &out[n-1]
		g.Allocations = append(g.Allocations, a)
		g.IDs = strings.TrimSpace(g.IDs + " " + a.ID)
	}
	return out
}

// pageCreateDelivery makes a run of the allocations ticked one by one or by group.
func (s *Server) pageCreateDelivery(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	in := deliver.CreateInput{CommitmentID: f.Get("commitment_id"), Courier: deliver.Courier{Provider: f.Get("provider"),
		Name: f.Get("name"), Phone: f.Get("phone"), Plate: f.Get("plate"), BookingRef: f.Get("booking_ref")}}
	seen := map[string]bool{}
	for _, id := range append(f["allocation_ids"], strings.Fields(strings.Join(f["groups"], " "))...) {
		if !seen[id] {
			seen[id] = true
			in.AllocationIDs = append(in.AllocationIDs, id)
		}
	}
	back := "/commitments/" + url.PathEscape(in.CommitmentID) + "#new-run"
	out, err := s.delivery.Create(r.Context(), principal(r), in)
	switch kind := errs.KindOf(err); {
	case err == nil:
		// The link is the right to the stops: it is shown once, on the next page.
		s.sessions.Put(r.Context(), "courier_url:"+out.ID, out.CourierURL)
		s.flash(r, "The delivery run was made. Give the courier the link below.")
		http.Redirect(w, r, "/deliveries/"+out.ID, http.StatusSeeOther)
	case kind == errs.Invalid || kind == errs.Conflict:
		s.flashFailure(r, err)
		http.Redirect(w, r, back, http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// runStop is a stop of the run's page: its number and the catalogue text of its
// proof once delivered.
type runStop struct {
	allocate.Stop
	N     int
	Proof string
}

// runPage is a run with its stops, the proof of each delivered one and, right
// after it was made, the courier's link.
type runPage struct {
	Run        deliver.Run
	Commitment allocate.Commitment
	Stops      []runStop
	State      string
	CourierURL string
	WhatsApp   string
	Open       bool
}

func (s *Server) pageDelivery(w http.ResponseWriter, r *http.Request) {
	who := principal(r)
	run, err := s.delivery.Get(r.Context(), who, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	proofs, err := s.delivery.ProofKinds(r.Context(), who, run.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.allocs.Get(r.Context(), who, run.CommitmentID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := runPage{Run: run, Commitment: c, State: runStateText[run.Status], Open: run.Status == deliver.Assigned || run.Status == deliver.InProgress,
		CourierURL: s.sessions.PopString(r.Context(), "courier_url:"+run.ID)}
	for i, st := range run.StopList {
		p.Stops = append(p.Stops, runStop{Stop: st, N: i + 1, Proof: proofText[proofs[st.AllocationID]]})
	}
	if p.CourierURL != "" {
		p.WhatsApp = "https://wa.me/?text=" + url.QueryEscape(translate(langOf(r), "Gotong delivery, %d stops:", run.Stops)+" "+p.CourierURL)
	}
	s.render(w, r, "delivery", "Delivery run", p)
}

func (s *Server) pageRevokeDelivery(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	switch _, err := s.delivery.Revoke(r.Context(), principal(r), id); {
	case err == nil:
		s.flash(r, "The courier's link was revoked; its waiting stops can go into another run.")
	case errs.KindOf(err) == errs.Conflict:
		s.flashFailure(r, err)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/deliveries/"+url.PathEscape(id), http.StatusSeeOther)
}
