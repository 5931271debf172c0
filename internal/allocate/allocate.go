// Package allocate is the no-overlap core of Gotong: collaborators' commitments and the
// engine that answers each with concrete, exclusive allocations of needs.
//
// Exclusivity is kept three times over: needs.allocated carries CHECK (allocated <=
// quantity) in the schema; every claim is a guarded UPDATE that only adds to a need
// when the sum stays within its quantity; and the claim runs in one write transaction
// (SQLite: the single writer, BEGIN IMMEDIATE; PostgreSQL: the planned needs and their
// targets locked FOR NO KEY UPDATE SKIP LOCKED, so concurrent committers take
// different needs instead of queueing behind each other). Locking the target as well
// serialises claims on one target across programs, which is what makes the stacking
// rule race-free.
//
// # Tables
//
// The package owns needs (written by Needs for package program, through
// program.Needs, and by the engine's claims and releases), commitments,
// commitment_targets, allocations, notifications, recipient_reveals and org_flags.
// It reads targets and members through package registry, and programs and phases
// through package program, except for the joins store's ownership test lists.
package allocate

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// Commitment states.
const (
	StatusAllocated  = "allocated"  // everything requested is allocated
	StatusPartial    = "partial"    // some allocated, the rest waits
	StatusWaitlisted = "waitlisted" // nothing allocated yet, everything waits
	StatusCancelled  = "cancelled"
)

// Allocation states.
const (
	Reserved   = "reserved"
	Dispatched = "dispatched"
	Delivered  = "delivered"
	Failed     = "failed"
	Expired    = "expired"
	Cancelled  = "cancelled"
)

// MaxQuantity bounds one commitment.
const MaxQuantity = 1_000_000

// MaxTargets bounds the targets one commitment may choose.
const MaxTargets = 500

// Who is the party acting on commitments: the policy's principal. Reads put its
// OrgScope into their WHERE clause, so another organisation's commitment is not
// found rather than found and refused.
type Who = account.Principal

