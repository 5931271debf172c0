package donate

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// Recognition and transparency (issue 13, part 6): what the public is told of
// the task force's donors, and what a donor is told of where its goods went.
// Only good units that were received count: never what was promised, nor
// damaged or expired goods.

// TaskForce is the public's figures of donations to the task force.
type TaskForce struct {
	// Donors counts the organisations with at least one good unit received.
	Donors int `json:"donors"`
	// Items are the good units received per catalogue item, by name.
	Items []TaskForceItem `json:"items"`
	// DonorIDs are the donors' organisations (for the public list of names).
	DonorIDs []string `json:"-"`
}

// TaskForceItem is what was received of one catalogue item, in good units.
type TaskForceItem struct {
	Item     string `json:"item"`
	Unit     string `json:"unit"`
	Received int64  `json:"received"`
}

// TaskForce reads the public figures: no one needs to be signed in, and nothing
// in them is personal (organisations' names are public once they gave).
func (s *Service) TaskForce(ctx context.Context) (TaskForce, error) {
	out := TaskForce{Items: []TaskForceItem{}}
	ids, err := store.All(ctx, s.db.R(), func(r store.Scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT DISTINCT d.org_id FROM donations d
		WHERE EXISTS (SELECT 1 FROM donation_items di WHERE di.donation_id = d.id AND di.good > 0 AND di.item_id <> '')
		ORDER BY d.org_id`)
	if err != nil {
		return out, err
	}
	out.DonorIDs, out.Donors = ids, len(ids)
	items, err := store.All(ctx, s.db.R(), func(r store.Scanner) (TaskForceItem, error) {
		var it TaskForceItem
		return it, r.Scan(&it.Item, &it.Unit, &it.Received)
	}, `SELECT si.name, si.unit, SUM(di.good) FROM donation_items di JOIN stock_items si ON si.id = di.item_id
		WHERE di.good > 0 GROUP BY si.id, si.name, si.unit ORDER BY si.name`)
	if err != nil {
		return out, err
	}
	if items != nil {
		out.Items = items
	}
	return out, nil
}

// Impact is what one organisation gave the task force and where it went.
type Impact struct {
	OrgID        string `json:"org_id"`
	Organization string `json:"organization"`
	// Offers are the organisation's offers, newest first.
	Offers []ImpactOffer `json:"offers"`
	// Given are its good units received per item.
	Given []TaskForceItem `json:"given"`
	// Value is the rupiah offered; ValueReceived that of the good units received.
	Value         int64 `json:"value"`
	ValueReceived int64 `json:"value_received"`
	// Flows say, per warehouse and item it gave, how that stock went onward.
	Flows []Flow `json:"flows"`
}

// ImpactOffer is one offer as its donor sees it.
type ImpactOffer struct {
	ID            string       `json:"id"`
	WarehouseID   string       `json:"warehouse_id"`
	Warehouse     string       `json:"warehouse"`
	Status        string       `json:"status"`
	CreatedAt     time.Time    `json:"created_at"`
	Value         int64        `json:"value"`
	ValueReceived int64        `json:"value_received"`
	Items         []ImpactLine `json:"items"`
}

// ImpactLine is one line of an offer: offered, arrived, stocked (good).
type ImpactLine struct {
	Item     string `json:"item"`
	Unit     string `json:"unit"`
	Offered  int    `json:"offered"`
	Received int    `json:"received"`
	Good     int    `json:"good"`
}

// Flow is the onward distribution of one item's stock at one warehouse the donor
// gave into. The donor's part is pro rata: Given of the WarehouseReceived good
// units the warehouse received of the item from every donor (Share).
type Flow struct {
	WarehouseID       string     `json:"warehouse_id"`
	Warehouse         string     `json:"warehouse"`
	Region            string     `json:"region"`
	RegionName        string     `json:"region_name"`
	Item              string     `json:"item"`
	Unit              string     `json:"unit"`
	Given             int64      `json:"given"`
	WarehouseReceived int64      `json:"warehouse_received"`
	Share             float64    `json:"share"` // Given / WarehouseReceived, 0 to 1
	Areas             []FlowArea `json:"areas"`
	itemID            string
}

// FlowArea is what the warehouse's stock of the item became in one program and
// area: units delivered and on the way (reserved or dispatched), and the donor's
// part of the delivered units. A sensitive program is shown by kecamatan, and
// its counts from 1 to program.SmallCount are withheld (null).
type FlowArea struct {
	ProgramID    string   `json:"program_id"`
	Program      string   `json:"program"`
	District     string   `json:"district"`
	DistrictName string   `json:"district_name"`
	Village      string   `json:"village,omitempty"`
	VillageName  string   `json:"village_name,omitempty"`
	Delivered    *int64   `json:"delivered"`
	OnTheWay     *int64   `json:"on_the_way"`
	YourShare    *float64 `json:"your_share"` // the donor's part of Delivered
	Withheld     bool     `json:"withheld,omitempty"`
}

// Impact reads what the caller's organisation gave and where it went (only a
// verified collaborator's members hold Donate). Nothing in it is personal, and
// no other donor is named: other donors appear only in a warehouse's total
// received of an item, which the donor's share is taken of.
func (s *Service) Impact(ctx context.Context, who Who) (Impact, error) {
	if !who.Can(account.Donate) {
		return Impact{}, who.Refusal(account.Donate)
	}
	orgID := who.OrgID
	o, err := s.orgs.Org(ctx, orgID)
	if err != nil {
		return Impact{}, errs.E(errs.NotFound, "no such organisation")
	}
	out := Impact{OrgID: orgID, Organization: o.Name, Offers: []ImpactOffer{}, Given: []TaskForceItem{}, Flows: []Flow{}}
	q := s.db.R()

	offers, err := store.All(ctx, q, func(r store.Scanner) (ImpactOffer, error) {
		var x ImpactOffer
		err := r.Scan(&x.ID, &x.WarehouseID, &x.Warehouse, &x.Status, &x.CreatedAt, &x.ValueReceived)
		return x, err
	}, `SELECT d.id, d.warehouse_id, w.name, d.status, d.created_at,
			COALESCE((SELECT SUM(r.value) FROM donation_receipts r WHERE r.donation_id = d.id), 0)
		FROM donations d JOIN warehouses w ON w.id = d.warehouse_id
		WHERE d.org_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT 1000`, orgID)
	if err != nil {
		return out, err
	}
	for _, x := range offers {
		ls, err := s.lines(ctx, q, x.ID)
		if err != nil {
			return out, err
		}
		x.Items = make([]ImpactLine, 0, len(ls))
		for _, l := range ls {
			x.Items = append(x.Items, ImpactLine{Item: l.Item, Unit: l.Unit, Offered: l.Quantity, Received: l.Received, Good: l.Good})
			x.Value += int64(l.Quantity) * l.UnitValue
		}
		out.Value += x.Value
		out.ValueReceived += x.ValueReceived
		out.Offers = append(out.Offers, x)
	}

	given, err := store.All(ctx, q, func(r store.Scanner) (TaskForceItem, error) {
		var it TaskForceItem
		return it, r.Scan(&it.Item, &it.Unit, &it.Received)
	}, `SELECT si.name, si.unit, SUM(di.good) FROM donations d
		JOIN donation_items di ON di.donation_id = d.id JOIN stock_items si ON si.id = di.item_id
		WHERE d.org_id = $1 AND di.good > 0 GROUP BY si.id, si.name, si.unit ORDER BY si.name`, orgID)
	if err != nil {
		return out, err
	}
	if given != nil {
		out.Given = given
	}

	// What the donor put into each warehouse's stock, and what that stock
	// received from every donor.
	flows, err := store.All(ctx, q, func(r store.Scanner) (Flow, error) {
		var f Flow
		err := r.Scan(&f.WarehouseID, &f.Warehouse, &f.Region, &f.itemID, &f.Item, &f.Unit, &f.Given, &f.WarehouseReceived)
		return f, err
	}, `SELECT w.id, w.name, w.region, si.id, si.name, si.unit, mine.good,
			(SELECT SUM(rl.quantity) FROM donation_receipt_lines rl JOIN donation_receipts r ON r.id = rl.receipt_id
			 WHERE r.warehouse_id = w.id AND rl.item_id = si.id AND rl.condition = 'good')
		FROM (SELECT r.warehouse_id, rl.item_id, SUM(rl.quantity) AS good
			  FROM donation_receipt_lines rl JOIN donation_receipts r ON r.id = rl.receipt_id
			  JOIN donations d ON d.id = r.donation_id
			  WHERE d.org_id = $1 AND rl.condition = 'good'
			  GROUP BY r.warehouse_id, rl.item_id) mine
		JOIN warehouses w ON w.id = mine.warehouse_id JOIN stock_items si ON si.id = mine.item_id
		ORDER BY w.name, w.id, si.name`, orgID)
	if err != nil {
		return out, err
	}
	for _, f := range flows {
		f.RegionName = s.regionName(f.Region)
		if f.WarehouseReceived > 0 {
			f.Share = float64(f.Given) / float64(f.WarehouseReceived)
		}
		f.Areas, err = s.flowAreas(ctx, q, f)
		if err != nil {
			return out, err
		}
		out.Flows = append(out.Flows, f)
	}
	return out, nil
}

// flowAreas reads where a warehouse's stock of an item went: the allocations of
// every commitment that gives from it, by program and kelurahan (kecamatan for
// a sensitive program), in units.
func (s *Service) flowAreas(ctx context.Context, q store.Querier, f Flow) ([]FlowArea, error) {
	type row struct {
		programID, program, region string
		sensitive                  bool
		delivered, onTheWay        int64
	}
	rows, err := store.All(ctx, q, func(r store.Scanner) (row, error) {
		var x row
		var sens int
		err := r.Scan(&x.programID, &x.program, &sens, &x.region, &x.delivered, &x.onTheWay)
		x.sensitive = sens != 0
		return x, err
	}, `SELECT p.id, p.name, CASE WHEN p.sensitive THEN 1 ELSE 0 END, a.region,
			SUM(CASE WHEN a.status = 'delivered' THEN a.quantity ELSE 0 END),
			SUM(CASE WHEN a.status IN ('reserved','dispatched') THEN a.quantity ELSE 0 END)
		FROM commitments c JOIN allocations a ON a.commitment_id = c.id JOIN programs p ON p.id = c.program_id
		WHERE c.warehouse_id = $1 AND c.stock_item = $2 AND a.status IN ('reserved','dispatched','delivered')
		GROUP BY p.id, p.name, p.sensitive, a.region`, f.WarehouseID, f.itemID)
	if err != nil {
		return nil, err
	}
	type akey struct{ program, area string }
	sums := map[akey]*FlowArea{}
	var order []akey
	var sensitive = map[string]bool{}
	for _, x := range rows {
		area := x.region
		if x.sensitive {
			sensitive[x.programID] = true
			area = upTo(x.region, program.CoarseFloor)
		}
		k := akey{x.programID, area}
		a := sums[k]
		if a == nil {
			a = &FlowArea{ProgramID: x.programID, Program: x.program, Delivered: new(int64), OnTheWay: new(int64)}
			a.District = upTo(x.region, region.District)
			a.DistrictName = s.regionName(a.District)
			if !x.sensitive {
				a.Village, a.VillageName = x.region, s.regionName(x.region)
			}
			sums[k] = a
			order = append(order, k)
		}
		*a.Delivered += x.delivered
		*a.OnTheWay += x.onTheWay
	}
	out := make([]FlowArea, 0, len(order))
	for _, k := range order {
		a := *sums[k]
		if sensitive[a.ProgramID] {
			a.Delivered, a.OnTheWay = small(*a.Delivered), small(*a.OnTheWay)
			a.Withheld = a.Delivered == nil || a.OnTheWay == nil
		}
		if a.Delivered != nil {
			share := math.Round(float64(*a.Delivered)*f.Share*10) / 10
			a.YourShare = &share
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b FlowArea) int {
		return cmp.Or(cmp.Compare(a.Program, b.Program), cmp.Compare(a.ProgramID, b.ProgramID),
			cmp.Compare(a.DistrictName, b.DistrictName), cmp.Compare(a.VillageName, b.VillageName), cmp.Compare(a.Village, b.Village))
	})
	return out, nil
}

// upTo is the code of a region's ancestor at level, or the code itself when it
// is not deeper.
func upTo(code string, level region.Level) string {
	for {
		lv, ok := region.LevelOf(code)
		i := strings.LastIndexByte(code, '.')
		if !ok || lv <= level || i < 0 {
			return code
		}
		code = code[:i]
	}
}

// small withholds a count from 1 to program.SmallCount.
func small(n int64) *int64 {
	if n >= 1 && n <= program.SmallCount {
		return nil
	}
	return &n
}
