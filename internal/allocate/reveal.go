package allocate

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Limits bound how much personal data reaches one organisation (DESIGN.md §2.3). A
// verified collaborator once committed a million units, was shown 13,457 recipients'
// names, addresses and phones within seconds, and cancelled: being allowed to
// deliver is not a reason to hold more people's details than one can deliver to.
//
//   - OpenUnits caps the units an organisation holds open — allocated and not ended,
//     or waiting — so that a commitment cannot reach more of the registry than the
//     organisation delivers; a commitment beyond it is refused.
//   - RevealsPerDay caps the distinct allocations whose address and phone an
//     organisation is shown in a day (WIB); past it, further recipients come without
//     them until the next day.
//   - RevealWithin: address and phone are shown only for an allocation that is on its
//     way (dispatched) or due within this long — its dispatch deadline or the
//     commitment's delivery date, whichever comes first.
//
// An organisation's own limits (organizations.open_limit, reveal_limit), set by the
// admin, replace the first two; zero everywhere means no limit. Every reveal is
// audited with its counts, and a commitment cancelled after its recipients were
// revealed, having delivered nothing, is flagged to the admin.
type Limits struct {
	OpenUnits     int
	RevealsPerDay int
	RevealWithin  time.Duration
}

// Why a recipient's address and phone are not shown (Recipient.ContactHidden).
const (
	HiddenNotDue = "not_due"     // the delivery is not due soon enough
	HiddenLimit  = "daily_limit" // the organisation's daily limit is reached
)

var wib = time.FixedZone("WIB", 7*3600)

// orgLimits reads an organisation's effective limits.
func (s *Service) orgLimits(ctx context.Context, q store.Querier, org string) (open, reveals int, err error) {
	open, reveals, err = s.orgs.OrgLimits(ctx, q, org)
	if err != nil {
		return 0, 0, err
	}
	if open == 0 {
		open = s.Limits.OpenUnits
	}
	if reveals == 0 {
		reveals = s.Limits.RevealsPerDay
	}
	return open, reveals, nil
}

// checkOpen refuses a commitment of qty units that would take the organisation over
// its cap on open units. On PostgreSQL the organisation's row is locked first, so
// two commitments of one organisation cannot both pass on the same count.
func (s *Service) checkOpen(ctx context.Context, tx *store.Tx, org string, qty int) error {
	limit, _, err := s.orgLimits(ctx, tx, org)
	if err != nil || limit == 0 {
		return err
	}
	if err := s.orgs.LockOrg(ctx, tx, org); err != nil {
		return err
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT
		COALESCE((SELECT SUM(a.quantity) FROM commitments c JOIN allocations a ON a.commitment_id = c.id
			AND a.status IN ('reserved','dispatched') WHERE c.org_id = $1), 0)
		+ COALESCE((SELECT SUM(waiting) FROM commitments WHERE org_id = $1 AND status <> 'cancelled'), 0)`, org).Scan(&open); err != nil {
		return err
	}
	if open+qty > limit {
		return errs.E(errs.Conflict, "your organisation holds %d units not yet delivered and may hold %d: deliver or cancel some first, or ask the admin to raise the limit", open, limit)
	}
	return nil
}

// due reports whether an active allocation's delivery is close enough for its
// recipient's address and phone to be shown.
func (s *Service) due(a Allocation, deliverBy string, now time.Time) bool {
	if a.Status == Dispatched || s.Limits.RevealWithin <= 0 {
		return true
	}
	when := a.ExpiresAt
	if d, err := time.ParseInLocation(time.DateOnly, deliverBy, wib); err == nil {
		if end := d.AddDate(0, 0, 1); end.Before(when) {
			when = end
		}
	}
	return !when.After(now.Add(s.Limits.RevealWithin))
}

// reveal decides, in one write transaction with its audit entry, which of the
// active allocations in as (all of commitment c) show their recipient's address and
// phone, and blanks the rest with the reason. Allocations already revealed today
// count once; the daily cap is taken under the organisation's row lock on
// PostgreSQL.
func (s *Service) reveal(ctx context.Context, c Commitment, as []Allocation, cursor string) error {
	now := s.Now()
	var due, notDue []int
	for i, a := range as {
		switch {
		case !a.Active():
		case s.due(a, c.DeliverBy, now):
			due = append(due, i)
		default:
			notDue = append(notDue, i)
		}
	}
	for _, i := range notDue {
		as[i].hide(HiddenNotDue)
	}
	// Ended allocations still show their recipient's name and masked NIK (for the
	// handover record): reading them is a read of personal data too, audited with
	// the rest.
	ended := 0
	for _, a := range as {
		if !a.Active() && a.Target.Name != "" {
			ended++
		}
	}
	if len(due)+len(notDue)+ended == 0 {
		return nil // nothing personal is shown (cancelled and expired allocations show no one)
	}
	day := now.In(wib).Format(time.DateOnly)
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, limit, err := s.orgLimits(ctx, tx, c.OrgID)
		if err != nil {
			return err
		}
		shown := due
		if limit > 0 && len(due) > 0 {
			if err := s.orgs.LockOrg(ctx, tx, c.OrgID); err != nil {
				return err
			}
			ids := make([]any, 0, len(due)+2)
			ids = append(ids, c.OrgID, day)
			for _, i := range due {
				ids = append(ids, as[i].ID)
			}
			already, err := store.All(ctx, tx, store.String, `SELECT allocation_id FROM recipient_reveals WHERE org_id = $1 AND day = $2
				AND allocation_id IN (`+store.InList(tx.Engine, 3, len(due))+`)`, ids...)
			if err != nil {
				return err
			}
			var used int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recipient_reveals WHERE org_id = $1 AND day = $2`, c.OrgID, day).Scan(&used); err != nil {
				return err
			}
			room := max(limit-used, 0)
			shown = nil
			for _, i := range due {
				switch {
				case slices.Contains(already, as[i].ID), as[i].Status == Dispatched:
					shown = append(shown, i) // on its way, or counted already
				case room > 0:
					room--
					shown = append(shown, i)
				default:
					as[i].hide(HiddenLimit)
				}
			}
		}
		// One statement for the page (at most 500 rows, 2,500 parameters).
		rows := make([][]any, len(shown))
		for j, i := range shown {
			rows[j] = []any{as[i].ID}
		}
		if _, err := tx.Insert(ctx, `INSERT INTO recipient_reveals (allocation_id, org_id, day, commitment_id, at) VALUES `,
			` ON CONFLICT (org_id, day, allocation_id) DO NOTHING`, rows, c.OrgID, day, c.ID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "allocation.recipients.view", ObjectType: "commitment", ObjectID: c.ID,
			Region: c.Region, Chain: c.chain, Detail: map[string]any{"recipients": len(due) + len(notDue), "revealed": len(shown),
				"withheld_limit": len(due) - len(shown), "withheld_not_due": len(notDue), "ended": ended, "cursor": cursor}})
	})
}

