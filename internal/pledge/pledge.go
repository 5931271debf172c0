// Package pledge is giving through an aggregator (issue 14): a citizen pledges
// goods to a verified aggregator — an organisation that pools small donors and
// commits on their behalf — which links the pledge to one of its own
// commitments; the citizen then follows that commitment's progress in units (its
// program, units allocated and delivered, never its recipients) and is told by
// e-mail when the pledge is linked.
//
// Who sees what is decided in the WHERE clause: a citizen reads their own
// pledges; an aggregator's members read those made to it; any other caller,
// including a verified organisation of another kind, finds no pledges at all
// (not_found). Tables: it owns pledges; organisations and users are account's,
// commitments allocate's, reached through the interfaces below.
package pledge

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/store"
)

// MaxQuantity bounds one pledge: a citizen gives what a household can carry.
const MaxQuantity = 1000

// Accounts is what pledges need of organisations and users (account.Service).
type Accounts interface {
	OrgKind(ctx context.Context, q store.Querier, orgID string) (kind, status string, err error)
	OrgNames(ctx context.Context, ids []string) (map[string]string, error)
	UserNames(ctx context.Context, ids []string) (map[string]string, error)
	User(ctx context.Context, id string) (account.User, error)
}

// Commitments is what pledges need of commitments (allocate.Service).
type Commitments interface {
	OwnCommitment(ctx context.Context, q store.Querier, orgID, id string) error
	Progresses(ctx context.Context, ids []string) (map[string]allocate.Progress, error)
}

// Pledge statuses.
const (
	Pledged = "pledged" // waiting for the aggregator
	Linked  = "linked"  // part of one of the aggregator's commitments
)

// Pledge is a citizen's gift to an aggregator, as its reader may see it.
type Pledge struct {
	ID           string             `json:"id"`
	OrgID        string             `json:"org_id"`
	OrgName      string             `json:"org_name"`
	CitizenName  string             `json:"citizen_name,omitempty"` // the aggregator's view only
	What         string             `json:"what"`
	Quantity     int                `json:"quantity"`
	Note         string             `json:"note"`
	Status       string             `json:"status"`
	CommitmentID string             `json:"commitment_id,omitempty"`
	CreatedAt    time.Time          `json:"created_at"`
	LinkedAt     *time.Time         `json:"linked_at,omitempty"`
	Progress     *allocate.Progress `json:"progress,omitempty"`
	citizenID    string
	region       string
}

// New is a pledge's input.
type New struct {
	What     string `json:"what"`
	Quantity int    `json:"quantity"`
	Note     string `json:"note"`
}

// Service is the pledge capability.
type Service struct {
	db          *store.DB
	accounts    Accounts
	commitments Commitments
	outbox      *message.Outbox // nil: no messages (tests of other packages)
}

// NewService returns the pledge service.
func NewService(db *store.DB, accounts Accounts, commitments Commitments, outbox *message.Outbox) *Service {
	return &Service{db: db, accounts: accounts, commitments: commitments, outbox: outbox}
}

var errNotAggregator = errs.E(errs.NotFound, "aggregator not found")

// aggregator answers nil when orgID is a verified aggregator, not_found otherwise.
func (s *Service) aggregator(ctx context.Context, q store.Querier, orgID string) error {
	if orgID == "" {
		return errNotAggregator
	}
	kind, status, err := s.accounts.OrgKind(ctx, q, orgID)
	if errs.Is(err, errs.NotFound) || (err == nil && (kind != account.KindAggregator || status != account.OrgVerified)) {
		return errNotAggregator
	}
	return err
}

