package donate

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// MaxUnitValue bounds a unit's value in rupiah (a ventilator is under a billion).
const MaxUnitValue = 10_000_000_000

// OfferLine is one line of an offer as a donor writes it.
type OfferLine struct {
	// Item is a catalogue item's id or name, or free text that an office maps
	// to the catalogue before the goods are received.
	Item      string `json:"item"`
	Unit      string `json:"unit"` // the catalogue's unit when empty
	Quantity  int    `json:"quantity"`
	UnitValue int64  `json:"unit_value"`
	ExpiresOn string `json:"expires_on,omitempty"`
}

// NewOffer is an offer of goods to a warehouse.
type NewOffer struct {
	WarehouseID string      `json:"warehouse_id"`
	Items       []OfferLine `json:"items"`
	Note        string      `json:"note"`
	ArriveOn    string      `json:"arrive_on,omitempty"` // when the donor will bring the goods
	// ClientRef is the client's idempotency key: a resent offer is one offer.
	ClientRef string `json:"-"`
}

// date checks an optional calendar date that may not lie before today.
func date(field, s string, today string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", errs.E(errs.Invalid, "%s must be a date YYYY-MM-DD", field)
	}
	if s = d.Format(time.DateOnly); s < today {
		return "", errs.E(errs.Invalid, "%s is in the past", field)
	}
	return s, nil
}

// today is the calendar date in Jakarta (WIB), where the goods arrive.
func (s *Service) today() string { return s.Now().In(wib).Format(time.DateOnly) }

var wib = time.FixedZone("WIB", 7*3600)

// checkLines normalises an offer's lines against the catalogue.
func (s *Service) checkLines(ctx context.Context, in []OfferLine) ([]Line, error) {
	if len(in) == 0 || len(in) > MaxLines {
		return nil, errs.E(errs.Invalid, "an offer holds 1 to %d items", MaxLines)
	}
	today := s.today()
	out := make([]Line, 0, len(in))
	for i, l := range in {
		name, err := text("item", l.Item, 2, MaxName)
		if err != nil {
			return nil, err
		}
		unit, err := text("unit", l.Unit, 0, 40)
		if err != nil {
			return nil, err
		}
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			return nil, errs.E(errs.Invalid, "quantity must be 1 to %d", MaxQuantity)
		}
		if l.UnitValue < 0 || l.UnitValue > MaxUnitValue {
			return nil, errs.E(errs.Invalid, "unit value must be 0 to %d rupiah", int64(MaxUnitValue))
		}
		exp, err := date("expiry date", l.ExpiresOn, today)
		if err != nil {
			return nil, err
		}
		line := Line{Line: i + 1, Item: name, Unit: unit, Quantity: l.Quantity, UnitValue: l.UnitValue, ExpiresOn: exp}
		if it, err := s.findItem(ctx, s.db.R(), name); err == nil {
			if unit != "" && !strings.EqualFold(unit, it.Unit) {
				return nil, errs.E(errs.Invalid, "%s is counted in %s", it.Name, it.Unit)
			}
			line.ItemID, line.Item, line.Unit = it.ID, it.Name, it.Unit
		} else if unit == "" {
			return nil, errs.E(errs.Invalid, "give the unit of %q", name)
		}
		out = append(out, line)
	}
	return out, nil
}