// Orgs is what the engine needs of organisations, whose table package account
// owns (account.Service implements it; internal/app wires it).
type Orgs interface {
	// CheckCommitter answers nil when the organisation may commit, not_found when
	// it does not exist or is not verified, reading through q.
	CheckCommitter(ctx context.Context, q store.Querier, orgID string) error
	// OrgLimits reads the organisation's own limits (0: the default).
	OrgLimits(ctx context.Context, q store.Querier, orgID string) (open, reveal int, err error)
	// LockOrg takes the organisation's row lock in tx (PostgreSQL).
	LockOrg(ctx context.Context, tx *store.Tx, orgID string) error
	// OrgNames names organisations by id.
	OrgNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Request is a commitment as a collaborator makes it.
type Request struct {
	ProgramID       string   `json:"program_id"`
	Phase           string   `json:"phase"`
	Quantity        int      `json:"quantity"`
	Region          string   `json:"region,omitempty"`
	TargetIDs       []string `json:"target_ids,omitempty"`
	DeliverBy       string   `json:"deliver_by"`
	AcceptStatement bool     `json:"accept_statement"`
	// ClientRef is the client's idempotency key (the Idempotency-Key header, or a
	// token in the form): sending the same commitment twice — a double tap, a
	// retry on a bad connection — makes one commitment, and the second answer is
	// the first one.
	ClientRef string `json:"-"`
}

// Taken is a chosen target that could not be (fully) allocated, with why.
type Taken struct {
	TargetID string `json:"target_id"`
	Name     string `json:"name"`
	Reason   string `json:"reason"` // taken, stacked, not_eligible
}

// Suggestion is an unmet need near a chosen target that was already taken.
type Suggestion struct {
	TargetID string `json:"target_id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	RW       int    `json:"rw"`
	Free     int    `json:"free"`
}

// Commitment is a commitment as the API shows it.
type Commitment struct {
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
	Taken       []Taken      `json:"taken,omitempty"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	// ProgramName is filled in lists and pages.
	ProgramName string `json:"program_name,omitempty"`
	chain       string
}

// Service is the allocation capability.
type Service struct {
	db       *store.DB
	eng      claimer // the engine's claim (claim_postgres.go, claim_sqlite.go)
	programs *program.Service
	orgs     Orgs
	regions  *region.Set
	province string
	log      *slog.Logger
	// Now is the clock; tests move it to make allocations expire.
	Now func() time.Time
	// Limits bound the personal data that reaches one organisation (none when zero).
	Limits Limits
}

// New returns the allocation service.
func New(db *store.DB, programs *program.Service, orgs Orgs, regions *region.Set, province string, log *slog.Logger) *Service {
	return &Service{db: db, eng: store.Choose[claimer](db.Engine, postgresClaim{}, sqliteClaim{}), programs: programs, orgs: orgs,
		regions: regions, province: province, log: log, Now: store.Now}
}

func newID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// newOrderedID is an opaque id that starts with the time (UUID version 7), so that
// the many allocations of one claim land side by side in the primary-key index
// instead of on thousands of random pages.
func newOrderedID() string {
	u, err := uuid.NewV7()
	if err != nil {
		return newID()
	}
	return strings.ReplaceAll(u.String(), "-", "")
}

func statusOf(allocated, waiting int) string {
	switch {
	case waiting == 0:
		return StatusAllocated
	case allocated > 0:
		return StatusPartial
	}
	return StatusWaitlisted
}

// chainFor is the audit chain of a region: one per kab/kota, so that allocations in
// different cities never wait on one another's audit head.
func chainFor(code string) string {
	if len(code) >= 5 {
		return "region:" + code[:5]
	}
	return "region:" + code
}

// normalize checks a request against its program and returns the phase and the
// normalised area or targets.
func (s *Service) normalize(ctx context.Context, q store.Querier, req *Request) (program.Program, program.Phase, error) {
	p, err := s.programs.Get(ctx, req.ProgramID, false)
	if err != nil {
		return p, program.Phase{}, err
	}
	if p.Status != program.Published {
		return p, program.Phase{}, errs.E(errs.Conflict, "the program is not open for commitments")
	}
	ph, ok := p.FindPhase(req.Phase)
	if !ok {
		return p, ph, errs.E(errs.Invalid, "no such phase")
	}
	today := s.Now().Format(time.DateOnly)
	if ph.End < today {
		return p, ph, errs.E(errs.Invalid, "that phase is over")
	}
	if req.Quantity < 1 || req.Quantity > MaxQuantity {
		return p, ph, errs.E(errs.Invalid, "quantity must be 1 to %d", MaxQuantity)
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(req.DeliverBy))
	if err != nil {
		return p, ph, errs.E(errs.Invalid, "deliver_by must be a date YYYY-MM-DD")
	}
	req.DeliverBy = d.Format(time.DateOnly)
	if req.DeliverBy < today {
		return p, ph, errs.E(errs.Invalid, "deliver_by is in the past")
	}
	if p.Statement != "" && !req.AcceptStatement {
		return p, ph, errs.E(errs.Invalid, "accept the program's statement to commit")
	}
	hasArea, hasTargets := strings.TrimSpace(req.Region) != "", len(req.TargetIDs) > 0
	if hasArea == hasTargets {
		return p, ph, errs.E(errs.Invalid, "give either a region or target_ids")
	}
	// What a commitment gets in a kelurahan, or for a chosen RW, is a figure below
	// kecamatan, which a health program does not show outside the offices.
	errSensitive := errs.E(errs.Invalid, "this program concerns health: commit for a kecamatan or a larger area")
	if hasArea {
		code, err := region.Normalize(req.Region)
		if err != nil {
			return p, ph, errs.E(errs.Invalid, "unknown region %q", req.Region)
		}
		if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, s.province) {
			return p, ph, errs.E(errs.Invalid, "unknown region %q", req.Region)
		}
		if lvl, _ := region.LevelOf(code); p.Sensitive && lvl > program.CoarseFloor {
			return p, ph, errSensitive
		}
		req.Region = code
		return p, ph, nil
	}
	if p.Sensitive {
		return p, ph, errSensitive
	}
	if len(req.TargetIDs) > MaxTargets {
		return p, ph, errs.E(errs.Invalid, "choose at most %d targets", MaxTargets)
	}
	var ids []string
	for _, id := range req.TargetIDs {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 64 {
			return p, ph, errs.E(errs.Invalid, "invalid target id")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	req.TargetIDs = ids
	return p, ph, nil
}

// Commit records a commitment and allocates what is free now; the rest waits.
func (s *Service) Commit(ctx context.Context, who Who, req Request) (Commitment, error) {
	var c Commitment
	if err := s.orgs.CheckCommitter(ctx, s.db.R(), who.OrgID); err != nil {
		return c, err
	}
	p, ph, err := s.normalize(ctx, s.db.R(), &req)
	if err != nil {
		return c, err
	}
	if len(req.ClientRef) > 100 {
		return c, errs.E(errs.Invalid, "the idempotency key is longer than 100 characters")
	}
	if prev, ok, err := s.byClientRef(ctx, s.db.R(), who, req.ClientRef); err != nil || ok {
		return prev, err
	}
	var repeated bool
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Again inside the transaction: an organisation rejected meanwhile must
		// not commit.
		if err := s.orgs.CheckCommitter(ctx, tx, who.OrgID); err != nil {
			return err
		}
		if prev, ok, err := s.byClientRef(ctx, tx, who, req.ClientRef); err != nil || ok {
			c, repeated = prev, ok
			return err
		}
		if err := s.checkOpen(ctx, tx, who.OrgID, req.Quantity); err != nil {
			return err
		}
		now := s.Now()
		c = Commitment{ID: newID(), OrgID: who.OrgID, ProgramID: p.ID, PhaseID: ph.ID, Phase: ph.Name, Region: req.Region,
			TargetIDs: req.TargetIDs, Requested: req.Quantity, DeliverBy: req.DeliverBy, CreatedAt: now, ProgramName: p.Name}
		if len(req.TargetIDs) > 0 {
			var err error
			if c.Taken, err = s.checkTargets(ctx, tx, p, ph, req.TargetIDs); err != nil {
				return err
			}
			first, err := s.firstRegion(ctx, tx, req.TargetIDs)
			if err != nil {
				return err
			}
			c.chain = chainFor(first)
		} else {
			c.chain = chainFor(req.Region)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commitments (id, org_id, user_id, program_id, phase_id, region, chain,
			requested, waiting, deliver_by, client_ref, status, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8,$9,$10,'waitlisted',$11,$11)`,
			c.ID, c.OrgID, who.UserID, c.ProgramID, c.PhaseID, c.Region, c.chain, c.Requested, c.DeliverBy, req.ClientRef, now); err != nil {
			return err
		}
		for _, t := range c.TargetIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO commitment_targets (commitment_id, target_id) VALUES ($1, $2)`, c.ID, t); err != nil {
				return err
			}
		}
		got, err := s.fill(ctx, tx, &c, p, c.Requested)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "commitment.create", ObjectType: "commitment", ObjectID: c.ID,
			Region: c.Region, Chain: c.chain, Detail: map[string]any{
				"org": c.OrgID, "program": c.ProgramID, "phase": c.Phase, "requested": c.Requested,
				"allocated": c.Allocated, "waitlisted": c.Waitlisted, "allocations": got.count, "allocations_sha256": got.digest,
			}})
	})
	if err != nil {
		if errs.KindOf(err) == errs.Conflict && req.ClientRef != "" {
			// The same key raced in on another connection (PostgreSQL): answer
			// with the commitment that won.
			if prev, ok, err2 := s.byClientRef(ctx, s.db.R(), who, req.ClientRef); err2 == nil && ok {
				return prev, nil
			}
		}
		return Commitment{}, err
	}
	if repeated {
		return c, nil
	}
	if !s.eng.exact() {
		// A committer skips what others hold locked; they may leave some of it
		// (an RW's packages go a few at a time). Once this commitment is visible,
		// the waiting list of the phase — this one included — gets another pass.
		if n, err := s.refillAfterCommit(ctx, p.ID, ph.ID); err != nil {
			s.logError("fill waiting commitments after a commitment", err)
		} else if n > 0 && c.Waitlisted > 0 {
			if fresh, err := s.Get(ctx, who, c.ID); err == nil {
				fresh.Taken, fresh.ProgramName = c.Taken, c.ProgramName
				c = fresh
			}
		}
	}
	if len(c.Taken) > 0 {
		c.Suggestions, _ = s.suggest(ctx, c)
	}
	return c, nil
}

