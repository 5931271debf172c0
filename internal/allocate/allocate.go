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
//
// # Files
//
// A commitment's walk enters each file once, in order: commit.go (the request
// checked, the commitment recorded, the preview), claim.go (candidates chosen and
// claimed; each engine's lock and write in claim_postgres.go and claim_sqlite.go),
// waitlist.go (what waits is filled as units come free), release.go (cancel, fail,
// dispatch, expiry give units back) and notify.go (the organisation told). Beside
// the walk: plan.go (the fair split, pure), reveal.go (when contact details are
// shown), view.go (reads and the views each caller may see), needs*.go and
// coverage.go (the needs table, for package program), and stock.go: a commitment
// that gives from a warehouse's stock (the task force's onward distribution)
// settles its reservation there last in each transaction that changes what it
// holds — the commitment, a release (cancel, failure, expiry), a delivery — so
// stock and commitments never disagree, and the stock row is the last lock taken.
package allocate

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
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
	// WarehouseID is the warehouse whose stock the commitment gives from (the
	// task force's onward distribution), Item the stock item it gives; both ""
	// for a commitment of the organisation's own goods.
	WarehouseID string `json:"warehouse_id,omitempty"`
	Item        string `json:"item,omitempty"`
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
	// OnEnded, when set, is told inside the transaction of an expiry or a
	// cancellation which allocations it ended, and the distinct commitments they
	// belong to, after their audit entries: delivery runs close those stops and
	// thank commitments left with nothing to do (package deliver sets it; allocate
	// does not know runs).
	OnEnded func(ctx context.Context, tx *store.Tx, allocationIDs, commitmentIDs []string) error
	// stock is the warehouses' stock that commitments with a warehouse give
	// from (nil: such commitments are refused).
	stock Stock
	// beforeRefill, when set (tests), runs between a commitment's transaction
	// and its phase's refill on PostgreSQL: where another fill can slip in.
	beforeRefill func()
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

func (s *Service) logError(msg string, err error) {
	if s.log != nil {
		s.log.Error(msg, "err", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