// Make records a citizen's pledge to a verified aggregator; audited. Anyone but a
// citizen, and any organisation but a verified aggregator, is not found.
func (s *Service) Make(ctx context.Context, p account.Principal, orgID string, in New) (Pledge, error) {
	if !p.Can(account.Pledge) {
		return Pledge{}, p.Refusal(account.Pledge)
	}
	if err := s.aggregator(ctx, s.db.R(), orgID); err != nil {
		return Pledge{}, err
	}
	var pl Pledge
	var err error
	if pl.What, err = account.CleanText("what you give", in.What, 2, 200); err != nil {
		return pl, err
	}
	if pl.Note, err = account.CleanText("note", in.Note, 0, 1000); err != nil {
		return pl, err
	}
	if in.Quantity < 1 || in.Quantity > MaxQuantity {
		return pl, errs.E(errs.Invalid, "quantity must be a whole number from 1 to %d", MaxQuantity)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return pl, err
	}
	pl.ID, pl.OrgID, pl.Quantity, pl.Status, pl.CreatedAt, pl.citizenID, pl.region = id.String(), orgID, in.Quantity, Pledged, store.Now(), p.UserID, p.Region
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		// Again inside the transaction: an aggregator suspended meanwhile takes no pledge.
		if err := s.aggregator(ctx, tx, orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pledges (id, citizen_id, org_id, region, what, quantity, note, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, pl.ID, p.UserID, orgID, p.Region, pl.What, pl.Quantity, pl.Note, pl.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "pledge.make", ObjectType: "pledge", ObjectID: pl.ID, Region: p.Region,
			Detail: map[string]any{"org_id": orgID, "what": pl.What, "quantity": pl.Quantity}})
	})
	if err != nil {
		return Pledge{}, err
	}
	return s.Get(ctx, p, pl.ID)
}

const pledgeCols = `id, citizen_id, org_id, region, what, quantity, note, COALESCE(commitment_id, ''), created_at, linked_at`

func scan(r store.Scanner) (Pledge, error) {
	var pl Pledge
	var linked *time.Time
	err := r.Scan(&pl.ID, &pl.citizenID, &pl.OrgID, &pl.region, &pl.What, &pl.Quantity, &pl.Note, &pl.CommitmentID, &pl.CreatedAt, &linked)
	pl.CreatedAt = pl.CreatedAt.UTC()
	pl.Status = Pledged
	if linked != nil {
		t := linked.UTC()
		pl.LinkedAt, pl.Status = &t, Linked
	}
	return pl, err
}

// scope is the WHERE clause of what p reads: a citizen their own pledges, an
// aggregator's member those made to it; anyone else nothing (not_found).
func (s *Service) scope(ctx context.Context, p account.Principal) (clause string, arg string, aggregator bool, err error) {
	switch {
	case p.Can(account.Pledge):
		return `citizen_id = $1`, p.UserID, false, nil
	case p.Can(account.ReadPledges):
		if err := s.aggregator(ctx, s.db.R(), p.OrgID); err != nil {
			return "", "", false, err
		}
		return `org_id = $1`, p.OrgID, true, nil
	}
	return "", "", false, p.Refusal(account.Pledge)
}

// Get reads one pledge the principal may see.
func (s *Service) Get(ctx context.Context, p account.Principal, id string) (Pledge, error) {
	where, arg, agg, err := s.scope(ctx, p)
	if err != nil {
		return Pledge{}, err
	}
	pl, err := scan(store.One(ctx, s.db.R(), `SELECT `+pledgeCols+` FROM pledges WHERE `+where+` AND id = $2`, arg, id))
	if err != nil {
		return Pledge{}, store.NotFound(err, "pledge not found")
	}
	list := []Pledge{pl}
	if err := s.fill(ctx, list, agg); err != nil {
		return Pledge{}, err
	}
	return list[0], nil
}

// List reads the pledges the principal may see, newest first.
func (s *Service) List(ctx context.Context, p account.Principal, cursor string, limit int) ([]Pledge, string, error) {
	where, arg, agg, err := s.scope(ctx, p)
	if err != nil {
		return nil, "", err
	}
	cur, err := store.DecodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = store.Limit(limit)
	list, err := store.All(ctx, s.db.R(), scan, `SELECT `+pledgeCols+` FROM pledges WHERE `+where+`
		AND ($2 = '' OR created_at < $3 OR (created_at = $3 AND id < $2))
		ORDER BY created_at DESC, id DESC LIMIT $4`, arg, cur.ID, cur.At, limit+1)
	if err != nil {
		return nil, "", err
	}
	list, next := store.Page(list, limit, func(pl Pledge) store.Cursor { return store.Cursor{At: pl.CreatedAt, ID: pl.ID} })
	return list, next, s.fill(ctx, list, agg)
}

