package donate

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// NewWarehouse is the input of CreateWarehouse.
type NewWarehouse struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"` // gudang (default) or posko
	Region       string `json:"region"`
	Address      string `json:"address"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	OrgID        string `json:"org_id"` // the organisation that distributes its stock; may be named later
}

// text checks one line of text: invisible format characters are stripped,
// characters that reorder text and control characters refused, the length
// counted in characters.
func text(field, s string, minLen, maxLen int) (string, error) {
	s, ok := invisible.Clean(s)
	if !ok {
		return "", errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", field)
	}
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); !utf8.ValidString(s) || n < minLen || n > maxLen {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters", field, minLen, maxLen)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", errs.E(errs.Invalid, "%s contains control characters", field)
	}
	return s, nil
}

// check normalises a warehouse's fields.
func (s *Service) check(ctx context.Context, in *NewWarehouse) error {
	var err error
	if in.Name, err = text("name", in.Name, 2, MaxName); err != nil {
		return err
	}
	if in.Address, err = text("address", in.Address, 0, MaxText); err != nil {
		return err
	}
	if in.ContactName, err = text("contact name", in.ContactName, 0, MaxName); err != nil {
		return err
	}
	if strings.TrimSpace(in.ContactPhone) != "" {
		if in.ContactPhone, err = nik.Phone(in.ContactPhone); err != nil {
			return errs.E(errs.Invalid, "contact phone is not an Indonesian phone number")
		}
	}
	switch in.Kind = strings.ToLower(strings.TrimSpace(in.Kind)); in.Kind {
	case "":
		in.Kind = Gudang
	case Gudang, Posko:
	default:
		return errs.E(errs.Invalid, "kind must be gudang or posko")
	}
	code, err := region.Normalize(in.Region)
	if err != nil || !s.regions.Within(code, s.province) {
		return errs.E(errs.Invalid, "unknown region %q", in.Region)
	}
	if lvl, _ := region.LevelOf(code); lvl < region.Regency {
		return errs.E(errs.Invalid, "a warehouse lies in a kota or a smaller region")
	}
	in.Region = code
	if in.OrgID = strings.TrimSpace(in.OrgID); in.OrgID != "" {
		o, err := s.orgs.Org(ctx, in.OrgID)
		if err != nil || o.Status != account.OrgVerified {
			return errs.E(errs.Invalid, "the distributing organisation must be a verified organisation")
		}
	}
	return nil
}

// CreateWarehouse adds a warehouse or post (admin).
func (s *Service) CreateWarehouse(ctx context.Context, who Who, in NewWarehouse) (Warehouse, error) {
	if !who.Can(account.ManageWarehouses) {
		return Warehouse{}, who.Refusal(account.ManageWarehouses)
	}
	if err := s.check(ctx, &in); err != nil {
		return Warehouse{}, err
	}
	now := whole(s.Now())
	w := Warehouse{ID: newID(), Name: in.Name, Kind: in.Kind, Region: in.Region, RegionName: s.regionName(in.Region), Address: in.Address,
		ContactName: in.ContactName, ContactPhone: in.ContactPhone, OrgID: in.OrgID, CreatedAt: now, chain: chainFor(in.Region)}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO warehouses (id, name, kind, region, chain, address, contact_name, contact_phone,
			org_id, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`,
			w.ID, w.Name, w.Kind, w.Region, w.chain, w.Address, w.ContactName, w.ContactPhone, w.OrgID, who.UserID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "warehouse.create", ObjectType: "warehouse", ObjectID: w.ID,
			Region: w.Region, Chain: w.chain, Detail: map[string]any{"name": w.Name, "kind": w.Kind, "org": w.OrgID}})
	})
	return w, err
}

// UpdateWarehouse changes a warehouse's fields (admin), the organisation that
// distributes its stock among them. Commitments already made from it keep
// their reservations.
func (s *Service) UpdateWarehouse(ctx context.Context, who Who, id string, in NewWarehouse) (Warehouse, error) {
	if !who.Can(account.ManageWarehouses) {
		return Warehouse{}, who.Refusal(account.ManageWarehouses)
	}
	if err := s.check(ctx, &in); err != nil {
		return Warehouse{}, err
	}
	var w Warehouse
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if w, err = s.warehouse(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE warehouses SET name = $1, kind = $2, region = $3, chain = $4, address = $5,
			contact_name = $6, contact_phone = $7, org_id = $8, updated_at = $9 WHERE id = $10`,
			in.Name, in.Kind, in.Region, chainFor(in.Region), in.Address, in.ContactName, in.ContactPhone, in.OrgID, s.Now(), id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "warehouse.update", ObjectType: "warehouse", ObjectID: id,
			Region: in.Region, Chain: chainFor(in.Region), Detail: map[string]any{"name": in.Name, "kind": in.Kind, "org": in.OrgID,
				"region_before": w.Region, "org_before": w.OrgID}}); err != nil {
			return err
		}
		w, err = s.warehouse(ctx, tx, id)
		return err
	})
	return w, err
}

// WarehouseFilter narrows Warehouses.
type WarehouseFilter struct {
	Region string // inside this region ("" all the caller may see)
	Cursor string
	Limit  int
}

// Warehouses lists the warehouses who may see, by region and name: staff those
// they act for, a verified collaborator every one (to offer goods to it).
func (s *Service) Warehouses(ctx context.Context, who Who, f WarehouseFilter) ([]Warehouse, string, error) {
	scope := s.province
	if who.Role == account.Office {
		scope = who.Region
	} else if !s.inScope(who, s.province) && !(who.Role == account.Collaborator && who.OrgVerified && who.OrgID != "") {
		return nil, "", who.Refusal(account.ReadStock)
	}
	if f.Region != "" {
		code, err := region.Normalize(f.Region)
		if err != nil {
			return nil, "", errs.E(errs.Invalid, "unknown region %q", f.Region)
		}
		if !s.regions.Within(code, scope) && !s.regions.Within(scope, code) {
			return []Warehouse{}, "", nil
		}
		if s.regions.Within(code, scope) {
			scope = code
		}
	}
	limit := store.Limit(f.Limit)
	after, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	ws, err := store.All(ctx, s.db.R(), scanWarehouse, `SELECT `+warehouseCols+` FROM warehouses
		WHERE region >= $1 AND region < $2 AND id > $3 ORDER BY id LIMIT $4`, scope, region.Upper(scope), after.ID, limit+1)
	if err != nil {
		return nil, "", err
	}
	ws, next := store.Page(ws, limit, func(w Warehouse) store.Cursor { return store.Cursor{At: w.CreatedAt, ID: w.ID} })
	for i := range ws {
		ws[i].RegionName = s.regionName(ws[i].Region)
	}
	return ws, next, nil
}
