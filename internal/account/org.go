package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/store"
)

// Organisation statuses: registration leaves an organisation pending until an admin
// verifies or rejects it. Only verified organisations may commit aid.
const (
	OrgPending  = "pending"
	OrgVerified = "verified"
	OrgRejected = "rejected"
)

// OrgKinds are the kinds of organisation of API.md.
var OrgKinds = []string{"company", "ngo", "community", "individual", "aggregator"}

// Org is an organisation of collaborators.
type Org struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Kind         string     `json:"kind"`
	ContactName  string     `json:"contact_name"`
	ContactEmail string     `json:"contact_email"`
	ContactPhone string     `json:"contact_phone"`
	Status       string     `json:"status"`
	Reason       string     `json:"reason"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedAt    *time.Time `json:"decided_at"`
	// OpenLimit caps the units the organisation holds open (allocated and not ended,
	// or waiting); RevealLimit caps the recipients whose address and phone it is
	// shown per day. 0 means the deployment's default.
	OpenLimit   int `json:"open_limit"`
	RevealLimit int `json:"reveal_limit"`
	// SuspendedAt is set while an admin has suspended the organisation (why in
	// SuspendReason): it cannot commit; what it already holds stays. The
	// verification decision (Status) is kept apart, so reinstating restores it.
	SuspendedAt   *time.Time `json:"suspended_at"`
	SuspendReason string     `json:"suspend_reason"`
	// The documents given at registration, for the verifier (docs.go).
	NPWP       string `json:"npwp"`
	DeedNumber string `json:"deed_number"`
	Address    string `json:"address"`
}

// Registration is a collaborator's self-registration: the organisation and its first user.
type Registration struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	ContactName  string `json:"contact_name"`
	ContactEmail string `json:"contact_email"`
	ContactPhone string `json:"contact_phone"`
	// The documents the verifier checks, each optional (a citizens' community
	// may have none): the tax number (NPWP), the deed of establishment's number
	// and the address.
	NPWP       string `json:"npwp"`
	DeedNumber string `json:"deed_number"`
	Address    string `json:"address"`
	User       struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
	} `json:"user"`
}

// Register creates a pending organisation and its first collaborator user in one
// transaction; audited.
func (s *Service) Register(ctx context.Context, in Registration) (Org, User, error) {
	var o Org
	var err error
	if o.Name, err = cleanText("organisation name", in.Name, 2, 200); err != nil {
		return o, User{}, err
	}
	o.Kind = strings.TrimSpace(in.Kind)
	if !contains(OrgKinds, o.Kind) {
		return o, User{}, errs.E(errs.Invalid, "kind must be one of company, ngo, community, individual, aggregator")
	}
	if o.ContactName, err = cleanText("contact name", in.ContactName, 2, 120); err != nil {
		return o, User{}, err
	}
	if o.ContactEmail, err = normalizeEmail(in.ContactEmail); err != nil {
		return o, User{}, err
	}
	if o.ContactPhone, err = nik.Phone(in.ContactPhone); err != nil {
		return o, User{}, errs.E(errs.Invalid, "%s", err.Error())
	}
	if o.NPWP, o.DeedNumber, o.Address, err = orgDocuments(in); err != nil {
		return o, User{}, err
	}
	name := in.User.Name
	if strings.TrimSpace(name) == "" {
		name = o.ContactName
	}
	u := User{Role: Collaborator, Active: true}
	if u.Email, err = normalizeEmail(in.User.Email); err != nil {
		return o, u, err
	}
	if u.Name, err = cleanText("name", name, 2, 120); err != nil {
		return o, u, err
	}
	if err := CheckPassword(in.User.Password, u.Email); err != nil {
		return o, u, err
	}
	hash, err := s.pw.hash(ctx, in.User.Password)
	if err != nil {
		return o, u, err
	}
	now := store.Now()
	o.ID, o.Status, o.CreatedAt = newID(), OrgPending, now
	u.ID, u.OrgID, u.CreatedAt = newID(), o.ID, now
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO organizations
			(id, name, kind, contact_name, contact_email, contact_phone, status, created_at, npwp, deed_number, address)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			o.ID, o.Name, o.Kind, o.ContactName, o.ContactEmail, o.ContactPhone, o.Status, o.CreatedAt, o.NPWP, o.DeedNumber, o.Address); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, u, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "organization.register", ObjectType: "organization", ObjectID: o.ID,
			Detail: map[string]string{"name": o.Name, "kind": o.Kind, "user_id": u.ID, "user_email": u.Email}})
	})
	return o, u, err
}

const orgColumns = `id, name, kind, contact_name, contact_email, contact_phone, status, reason, created_at, decided_at, open_limit, reveal_limit,
	suspended_at, suspend_reason, npwp, deed_number, address`

func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var decided, suspended *time.Time
	err := row.Scan(&o.ID, &o.Name, &o.Kind, &o.ContactName, &o.ContactEmail, &o.ContactPhone, &o.Status, &o.Reason, &o.CreatedAt, &decided,
		&o.OpenLimit, &o.RevealLimit, &suspended, &o.SuspendReason, &o.NPWP, &o.DeedNumber, &o.Address)
	o.CreatedAt = o.CreatedAt.UTC()
	if suspended != nil {
		t := suspended.UTC()
		o.SuspendedAt = &t
	}
	if decided != nil {
		t := decided.UTC()
		o.DecidedAt = &t
	}
	return o, err
}

// Org returns an organisation by id.
func (s *Service) Org(ctx context.Context, id string) (Org, error) {
	o, err := scanOrg(s.db.R().QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id))
	if err != nil {
		return o, store.NotFound(err, "organisation not found")
	}
	return o, nil
}

// OrgFilter selects organisations in ListOrgs.
type OrgFilter struct {
	Status string
	Limit  int
	Cursor string
}

// ListOrgs lists organisations, newest first.
func (s *Service) ListOrgs(ctx context.Context, f OrgFilter) ([]Org, string, error) {
	if f.Status != "" && f.Status != OrgPending && f.Status != OrgVerified && f.Status != OrgRejected {
		return nil, "", errs.E(errs.Invalid, "status must be pending, verified or rejected")
	}
	cur, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := store.Limit(f.Limit)
	orgs, err := store.All(ctx, s.db.R(), scanOrg, `SELECT `+orgColumns+` FROM organizations
		WHERE ($1 = '' OR status = $1)
		AND ($2 = '' OR created_at < $3 OR (created_at = $3 AND id < $2))
		ORDER BY created_at DESC, id DESC LIMIT $4`, f.Status, cur.ID, cur.At, limit+1)
	if err != nil {
		return nil, "", err
	}
	orgs, next := store.Page(orgs, limit, func(o Org) store.Cursor { return store.Cursor{At: o.CreatedAt, ID: o.ID} })
	return orgs, next, nil
}

// DecideOrg verifies or rejects an organisation (admin); a rejection needs a reason.
// A decision may be changed later (a verified organisation can be suspended by
// rejecting it), and every decision is audited.
func (s *Service) DecideOrg(ctx context.Context, id, decision, reason string) (Org, error) {
	reason = strings.TrimSpace(reason)
	switch decision {
	case OrgVerified:
	case OrgRejected:
		if reason == "" {
			return Org{}, errs.E(errs.Invalid, "a rejection needs a reason")
		}
	default:
		return Org{}, errs.E(errs.Invalid, "decision must be verified or rejected")
	}
	if strings.IndexFunc(reason, invisible.IsBidiControl) >= 0 {
		return Org{}, errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", "reason")
	}
	if len(reason) > 1000 {
		return Org{}, errs.E(errs.Invalid, "reason must be at most 1000 characters")
	}
	a, _ := audit.ActorFrom(ctx)
	now := store.Now()
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var prev string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM organizations WHERE id = $1`, id).Scan(&prev); err != nil {
			return store.NotFound(err, "organisation not found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET status = $1, reason = $2, decided_at = $3, decided_by = $4
			WHERE id = $5`, decision, reason, now, a.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "organization." + map[string]string{OrgVerified: "verify", OrgRejected: "reject"}[decision],
			ObjectType: "organization", ObjectID: id, Detail: map[string]string{"from": prev, "to": decision, "reason": reason}})
	})
	if err != nil {
		return Org{}, err
	}
	return s.Org(ctx, id)
}

// MaxOrgLimit bounds what an admin may set as an organisation's limits.
const MaxOrgLimit = 10_000_000

// SetOrgLimits sets an organisation's caps on open units and on recipients revealed
// per day (admin; 0 restores the deployment's default); audited with the old values.
func (s *Service) SetOrgLimits(ctx context.Context, id string, open, reveal int) (Org, error) {
	if open < 0 || open > MaxOrgLimit || reveal < 0 || reveal > MaxOrgLimit {
		return Org{}, errs.E(errs.Invalid, "limits must be whole numbers from 0 (the default) to %d", MaxOrgLimit)
	}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var was [2]int
		if err := tx.QueryRowContext(ctx, `SELECT open_limit, reveal_limit FROM organizations WHERE id = $1`, id).Scan(&was[0], &was[1]); err != nil {
			return store.NotFound(err, "organisation not found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET open_limit = $1, reveal_limit = $2 WHERE id = $3`, open, reveal, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "organization.limits", ObjectType: "organization", ObjectID: id,
			Detail: map[string]any{"open_limit": open, "reveal_limit": reveal, "from": map[string]int{"open_limit": was[0], "reveal_limit": was[1]}}})
	})
	if err != nil {
		return Org{}, err
	}
	return s.Org(ctx, id)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CountOrgs counts organisations with a status.
