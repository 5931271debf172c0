package deliver

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// The office's view of deliveries in its region: the runs, their stops counted by
// status per kelurahan, the flags failures raised and the recent failures. It
// holds no personal data: no recipient's name, address or phone, no courier's
// phone.

// AreaProgress counts the stops of open and finished runs in one kelurahan by
// their allocation's status.
type AreaProgress struct {
	Region                                           string
	Runs                                             int
	Stops, Waiting, OnTheWay, Delivered, Failed, End int // End: expired or cancelled
}

// RegionRun is a run as the office lists it.
type RegionRun struct {
	ID, CommitmentID, OrgID, Region, Status, Provider string
	Stops, Delivered, Failed                          int
	CreatedAt                                         time.Time
}

// OfficeView is what the office page shows.
type OfficeView struct {
	Runs     []RegionRun
	Areas    []AreaProgress
	Flags    []Flag
	Failures []allocate.FailedDelivery
}

// MaxOfficeRuns bounds the runs the office view reads (the newest).
const MaxOfficeRuns = 200

// Office reads the deliveries within code (a region prefix, the caller's region
// scope; "" for every region). A run is in the region of its commitment, or of its
// audit chain when the commitment chose its targets.
func (s *Service) Office(ctx context.Context, code string) (OfficeView, error) {
	lo, hi := code, region.Upper(code)
	if code == "" {
		lo, hi = "", "~"
	}
	var v OfficeView
	runs, err := store.All(ctx, s.db.R(), scanRun, `SELECT `+runCols+` FROM deliveries d
		WHERE (CASE WHEN d.region <> '' THEN d.region ELSE d.chain END) >= $1
		AND (CASE WHEN d.region <> '' THEN d.region ELSE d.chain END) < $2
		ORDER BY d.created_at DESC, d.id DESC LIMIT $3`, lo, hi, MaxOfficeRuns)
	if err != nil {
		return v, err
	}
	at := map[string]int{}
	args := make([]any, len(runs))
	for i, d := range runs {
		at[d.ID] = i
		args[i] = d.ID
		v.Runs = append(v.Runs, RegionRun{ID: d.ID, CommitmentID: d.CommitmentID, OrgID: d.OrgID, Region: d.Region,
			Status: d.Status, Provider: d.Courier.Provider, Stops: d.Stops, CreatedAt: d.CreatedAt})
	}
	type stop struct{ run, alloc string }
	var stops []stop
	if len(runs) > 0 {
		err = store.Each(ctx, s.db.R(), func(r store.Scanner) error {
			var st stop
			if err := r.Scan(&st.run, &st.alloc); err != nil {
				return err
			}
			stops = append(stops, st)
			return nil
		}, `SELECT delivery_id, allocation_id FROM delivery_stops WHERE delivery_id IN (`+store.InList(s.db.Engine, 1, len(args))+`)`, args...)
		if err != nil {
			return v, err
		}
	}
	ids := make([]string, len(stops))
	for i, st := range stops {
		ids[i] = st.alloc
	}
	states, err := s.allocs.States(ctx, ids)
	if err != nil {
		return v, err
	}
	areas := map[string]*AreaProgress{}
	runsIn := map[[2]string]bool{}
	for _, st := range stops {
		a, ok := states[st.alloc]
		r := &v.Runs[at[st.run]]
		if !ok {
			continue
		}
		switch a.Status {
		case allocate.Delivered:
			r.Delivered++
		case allocate.Failed:
			r.Failed++
		}
		// A revoked run's stops may be in a later run: they are counted there.
		if r.Status == Revoked || !strings.HasPrefix(a.Region, code) {
			continue
		}
		p := areas[a.Region]
		if p == nil {
			p = &AreaProgress{Region: a.Region}
			areas[a.Region] = p
		}
		if !runsIn[[2]string{a.Region, st.run}] {
			runsIn[[2]string{a.Region, st.run}] = true
			p.Runs++
		}
		p.Stops++
		switch a.Status {
		case allocate.Reserved:
			p.Waiting++
		case allocate.Dispatched:
			p.OnTheWay++
		case allocate.Delivered:
			p.Delivered++
		case allocate.Failed:
			p.Failed++
		default:
			p.End++
		}
	}
	for _, p := range areas {
		v.Areas = append(v.Areas, *p)
	}
	slices.SortFunc(v.Areas, func(a, b AreaProgress) int { return strings.Compare(a.Region, b.Region) })
	if v.Flags, err = s.Flags(ctx, code); err != nil {
		return v, err
	}
	v.Failures, err = s.allocs.RecentFailures(ctx, code, 50)
	return v, err
}
