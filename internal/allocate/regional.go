package allocate

import (
	"context"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// The government sees who serves whom: an office reads every commitment that
// reaches its region — named for an area inside it, or holding an allocation
// there — whichever organisation made it, and of those only the allocations in
// its region (Principal.CommitmentRegion). Reading is all it does: cancelling,
// dispatching and delivering go through get and OrgScope, which find nothing of
// an office's.

// inRegion is the SQL condition that commitment c reaches the region between
// the arguments lo and hi (placeholders).
func inRegion(lo, hi string) string {
	return `((c.region >= ` + lo + ` AND c.region < ` + hi + `) OR EXISTS (SELECT 1 FROM allocations ra
		WHERE ra.commitment_id = c.id AND ra.region >= ` + lo + ` AND ra.region < ` + hi + `))`
}

// readable reads a commitment who may read: its organisation's (any, for an
// admin) or, for an office, one that reaches its region.
func (s *Service) readable(ctx context.Context, who Who, id string) (Commitment, error) {
	reg := who.CommitmentRegion()
	if reg == "" {
		return s.get(ctx, s.db.R(), who, id)
	}
	c, err := scanCommitment(store.One(ctx, s.db.R(), `SELECT `+commitmentCols+commitmentFrom+` WHERE c.id = $1 AND `+inRegion("$2", "$3"),
		id, reg, region.Upper(reg)))
	if err != nil {
		return Commitment{}, store.NotFound(err, "no such commitment")
	}
	c.TargetIDs, err = store.All(ctx, s.db.R(), store.String, `SELECT target_id FROM commitment_targets WHERE commitment_id = $1 ORDER BY target_id`, id)
	return c, err
}

// AllocationFilter selects a page of a commitment's allocations: those after
// Cursor (an allocation id; "" from the start), in Region (a kelurahan or any
// region code; "" for all) and RW (0 for all), whose target or one of its
// members is named Q.
type AllocationFilter struct {
	Cursor string
	Limit  int
	Region string
	RW     int
	Q      string
}

// AllocationPage is one page of a commitment's allocations: Next continues after
// it ("" at the end); Prev starts the page before it, which exists when HasPrev
// (Prev "" is then the first page); Total counts every allocation the filter
// selects, on all pages.
type AllocationPage struct {
	Items   []Allocation
	Next    string
	Prev    string
	HasPrev bool
	Total   int
}

// AllocationsPage pages a commitment's allocations with their recipients, as
// Allocations does, filtered and counted. An office reads only those in its
// region, without taking from the organisation's daily reveals (it sees its
// region's registry already); its read is audited.
func (s *Service) AllocationsPage(ctx context.Context, who Who, commitmentID string, f AllocationFilter) (AllocationPage, error) {
	c, err := s.readable(ctx, who, commitmentID)
	if err != nil {
		return AllocationPage{}, err
	}
	limit := store.Limit(f.Limit)
	args := []any{c.ID}
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	where := ` WHERE a.commitment_id = $1`
	office := who.CommitmentRegion()
	if office != "" {
		where += ` AND a.region >= ` + arg(office) + ` AND a.region < ` + arg(region.Upper(office))
	}
	if code, err := region.Normalize(f.Region); f.Region != "" && err == nil {
		where += ` AND a.region >= ` + arg(code) + ` AND a.region < ` + arg(region.Upper(code))
	}
	if f.RW > 0 {
		where += ` AND t.rw = ` + arg(f.RW)
	}
	if cond, v := registry.NameSearch(f.Q, "$"+itoa(len(args)+1)); cond != "" {
		args = append(args, v)
		where += ` AND ` + cond
	}
	from := ` FROM allocations a JOIN ` + registry.Targets + ` ON t.id = a.target_id`
	var page AllocationPage
	if err := store.One(ctx, s.db.R(), `SELECT COUNT(*)`+from+where, args...).Scan(&page.Total); err != nil {
		return page, err
	}
	n := len(args)
	items, err := store.All(ctx, s.db.R(), scanAllocation, `SELECT `+allocationCols+from+where+` AND a.id > $`+itoa(n+1)+
		` ORDER BY a.id LIMIT $`+itoa(n+2), append(args, f.Cursor, limit+1)...)
	if err != nil {
		return page, err
	}
	if len(items) > limit {
		items = items[:limit]
		page.Next = items[limit-1].ID
	}
	if items == nil {
		items = []Allocation{}
	}
	page.Items = items
	if f.Cursor != "" {
		// The page before starts after the (limit+1)-th allocation at or before the
		// cursor, counting back; with fewer, it is the first page.
		page.HasPrev = true
		prev, err := store.All(ctx, s.db.R(), store.String, `SELECT a.id`+from+where+` AND a.id <= $`+itoa(n+1)+
			` ORDER BY a.id DESC LIMIT 1 OFFSET $`+itoa(n+2), append(args, f.Cursor, limit)...)
		if err != nil {
			return page, err
		}
		if len(prev) == 1 {
			page.Prev = prev[0]
		}
	}
	if office != "" {
		return page, s.officeRead(ctx, c, items, f.Cursor)
	}
	return page, s.reveal(ctx, c, items, f.Cursor)
}

// officeRead audits an office's read of a page of recipients.
func (s *Service) officeRead(ctx context.Context, c Commitment, as []Allocation, cursor string) error {
	if len(as) == 0 {
		return nil
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "allocation.recipients.view", ObjectType: "commitment", ObjectID: c.ID,
			Region: c.Region, Chain: c.chain, Detail: map[string]any{"recipients": len(as), "office": true, "cursor": cursor}})
	})
}

// listInRegion is List's condition for an office: commitments reaching its
// region; lo and hi are appended to args.
func listInRegion(reg string, arg func(any) string) string {
	return ` AND ` + inRegion(arg(reg), arg(region.Upper(reg)))
}
