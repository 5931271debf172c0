// Package donate is the door for donations to the task force (the provincial
// COVID-19 task force, Gugus Tugas): a collaborator offers goods to a warehouse
// or post (gudang, posko), the office of the warehouse's region accepts or
// declines the offer, receives what actually arrives, and the task force gives
// the stock onward through the allocation engine like any collaborator.
//
// # Tables
//
// The package owns warehouses, stock_items (the catalogue), donations,
// donation_items, donation_receipts, donation_receipt_lines, stock_moves (the
// ledger), stock and stock_lots (its running sums) and stock_commitments (what a
// commitment from a warehouse holds). The allocation engine reaches the stock
// through the allocate.Stock interface that *Service implements: it settles a
// commitment's reservation in the commitment's own transactions.
//
// # Stock is its ledger
//
// Every movement of goods is one row of stock_moves with its deltas of on_hand
// (goods in the warehouse), reserved (promised to commitments) and issued
// (delivered out). stock (per warehouse × item) and stock_lots (per warehouse ×
// item × expiry date) are the ledger's running sums, written by post in the
// same transaction as the row, with conditional updates and CHECK constraints
// that refuse any movement making on_hand, reserved, a lot, or on_hand −
// reserved negative. So stock never goes below zero whoever acts at once, on
// either engine: SQLite has one writer, and PostgreSQL's row locks on stock
// serialise two movements of one item, the second seeing the first's result.
//
// Goods leave the warehouse when they are delivered (an issue row), first the
// lots that expire first. A failed, expired or cancelled allocation releases its
// reservation: the goods are back on the shelf.
//
// # Scope
//
// The admin acts for every warehouse; an office for the warehouses inside its
// region; an organisation sees its own offers, and the organisation that
// distributes a warehouse's stock sees that stock. What is outside the caller's
// scope is not found.
package donate

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// Warehouse kinds.
const (
	Gudang = "gudang" // a warehouse
	Posko  = "posko"  // a post
)

// Offer statuses. offered → accepted | declined | withdrawn; accepted →
// received (each receipt; more may follow) → closed.
const (
	Offered   = "offered"
	Accepted  = "accepted"
	Declined  = "declined"
	Withdrawn = "withdrawn"
	Received  = "received"
	Closed    = "closed"
)

// Conditions of received goods. Only good units enter the stock.
const (
	Good    = "good"
	Damaged = "damaged"
	Expired = "expired"
)

// Ledger movement kinds.
const (
	MoveReceipt     = "receipt"
	MoveReserve     = "reserve"
	MoveRelease     = "release"
	MoveIssue       = "issue"
	MoveAdjust      = "adjust"
	MoveTransferOut = "transfer_out"
	MoveTransferIn  = "transfer_in"
)

// Bounds on what one request may hold.
const (
	MaxLines    = 50        // lines of one offer or receipt
	MaxQuantity = 1_000_000 // units of one line or movement
	MaxText     = 500       // a note, reason, address
	MaxName     = 120       // a name
)

// Who is the caller as the policy sees it.
type Who = account.Principal

// Warehouse is a warehouse or post.
type Warehouse struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	Region       string    `json:"region"`
	RegionName   string    `json:"region_name,omitempty"`
	Address      string    `json:"address"`
	ContactName  string    `json:"contact_name"`
	ContactPhone string    `json:"contact_phone"`
	OrgID        string    `json:"org_id"` // the organisation that distributes its stock; "" none yet
	CreatedAt    time.Time `json:"created_at"`
	chain        string
}

// Item is an entry of the catalogue.
type Item struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Unit       string `json:"unit"`
	Perishable bool   `json:"perishable"`
}

// Line is one line of an offer.
type Line struct {
	Line      int    `json:"line"`
	ItemID    string `json:"item_id"` // "" while free text is not mapped
	Item      string `json:"item"`    // the catalogue's name, or the donor's free text
	Unit      string `json:"unit"`
	Quantity  int    `json:"quantity"`
	UnitValue int64  `json:"unit_value"`
	ExpiresOn string `json:"expires_on,omitempty"`
	Received  int    `json:"received"` // units that arrived, any condition
	Good      int    `json:"good"`     // units stocked
}