// Offer records a verified collaborator's offer of goods to a warehouse. The
// office of the warehouse's region decides on it.
func (s *Service) Offer(ctx context.Context, who Who, in NewOffer) (Donation, error) {
	if !who.Can(account.Donate) {
		return Donation{}, who.Refusal(account.Donate)
	}
	lines, err := s.checkLines(ctx, in.Items)
	if err != nil {
		return Donation{}, err
	}
	note, err := text("note", in.Note, 0, MaxText)
	if err != nil {
		return Donation{}, err
	}
	arrive, err := date("arrival date", in.ArriveOn, s.today())
	if err != nil {
		return Donation{}, err
	}
	if len(in.ClientRef) > 100 {
		return Donation{}, errs.E(errs.Invalid, "the idempotency key is longer than 100 characters")
	}
	w, err := s.warehouse(ctx, s.db.R(), strings.TrimSpace(in.WarehouseID))
	if err != nil {
		return Donation{}, err
	}
	var id string
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Again inside the transaction: an organisation rejected meanwhile may
		// not offer.
		if err := s.orgs.CheckCommitter(ctx, tx, who.OrgID); err != nil {
			return err
		}
		if in.ClientRef != "" {
			err := store.One(ctx, tx, `SELECT id FROM donations WHERE org_id = $1 AND client_ref = $2`, who.OrgID, in.ClientRef).Scan(&id)
			if err == nil || !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		id = newID()
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO donations (id, org_id, user_id, warehouse_id, region, chain, status, note, arrive_on,
			client_ref, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'offered',$7,$8,$9,$10,$10)`,
			id, who.OrgID, who.UserID, w.ID, w.Region, w.chain, note, arrive, in.ClientRef, now); err != nil {
			return err
		}
		var value int64
		rows := make([][]any, len(lines))
		for i, l := range lines {
			rows[i] = []any{id, l.Line, l.ItemID, l.Item, l.Unit, l.Quantity, l.UnitValue, l.ExpiresOn}
			value += int64(l.Quantity) * l.UnitValue
		}
		if _, err := tx.Insert(ctx, `INSERT INTO donation_items (donation_id, line, item_id, name, unit, quantity, unit_value, expires_on) VALUES `,
			"", rows); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "donation.offer", ObjectType: "donation", ObjectID: id,
			Region: w.Region, Chain: w.chain, Detail: map[string]any{"org": who.OrgID, "warehouse": w.ID, "lines": len(lines), "value": value}})
	})
	if err != nil {
		if errs.Is(err, errs.Conflict) && in.ClientRef != "" {
			// The same key raced in on another connection: answer with the winner.
			var won string
			if store.One(ctx, s.db.R(), `SELECT id FROM donations WHERE org_id = $1 AND client_ref = $2`, who.OrgID, in.ClientRef).Scan(&won) == nil {
				return s.Donation(ctx, who, won)
			}
		}
		return Donation{}, err
	}
	return s.Donation(ctx, who, id)
}

// decide moves an offer from one of the statuses in from to status, for staff
// acting for its warehouse, in one transaction that also runs then (which may
// be nil) and records the audit entry.
func (s *Service) decide(ctx context.Context, who Who, perm account.Permission, id, action, status string, from []string,
	detail map[string]any, then func(ctx context.Context, tx *store.Tx, d Donation) error) (Donation, error) {
	if !who.Can(perm) {
		return Donation{}, who.Refusal(perm)
	}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.lockDonation(ctx, tx, who, id)
		if err != nil {
			return err
		}
		if !contains(from, d.Status) {
			return errs.E(errs.Conflict, "the offer is %s: it cannot become %s", d.Status, status)
		}
		now := s.Now()
		reason, _ := detail["reason"].(string)
		if _, err := tx.ExecContext(ctx, `UPDATE donations SET status = $1, reason = $2, decided_by = $3, decided_at = $4, updated_at = $4
			WHERE id = $5`, status, reason, who.UserID, now, id); err != nil {
			return err
		}
		if then != nil {
			if err := then(ctx, tx, d); err != nil {
				return err
			}
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["from"], detail["org"] = d.Status, d.OrgID
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "donation", ObjectID: id, Region: d.Region, Chain: d.chain,
			Detail: detail})
	})
	if err != nil {
		return Donation{}, err
	}
	return s.Donation(ctx, who, id)
}

// lockDonation reads an offer in tx, locked against other decisions and
// receipts (PostgreSQL), as who may act on it: staff for its warehouse, the
// donor's members for their own; anyone else finds nothing.
func (s *Service) lockDonation(ctx context.Context, tx *store.Tx, who Who, id string) (Donation, error) {
	if err := tx.Lock(ctx, `SELECT id FROM donations WHERE id = $1 FOR UPDATE`, id); err != nil {
		return Donation{}, err
	}
	d, err := s.donation(ctx, tx, id)
	if err != nil {
		return d, err
	}
	if !s.seesDonation(who, d) {
		return Donation{}, errs.E(errs.NotFound, "no such donation")
	}
	return d, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Accept accepts an offer: the donor may bring the goods.
func (s *Service) Accept(ctx context.Context, who Who, id string) (Donation, error) {
	return s.decide(ctx, who, account.HandleDonations, id, "donation.accept", Accepted, []string{Offered}, nil,
		func(ctx context.Context, tx *store.Tx, d Donation) error {
			return s.tell(ctx, tx, d, "donation_accepted", d.ID, map[string]string{"warehouse": d.Warehouse, "arrive": d.ArriveOn})
		})
}

// Decline declines an offer with a reason the donor is told.
func (s *Service) Decline(ctx context.Context, who Who, id, reason string) (Donation, error) {
	reason, err := text("reason", reason, 3, MaxText)
	if err != nil {
		return Donation{}, err
	}
	return s.decide(ctx, who, account.HandleDonations, id, "donation.decline", Declined, []string{Offered}, map[string]any{"reason": reason},
		func(ctx context.Context, tx *store.Tx, d Donation) error {
			return s.tell(ctx, tx, d, "donation_declined", d.ID, map[string]string{"warehouse": d.Warehouse, "reason": reason})
		})
}

// Withdraw is the donor taking back an offer nothing of which has arrived.
func (s *Service) Withdraw(ctx context.Context, who Who, id string) (Donation, error) {
	if who.Role != account.Collaborator {
		return Donation{}, errs.E(errs.NotFound, "no such donation")
	}
	return s.decide(ctx, who, account.Donate, id, "donation.withdraw", Withdrawn, []string{Offered, Accepted}, nil, nil)
}

// Close ends an offer at its warehouse: nothing more will arrive.
func (s *Service) Close(ctx context.Context, who Who, id, reason string) (Donation, error) {
	reason, err := text("reason", reason, 0, MaxText)
	if err != nil {
		return Donation{}, err
	}
	return s.decide(ctx, who, account.HandleDonations, id, "donation.close", Closed, []string{Accepted, Received},
		map[string]any{"reason": reason}, nil)
}

// MapLine maps a line of an offer — free text, or a catalogue item the office
// corrects — to a catalogue item, before anything of it is received.
func (s *Service) MapLine(ctx context.Context, who Who, id string, line int, item string) (Donation, error) {
	if !who.Can(account.HandleDonations) {
		return Donation{}, who.Refusal(account.HandleDonations)
	}
	it, err := s.findItem(ctx, s.db.R(), item)
	if err != nil {
		return Donation{}, errs.E(errs.Invalid, "the catalogue has no item %q", item)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := s.lockDonation(ctx, tx, who, id)
		if err != nil {
			return err
		}
		if !contains([]string{Offered, Accepted, Received}, d.Status) {
			return errs.E(errs.Conflict, "the offer is %s: its items can no longer change", d.Status)
		}
		var l *Line
		for i := range d.Items {
			if d.Items[i].Line == line {
				l = &d.Items[i]
			}
		}
		switch {
		case l == nil:
			return errs.E(errs.NotFound, "the offer has no line %d", line)
		case l.Received > 0:
			return errs.E(errs.Conflict, "goods of line %d were received already: it can no longer change", line)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE donation_items SET item_id = $1, unit = $2 WHERE donation_id = $3 AND line = $4`,
			it.ID, it.Unit, id, line); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "donation.map", ObjectType: "donation", ObjectID: id, Region: d.Region, Chain: d.chain,
			Detail: map[string]any{"line": line, "text": l.Item, "item": it.ID}})
	})
	if err != nil {
		return Donation{}, err
	}
	return s.Donation(ctx, who, id)
}

