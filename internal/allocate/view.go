package allocate

import (
	"context"
	"fmt"
	"time"

	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

const commitmentCols = `c.id, c.org_id, c.program_id, c.phase_id, ph.name, c.region, c.chain, c.requested, c.allocated, c.waiting,
	c.released, c.deliver_by, c.status, c.created_at, p.name, c.warehouse_id, c.stock_item`

func scanCommitment(r interface{ Scan(...any) error }) (Commitment, error) {
	var c Commitment
	err := r.Scan(&c.ID, &c.OrgID, &c.ProgramID, &c.PhaseID, &c.Phase, &c.Region, &c.chain, &c.Requested, &c.Allocated,
		&c.Waitlisted, &c.Released, &c.DeliverBy, &c.Status, &c.CreatedAt, &c.ProgramName,
		&c.WarehouseID, &c.Item)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

const commitmentFrom = ` FROM commitments c JOIN phases ph ON ph.id = c.phase_id JOIN programs p ON p.id = c.program_id`

// get reads a commitment within who's OrgScope: another organisation's is not found.
func (s *Service) get(ctx context.Context, q store.Querier, who Who, id string) (Commitment, error) {
	org, all := who.OrgScope()
	c, err := scanCommitment(store.One(ctx, q, `SELECT `+commitmentCols+commitmentFrom+` WHERE c.id = $1 AND ($2 OR c.org_id = $3)`,
		id, all, org))
	if err != nil {
		return Commitment{}, store.NotFound(err, "no such commitment")
	}
	c.TargetIDs, err = store.All(ctx, q, store.String, `SELECT target_id FROM commitment_targets WHERE commitment_id = $1 ORDER BY target_id`, id)
	return c, err
}

// Get returns a commitment of who's organisation (any, for an admin; one
// reaching its region, for an office).
func (s *Service) Get(ctx context.Context, who Who, id string) (Commitment, error) {
	return s.readable(ctx, who, id)
}

// ListFilter selects commitments.
type ListFilter struct {
	OrgID     string // required unless the caller is an admin
	ProgramID string
	Cursor    string
	Limit     int
}

// List returns commitments, newest first (a Back cursor gives the page before
// it): for an office, those reaching its region, by every organisation.
func (s *Service) List(ctx context.Context, who Who, f ListFilter) ([]Commitment, string, error) {
	cur, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	where, args, ok := listWhere(who, f)
	if !ok {
		return []Commitment{}, "", nil
	}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	limit := store.Limit(f.Limit)
	after, order := cur.Keyset("c.created_at", "c.id", true, arg)
	q := `SELECT ` + commitmentCols + commitmentFrom + where + after + order + ` LIMIT ` + itoa(limit+1)
	items, err := store.All(ctx, s.db.R(), scanCommitment, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, next := store.PageAround(items, limit, cur, func(c Commitment) store.Cursor { return store.Cursor{At: c.CreatedAt, ID: c.ID} })
	return items, next, nil
}

// Count is how many commitments List selects, on all its pages.
func (s *Service) Count(ctx context.Context, who Who, f ListFilter) (int, error) {
	where, args, ok := listWhere(who, f)
	if !ok {
		return 0, nil
	}
	var n int
	err := store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM commitments c`+where, args...).Scan(&n)
	return n, err
}

// listWhere is the WHERE clause of List and Count with its arguments; ok is
// false when who reads no commitment at all.
func listWhere(who Who, f ListFilter) (where string, args []any, ok bool) {
	office := who.CommitmentRegion()
	if org, all := who.OrgScope(); !all && office == "" {
		f.OrgID = org
		if f.OrgID == "" {
			return "", nil, false
		}
	}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	where = ` WHERE 1=1`
	if f.OrgID != "" {
		where += ` AND c.org_id = ` + arg(f.OrgID)
	}
	if office != "" {
		where += listInRegion(office, arg)
	}
	if f.ProgramID != "" {
		where += ` AND c.program_id = ` + arg(f.ProgramID)
	}
	return where, args, true
}

// Recipient is what a collaborator may know of a target it serves: the delivery
// fields, and only while the allocation is active (DESIGN.md §2.3).
type Recipient struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Region    string `json:"region"`
	RW        int    `json:"rw"`
	RT        int    `json:"rt"`
	Address   string `json:"address"`
	Phone     string `json:"phone"`
	NIKMasked string `json:"nik_masked"`
	// ContactHidden says why address and phone are empty while the allocation is
	// active: "not_due" (its delivery is not due soon) or "daily_limit".
	ContactHidden string `json:"contact_hidden,omitempty"`
}

// Allocation is an allocation as the API shows it.
type Allocation struct {
	ID           string    `json:"id"`
	CommitmentID string    `json:"commitment_id"`
	Target       Recipient `json:"target"`
	Quantity     int       `json:"quantity"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason,omitempty"`
	Note         string    `json:"note,omitempty"` // a failed delivery's words beside its reason
	ExpiresAt    time.Time `json:"expires_at"`
}

// Active reports whether the allocation still entitles its collaborator to the
// recipient's delivery fields.
func (a Allocation) Active() bool { return a.Status == Reserved || a.Status == Dispatched }

// The recipient fields: domicile is where aid goes when it differs from the KTP
// address; a household shows its head's masked NIK, a person its own.
// They are the registry's (registry.RecipientColumns), read in the same query as a
// page of allocations.
const allocationCols = `a.id, a.commitment_id, a.quantity, a.status, a.reason, a.note, a.expires_at, ` + registry.RecipientColumns

func scanAllocation(r interface{ Scan(...any) error }) (Allocation, error) {
	var a Allocation
	t := &a.Target
	err := r.Scan(&a.ID, &a.CommitmentID, &a.Quantity, &a.Status, &a.Reason, &a.Note, &a.ExpiresAt,
		&t.ID, &t.Kind, &t.Region, &t.Name, &t.RW, &t.RT, &t.Address, &t.Phone, &t.NIKMasked)
	a.ExpiresAt = a.ExpiresAt.UTC()
	if !a.Active() {
		// Ended: the collaborator keeps the record of what it gave, not the person;
		// after a delivery or a failure, the name and masked NIK stay for the
		// handover record (API.md), address and phone go.
		kept := Recipient{ID: t.ID, Kind: t.Kind, Region: t.Region, RW: t.RW}
		if a.Status == Delivered || a.Status == Failed {
			kept.Name, kept.NIKMasked = t.Name, t.NIKMasked
		}
		*t = kept
	}
	return a, err
}

// Allocations lists a commitment's allocations with the recipients' delivery fields
// (while active; address and phone as Limits allow). Only the commitment's
// organisation and admins may read them; the read of personal data is audited.
func (s *Service) Allocations(ctx context.Context, who Who, commitmentID, cursor string, limit int) ([]Allocation, string, error) {
	c, err := s.get(ctx, s.db.R(), who, commitmentID)
	if err != nil {
		return nil, "", err
	}
	limit = store.Limit(limit)
	items, err := store.All(ctx, s.db.R(), scanAllocation, `SELECT `+allocationCols+` FROM allocations a JOIN `+registry.Targets+` ON t.id = a.target_id
		WHERE a.commitment_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3`, c.ID, cursor, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = items[limit-1].ID
	}
	if items == nil {
		items = []Allocation{}
	}
	if err := s.reveal(ctx, c, items, cursor); err != nil {
		return nil, "", err
	}
	return items, next, nil
}

// allocation reads one allocation of who's organisation.
func (s *Service) allocation(ctx context.Context, who Who, id string) (Allocation, error) {
	h, err := s.heldFor(ctx, s.db.R(), who, id)
	if err != nil {
		return Allocation{}, err
	}
	a, err := scanAllocation(store.One(ctx, s.db.R(), `SELECT `+allocationCols+` FROM allocations a JOIN `+registry.Targets+` ON t.id = a.target_id WHERE a.id = $1`, id))
	if err != nil {
		return a, err
	}
	c, err := s.get(ctx, s.db.R(), who, h.commitmentID)
	if err != nil {
		return a, err
	}
	as := []Allocation{a}
	err = s.reveal(ctx, c, as, "")
	return as[0], err
}

// OpenNeed is an RW's or institution's unmet need, for collaborators choosing whom to
// serve, named as publicName says. Households are not listed: they are reached
// through an area, so no one browses families by name.
type OpenNeed struct {
	TargetID string `json:"target_id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	RW       int    `json:"rw"`
	Needed   int    `json:"needed"`
	Free     int    `json:"free"`
}

// OpenNeeds lists the free RW and institution needs of a phase in a region. The
// first kind condition is spelled as the partial index needs_shared is, so that
// SQLite reads the area from that index instead of every need of the phase.
func (s *Service) OpenNeeds(ctx context.Context, phaseID, code, kind string, limit int) ([]OpenNeed, error) {
	return s.openNeeds(ctx, s.db.R(), phaseID, code, kind, limit)
}

func (s *Service) openNeeds(ctx context.Context, q store.Querier, phaseID, code, kind string, limit int) ([]OpenNeed, error) {
	kinds := []any{"rw", "institution"}
	if kind == "rw" || kind == "institution" {
		kinds = []any{kind, kind}
	}
	return store.All(ctx, q, func(r store.Scanner) (OpenNeed, error) {
		var o OpenNeed
		err := r.Scan(&o.TargetID, &o.Kind, &o.Name, &o.Region, &o.RW, &o.Needed, &o.Free)
		o.Name = publicName(o.Kind, o.Name, o.RW)
		return o, err
	}, `SELECT t.id, t.kind, t.name, t.region, t.rw, n.quantity, n.quantity - n.allocated
		FROM needs n JOIN `+registry.Targets+` ON t.id = n.target_id
		WHERE n.phase_id = $1 AND n.region >= $2 AND n.region < $3 AND n.allocated < n.quantity AND n.state = 'open'
		  AND n.kind IN ('rw','institution') AND n.kind IN ($4, $5) AND `+notStacked+`
		ORDER BY n.priority DESC, n.allocated * 1.0 / n.quantity, n.since, n.id LIMIT $6`,
		phaseID, code, region.Upper(code), kinds[0], kinds[1], store.Limit(limit))
}

// publicName is how a target that may be chosen is named to collaborators: an
// institution by its name, an RW by its number (its name is the RW head's, personal
// data that only the collaborator it is allocated to may see).
func publicName(kind, name string, rw int) string {
	if kind == "rw" {
		return fmt.Sprintf("RW %03d", rw)
	}
	return name
}

// The views below are what the API shows, built here so that the web layer only
// encodes them: each lists the fields its reader may see, and a field added to the
// domain type later stays out of the answer until it is added here on purpose.

// TakenView is a chosen target that could not be (fully) allocated, without its
// name: the caller chose it by id, and an RW's name is its head's.
type TakenView struct {
	TargetID string `json:"target_id"`
	Reason   string `json:"reason"`
}

func takenViews(in []Taken) []TakenView {
	var out []TakenView
	for _, t := range in {
		out = append(out, TakenView{TargetID: t.TargetID, Reason: t.Reason})
	}
	return out
}

// CommitmentView is a commitment as its organisation, or the admin, reads it.
type CommitmentView struct {
	ID          string       `json:"id"`
	OrgID       string       `json:"org_id"`
	ProgramID   string       `json:"program_id"`
	PhaseID     string       `json:"phase_id"`
	Phase       string       `json:"phase"`
	Region      string       `json:"region,omitempty"`
	TargetIDs   []string     `json:"target_ids,omitempty"`
	Requested   int          `json:"requested"`
	Allocated   int          `json:"allocated"`
	Waitlisted  int          `json:"waitlisted"`
	Released    int          `json:"released"`
	DeliverBy   string       `json:"deliver_by"`
	Status      string       `json:"status"`
	CreatedAt   time.Time    `json:"created_at"`
	ProgramName string       `json:"program_name,omitempty"`
	WarehouseID string       `json:"warehouse_id,omitempty"` // the warehouse it gives from
	Item        string       `json:"item,omitempty"`         // the stock item it gives
	Taken       []TakenView  `json:"taken,omitempty"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// View is the commitment as the API shows it.
func (c Commitment) View() CommitmentView {
	return CommitmentView{ID: c.ID, OrgID: c.OrgID, ProgramID: c.ProgramID, PhaseID: c.PhaseID, Phase: c.Phase, Region: c.Region,
		TargetIDs: c.TargetIDs, Requested: c.Requested, Allocated: c.Allocated, Waitlisted: c.Waitlisted, Released: c.Released,
		DeliverBy: c.DeliverBy, Status: c.Status, CreatedAt: c.CreatedAt, ProgramName: c.ProgramName,
		WarehouseID: c.WarehouseID, Item: c.Item, Taken: takenViews(c.Taken), Suggestions: c.Suggestions}
}

// PreviewView is what a commitment would get now, as the API shows it.
type PreviewView struct {
	Requested   int            `json:"requested"`
	Allocated   int            `json:"allocated"`
	Waitlisted  int            `json:"waitlisted"`
	Targets     int            `json:"targets"`
	Priority    int            `json:"priority_targets"`
	Regions     map[string]int `json:"regions"`
	Taken       []TakenView    `json:"taken,omitempty"`
	Suggestions []Suggestion   `json:"suggestions,omitempty"`
}

// View is the preview as the API shows it.
func (pv Preview) View() PreviewView {
	return PreviewView{Requested: pv.Requested, Allocated: pv.Allocated, Waitlisted: pv.Waitlisted, Targets: pv.Targets,
		Priority: pv.Priority, Regions: pv.Regions, Taken: takenViews(pv.Taken), Suggestions: pv.Suggestions}
}

// AllocationView is an allocation as the API shows it (API.md's allocation item):
// the recipient is already limited to what its collaborator may see now.
type AllocationView struct {
	ID        string    `json:"id"`
	Target    Recipient `json:"target"`
	Quantity  int       `json:"quantity"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	Note      string    `json:"note,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
}

// View is the allocation as the API shows it.
func (a Allocation) View() AllocationView {
	return AllocationView{ID: a.ID, Target: a.Target, Quantity: a.Quantity, Status: a.Status, Reason: a.Reason, Note: a.Note, ExpiresAt: a.ExpiresAt}
}