func (s *Service) CountOrgs(ctx context.Context, status string) (int, error) {
	var n int
	err := store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM organizations WHERE status = $1`, status).Scan(&n)
	return n, err
}

// What other capabilities ask of organisations. Package account owns the
// organizations table; allocate reads it only through these (its Orgs interface).

// errNotCommitter is what a caller hears when its organisation may not commit: to
// it, commitments do not exist.
func errNotCommitter() error { return errs.E(errs.NotFound, "only a verified collaborator can commit") }

// CheckCommitter answers nil when the organisation exists, is verified and is not
// suspended, and not_found otherwise; other database errors keep their kind. It reads through q,
// so that a commit checks it again inside its own transaction: an organisation
// rejected while a commitment was on its way does not commit.
func (s *Service) CheckCommitter(ctx context.Context, q store.Querier, orgID string) error {
	if orgID == "" {
		return errNotCommitter()
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE id = $1 AND status = $2 AND suspended_at IS NULL`, orgID, OrgVerified).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotCommitter()
	}
	return store.Map(err)
}

// OrgLimits reads an organisation's own limits on open units and on recipients
// revealed per day (0: the deployment's default). An individual collaborator
// without a limit of its own holds IndividualOpenLimit units at most (citizen.go).
func (s *Service) OrgLimits(ctx context.Context, q store.Querier, orgID string) (open, reveal int, err error) {
	err = store.One(ctx, q, `SELECT CASE WHEN open_limit = 0 AND kind = $2 THEN $3 ELSE open_limit END, reveal_limit
		FROM organizations WHERE id = $1`, orgID, KindIndividual, IndividualOpenLimit).Scan(&open, &reveal)
	return open, reveal, err
}

// LockOrg takes the organisation's row lock in tx (PostgreSQL), so that checks of
// one organisation's limits in concurrent transactions run one after the other.
func (s *Service) LockOrg(ctx context.Context, tx *store.Tx, orgID string) error {
	return tx.Lock(ctx, `SELECT id FROM organizations WHERE id = $1 FOR UPDATE`, orgID)
}

// OrgNames names organisations by id (ids that do not exist are left out).
func (s *Service) OrgNames(ctx context.Context, ids []string) (map[string]string, error) {
	return s.namesOf(ctx, `SELECT id, name FROM organizations WHERE id IN `, ids)
}
