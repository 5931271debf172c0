package account

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// OrgTx returns an organisation by id, read through q: a capability writing a
// transaction that needs the organisation's name or contact (the documents of
// delivery, the message of a completed commitment) reads it in that transaction.
func (s *Service) OrgTx(ctx context.Context, q store.Querier, id string) (Org, error) {
	o, err := scanOrg(store.One(ctx, q, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id))
	return o, store.NotFound(err, "organisation not found")
}
