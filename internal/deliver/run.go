package deliver

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Run states.
const (
	Assigned   = "assigned"    // given to a courier, nothing picked up yet
	InProgress = "in_progress" // the courier has begun
	Done       = "done"        // every stop delivered or failed
	Revoked    = "revoked"     // taken back: the link no longer works
)

// CourierProviders are the couriers a run may be given to.
var CourierProviders = []string{"gosend", "grabexpress", "maxim", "volunteer", "other"}

// Who is the party acting: the policy's principal.
type Who = account.Principal

// anyOrg reads what a courier's link or an earlier check already allowed.
var anyOrg = Who{Role: account.Admin}

// Service is the delivery capability. It owns deliveries, delivery_stops,
// delivery_proofs, delivery_attempts and delivery_flags; allocations change only
// through package allocate's transitions, called inside this package's
// transactions.
type Service struct {
	db       *store.DB
	allocs   *allocate.Service
	codes    Codes
	linkKey  []byte
	photoDir string
	baseURL  func() string
	log      *slog.Logger
	// Now is the clock; tests move it to expire links and attempts.
	Now func() time.Time
	// LinkTTL is how long a courier's link works (default 48 hours).
	LinkTTL time.Duration
	// MaxPhotoBytes bounds an uploaded photo (default 8 MiB); MaxPixels its
	// width × height (default 40 million), checked before it is decoded.
	MaxPhotoBytes int64
	MaxPixels     int
	// notice sends the messages of delivery (notify.go); unreachable counts
	// recipients without a phone.
	notice      *Notifier
	unreachable atomic.Int64

	rec *Records // the documents of delivery (record.go); nil until UseRecords
}

// New returns the delivery service. codes are the recipient codes, linkKey signs
// couriers' links (32 bytes, vault.Subkey("courier link v1")), photos of proof are
// kept under photoDir, and baseURL gives the absolute address links start with
// (such as https://gotong.example.org). It sets allocs.OnEnded, so that the stops
// of allocations the engine expires or cancels leave their runs.
func New(db *store.DB, allocs *allocate.Service, codes Codes, linkKey []byte, photoDir string, baseURL func() string, log *slog.Logger) *Service {
	if len(linkKey) < 16 {
		panic("deliver: courier link key too short")
	}
	s := &Service{db: db, allocs: allocs, codes: codes, linkKey: linkKey, photoDir: photoDir, baseURL: baseURL, log: log,
		Now: store.Now, LinkTTL: 48 * time.Hour, MaxPhotoBytes: 8 << 20, MaxPixels: 40_000_000}
	allocs.OnEnded = s.StopsEnded
	return s
}

// newID is an opaque id that follows insertion order (UUID version 7).
func newID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return strings.ReplaceAll(u.String(), "-", "")
}

