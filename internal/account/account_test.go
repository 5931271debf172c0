package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

var regions = region.MustLoad(data.Regions)

func newService(t *testing.T, db *store.DB) (*account.Service, context.Context) {
	t.Helper()
	svc := account.New(db, regions, account.Options{Province: "31", PasswordMemoryKiB: 1024})
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "system", Label: "test", RemoteAddr: "local"})
	return svc, ctx
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		name, pw, email string
		ok              bool
	}{
		{"a long unusual password is accepted", "kopi-tubruk-pagi-7", "a@b.id", true},
		{"seven characters are refused", "abc1234", "a@b.id", false},
		{"a common password is refused", "password123", "a@b.id", false},
		{"a common password in other case is refused", "PassWord123", "a@b.id", false},
		{"the email address is refused", "siti.rahma@b.id", "siti.rahma@b.id", false},
		{"the email's local part is refused", "siti.rahmawati", "siti.rahmawati@b.id", false},
		{"more than 128 characters are refused", strings.Repeat("x", 129), "a@b.id", false},
		{"eight multibyte characters are accepted", "ÄÖÜßéèêë", "a@b.id", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := account.CheckPassword(c.pw, c.email)
			if (err == nil) != c.ok {
				t.Fatalf("CheckPassword(%q) = %v, want ok=%v", c.pw, err, c.ok)
			}
			if err != nil && !errs.Is(err, errs.Invalid) {
				t.Fatalf("error kind %s, want invalid", errs.KindOf(err))
			}
		})
	}
}

func TestCreateUserValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, ctx := newService(t, db)
		var reg account.Registration
		reg.Name, reg.Kind, reg.ContactName, reg.ContactEmail, reg.ContactPhone = "Yayasan Uji", "ngo", "Budi", "budi@uji.id", "081211112222"
		reg.User.Email, reg.User.Password = "budi.user@uji.id", "kopi-tubruk-pagi-7"
		org, _, err := svc.Register(ctx, reg)
		if err != nil {
			t.Fatal(err)
		}
		pw := "kopi-tubruk-pagi-7"
		cases := []struct {
			name string
			in   account.NewUser
			kind errs.Kind // "" means success
		}{
			{"an office of a kota is created", account.NewUser{Email: "kota@x.id", Name: "Kantor", Role: "office", Region: "31.71", Password: pw}, ""},
			{"an office of a kelurahan given undotted is created", account.NewUser{Email: "kel@x.id", Name: "Kantor", Role: "office", Region: "3171011001", Password: pw}, ""},
			{"an office outside the province is refused", account.NewUser{Email: "bdg@x.id", Name: "Kantor", Role: "office", Region: "32.73", Password: pw}, errs.Invalid},
			{"an office of the whole province is refused", account.NewUser{Email: "prov@x.id", Name: "Kantor", Role: "office", Region: "31", Password: pw}, errs.Invalid},
			{"an office of an unknown region is refused", account.NewUser{Email: "unk@x.id", Name: "Kantor", Role: "office", Region: "31.79", Password: pw}, errs.Invalid},
			{"an office without region is refused", account.NewUser{Email: "nor@x.id", Name: "Kantor", Role: "office", Password: pw}, errs.Invalid},
			{"a collaborator of an existing org is created", account.NewUser{Email: "c@x.id", Name: "Kolab", Role: "collaborator", OrgID: org.ID, Password: pw}, ""},
			{"a collaborator of an unknown org is refused", account.NewUser{Email: "c2@x.id", Name: "Kolab", Role: "collaborator", OrgID: "nope", Password: pw}, errs.Invalid},
			{"a citizen of a kelurahan is created (the role widened by migration 00025)", account.NewUser{Email: "warga@x.id", Name: "Siti", Role: "citizen", Region: "31.71.01.1001", Password: pw}, ""},
			{"a citizen outside the province is refused", account.NewUser{Email: "warga2@x.id", Name: "Siti", Role: "citizen", Region: "32.73", Password: pw}, errs.Invalid},
			{"a citizen with an organisation is refused", account.NewUser{Email: "warga3@x.id", Name: "Siti", Role: "citizen", Region: "31.71", OrgID: org.ID, Password: pw}, errs.Invalid},
			{"an unknown role is refused", account.NewUser{Email: "r@x.id", Name: "R", Role: "root", Password: pw}, errs.Invalid},
			{"a bad email is refused", account.NewUser{Email: "not-an-email", Name: "R", Role: "admin", Password: pw}, errs.Invalid},
			{"the same email in other case is a conflict", account.NewUser{Email: "KOTA@X.ID", Name: "Kantor", Role: "office", Region: "31.72", Password: pw}, errs.Conflict},
			{"a control character in the name is refused", account.NewUser{Email: "ctl@x.id", Name: "A\x00B", Role: "admin", Password: pw}, errs.Invalid},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				u, err := svc.CreateUser(ctx, c.in)
				if c.kind == "" {
					if err != nil {
						t.Fatalf("CreateUser: %v", err)
					}
					got, err := svc.User(ctx, u.ID)
					if err != nil || got.Email != strings.ToLower(c.in.Email) {
						t.Fatalf("stored user %+v, %v", got, err)
					}
					return
				}
				if !errs.Is(err, c.kind) {
					t.Fatalf("CreateUser: %v, want kind %s", err, c.kind)
				}
				if _, err := svc.UserByEmail(ctx, c.in.Email); c.kind != errs.Conflict && err == nil {
					t.Fatal("a refused user was stored")
				}
			})
		}
	})
}

func TestAuthenticateAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, ctx := newService(t, db)
		pw := "kopi-tubruk-pagi-7"
		u, err := svc.CreateUser(ctx, account.NewUser{Email: "Siti@Kota.id", Name: "Siti", Role: "office", Region: "31.74", Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Authenticate(ctx, " siti@kota.ID ", pw); err != nil || got.ID != u.ID {
			t.Fatalf("right password: %+v, %v", got, err)
		}
		for _, c := range []struct{ name, email, pw string }{
			{"wrong password", "siti@kota.id", pw + "x"},
			{"unknown email", "nobody@kota.id", pw},
			{"empty password", "siti@kota.id", ""},
		} {
			if _, err := svc.Authenticate(ctx, c.email, c.pw); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("%s: %v, want unauthorized", c.name, err)
			}
		}
		secret, _, err := svc.CreateToken(ctx, u.ID, "script")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := svc.UserByToken(ctx, secret); err != nil || got.ID != u.ID {
			t.Fatalf("token: %+v, %v", got, err)
		}
		var stored int
		if err := db.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, secret).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("the token secret is stored in clear (%d rows, %v)", stored, err)
		}
		if _, err := svc.UserByToken(ctx, "gtg_forged"); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("forged token: %v, want unauthorized", err)
		}
		if err := svc.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UserByToken(ctx, secret); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("token of a deleted user: %v, want unauthorized", err)
		}
		if _, err := svc.Authenticate(ctx, "siti@kota.id", pw); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("deleted user signs in: %v", err)
		}
		if _, err := svc.User(ctx, u.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted user is found: %v", err)
		}
		if err := svc.DeleteUser(ctx, u.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleting twice: %v, want not_found", err)
		}
		// The email is free again for a new account.
		if _, err := svc.CreateUser(ctx, account.NewUser{Email: "siti@kota.id", Name: "Siti", Role: "office", Region: "31.74", Password: pw}); err != nil {
			t.Fatalf("re-using a deleted account's email: %v", err)
		}
	})
}

func TestRegistrationAndDecisionAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, ctx := newService(t, db)
		var reg account.Registration
		reg.Name, reg.Kind, reg.ContactName, reg.ContactEmail, reg.ContactPhone = "PT Berbagi", "company", "Andi", "andi@berbagi.id", "+62 811 2222 3333"
		reg.User.Email, reg.User.Password = "andi@berbagi.id", "kopi-tubruk-pagi-7"
		org, user, err := svc.Register(ctx, reg)
		if err != nil {
			t.Fatal(err)
		}
		if org.Status != account.OrgPending || org.ContactPhone != "+6281122223333" || user.OrgID != org.ID || user.Role != account.Collaborator {
			t.Fatalf("registered %+v / %+v", org, user)
		}
		if _, err := svc.DecideOrg(ctx, org.ID, account.OrgRejected, "  "); !errs.Is(err, errs.Invalid) {
			t.Fatalf("rejection without reason: %v", err)
		}
		if _, err := svc.DecideOrg(ctx, org.ID, "maybe", ""); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown decision: %v", err)
		}
		if _, err := svc.DecideOrg(ctx, "missing", account.OrgVerified, ""); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown org: %v", err)
		}
		o, err := svc.DecideOrg(ctx, org.ID, account.OrgRejected, "dokumen tidak lengkap")
		if err != nil || o.Status != account.OrgRejected || o.Reason != "dokumen tidak lengkap" || o.DecidedAt == nil {
			t.Fatalf("reject: %+v, %v", o, err)
		}
		if o, err = svc.DecideOrg(ctx, org.ID, account.OrgVerified, ""); err != nil || o.Status != account.OrgVerified {
			t.Fatalf("verify: %+v, %v", o, err)
		}
		entries, _, err := audit.List(ctx, db.R(), audit.Filter{ObjectID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		want := "organization.verify organization.reject organization.register"
		if got := strings.Join(actions, " "); got != want {
			t.Fatalf("audit of the organisation: %q, want %q", got, want)
		}
		if p, _, err := audit.Verify(ctx, db.R(), db.AuditKey); p != nil || err != nil {
			t.Fatalf("chain: %v %v", p, err)
		}
		// A registration that fails leaves nothing behind.
		reg.Name = "PT Kedua"
		if _, _, err := svc.Register(ctx, reg); !errs.Is(err, errs.Conflict) {
			t.Fatalf("second registration with the same user email: %v, want conflict", err)
		}
		orgs, _, err := svc.ListOrgs(ctx, account.OrgFilter{})
		if err != nil || len(orgs) != 1 {
			t.Fatalf("%d organisations after a failed registration, want 1 (%v)", len(orgs), err)
		}
	})
}

func TestListUsersPaginates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, ctx := newService(t, db)
		const n = 7
		want := map[string]bool{}
		for i := range n {
			u, err := svc.CreateUser(ctx, account.NewUser{Email: "u" + string(rune('a'+i)) + "@x.id", Name: "User", Role: "admin", Password: "kopi-tubruk-pagi-7"})
			if err != nil {
				t.Fatal(err)
			}
			want[u.ID] = true
		}
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatal("pagination does not end")
			}
			users, next, err := svc.ListUsers(ctx, account.UserFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				if seen[u.ID] {
					t.Fatalf("user %s listed twice", u.ID)
				}
				seen[u.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != n {
			t.Fatalf("listed %d users, want %d", len(seen), n)
		}
		if _, _, err := svc.ListUsers(ctx, account.UserFilter{Cursor: "%%%"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}