// refillAfterCommit runs FillWaiting for a phase when something waits in it.
func (s *Service) refillAfterCommit(ctx context.Context, programID, phaseID string) (int, error) {
	var waiting bool
	if err := s.db.R().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM commitments WHERE program_id = $1 AND phase_id = $2
		AND waiting > 0 AND status <> 'cancelled')`, programID, phaseID).Scan(&waiting); err != nil || !waiting {
		return 0, store.Map(err)
	}
	return s.FillWaiting(EngineContext(ctx), programID, phaseID)
}

func (s *Service) logError(msg string, err error) {
	if s.log != nil {
		s.log.Error(msg, "err", err)
	}
}

// byClientRef finds who's commitment made with the idempotency key ref.
func (s *Service) byClientRef(ctx context.Context, q store.Querier, who Who, ref string) (Commitment, bool, error) {
	if ref == "" {
		return Commitment{}, false, nil
	}
	var id string
	err := q.QueryRowContext(ctx, `SELECT id FROM commitments WHERE org_id = $1 AND client_ref = $2`, who.OrgID, ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Commitment{}, false, nil
	}
	if err != nil {
		return Commitment{}, false, store.Map(err)
	}
	c, err := s.get(ctx, q, who, id)
	return c, err == nil, err
}

// firstRegion is the region of the first chosen target (the province when it has
// none), read from the registry inside q's transaction.
func (s *Service) firstRegion(ctx context.Context, q store.Querier, ids []string) (string, error) {
	r, err := registry.TargetRegion(ctx, q, ids[0])
	if r == "" && err == nil {
		r = s.province
	}
	return r, err
}

// checkTargets makes sure every chosen target is an RW or institution with a need in
// the phase, and says which ones have nothing free. Only a target without such a
// need is invalid; a failed read is the database's error, mapped by store.Map.
func (s *Service) checkTargets(ctx context.Context, q store.Querier, p program.Program, ph program.Phase, ids []string) ([]Taken, error) {
	var taken []Taken
	for _, id := range ids {
		var kind, state string
		var qty, alloc int
		err := q.QueryRowContext(ctx, `SELECT kind, quantity, allocated, state FROM needs WHERE target_id = $1 AND phase_id = $2`,
			id, ph.ID).Scan(&kind, &qty, &alloc, &state)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.E(errs.Invalid, "target %s has no need in this program phase", id)
		}
		if err != nil {
			return nil, store.Map(err)
		}
		if kind != "rw" && kind != "institution" {
			return nil, errs.E(errs.Invalid, "only an RW or an institution can be chosen; households are reached through an area")
		}
		if state != "open" || alloc >= qty {
			name, err := registry.TargetName(ctx, q, id)
			if err != nil {
				return nil, err
			}
			taken = append(taken, Taken{TargetID: id, Name: name, Reason: "taken"})
		}
	}
	return taken, nil
}

// claimed describes allocations just made.
type claimed struct {
	count  int
	units  int
	digest string
}

// digest is a SHA-256 over the allocations' (id, need, quantity) lines in id order,
// so the audit entry binds the exact set it announces and anyone can recompute it
// from the allocations table.
func digest(rows []allocRow) string {
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b allocRow) int { return strings.Compare(a.id, b.id) })
	h := sha256.New()
	for _, a := range sorted {
		h.Write([]byte(a.id + "|" + a.needID + "|" + itoa(a.quantity) + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fill allocates up to want units to c and updates its counters (in tx).
func (s *Service) fill(ctx context.Context, tx *store.Tx, c *Commitment, p program.Program, want int) (claimed, error) {
	rows, err := s.claim(ctx, tx, c, p, want)
	if err != nil {
		return claimed{}, err
	}
	got := claimed{count: len(rows), digest: digest(rows)}
	for _, r := range rows {
		got.units += r.quantity
	}
	var waiting int
	if err := tx.QueryRowContext(ctx, `SELECT waiting FROM commitments WHERE id = $1`, c.ID).Scan(&waiting); err != nil {
		return got, err
	}
	var allocated, released int
	waiting -= got.units
	if err := tx.QueryRowContext(ctx, `UPDATE commitments SET allocated = allocated + $1, waiting = $2,
		status = CASE WHEN $2 = 0 THEN 'allocated' WHEN allocated + $1 > 0 THEN 'partial' ELSE 'waitlisted' END, updated_at = $3
		WHERE id = $4 RETURNING allocated, released, status`, got.units, waiting, s.Now(), c.ID).Scan(&allocated, &released, &c.Status); err != nil {
		return got, err
	}
	c.Allocated, c.Waitlisted, c.Released = allocated, waiting, released
	return got, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
