package account

import (
	"context"
	"strings"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/store"
)

// Deactivating users and suspending organisations (issue 15, item 11): both are
// the admin's, both can be undone, and both are audited. Unlike DeleteUser the
// account stays listed, so it can be given back.

// UserAny returns a live user by id, deactivated or not: for the admin's pages.
func (s *Service) UserAny(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.db.R().QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = $1 AND deleted_at IS NULL`, id))
	if err != nil {
		return u, store.NotFound(err, "user not found")
	}
	return u, nil
}

// SetUserActive deactivates (active false) or reactivates a user. Deactivating
// ends its sessions (signed_out_at: every session begun before it stops working)
// and deletes its API tokens; it can no longer sign in. An admin cannot
// deactivate itself. Setting the state it already has answers conflict.
func (s *Service) SetUserActive(ctx context.Context, id string, active bool) (User, error) {
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var region string
		var was bool
		if err := tx.QueryRowContext(ctx, `SELECT region, deactivated_at IS NULL FROM users WHERE id = $1 AND deleted_at IS NULL`, id).
			Scan(&region, &was); err != nil {
			return store.NotFound(err, "user not found")
		}
		if a, ok := audit.ActorFrom(ctx); ok && a.ID == id && !active {
			return errs.E(errs.Conflict, "you cannot deactivate your own account")
		}
		if was == active {
			if active {
				return errs.E(errs.Conflict, "the account is already active")
			}
			return errs.E(errs.Conflict, "the account is already deactivated")
		}
		action := "user.reactivate"
		if active {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET deactivated_at = NULL WHERE id = $1`, id); err != nil {
				return err
			}
		} else {
			action = "user.deactivate"
			now := store.Now()
			if _, err := tx.ExecContext(ctx, `UPDATE users SET deactivated_at = $1, signed_out_at = $1 WHERE id = $2`, now, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "user", ObjectID: id, Region: region})
	})
	if err != nil {
		return User{}, err
	}
	return s.UserAny(ctx, id)
}

// SuspendOrg suspends an organisation (suspend true, with a reason) or reinstates
// it. A suspended organisation cannot commit, nor do anything a verified one may
// (its members' principal is not verified); its allocations stay, so the people
// waiting for them are still served. The verification decision is left as it was.
func (s *Service) SuspendOrg(ctx context.Context, id string, suspend bool, reason string) (Org, error) {
	reason = strings.TrimSpace(reason)
	if suspend && reason == "" {
		return Org{}, errs.E(errs.Invalid, "a suspension needs a reason")
	}
	if strings.IndexFunc(reason, invisible.IsBidiControl) >= 0 {
		return Org{}, errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", "reason")
	}
	if len(reason) > 1000 {
		return Org{}, errs.E(errs.Invalid, "reason must be at most 1000 characters")
	}
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var suspended bool
		if err := tx.QueryRowContext(ctx, `SELECT suspended_at IS NOT NULL FROM organizations WHERE id = $1`, id).Scan(&suspended); err != nil {
			return store.NotFound(err, "organisation not found")
		}
		if suspended == suspend {
			if suspend {
				return errs.E(errs.Conflict, "the organisation is already suspended")
			}
			return errs.E(errs.Conflict, "the organisation is not suspended")
		}
		action, detail := "organization.reinstate", map[string]string{}
		if suspend {
			action, detail["reason"] = "organization.suspend", reason
			if _, err := tx.ExecContext(ctx, `UPDATE organizations SET suspended_at = $1, suspend_reason = $2 WHERE id = $3`, store.Now(), reason, id); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE organizations SET suspended_at = NULL, suspend_reason = '' WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "organization", ObjectID: id, Detail: detail})
	})
	if err != nil {
		return Org{}, err
	}
	return s.Org(ctx, id)
}