// Courier is who carries a run.
type Courier struct {
	Provider   string `json:"provider"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Plate      string `json:"plate"`
	BookingRef string `json:"booking_ref"`
}

func (c *Courier) check() error {
	c.Provider, c.Name, c.Plate, c.BookingRef = strings.TrimSpace(c.Provider), strings.TrimSpace(c.Name),
		strings.ToUpper(strings.TrimSpace(c.Plate)), strings.TrimSpace(c.BookingRef)
	if !slices.Contains(CourierProviders, c.Provider) {
		return errs.E(errs.Invalid, "the courier's provider must be one of %s", strings.Join(CourierProviders, ", "))
	}
	if c.Name == "" || len([]rune(c.Name)) > 100 || len([]rune(c.Plate)) > 20 || len([]rune(c.BookingRef)) > 100 {
		return errs.E(errs.Invalid, "the courier needs a name (at most 100 characters); a plate has at most 20, a booking reference 100")
	}
	if strings.TrimSpace(c.Phone) != "" {
		p, err := nik.Phone(c.Phone)
		if err != nil {
			return errs.E(errs.Invalid, "the courier's phone must be an Indonesian number such as 0812-3456-7890")
		}
		c.Phone = p
	}
	return nil
}

// CreateInput is a new run.
type CreateInput struct {
	CommitmentID  string   `json:"commitment_id"`
	AllocationIDs []string `json:"allocation_ids"`
	Courier       Courier  `json:"courier"`
}

// Created is a new run as the API answers it.
type Created struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Stops      int    `json:"stops"`
	CourierURL string `json:"courier_url"`
}

// Create gives reserved allocations of who's commitment to a courier, as stops in
// the order a driver follows (kelurahan, RW, RT, address). Every allocation must be
// the commitment's own, reserved and in no other open run, else the whole run is a
// conflict; the partial unique index on open stops keeps that true under
// concurrent requests.
func (s *Service) Create(ctx context.Context, who Who, in CreateInput) (Created, error) {
	if err := in.Courier.check(); err != nil {
		return Created{}, err
	}
	if len(in.AllocationIDs) == 0 || len(in.AllocationIDs) > allocate.MaxStops {
		return Created{}, errs.E(errs.Invalid, "a run holds 1 to %d allocations", allocate.MaxStops)
	}
	seen := map[string]bool{}
	for _, id := range in.AllocationIDs {
		if seen[id] {
			return Created{}, errs.E(errs.Invalid, "allocation %s is listed twice", id)
		}
		seen[id] = true
	}
	var out Created
	org := s.orgName(ctx, who, in.CommitmentID)
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		c, chain, err := s.allocs.RunCommitment(ctx, tx, who, in.CommitmentID)
		if err != nil {
			return err
		}
		stops, err := s.allocs.Stops(ctx, tx, in.AllocationIDs)
		if err != nil {
			return err
		}
		if len(stops) != len(in.AllocationIDs) {
			return errs.E(errs.Conflict, "every allocation of a run must be a reserved allocation of the commitment")
		}
		ids := make([]any, len(stops))
		for i, st := range stops {
			if st.CommitmentID != c.ID || st.Status != allocate.Reserved {
				return errs.E(errs.Conflict, "every allocation of a run must be a reserved allocation of the commitment")
			}
			ids[i] = st.AllocationID
		}
		busy, err := store.All(ctx, tx, store.String, `SELECT allocation_id FROM delivery_stops WHERE open = 1
			AND allocation_id IN (`+store.InList(tx.Engine, 1, len(ids))+`) LIMIT 1`, ids...)
		if err != nil {
			return err
		}
		if len(busy) > 0 {
			return errs.E(errs.Conflict, "allocation %s is already in another open run", busy[0])
		}
		now := s.Now()
		id := newID()
		exp := now.Add(s.LinkTTL)
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, commitment_id, org_id, region, chain, status, provider, courier_name,
			courier_phone, plate, booking_ref, token_gen, link_expires_at, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'assigned', $6, $7, $8, $9, $10, 1, $11, $12, $13, $13)`,
			id, c.ID, c.OrgID, c.Region, chain, in.Courier.Provider, in.Courier.Name, in.Courier.Phone, in.Courier.Plate,
			in.Courier.BookingRef, exp, who.UserID, now); err != nil {
			return err
		}
		rows := make([][]any, len(stops))
		for i, st := range stops {
			rows[i] = []any{i + 1, st.AllocationID}
		}
		if _, err := tx.Insert(ctx, `INSERT INTO delivery_stops (seq, allocation_id, delivery_id) VALUES `, ``, rows, id); err != nil {
			return err
		}
		if err := s.tellRecipients(ctx, tx, c, org, stops); err != nil {
			return err
		}
		out = Created{ID: id, Status: Assigned, Stops: len(stops), CourierURL: s.courierURL(id, 1, exp)}
		return audit.Record(ctx, tx, audit.Change{Action: "delivery.create", ObjectType: "delivery", ObjectID: id,
			Region: c.Region, Chain: chain, Detail: map[string]any{"commitment": c.ID, "stops": len(stops),
				"provider": in.Courier.Provider, "link_expires_at": exp, "allocations_sha256": digestIDs(in.AllocationIDs)}})
	})
	if err == nil {
		s.wake()
	}
	return out, err
}

func (s *Service) courierURL(id string, gen int, exp time.Time) string {
	return strings.TrimRight(s.baseURL(), "/") + "/c/" + s.token(id, gen, exp)
}