// fill names the aggregators (and, for the aggregator, the citizens) and adds the
// progress of linked commitments.
func (s *Service) fill(ctx context.Context, list []Pledge, aggregator bool) error {
	var orgs, citizens, commitments []string
	for _, pl := range list {
		orgs, citizens = append(orgs, pl.OrgID), append(citizens, pl.citizenID)
		if pl.CommitmentID != "" {
			commitments = append(commitments, pl.CommitmentID)
		}
	}
	orgNames, err := s.accounts.OrgNames(ctx, orgs)
	if err != nil {
		return err
	}
	progress, err := s.commitments.Progresses(ctx, commitments)
	if err != nil {
		return err
	}
	var names map[string]string
	if aggregator {
		if names, err = s.accounts.UserNames(ctx, citizens); err != nil {
			return err
		}
	}
	for i := range list {
		pl := &list[i]
		pl.OrgName, pl.CitizenName = orgNames[pl.OrgID], names[pl.citizenID]
		if pr, ok := progress[pl.CommitmentID]; ok {
			pl.Progress = &pr
		}
	}
	return nil
}

// Link joins a pledge made to the principal's aggregator to one of its own
// commitments, and tells the citizen by e-mail; audited. Another organisation's
// pledge or commitment is not found; a pledge linked already to another
// commitment is a conflict (linking it again to the same one changes nothing).
func (s *Service) Link(ctx context.Context, p account.Principal, id, commitmentID string) (Pledge, error) {
	if !p.Can(account.ReadPledges) {
		return Pledge{}, p.Refusal(account.ReadPledges)
	}
	if err := s.aggregator(ctx, s.db.R(), p.OrgID); err != nil {
		return Pledge{}, err
	}
	commitmentID = strings.TrimSpace(commitmentID)
	if commitmentID == "" {
		return Pledge{}, errs.E(errs.Invalid, "commitment_id is required")
	}
	// What the message says is read first: the read pool may not be used inside
	// the write transaction, and none of it changes once the pledge is found.
	pl, err := scan(store.One(ctx, s.db.R(), `SELECT `+pledgeCols+` FROM pledges WHERE id = $1 AND org_id = $2`, id, p.OrgID))
	if err != nil {
		return Pledge{}, store.NotFound(err, "pledge not found")
	}
	m, err := s.message(ctx, pl, commitmentID)
	if err != nil {
		return Pledge{}, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		pl, err := scan(store.One(ctx, tx, `SELECT `+pledgeCols+` FROM pledges WHERE id = $1 AND org_id = $2`, id, p.OrgID))
		if err != nil {
			return store.NotFound(err, "pledge not found")
		}
		if err := s.commitments.OwnCommitment(ctx, tx, p.OrgID, commitmentID); err != nil {
			return err
		}
		switch pl.CommitmentID {
		case commitmentID:
			return nil
		case "":
		default:
			return errs.E(errs.Conflict, "this pledge is linked to another commitment already")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pledges SET commitment_id = $1, linked_at = $2 WHERE id = $3`,
			commitmentID, store.Now(), id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "pledge.link", ObjectType: "pledge", ObjectID: id, Region: pl.region,
			Detail: map[string]string{"commitment_id": commitmentID}}); err != nil {
			return err
		}
		if m == nil {
			return nil
		}
		return s.outbox.Enqueue(ctx, tx, *m)
	})
	if err != nil {
		return Pledge{}, err
	}
	return s.Get(ctx, p, id)
}

// message is the citizen's message about their pledge linked to commitmentID
// (nil when there is no outbox, or no one to tell: the account was deleted).
func (s *Service) message(ctx context.Context, pl Pledge, commitmentID string) (*message.Message, error) {
	if s.outbox == nil {
		return nil, nil
	}
	u, err := s.accounts.User(ctx, pl.citizenID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names, err := s.accounts.OrgNames(ctx, []string{pl.OrgID})
	if err != nil {
		return nil, err
	}
	progress, err := s.commitments.Progresses(ctx, []string{commitmentID})
	if err != nil {
		return nil, err
	}
	return &message.Message{Kind: "pledge_linked", Channel: message.Email, To: u.Email, Ref: pl.ID,
		Region: pl.region, Args: map[string]string{"org": names[pl.OrgID], "what": pl.What, "program": progress[commitmentID].Program}}, nil
}
