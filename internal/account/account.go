// Package account holds users, organisations, roles, passwords and API tokens, and
// the policy (policy.go): the one place that says who may do what. Routes, pages,
// menus and capabilities ask a Principal's Can and its scopes instead of looking
// at roles. Sessions live in the web layer (cookies); this package says who a
// session or token belongs to.
//
// Tables: it owns users, organizations and api_tokens (see store's ownership
// table): no other package reads or writes them. Allocate asks it through a small
// interface of its own (allocate.Orgs: may this organisation commit, its limits,
// its row lock, its name); the import worker asks it for a user's label.
package account

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Role is what a user may do.
type Role string

// The roles: the three of the foundation and the citizen (issue 14).
const (
	Admin        Role = "admin"        // provincial government
	Office       Role = "office"       // a mayor's or kelurahan office, scoped to a region
	Collaborator Role = "collaborator" // member of an organisation that gives aid
	// Citizen is a person who registered by themselves (POST /api/v1/citizens):
	// they take part in the forum of ideas and give through an aggregator; their
	// region is where they live, and scopes nothing.
	Citizen Role = "citizen"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Admin, Office, Collaborator, Citizen:
		return r, nil
	}
	return "", errs.E(errs.Invalid, "role must be admin, office, collaborator or citizen")
}

// User is an account.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Region    string    `json:"region"`
	OrgID     string    `json:"org_id"`
	CreatedAt time.Time `json:"created_at"`
	// OrgStatus is the status of the user's organisation when it was read
	// (pending, verified, rejected; "" without one): pages offer committing to
	// collaborators of a verified organisation only.
	OrgStatus string `json:"-"`
	// Active is false while an admin has deactivated the account (since
	// DeactivatedAt): it cannot sign in and its sessions and tokens do not work.
	Active        bool       `json:"active"`
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
	// SignedOutAt ends every session begun before it (a deactivation).
	SignedOutAt time.Time `json:"-"`
}

// Service is the account capability.
type Service struct {
	db       *store.DB
	regions  *region.Set
	province string
	pw       *passwords
	outbox   *message.Outbox  // carries password reset links (reset.go)
	vault    *vault.Vault     // seals second factors (factor.go)
	now      func() time.Time // the second factor's clock; nil: time.Now
}

// Options tune the service.
type Options struct {
	// Province is the deployment's province code; office regions must lie in it.
	Province string
	// PasswordMemoryKiB is argon2id's memory cost (default 64 MiB). Tests lower it.
	PasswordMemoryKiB uint32
	// ConcurrentHashes bounds how many password hashes run at once (default 2): each
	// takes the memory above, so a burst of logins cannot exhaust the machine.
	ConcurrentHashes int
}

// New returns the account service.
func New(db *store.DB, regions *region.Set, opt Options) *Service {
	return &Service{db: db, regions: regions, province: opt.Province, pw: newPasswords(opt.PasswordMemoryKiB, opt.ConcurrentHashes)}
}

// PasswordHashes reports how many argon2id hashes the service has computed, to
// make a password's hash or to check one: each costs about 150 ms and 64 MiB.
func (s *Service) PasswordHashes() int64 { return s.pw.done.Load() }

func newID() string { return uuid.NewString() }

// normalizeEmail lower-cases and checks an email address.
func normalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", errs.E(errs.Invalid, "email address is too long")
	}
	a, err := mail.ParseAddress(s)
	// An invisible character would make a second account look like the first.
	if err != nil || strings.IndexFunc(s, invisible.IsFormat) >= 0 || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", errs.E(errs.Invalid, "email address is not valid")
	}
	return s, nil
}

// cleanText strips invisible format characters from s (zero-width spaces and the
// like), refuses characters that reorder text, trims s and checks its length in
// characters and that it holds no control characters. See package invisible for why
// one kind is stripped and the other refused.
func cleanText(field, s string, minLen, maxLen int) (string, error) {
	s, ok := invisible.Clean(s)
	if !ok {
		return "", errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", field)
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < minLen || n > maxLen {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters", field, minLen, maxLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", errs.E(errs.Invalid, "%s contains control characters", field)
		}
	}
	return s, nil
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Region   string `json:"region"`
	OrgID    string `json:"org_id"`
	Password string `json:"password"`
}