// hide blanks the recipient's contact details and says why.
func (a *Allocation) hide(why string) {
	a.Target.Address, a.Target.Phone, a.Target.ContactHidden = "", "", why
}

// flagCancelAfterReveal flags to the admin a commitment cancelled after its
// recipients' details were revealed, when none of its allocations went on its way:
// the pattern of a registry harvest.
func (s *Service) flagCancelAfterReveal(ctx context.Context, tx *store.Tx, c Commitment) error {
	var revealed, moved int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT allocation_id) FROM recipient_reveals WHERE commitment_id = $1`, c.ID).Scan(&revealed); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM allocations WHERE commitment_id = $1 AND status IN ('dispatched','delivered')`, c.ID).Scan(&moved); err != nil {
		return err
	}
	if revealed == 0 || moved > 0 {
		return nil
	}
	params, _ := json.Marshal(map[string]int{"revealed": revealed, "requested": c.Requested})
	id := newID()
	if _, err := tx.ExecContext(ctx, `INSERT INTO org_flags (id, org_id, kind, commitment_id, params, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, c.OrgID, FlagCancelAfterReveal, c.ID, string(params), s.Now()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "organization.flag", ObjectType: "organization", ObjectID: c.OrgID, Region: c.Region, Chain: c.chain,
		Detail: map[string]any{"flag": id, "kind": FlagCancelAfterReveal, "commitment": c.ID, "revealed": revealed}})
}

// FlagCancelAfterReveal: a commitment cancelled after its recipients' addresses and
// phones were shown, with nothing dispatched or delivered.
const FlagCancelAfterReveal = "cancel_after_reveal"

// Flag is a pattern for the admin to look at.
type Flag struct {
	ID           string         `json:"id"`
	OrgID        string         `json:"org_id"`
	Organization string         `json:"organization"`
	Kind         string         `json:"kind"`
	CommitmentID string         `json:"commitment_id"`
	Params       map[string]int `json:"params"`
	CreatedAt    time.Time      `json:"created_at"`
}

// Flags lists flags, newest first (admin).
func (s *Service) Flags(ctx context.Context, cursor string, limit int) ([]Flag, string, error) {
	cur, err := store.DecodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = store.Limit(limit)
	fs, err := store.All(ctx, s.db.R(), func(r store.Scanner) (Flag, error) {
		var f Flag
		var params string
		err := r.Scan(&f.ID, &f.OrgID, &f.Kind, &f.CommitmentID, &params, &f.CreatedAt)
		_ = json.Unmarshal([]byte(params), &f.Params)
		f.CreatedAt = f.CreatedAt.UTC()
		return f, err
	}, `SELECT f.id, f.org_id, f.kind, f.commitment_id, f.params, f.created_at
		FROM org_flags f
		WHERE ($1 = '' OR f.created_at < $2 OR (f.created_at = $2 AND f.id < $1)) ORDER BY f.created_at DESC, f.id DESC LIMIT $3`,
		cur.ID, cur.At, limit+1)
	if err != nil {
		return nil, "", err
	}
	fs, next := store.Page(fs, limit, func(f Flag) store.Cursor { return store.Cursor{At: f.CreatedAt, ID: f.ID} })
	ids := make([]string, 0, len(fs))
	for _, f := range fs {
		if !slices.Contains(ids, f.OrgID) {
			ids = append(ids, f.OrgID)
		}
	}
	names, err := s.orgs.OrgNames(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	for i := range fs {
		fs[i].Organization = names[fs[i].OrgID]
	}
	return fs, next, nil
}