// Donation is an offer of goods and what became of it.
type Donation struct {
	ID            string     `json:"id"`
	OrgID         string     `json:"org_id"`
	Organization  string     `json:"organization,omitempty"`
	WarehouseID   string     `json:"warehouse_id"`
	Warehouse     string     `json:"warehouse,omitempty"`
	Region        string     `json:"region"`
	Status        string     `json:"status"`
	Note          string     `json:"note"`
	ArriveOn      string     `json:"arrive_on,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	Items         []Line     `json:"items"`
	Value         int64      `json:"value"` // rupiah offered: quantity × unit value
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	chain, userID string
}

// Receipt is one intake of an offer (tanda terima).
type Receipt struct {
	ID           string        `json:"id"`
	DonationID   string        `json:"donation_id"`
	WarehouseID  string        `json:"warehouse_id"`
	ReceivedBy   string        `json:"received_by"`
	ReceiverName string        `json:"receiver_name"`
	Note         string        `json:"note"`
	Units        int           `json:"units"`
	Good         int           `json:"good"`
	Value        int64         `json:"value"`
	ReceivedAt   time.Time     `json:"received_at"`
	Lines        []ReceiptLine `json:"lines"`
}

// ReceiptLine is what arrived of one line of the offer in one condition.
type ReceiptLine struct {
	Line      int    `json:"line"`
	ItemID    string `json:"item_id"`
	Item      string `json:"item"`
	Unit      string `json:"unit"`
	Condition string `json:"condition"`
	Quantity  int    `json:"quantity"`
	ExpiresOn string `json:"expires_on,omitempty"`
}

// StockRow is a warehouse's stock of one item. Available is on hand less reserved.
type StockRow struct {
	ItemID    string `json:"item_id"`
	Item      string `json:"item"`
	Unit      string `json:"unit"`
	OnHand    int    `json:"on_hand"`
	Reserved  int    `json:"reserved"`
	Issued    int    `json:"issued"`
	Available int    `json:"available"`
	// NextExpiry is the earliest expiry date of the goods on hand ("" none):
	// rows are listed soonest first.
	NextExpiry string `json:"next_expiry,omitempty"`
	Lots       []Lot  `json:"lots,omitempty"`
}

// Lot is what is on hand of an item with one expiry date.
type Lot struct {
	ExpiresOn string `json:"expires_on"`
	OnHand    int    `json:"on_hand"`
}

// Move is one movement of the ledger.
type Move struct {
	ID          string    `json:"id"`
	WarehouseID string    `json:"warehouse_id"`
	ItemID      string    `json:"item_id"`
	ExpiresOn   string    `json:"expires_on,omitempty"`
	Kind        string    `json:"kind"`
	OnHand      int       `json:"on_hand"`
	Reserved    int       `json:"reserved"`
	Issued      int       `json:"issued"`
	Ref         string    `json:"ref,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	UserID      string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// Service runs warehouses, offers, intake and stock.
type Service struct {
	db       *store.DB
	regions  *region.Set
	province string
	orgs     *account.Service
	// outbox tells donors (by e-mail to the organisation's contact) when their
	// offer is accepted, declined or received; nil sends nothing.
	outbox *message.Outbox
	// key signs receipts and certificates (vault.Subkey); baseURL prefixes
	// their verification URLs.
	key     []byte
	baseURL func() string
	// Now is the clock.
	Now func() time.Time
}

// Options are the service's settings.
type Options struct {
	Province string
	Key      []byte          // at least 16 bytes
	BaseURL  func() string   // the address the public reaches the server at
	Outbox   *message.Outbox // nil: no messages
}

// New returns the donations service.
func New(db *store.DB, regions *region.Set, orgs *account.Service, opt Options) *Service {
	s := &Service{db: db, regions: regions, province: opt.Province, orgs: orgs, outbox: opt.Outbox,
		key: opt.Key, baseURL: opt.BaseURL, Now: time.Now}
	if s.baseURL == nil {
		s.baseURL = func() string { return "" }
	}
	return s
}

// newID is a UUIDv7 without dashes: ids follow insertion order.
func newID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return strings.ReplaceAll(u.String(), "-", "")
}

// chainFor is the audit chain of a region: its kab/kota.
func chainFor(code string) string {
	if len(code) >= 5 {
		return "region:" + code[:5]
	}
	return "region:" + code
}

// inScope reports whether who acts for a warehouse in code: the admin anywhere,
// an office inside its region.
func (s *Service) inScope(who Who, code string) bool {
	switch who.Role {
	case account.Admin:
		return true
	case account.Office:
		return s.regions.Within(code, who.Region)
	}
	return false
}
