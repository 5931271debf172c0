package account

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// UserLabel returns how audit entries name a user: the email, also of a deleted
// user (work started before the deletion, such as an import, still runs on their
// behalf). An unknown id is errs.NotFound. Other capabilities that need it (the
// registry's import worker) are handed this method rather than reading users.
func (s *Service) UserLabel(ctx context.Context, id string) (string, error) {
	var email string
	err := s.db.R().QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, id).Scan(&email)
	return email, store.NotFound(err, "user not found")
}
