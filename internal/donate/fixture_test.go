package donate

import (
	"context"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

var regionSet = region.MustLoad(data.Regions)

// testAdmin is the admin principal of a fixture.
var testAdmin = Who{UserID: "test-admin", Role: account.Admin}

// fixture is a migrated database with the donations service and an admin actor.
type fixture struct {
	t   testing.TB
	db  *store.DB
	ctx context.Context
	s   *Service
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db}
	f.ctx = audit.WithActor(context.Background(), audit.Actor{ID: "test-admin", Label: "test", RemoteAddr: "local"})
	f.s = New(db, regionSet, account.New(db, regionSet, account.Options{Province: "31"}),
		Options{Province: "31", Key: []byte("0123456789abcdef0123456789abcdef")})
	f.exec(`INSERT INTO users (id, email, name, role, region, password_hash, created_at) VALUES ('test-admin', 'admin@test', 'Admin', 'admin', '', 'x', $1)`,
		time.Now())
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.db.Write(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// warehouse creates a warehouse in code, distributed by org ("" none).
func (f *fixture) warehouse(code, org string) Warehouse {
	f.t.Helper()
	w, err := f.s.CreateWarehouse(f.ctx, testAdmin, NewWarehouse{Name: "Gudang " + code, Region: code, OrgID: org})
	if err != nil {
		f.t.Fatalf("create warehouse: %v", err)
	}
	return w
}

// postTx posts moves in their own transaction.
func (f *fixture) postTx(moves ...Move) error {
	return f.db.Write(f.ctx, func(ctx context.Context, tx *store.Tx) error { return f.s.post(ctx, tx, moves...) })
}

// stockOf reads the running sums of an item.
func (f *fixture) stockOf(wh, item string) (onHand, reserved, issued int) {
	f.t.Helper()
	err := store.One(f.ctx, f.db.R(), `SELECT on_hand, reserved, issued FROM stock WHERE warehouse_id = $1 AND item_id = $2`, wh, item).
		Scan(&onHand, &reserved, &issued)
	if err != nil {
		f.t.Fatalf("stock of %s: %v", item, err)
	}
	return
}
