package account

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// CreateUser creates a user (admin action or command line); audited.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	return s.create(ctx, in, "user.create")
}

// create checks and creates a user, audited as action.
func (s *Service) create(ctx context.Context, in NewUser, action string) (User, error) {
	u, err := s.validateUser(ctx, in)
	if err != nil {
		return u, err
	}
	hash, err := s.pw.hash(ctx, in.Password)
	if err != nil {
		return u, err
	}
	u.ID, u.CreatedAt = newID(), store.Now()
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := insertUser(ctx, tx, u, hash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "user", ObjectID: u.ID,
			Region: u.Region, Detail: map[string]string{"email": u.Email, "role": string(u.Role), "region": u.Region, "org_id": u.OrgID}})
	})
	return u, err
}

// Authenticate checks an email and password. Any failure is the same unauthorized
// error, and costs the same time, so it does not tell whether the email exists.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var hash string
	u, err := scanUserAnd(s.db.R().QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users
		WHERE email = $1 AND deleted_at IS NULL AND deactivated_at IS NULL`, email), &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return User{}, store.Map(err)
	}
	ok, cerr := s.pw.check(ctx, password, hash)
	if cerr != nil {
		return User{}, cerr
	}
	if err != nil || !ok || len(password) > 1024 {
		return User{}, errs.E(errs.Unauthorized, "wrong email or password")
	}
	return u, nil
}

// DeleteUser removes a user: the account can no longer sign in, its sessions stop
// working (the web layer reloads the user on every request) and its API tokens are
// deleted. The row stays, marked deleted, so the audit log's references keep meaning.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var region string
		if err := tx.QueryRowContext(ctx, `SELECT region FROM users WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&region); err != nil {
			return store.NotFound(err, "user not found")
		}
		if a, ok := audit.ActorFrom(ctx); ok && a.ID == id {
			return errs.E(errs.Conflict, "you cannot delete your own account")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET deleted_at = $1 WHERE id = $2`, store.Now(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.delete", ObjectType: "user", ObjectID: id, Region: region})
	})
}

// HasAdmin reports whether a live admin exists.
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	var n int
	err := store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM users WHERE role = 'admin' AND deleted_at IS NULL`).Scan(&n)
	return n > 0, err
}