func digestIDs(ids []string) string {
	sorted := slices.Sorted(slices.Values(ids))
	h := sha256.New()
	for _, id := range sorted {
		h.Write([]byte(id + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// run is a deliveries row.
type run struct {
	ID, CommitmentID, OrgID, Region, Chain, Status string
	Courier                                        Courier
	Gen                                            int
	LinkExpiresAt, CreatedAt                       time.Time
	Stops                                          int
}

const runCols = `d.id, d.commitment_id, d.org_id, d.region, d.chain, d.status, d.provider, d.courier_name, d.courier_phone, d.plate,
	d.booking_ref, d.token_gen, d.link_expires_at, d.created_at, (SELECT COUNT(*) FROM delivery_stops s WHERE s.delivery_id = d.id)`

func scanRun(r store.Scanner) (run, error) {
	var d run
	c := &d.Courier
	err := r.Scan(&d.ID, &d.CommitmentID, &d.OrgID, &d.Region, &d.Chain, &d.Status, &c.Provider, &c.Name, &c.Phone, &c.Plate,
		&c.BookingRef, &d.Gen, &d.LinkExpiresAt, &d.CreatedAt, &d.Stops)
	d.LinkExpiresAt, d.CreatedAt = d.LinkExpiresAt.UTC(), d.CreatedAt.UTC()
	return d, err
}

// getRun reads a run of who's organisation (any, for an admin) through q.
func getRun(ctx context.Context, q store.Querier, who Who, id string) (run, error) {
	org, all := who.OrgScope()
	d, err := scanRun(store.One(ctx, q, `SELECT `+runCols+` FROM deliveries d WHERE d.id = $1 AND ($2 OR d.org_id = $3)`, id, all, org))
	return d, store.NotFound(err, "no such delivery")
}

// Summary is a run in a list.
type Summary struct {
	ID            string    `json:"id"`
	CommitmentID  string    `json:"commitment_id"`
	Status        string    `json:"status"`
	Courier       Courier   `json:"courier"`
	Stops         int       `json:"stops"`
	LinkExpiresAt time.Time `json:"link_expires_at"`
	CreatedAt     time.Time `json:"created_at"`
}

func (d run) summary() Summary {
	return Summary{ID: d.ID, CommitmentID: d.CommitmentID, Status: d.Status, Courier: d.Courier, Stops: d.Stops,
		LinkExpiresAt: d.LinkExpiresAt, CreatedAt: d.CreatedAt}
}

// List returns the runs of a commitment of who's organisation, newest first.
func (s *Service) List(ctx context.Context, who Who, commitmentID string) ([]Summary, error) {
	if _, _, err := s.allocs.RunCommitment(ctx, s.db.R(), who, commitmentID); err != nil {
		return nil, err
	}
	runs, err := store.All(ctx, s.db.R(), scanRun, `SELECT `+runCols+` FROM deliveries d WHERE d.commitment_id = $1
		ORDER BY d.created_at DESC, d.id DESC LIMIT 500`, commitmentID)
	out := make([]Summary, 0, len(runs))
	for _, d := range runs {
		out = append(out, d.summary())
	}
	return out, err
}

// Run is a run with its stops, as its organisation reads it.
type Run struct {
	Summary
	StopList []allocate.Stop `json:"stops"`
}

// stopsOf reads a run's stops in their order, with the recipients' delivery fields
// (address and phone while the allocation is active, within the organisation's
// limits), and audits the read of personal data as action.
func (s *Service) stopsOf(ctx context.Context, d run, action string) ([]allocate.Stop, error) {
	ids, err := store.All(ctx, s.db.R(), store.String, `SELECT allocation_id FROM delivery_stops WHERE delivery_id = $1 ORDER BY seq`, d.ID)
	if err != nil {
		return nil, err
	}
	stops, err := s.allocs.Stops(ctx, s.db.R(), ids)
	if err != nil {
		return nil, err
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	slices.SortFunc(stops, func(a, b allocate.Stop) int { return pos[a.AllocationID] - pos[b.AllocationID] })
	// A run is no way around the organisation's limits on personal data.
	if err := s.allocs.RevealStops(ctx, d.CommitmentID, stops, "delivery:"+d.ID); err != nil {
		return nil, err
	}
	shown := 0
	for _, st := range stops {
		if st.Target.Address != "" || st.Target.Phone != "" {
			shown++
		}
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "delivery", ObjectID: d.ID, Region: d.Region, Chain: d.Chain,
			Detail: map[string]any{"stops": len(stops), "contacts_shown": shown}})
	})
	return stops, err
}

// Get returns a run of who's organisation with its stops; the read is audited.
func (s *Service) Get(ctx context.Context, who Who, id string) (Run, error) {
	d, err := getRun(ctx, s.db.R(), who, id)
	if err != nil {
		return Run{}, err
	}
	stops, err := s.stopsOf(ctx, d, "delivery.stops.view")
	return Run{Summary: d.summary(), StopList: stops}, err
}

// WriteCSV writes a run's stops as CSV for a courier; the export is audited. Cells a
// spreadsheet would run as a formula are neutralised.
func (s *Service) WriteCSV(ctx context.Context, who Who, id string, w io.Writer) error {
	d, err := getRun(ctx, s.db.R(), who, id)
	if err != nil {
		return err
	}
	stops, err := s.stopsOf(ctx, d, "delivery.list.csv")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "allocation_id", "status", "name", "region", "rw", "rt", "address", "phone", "quantity"})
	for i, st := range stops {
		t := st.Target
		rec := []string{strconv.Itoa(i + 1), st.AllocationID, st.Status, t.Name, t.Region, strconv.Itoa(t.RW), strconv.Itoa(t.RT),
			t.Address, t.Phone, strconv.Itoa(st.Quantity)}
		for j := range rec {
			rec[j] = registry.SafeCell(rec[j])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Revoke takes a run back from its courier: the link stops working and its stops
// may go into another run. A run already done or revoked is a conflict.
func (s *Service) Revoke(ctx context.Context, who Who, id string) (Summary, error) {
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := getRun(ctx, tx, who, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'revoked', token_gen = token_gen + 1, updated_at = $1
			WHERE id = $2 AND status IN ('assigned','in_progress')`, s.Now(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "the delivery is already %s", d.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE delivery_stops SET open = 0 WHERE delivery_id = $1 AND open = 1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "delivery.revoke", ObjectType: "delivery", ObjectID: id, Region: d.Region, Chain: d.Chain})
	})
	if err != nil {
		return Summary{}, err
	}
	d, err := getRun(ctx, s.db.R(), who, id)
	return d.summary(), err
}
