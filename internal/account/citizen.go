package account

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/store"
)

// Citizens who give (issue 14). A citizen registers alone (no organisation, a
// light check: the web layer's human check, a unique email, a sane password). A
// citizen who wants to commit aid themselves asks to become an individual
// collaborator: an organisation of kind individual, named after them, of which
// they become the one member; the admin or the office of their region verifies
// it, and it commits small quantities only (IndividualCommitLimit,
// IndividualOpenLimit). A citizen may also give through an aggregator (package
// pledge).

// The default limits of an individual collaborator: a person delivers a few
// packages, not a district's. The per-commitment cap is checked by allocate in the
// commitment's transaction (CommitCap); the open cap replaces the deployment's
// default in OrgLimits, and the admin may still set another (SetOrgLimits).
const (
	IndividualCommitLimit = 20
	IndividualOpenLimit   = 50
)

// KindIndividual and KindAggregator are the organisation kinds citizens meet.
const (
	KindIndividual = "individual"
	KindAggregator = "aggregator"
)

// CitizenSignup is a citizen's self-registration (POST /api/v1/citizens).
type CitizenSignup struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Region   string `json:"region"`
}

// RegisterCitizen creates a citizen's account; audited. The caller has checked
// that a human asks (the human check) and bounds how often (rate limit).
func (s *Service) RegisterCitizen(ctx context.Context, in CitizenSignup) (User, error) {
	return s.create(ctx, NewUser{Email: in.Email, Name: in.Name, Role: string(Citizen), Region: in.Region, Password: in.Password}, "citizen.register")
}

// CleanText checks one line of text people typed, as the account's own fields
// are checked: invisible format characters stripped, characters that reorder
// text and control characters refused, the length counted in characters.
func CleanText(field, s string, minLen, maxLen int) (string, error) {
	return cleanText(field, s, minLen, maxLen)
}