func (s *Service) validateUser(ctx context.Context, in NewUser) (User, error) {
	u := User{Active: true}
	var err error
	if u.Email, err = normalizeEmail(in.Email); err != nil {
		return u, err
	}
	if u.Name, err = cleanText("name", in.Name, 2, 120); err != nil {
		return u, err
	}
	if u.Role, err = ParseRole(in.Role); err != nil {
		return u, err
	}
	switch u.Role {
	case Office:
		if u.Region, err = s.localRegion(in.Region); errs.Is(err, errs.NotFound) {
			return u, errs.E(errs.Invalid, "an office user needs the code of its region")
		} else if err != nil {
			return u, err
		}
	case Collaborator:
		if in.OrgID == "" {
			return u, errs.E(errs.Invalid, "a collaborator needs an organisation")
		}
		if _, err := s.Org(ctx, in.OrgID); err != nil {
			return u, errs.E(errs.Invalid, "organisation %s does not exist", in.OrgID)
		}
		u.OrgID = in.OrgID
	case Citizen:
		if u.Region, err = s.localRegion(in.Region); errs.Is(err, errs.NotFound) {
			return u, errs.E(errs.Invalid, "a citizen needs the code of the region they live in")
		} else if err != nil {
			return u, err
		}
		if in.OrgID != "" {
			return u, errs.E(errs.Invalid, "a citizen has no organisation")
		}
	case Admin:
		if in.Region != "" || in.OrgID != "" {
			return u, errs.E(errs.Invalid, "an admin has neither region nor organisation")
		}
	}
	if err := CheckPassword(in.Password, u.Email); err != nil {
		return u, err
	}
	return u, nil
}

// localRegion checks that code names a kota, kecamatan or kelurahan of the
// province and returns it normalised: not_found when it is not a region code at
// all (the caller says what is missing), invalid when it lies elsewhere.
func (s *Service) localRegion(code string) (string, error) {
	code, err := region.Normalize(code)
	if err != nil {
		return "", errs.E(errs.NotFound, "not a region code")
	}
	r, ok := s.regions.Get(code)
	if !ok || !s.regions.Within(code, s.province) || r.Level == region.Province {
		return "", errs.E(errs.Invalid, "region %s is not a kota, kecamatan or kelurahan of this province", code)
	}
	return code, nil
}

// insertUser writes u with the hash of password inside tx.
func insertUser(ctx context.Context, tx *store.Tx, u User, hash string) error {
	var org any
	if u.OrgID != "" {
		org = u.OrgID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, region, org_id, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, u.ID, u.Email, u.Name, u.Role, u.Region, org, hash, u.CreatedAt)
	if store.IsConflict(err) {
		return errs.E(errs.Conflict, "an account with this email already exists")
	}
	return err
}

// userColumns read a user; a suspended organisation's status reads "suspended", so
// that its members are not offered what only a verified one may do.
const userColumns = `id, email, name, role, region, COALESCE(org_id, ''), created_at,
	COALESCE((SELECT CASE WHEN o.suspended_at IS NOT NULL THEN 'suspended' ELSE o.status END
		FROM organizations o WHERE o.id = users.org_id), ''), deactivated_at, signed_out_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) { return scanUserAnd(row) }

// User returns a live (not deleted) and active (not deactivated) user by id.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.db.R().QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = $1 AND deleted_at IS NULL AND deactivated_at IS NULL`, id))
	if err != nil {
		return u, store.NotFound(err, "user not found")
	}
	return u, nil
}

// UserByEmail returns a live user by email.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.R().QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE email = $1 AND deleted_at IS NULL AND deactivated_at IS NULL`, strings.ToLower(strings.TrimSpace(email))))
	if err != nil {
		return u, store.NotFound(err, "user not found")
	}
	return u, nil
}

// UserFilter selects users in ListUsers.
type UserFilter struct {
	Role   Role
	OrgID  string
	Limit  int
	Cursor string
}

// ListUsers lists live users, newest first, deactivated ones too (Active false).
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, string, error) {
	cur, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := store.Limit(f.Limit)
	q := `SELECT ` + userColumns + ` FROM users WHERE deleted_at IS NULL
		AND ($1 = '' OR role = $1) AND ($2 = '' OR org_id = $2)
		AND ($3 = '' OR created_at < $4 OR (created_at = $4 AND id < $3))
		ORDER BY created_at DESC, id DESC LIMIT $5`
	users, err := store.All(ctx, s.db.R(), scanUser, q, string(f.Role), f.OrgID, cur.ID, cur.At, limit+1)
	if err != nil {
		return nil, "", err
	}
	users, next := store.Page(users, limit, func(u User) store.Cursor { return store.Cursor{At: u.CreatedAt, ID: u.ID} })
	return users, next, nil
}