// tell enqueues a message to the donor organisation's contact, in tx.
func (s *Service) tell(ctx context.Context, tx *store.Tx, d Donation, kind, ref string, args map[string]string) error {
	if s.outbox == nil {
		return nil
	}
	o, err := s.orgs.OrgTx(ctx, tx, d.OrgID)
	if err != nil || o.ContactEmail == "" {
		return err
	}
	return s.outbox.Enqueue(ctx, tx, message.Message{Kind: kind, Channel: message.Email, To: o.ContactEmail, Ref: ref,
		Region: d.Region, Args: args})
}

// DonationFilter narrows Donations.
type DonationFilter struct {
	Status      string
	WarehouseID string
	Region      string // inside this region (staff)
	Cursor      string
	Limit       int
}

// Donations lists offers newest first: a donor's members their own, staff
// those of the warehouses they act for.
func (s *Service) Donations(ctx context.Context, who Who, f DonationFilter) ([]Donation, string, error) {
	q := `SELECT ` + donationCols + ` FROM donations d JOIN warehouses w ON w.id = d.warehouse_id WHERE `
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case who.Role == account.Collaborator && who.OrgID != "" && who.Can(account.Donate):
		q += `d.org_id = ` + arg(who.OrgID)
	case who.Can(account.HandleDonations):
		scope := s.province
		if who.Role == account.Office {
			scope = who.Region
		}
		if f.Region != "" {
			code, err := region.Normalize(f.Region)
			if err != nil {
				return nil, "", errs.E(errs.Invalid, "unknown region %q", f.Region)
			}
			if !s.regions.Within(code, scope) {
				return []Donation{}, "", nil
			}
			scope = code
		}
		q += `d.region >= ` + arg(scope) + ` AND d.region < ` + arg(region.Upper(scope))
	default:
		return nil, "", who.Refusal(account.Donate)
	}
	if f.Status != "" {
		if !contains([]string{Offered, Accepted, Declined, Withdrawn, Received, Closed}, f.Status) {
			return nil, "", errs.E(errs.Invalid, "unknown status %q", f.Status)
		}
		q += ` AND d.status = ` + arg(f.Status)
	}
	if f.WarehouseID != "" {
		q += ` AND d.warehouse_id = ` + arg(f.WarehouseID)
	}
	c, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if f.Cursor != "" {
		q += ` AND (d.created_at < ` + arg(c.At) + ` OR (d.created_at = ` + arg(c.At) + ` AND d.id < ` + arg(c.ID) + `))`
	}
	limit := store.Limit(f.Limit)
	q += ` ORDER BY d.created_at DESC, d.id DESC LIMIT ` + arg(limit+1)
	ds, err := store.All(ctx, s.db.R(), scanDonation, q, args...)
	if err != nil {
		return nil, "", err
	}
	ds, next := store.Page(ds, limit, func(d Donation) store.Cursor { return store.Cursor{At: d.CreatedAt, ID: d.ID} })
	names := map[string]string{}
	for i := range ds {
		if ds[i].Items, err = s.lines(ctx, s.db.R(), ds[i].ID); err != nil {
			return nil, "", err
		}
		for _, l := range ds[i].Items {
			ds[i].Value += int64(l.Quantity) * l.UnitValue
		}
		if _, ok := names[ds[i].OrgID]; !ok {
			if o, err := s.orgs.Org(ctx, ds[i].OrgID); err == nil {
				names[ds[i].OrgID] = o.Name
			}
		}
		ds[i].Organization = names[ds[i].OrgID]
	}
	return ds, next, nil
}
