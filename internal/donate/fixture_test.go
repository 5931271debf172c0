package donate

import (
	"context"
	"fmt"
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
	t     testing.TB
	db    *store.DB
	ctx   context.Context
	s     *Service
	accts *account.Service
	seq   int
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db}
	f.ctx = audit.WithActor(context.Background(), audit.Actor{ID: "test-admin", Label: "test", RemoteAddr: "local"})
	f.accts = account.New(db, regionSet, account.Options{Province: "31", PasswordMemoryKiB: 64})
	f.s = New(db, regionSet, f.accts,
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

// org registers an organisation, verified or not, and returns its member.
func (f *fixture) org(name string, verified bool) Who {
	f.t.Helper()
	f.seq++
	var in account.Registration
	in.Name, in.Kind, in.ContactName = name, "company", "Kontak "+name
	in.ContactEmail = fmt.Sprintf("kontak%d@org.example", f.seq)
	in.ContactPhone = "0812-3456-78" + fmt.Sprintf("%02d", f.seq%100)
	in.User.Email, in.User.Name, in.User.Password = fmt.Sprintf("anggota%d@org.example", f.seq), "Anggota "+name, "kata-sandi-panjang-sekali"
	o, u, err := f.accts.Register(f.ctx, in)
	if err != nil {
		f.t.Fatalf("register %s: %v", name, err)
	}
	if verified {
		if _, err := f.accts.DecideOrg(f.ctx, o.ID, account.OrgVerified, ""); err != nil {
			f.t.Fatal(err)
		}
	}
	return Who{UserID: u.ID, Role: account.Collaborator, OrgID: o.ID, OrgVerified: verified}
}

// office creates an office user of code.
func (f *fixture) office(code string) Who {
	f.t.Helper()
	f.seq++
	u, err := f.accts.CreateUser(f.ctx, account.NewUser{Email: fmt.Sprintf("kantor%d@pemda.example", f.seq), Name: "Petugas " + code,
		Role: "office", Region: code, Password: "kata-sandi-panjang-sekali"})
	if err != nil {
		f.t.Fatal(err)
	}
	return Who{UserID: u.ID, Role: account.Office, Region: code}
}
