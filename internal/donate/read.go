package donate

import (
	"context"
	"database/sql"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

const warehouseCols = `id, name, kind, region, chain, address, contact_name, contact_phone, org_id, created_at`

func scanWarehouse(r store.Scanner) (Warehouse, error) {
	var w Warehouse
	err := r.Scan(&w.ID, &w.Name, &w.Kind, &w.Region, &w.chain, &w.Address, &w.ContactName, &w.ContactPhone, &w.OrgID, &w.CreatedAt)
	return w, err
}

// warehouse reads one warehouse through q, whoever asks.
func (s *Service) warehouse(ctx context.Context, q store.Querier, id string) (Warehouse, error) {
	w, err := scanWarehouse(store.One(ctx, q, `SELECT `+warehouseCols+` FROM warehouses WHERE id = $1`, id))
	if err != nil {
		return w, store.NotFound(err, "no such warehouse")
	}
	w.RegionName = s.regionName(w.Region)
	return w, nil
}

// Warehouse is one warehouse as who may see it: staff act for it (the admin,
// an office inside whose region it is), and it is listed to verified
// collaborators, who offer goods to it, with its address and contact.
func (s *Service) Warehouse(ctx context.Context, who Who, id string) (Warehouse, error) {
	w, err := s.warehouse(ctx, s.db.R(), id)
	if err != nil {
		return w, err
	}
	if !s.seesWarehouse(who, w) {
		return Warehouse{}, errs.E(errs.NotFound, "no such warehouse")
	}
	return w, nil
}

// seesWarehouse: the admin and offices within the region act for it; a verified
// collaborator sees every warehouse (to offer goods to it).
func (s *Service) seesWarehouse(who Who, w Warehouse) bool {
	if s.inScope(who, w.Region) {
		return true
	}
	return who.Role == account.Collaborator && who.OrgVerified && who.OrgID != ""
}

// actsFor reports whether who acts for the warehouse: the admin, or an office
// inside its region.
func (s *Service) actsFor(who Who, w Warehouse) bool { return s.inScope(who, w.Region) }

func (s *Service) regionName(code string) string {
	if r, ok := s.regions.Get(code); ok {
		return r.Name
	}
	return ""
}

const donationCols = `d.id, d.org_id, d.user_id, d.warehouse_id, w.name, d.region, d.chain, d.status, d.note, d.arrive_on, d.reason,
	d.created_at, d.decided_at`

func scanDonation(r store.Scanner) (Donation, error) {
	var d Donation
	var decided sql.NullTime
	err := r.Scan(&d.ID, &d.OrgID, &d.userID, &d.WarehouseID, &d.Warehouse, &d.Region, &d.chain, &d.Status, &d.Note, &d.ArriveOn,
		&d.Reason, &d.CreatedAt, &decided)
	if decided.Valid {
		t := decided.Time
		d.DecidedAt = &t
	}
	return d, err
}

// donation reads one offer with its lines through q, whoever asks.
func (s *Service) donation(ctx context.Context, q store.Querier, id string) (Donation, error) {
	d, err := scanDonation(store.One(ctx, q, `SELECT `+donationCols+` FROM donations d JOIN warehouses w ON w.id = d.warehouse_id
		WHERE d.id = $1`, id))
	if err != nil {
		return d, store.NotFound(err, "no such donation")
	}
	d.Items, err = s.lines(ctx, q, id)
	for _, l := range d.Items {
		d.Value += int64(l.Quantity) * l.UnitValue
	}
	return d, err
}

func (s *Service) lines(ctx context.Context, q store.Querier, donationID string) ([]Line, error) {
	return store.All(ctx, q, func(r store.Scanner) (Line, error) {
		var l Line
		var catName sql.NullString
		err := r.Scan(&l.Line, &l.ItemID, &l.Item, &catName, &l.Unit, &l.Quantity, &l.UnitValue, &l.ExpiresOn, &l.Received, &l.Good)
		if catName.Valid {
			l.Item = catName.String
		}
		return l, err
	}, `SELECT di.line, di.item_id, di.name, si.name, di.unit, di.quantity, di.unit_value, di.expires_on, di.received, di.good
		FROM donation_items di LEFT JOIN stock_items si ON si.id = di.item_id
		WHERE di.donation_id = $1 ORDER BY di.line`, donationID)
}

// seesDonation: the donor organisation's members, and the staff who act for its
// warehouse's region.
func (s *Service) seesDonation(who Who, d Donation) bool {
	if who.Role == account.Collaborator {
		return who.OrgID != "" && who.OrgID == d.OrgID
	}
	return s.inScope(who, d.Region)
}

// Donation is one offer as who may see it; anything else is not found.
func (s *Service) Donation(ctx context.Context, who Who, id string) (Donation, error) {
	d, err := s.donation(ctx, s.db.R(), id)
	if err != nil {
		return d, err
	}
	if !s.seesDonation(who, d) {
		return Donation{}, errs.E(errs.NotFound, "no such donation")
	}
	if o, err := s.orgs.Org(ctx, d.OrgID); err == nil {
		d.Organization = o.Name
	}
	return d, nil
}

const receiptCols = `id, donation_id, warehouse_id, received_by, receiver_name, note, units, good, value, received_at`

func scanReceipt(r store.Scanner) (Receipt, error) {
	var x Receipt
	err := r.Scan(&x.ID, &x.DonationID, &x.WarehouseID, &x.ReceivedBy, &x.ReceiverName, &x.Note, &x.Units, &x.Good, &x.Value, &x.ReceivedAt)
	x.ReceivedAt = x.ReceivedAt.UTC()
	return x, err
}

// receipt reads one receipt with its lines through q, whoever asks.
func (s *Service) receipt(ctx context.Context, q store.Querier, id string) (Receipt, error) {
	x, err := scanReceipt(store.One(ctx, q, `SELECT `+receiptCols+` FROM donation_receipts WHERE id = $1`, id))
	if err != nil {
		return x, store.NotFound(err, "no such receipt")
	}
	x.Lines, err = s.receiptLines(ctx, q, id)
	return x, err
}

func (s *Service) receiptLines(ctx context.Context, q store.Querier, receiptID string) ([]ReceiptLine, error) {
	return store.All(ctx, q, func(r store.Scanner) (ReceiptLine, error) {
		var l ReceiptLine
		err := r.Scan(&l.Line, &l.ItemID, &l.Item, &l.Unit, &l.Condition, &l.Quantity, &l.ExpiresOn)
		return l, err
	}, `SELECT rl.line, rl.item_id, si.name, si.unit, rl.condition, rl.quantity, rl.expires_on
		FROM donation_receipt_lines rl JOIN stock_items si ON si.id = rl.item_id
		WHERE rl.receipt_id = $1 ORDER BY rl.line, rl.condition`, receiptID)
}

// Receipt is one receipt as who may see it (whoever sees its offer).
func (s *Service) Receipt(ctx context.Context, who Who, id string) (Receipt, Donation, error) {
	x, err := s.receipt(ctx, s.db.R(), id)
	if err != nil {
		return x, Donation{}, err
	}
	d, err := s.Donation(ctx, who, x.DonationID)
	if err != nil {
		return Receipt{}, Donation{}, errs.E(errs.NotFound, "no such receipt")
	}
	return x, d, nil
}

// Receipts lists the receipts of an offer who may see, oldest first.
func (s *Service) Receipts(ctx context.Context, who Who, donationID string) ([]Receipt, error) {
	if _, err := s.Donation(ctx, who, donationID); err != nil {
		return nil, err
	}
	xs, err := store.All(ctx, s.db.R(), scanReceipt, `SELECT `+receiptCols+` FROM donation_receipts WHERE donation_id = $1
		ORDER BY received_at, id`, donationID)
	for i := range xs {
		if err == nil {
			xs[i].Lines, err = s.receiptLines(ctx, s.db.R(), xs[i].ID)
		}
	}
	return xs, err
}

// whole truncates an instant to whole seconds in UTC: what a signature covers
// reads back alike from either engine.
func whole(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