// Collaborate turns a citizen into the one member of a new, pending organisation
// of kind individual named after them, with their email and the phone given; the
// admin or the office of their region then verifies it. Only a citizen may ask
// (anyone else: not_found), once.
func (s *Service) Collaborate(ctx context.Context, userID, phone string) (Org, error) {
	p, err := nik.Phone(phone)
	if err != nil {
		return Org{}, errs.E(errs.Invalid, "%s", err.Error())
	}
	var o Org
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var region string
		// The role in the WHERE: a citizen who already became a collaborator (or
		// anyone else) finds nothing to turn.
		if err := tx.QueryRowContext(ctx, `SELECT name, email, region FROM users WHERE id = $1 AND role = $2 AND deleted_at IS NULL`,
			userID, Citizen).Scan(&o.Name, &o.ContactEmail, &region); err != nil {
			return store.NotFound(err, "only a citizen may ask to become an individual collaborator")
		}
		o.ID, o.Kind, o.ContactName, o.ContactPhone, o.Status, o.CreatedAt = newID(), KindIndividual, o.Name, p, OrgPending, store.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO organizations
			(id, name, kind, contact_name, contact_email, contact_phone, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			o.ID, o.Name, o.Kind, o.ContactName, o.ContactEmail, o.ContactPhone, o.Status, o.CreatedAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, org_id = $2 WHERE id = $3`, Collaborator, o.ID, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "citizen.collaborate", ObjectType: "organization", ObjectID: o.ID,
			Region: region, Detail: map[string]string{"user_id": userID, "kind": o.Kind}})
	})
	return o, err
}

// individualRegion is the region of an individual collaborator (its member's),
// found only when it lies in scope (an office's region; the province for the
// admin): not_found otherwise, and for organisations of other kinds.
func (s *Service) individualRegion(ctx context.Context, q store.Querier, orgID, scope string) (string, error) {
	var region string
	err := q.QueryRowContext(ctx, `SELECT u.region FROM organizations o JOIN users u ON u.org_id = o.id
		WHERE o.id = $1 AND o.kind = $2 AND u.deleted_at IS NULL AND (u.region = $3 OR u.region LIKE $4) ORDER BY u.created_at LIMIT 1`,
		orgID, KindIndividual, scope, scope+".%").Scan(&region)
	return region, store.NotFound(err, "individual collaborator not found")
}

// DecideIndividual verifies or rejects an individual collaborator: the admin any,
// an office those whose member lives in its region; any other is not found.
func (s *Service) DecideIndividual(ctx context.Context, p Principal, orgID, decision, reason string) (Org, error) {
	if !p.Can(VerifyIndividuals) {
		return Org{}, p.Refusal(VerifyIndividuals)
	}
	if _, err := s.individualRegion(ctx, s.db.R(), orgID, p.RegionScope(s.province)); err != nil {
		return Org{}, err
	}
	return s.DecideOrg(ctx, orgID, decision, reason)
}

// Individuals lists the individual collaborators in the principal's scope with a
// status ("" any), newest first, at most 200.
func (s *Service) Individuals(ctx context.Context, p Principal, status string) ([]Org, error) {
	if !p.Can(VerifyIndividuals) {
		return nil, p.Refusal(VerifyIndividuals)
	}
	if status != "" && status != OrgPending && status != OrgVerified && status != OrgRejected {
		return nil, errs.E(errs.Invalid, "status must be pending, verified or rejected")
	}
	scope := p.RegionScope(s.province)
	return store.All(ctx, s.db.R(), scanOrg, `SELECT `+orgColumns+` FROM organizations WHERE kind = $1 AND ($2 = '' OR status = $2)
		AND EXISTS (SELECT 1 FROM users u WHERE u.org_id = organizations.id AND u.deleted_at IS NULL AND (u.region = $3 OR u.region LIKE $4))
		ORDER BY created_at DESC, id DESC LIMIT 200`, KindIndividual, status, scope, scope+".%")
}

// CommitCap is the most units one commitment of the organisation may ask for (0:
// no cap of its own): IndividualCommitLimit for an individual collaborator. It
// reads through q, inside the commitment's transaction.
func (s *Service) CommitCap(ctx context.Context, q store.Querier, orgID string) (int, error) {
	var kind string
	err := q.QueryRowContext(ctx, `SELECT kind FROM organizations WHERE id = $1`, orgID).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotCommitter()
	}
	if err != nil {
		return 0, store.Map(err)
	}
	if kind == KindIndividual {
		return IndividualCommitLimit, nil
	}
	return 0, nil
}

// OrgKind reads an organisation's kind and status (not_found when it does not
// exist): pledges go to verified aggregators only.
func (s *Service) OrgKind(ctx context.Context, q store.Querier, orgID string) (kind, status string, err error) {
	err = q.QueryRowContext(ctx, `SELECT kind, status FROM organizations WHERE id = $1`, orgID).Scan(&kind, &status)
	return kind, status, store.NotFound(err, "organisation not found")
}

// Aggregators lists the verified aggregators, by name: where a citizen may pledge.
func (s *Service) Aggregators(ctx context.Context) ([]Org, error) {
	return store.All(ctx, s.db.R(), scanOrg, `SELECT `+orgColumns+` FROM organizations WHERE kind = $1 AND status = $2
		ORDER BY name, id LIMIT 500`, KindAggregator, OrgVerified)
}

// UserNames names live users by id (ids that do not exist are left out): an
// aggregator sees who pledged to it by name, nothing more.
func (s *Service) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	return s.namesOf(ctx, `SELECT id, name FROM users WHERE deleted_at IS NULL AND id IN `, ids)
}

// namesOf runs query, which selects id and name and ends in "IN ", with the list
// of ids, and maps each id found to its name.
func (s *Service) namesOf(ctx context.Context, query string, ids []string) (map[string]string, error) {
	names := map[string]string{}
	if len(ids) == 0 {
		return names, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
		var id, name string
		if err := r.Scan(&id, &name); err != nil {
			return err
		}
		names[id] = name
		return nil
	}, query+`(`+store.InList(s.db.Engine, 1, len(ids))+`)`, args...)
	return names, err
}
