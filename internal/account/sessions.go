package account

import (
	"context"
	"strconv"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// Sessions by user (issue 16, item 6). The web layer keeps each signed-in session
// in scs's store under a secret token; here each one also has a row of its own, by
// user, with an id that is not the secret: when it began, when it was last used and
// from where. An admin lists a user's sessions and ends one or all of them, a user
// its own; an ended session is refused at its next request. An admin may also give
// a user a new password, which ends every session of that user.

// Session is one signed-in session as its user and the admin see it. It holds no
// secret: the id names the session, it does not open it.
type Session struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	RemoteAddr string    `json:"remote_addr"`
	// Current marks the session the request listing them came with.
	Current bool `json:"current"`
}

// seenEvery is how often a session's last use is written down: once a minute is
// precise enough for a person reading the list, and keeps a write off most requests.
const seenEvery = time.Minute

func errSessionEnded() error { return errs.E(errs.NotFound, "session not found or already ended") }

// StartSession records a session that begins now for userID, from addr, and
// returns its id. Rows of the user's sessions that ended, or began more than
// lifetime ago, are removed at the same time, so the table stays small.
func (s *Service) StartSession(ctx context.Context, userID, addr string, lifetime time.Duration) (string, error) {
	id := newID()
	now := store.Now()
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND (ended_at IS NOT NULL OR created_at < $2)`,
			userID, now.Add(-lifetime)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_sessions (id, user_id, created_at, last_seen_at, remote_addr)
			VALUES ($1, $2, $3, $3, $4)`, id, userID, now, addr)
		return err
	})
	return id, err
}

// SeeSession checks that session id of userID has not been ended, and notes its
// use from addr (at most once a minute, or when the address changed). An ended or
// unknown session answers not found: the caller signs it out.
func (s *Service) SeeSession(ctx context.Context, id, userID, addr string) error {
	var last time.Time
	var was string
	var live bool
	err := s.db.R().QueryRowContext(ctx, `SELECT last_seen_at, remote_addr, ended_at IS NULL FROM user_sessions
		WHERE id = $1 AND user_id = $2`, id, userID).Scan(&last, &was, &live)
	if err = store.Map(err); errs.Is(err, errs.NotFound) || (err == nil && !live) {
		return errSessionEnded()
	} else if err != nil {
		return err
	}
	now := store.Now()
	if now.Sub(last) < seenEvery && was == addr {
		return nil
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_sessions SET last_seen_at = $1, remote_addr = $2 WHERE id = $3 AND ended_at IS NULL`,
			now, addr, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errSessionEnded() // ended between the read and the write
		}
		return nil
	})
}

// SignOut ends session id of userID as its user signs out. Not audited: signing
// in is not either; the row only stops being listed.
func (s *Service) SignOut(ctx context.Context, id, userID string) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE user_sessions SET ended_at = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL`,
			store.Now(), id, userID)
		return err
	})
}

// Sessions lists the live sessions of userID, the last used first: not ended, used
// within idle and begun within lifetime (the web layer's timeouts).
func (s *Service) Sessions(ctx context.Context, userID string, idle, lifetime time.Duration) ([]Session, error) {
	now := store.Now()
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, created_at, last_seen_at, remote_addr FROM user_sessions
		WHERE user_id = $1 AND ended_at IS NULL AND last_seen_at > $2 AND created_at > $3
		ORDER BY last_seen_at DESC, id LIMIT 500`, userID, now.Add(-idle-seenEvery), now.Add(-lifetime))
	if err != nil {
		return nil, store.Map(err)
	}
	defer rows.Close()
	out := []Session{}
	for rows.Next() {
		var v Session
		if err := rows.Scan(&v.ID, &v.CreatedAt, &v.LastSeenAt, &v.RemoteAddr); err != nil {
			return nil, err
		}
		v.CreatedAt, v.LastSeenAt = v.CreatedAt.UTC(), v.LastSeenAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// liveUserRegion is the region of a live (not deleted) user, or not found.
func liveUserRegion(ctx context.Context, tx *store.Tx, userID string) (string, error) {
	var region string
	if err := tx.QueryRowContext(ctx, `SELECT region FROM users WHERE id = $1 AND deleted_at IS NULL`, userID).Scan(&region); err != nil {
		return "", store.NotFound(err, "user not found")
	}
	return region, nil
}

// EndSession ends one session of userID; audited. A session of another user, or
// one already ended, answers not found.
func (s *Service) EndSession(ctx context.Context, userID, sessionID string) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		region, err := liveUserRegion(ctx, tx, userID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE user_sessions SET ended_at = $1 WHERE id = $2 AND user_id = $3 AND ended_at IS NULL`,
			store.Now(), sessionID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errSessionEnded()
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.session_end", ObjectType: "user", ObjectID: userID, Region: region,
			Detail: map[string]string{"session": sessionID}})
	})
}

// EndSessions ends every session of userID, and reports how many were live;
// audited. Sessions begun before sessions were recorded by user end too
// (signed_out_at, as a deactivation does).
func (s *Service) EndSessions(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		region, err := liveUserRegion(ctx, tx, userID)
		if err != nil {
			return err
		}
		if n, err = endAllSessions(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.sessions_end", ObjectType: "user", ObjectID: userID, Region: region,
			Detail: map[string]string{"sessions": strconv.FormatInt(n, 10)}})
	})
	return int(n), err
}

// endAllSessions ends the sessions of userID, in the caller's transaction.
func endAllSessions(ctx context.Context, tx *store.Tx, userID string) (int64, error) {
	now := store.Now()
	res, err := tx.ExecContext(ctx, `UPDATE user_sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL`, now, userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET signed_out_at = $1 WHERE id = $2`, now, userID)
	return n, err
}

// SetNewPassword gives userID a new, generated password, returned to be shown
// once to the admin who asked (who passes it on by a way the two trust). Every
// session of the user ends and its open reset links stop working: whoever knew
// the old password may hold one. API tokens stay; the admin deletes the user or
// deactivates it to stop those. Audited, without the password.
func (s *Service) SetNewPassword(ctx context.Context, userID string) (string, error) {
	u, err := s.UserAny(ctx, userID)
	if err != nil {
		return "", err
	}
	password := NewPassword()
	if err := CheckPassword(password, u.Email); err != nil {
		return "", err
	}
	hash, err := s.pw.hash(ctx, password)
	if err != nil {
		return "", err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		region, err := liveUserRegion(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
			return err
		}
		n, err := endAllSessions(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`,
			store.Now(), userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "user.password_set", ObjectType: "user", ObjectID: userID, Region: region,
			Detail: map[string]string{"sessions": strconv.FormatInt(n, 10)}})
	})
	if err != nil {
		return "", err
	}
	return password, nil
}
