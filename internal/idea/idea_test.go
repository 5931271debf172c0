package idea_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/idea"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

var regionSet = region.MustLoad(data.Regions)

type fixture struct {
	t        *testing.T
	db       *store.DB
	ctx      context.Context
	s        *idea.Service
	accts    *account.Service
	programs *program.Service
	admin    idea.Who
	seq      int
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db}
	f.ctx = audit.WithActor(context.Background(), audit.Actor{ID: "test", Label: "test", RemoteAddr: "local"})
	f.accts = account.New(db, regionSet, account.Options{Province: "31", PasswordMemoryKiB: 64})
	f.programs = program.New(db, regionSet, "31", allocate.NewNeeds(db))
	f.s = idea.New(db, regionSet, "31", f.accts, f.programs)
	f.admin = f.user(account.Admin, "", "Admin Kota")
	return f
}

// user creates a user of role and returns it as the policy sees it.
func (f *fixture) user(r account.Role, code, name string) idea.Who {
	f.t.Helper()
	f.seq++
	u, err := f.accts.CreateUser(f.ctx, account.NewUser{Email: fmt.Sprintf("u%d@ide.example", f.seq), Name: name, Role: string(r),
		Region: code, Password: "kata-sandi-panjang-sekali"})
	if err != nil {
		f.t.Fatal(err)
	}
	return u.Principal()
}

// org registers an organisation, verified or not, and returns its member.
func (f *fixture) org(name string, verified bool) idea.Who {
	f.t.Helper()
	f.seq++
	var in account.Registration
	in.Name, in.Kind, in.ContactName = name, "ngo", "Kontak "+name
	in.ContactEmail = fmt.Sprintf("kontak%d@org.example", f.seq)
	in.ContactPhone = "0812-3456-78" + fmt.Sprintf("%02d", f.seq%100)
	in.User.Email, in.User.Name, in.User.Password = fmt.Sprintf("anggota%d@org.example", f.seq), "Anggota "+name, "kata-sandi-panjang-sekali"
	o, u, err := f.accts.Register(f.ctx, in)
	if err != nil {
		f.t.Fatal(err)
	}
	if verified {
		if _, err := f.accts.DecideOrg(f.ctx, o.ID, account.OrgVerified, ""); err != nil {
			f.t.Fatal(err)
		}
	}
	u.OrgStatus = account.OrgPending
	if verified {
		u.OrgStatus = account.OrgVerified
	}
	return u.Principal()
}

func (f *fixture) propose(who idea.Who, title, code string) idea.Idea {
	f.t.Helper()
	i, err := f.s.Propose(f.ctx, who, idea.NewIdea{Title: title, Body: "Dapur umum untuk warga yang isolasi mandiri di RW kami.",
		Category: "food", Region: code, Needs: "Relawan masak dan beras"})
	if err != nil {
		f.t.Fatal(err)
	}
	return i
}

func wantKind(t *testing.T, err error, k errs.Kind, what string) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("%s: got %v, want %s", what, err, k)
	}
}

func TestSupportIsOncePerUserEvenAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		author := f.user(account.Citizen, "31.71.01.1001", "Warga Pengusul")
		i := f.propose(author, "Dapur umum RW 05", "31.71.01.1001")
		got, err := f.s.Support(f.ctx, author, i.ID)
		if err != nil || got.Supports != 1 || !got.Supported {
			t.Fatalf("first support: %+v %v", got, err)
		}
		_, err = f.s.Support(f.ctx, author, i.ID)
		wantKind(t, err, errs.Conflict, "support twice")

		// Ten users each click twice at once: each counts once.
		var users []idea.Who
		for k := range 10 {
			users = append(users, f.user(account.Citizen, "31.71.01.1001", fmt.Sprintf("Warga %d", k)))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for _, u := range users {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := f.s.Support(f.ctx, u, i.ID)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errs.Is(err, errs.Conflict):
						conflicts++
					default:
						t.Errorf("support: %v", err)
					}
				}()
			}
		}
		wg.Wait()
		if wins != 10 || conflicts != 10 {
			t.Fatalf("%d supports and %d conflicts, want 10 and 10", wins, conflicts)
		}
		var kept, rows int
		if err := store.One(f.ctx, db.R(), `SELECT supports, (SELECT COUNT(*) FROM idea_supports WHERE idea_id = $1) FROM ideas WHERE id = $1`,
			i.ID).Scan(&kept, &rows); err != nil {
			t.Fatal(err)
		}
		if kept != 11 || rows != 11 {
			t.Fatalf("count kept %d, rows %d; want 11", kept, rows)
		}
		anon, err := f.s.Get(f.ctx, idea.Who{}, i.ID)
		if err != nil || anon.Supports != 11 || anon.Supported {
			t.Fatalf("anonymous reads %+v %v", anon, err)
		}
		_, err = f.s.Support(f.ctx, idea.Who{}, i.ID)
		wantKind(t, err, errs.NotFound, "anonymous support")
	})
}

func TestOnlyTheAdminGovernsIdeas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		citizen := f.user(account.Citizen, "31.71.01.1001", "Warga")
		i := f.propose(citizen, "Taman baca anak", "31.71.01")
		for name, who := range map[string]idea.Who{"citizen": citizen, "office": f.user(account.Office, "31.71", "Petugas"),
			"verified collaborator": f.org("Yayasan Satu", true), "anonymous": {}} {
			_, err := f.s.SetStatus(f.ctx, who, i.ID, idea.Reviewed, "")
			wantKind(t, err, errs.NotFound, name+" reviews")
			_, err = f.s.Hide(f.ctx, who, i.ID, "")
			wantKind(t, err, errs.NotFound, name+" hides")
		}
		m, err := f.s.SetStatus(f.ctx, f.admin, i.ID, idea.Reviewed, "layak dikaji")
		if err != nil || m.Status != idea.Reviewed {
			t.Fatalf("admin reviews: %+v %v", m, err)
		}
	})
}

func TestOnlyVerifiedCollaboratorsOffer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		citizen := f.user(account.Citizen, "31.71.01.1001", "Warga")
		i := f.propose(citizen, "Taman baca anak", "31.71.01")
		for name, who := range map[string]idea.Who{"citizen": citizen, "office": f.user(account.Office, "31.71", "Petugas"),
			"pending collaborator": f.org("Komunitas Menunggu", false), "admin": f.admin, "anonymous": {}} {
			_, err := f.s.MakeOffer(f.ctx, who, i.ID, "buku 100 eksemplar")
			wantKind(t, err, errs.NotFound, name+" offers")
		}
		v := f.org("Yayasan Buku", true)
		if _, err := f.s.MakeOffer(f.ctx, v, i.ID, "buku 100 eksemplar"); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.MakeOffer(f.ctx, v, i.ID, "lagi")
		wantKind(t, err, errs.Conflict, "a second offer of one organisation")
	})
}

func TestIllegalMovesAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		citizen := f.user(account.Citizen, "31.71.01.1001", "Warga")
		i := f.propose(citizen, "Bank sampah kelurahan", "31.71.01.1001")
		move := func(to, reason string) error {
			_, err := f.s.SetStatus(f.ctx, f.admin, i.ID, to, reason)
			return err
		}
		wantKind(t, move(idea.Adopted, ""), errs.Conflict, "proposed → adopted")
		wantKind(t, move(idea.Done, ""), errs.Conflict, "proposed → done")
		wantKind(t, move(idea.Proposed, ""), errs.Invalid, "back to proposed")
		wantKind(t, move("archived", ""), errs.Invalid, "an unknown status")
		wantKind(t, move(idea.Declined, ""), errs.Invalid, "a decline without a reason")
		if err := move(idea.Reviewed, ""); err != nil {
			t.Fatal(err)
		}
		wantKind(t, move(idea.Reviewed, ""), errs.Conflict, "reviewed → reviewed")
		wantKind(t, move(idea.Done, ""), errs.Conflict, "reviewed → done")
		if err := move(idea.Declined, "sudah ada program serupa"); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{idea.Reviewed, idea.Adopted, idea.Done, idea.Declined} {
			wantKind(t, move(to, "alasan"), errs.Conflict, "declined → "+to)
		}
		got, _ := f.s.Get(f.ctx, idea.Who{}, i.ID)
		if got.Status != idea.Declined || got.Reason != "sudah ada program serupa" {
			t.Fatalf("after the decline: %s %q", got.Status, got.Reason)
		}
	})
}

func TestAdoptionMakesADraftProgramNamingTheOfferingOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		citizen := f.user(account.Citizen, "31.71.01.1001", "Warga")
		i := f.propose(citizen, "Lumbung pangan RW 03", "31.71.01.1001")
		for _, name := range []string{"Yayasan Lumbung Alfa", "PT Beras Beta"} {
			if _, err := f.s.MakeOffer(f.ctx, f.org(name, true), i.ID, "beras 200 kg"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.SetStatus(f.ctx, f.admin, i.ID, idea.Reviewed, ""); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.SetStatus(f.ctx, f.admin, i.ID, idea.Adopted, "diadopsi")
		if err != nil || m.ProgramID == "" || m.Status != idea.Adopted {
			t.Fatalf("adopt: %+v %v", m, err)
		}
		p, err := f.programs.Get(f.ctx, m.ProgramID, true)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != program.Draft || p.Name != i.Title || p.Regions[0] != "31.71.01.1001" {
			t.Fatalf("program %+v", p)
		}
		for _, name := range []string{"Yayasan Lumbung Alfa", "PT Beras Beta"} {
			if !strings.Contains(p.Description, name) {
				t.Errorf("the draft's description does not name %s: %q", name, p.Description)
			}
		}
		if _, err := f.s.SetStatus(f.ctx, f.admin, i.ID, idea.Done, ""); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.MakeOffer(f.ctx, f.org("Telat", true), i.ID, "beras")
		wantKind(t, err, errs.Conflict, "an offer to a done idea")
	})
}

func TestHiddenIdeasLeaveEveryListAndAreNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		citizen := f.user(account.Citizen, "31.71.01.1001", "Warga")
		office := f.user(account.Office, "31.71", "Petugas")
		keep := f.propose(citizen, "Ide yang tetap", "31.71.01.1001")
		gone := f.propose(citizen, "Ide yang disembunyikan", "31.71.01.1001")
		if err := f.s.ReportIdea(f.ctx, office, gone.ID, "iklan terselubung"); err != nil {
			t.Fatal(err)
		}
		err := f.s.ReportIdea(f.ctx, office, gone.ID, "iklan lagi")
		wantKind(t, err, errs.Conflict, "reporting twice")
		if _, err := f.s.Hide(f.ctx, f.admin, gone.ID, "iklan"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Hide(f.ctx, f.admin, gone.ID, "")
		wantKind(t, err, errs.Conflict, "hiding twice")
		for name, who := range map[string]idea.Who{"anonymous": {}, "citizen": citizen, "office": office, "admin": f.admin} {
			for _, flt := range []idea.Filter{{}, {Sort: "support"}, {Region: "31.71"}, {Status: idea.Proposed}} {
				items, _, err := f.s.List(f.ctx, who, flt)
				if err != nil {
					t.Fatal(err)
				}
				ids := idsOf(items)
				if !strings.Contains(ids, keep.ID) || strings.Contains(ids, gone.ID) {
					t.Errorf("%s lists %s with %+v", name, ids, flt)
				}
			}
			_, err := f.s.Get(f.ctx, who, gone.ID)
			if who.Role == account.Admin {
				if err != nil {
					t.Errorf("the admin cannot read the hidden idea: %v", err)
				}
				continue
			}
			wantKind(t, err, errs.NotFound, name+" reads the hidden idea")
			if who.UserID != "" {
				_, err = f.s.Support(f.ctx, who, gone.ID)
				wantKind(t, err, errs.NotFound, name+" supports the hidden idea")
				_, err = f.s.Comment(f.ctx, who, gone.ID, "halo")
				wantKind(t, err, errs.NotFound, name+" comments on the hidden idea")
			}
		}
	})
}

func TestReportsAreTheAdminsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		citizen := f.user(account.Citizen, "31.71.01.1001", "Warga Pelapor")
		i := f.propose(citizen, "Ide yang dilaporkan", "31.71.01.1001")
		if err := f.s.ReportIdea(f.ctx, citizen, i.ID, "mengandung data pribadi tetangga"); err != nil {
			t.Fatal(err)
		}
		for name, who := range map[string]idea.Who{"anonymous": {}, "citizen": citizen, "office": f.user(account.Office, "31.71", "Petugas")} {
			got, err := f.s.Get(f.ctx, who, i.ID)
			if err != nil || got.Reports != nil || got.ReportCount != 0 {
				t.Errorf("%s sees reports: %+v %v", name, got.Reports, err)
			}
			_, _, err = f.s.List(f.ctx, who, idea.Filter{Reported: true})
			wantKind(t, err, errs.NotFound, name+" lists reported ideas")
		}
		got, err := f.s.Get(f.ctx, f.admin, i.ID)
		if err != nil || len(got.Reports) != 1 || got.Reports[0].Reason != "mengandung data pribadi tetangga" || got.Reports[0].By != "Warga Pelapor" {
			t.Fatalf("the admin reads %+v %v", got.Reports, err)
		}
		items, _, err := f.s.List(f.ctx, f.admin, idea.Filter{Reported: true})
		if err != nil || len(items) != 1 || items[0].ReportCount != 1 {
			t.Fatalf("reported list %+v %v", items, err)
		}
	})
}

func TestListsFilterSortAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.user(account.Citizen, "31.71.01.1001", "Warga")
		a := f.propose(c, "Ide di kelurahan Pusat", "31.71.01.1001")
		b := f.propose(c, "Ide di kota Pusat", "31.71")
		y := f.propose(c, "Ide di Selatan", "31.74.01")
		for k := range 2 {
			if _, err := f.s.Support(f.ctx, f.user(account.Citizen, "31.71.01.1001", fmt.Sprint("W", k)), b.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.Support(f.ctx, c, y.ID); err != nil {
			t.Fatal(err)
		}
		items, _, err := f.s.List(f.ctx, idea.Who{}, idea.Filter{Region: "31.71"})
		if err != nil || idsOf(items) != b.ID+","+a.ID {
			t.Fatalf("31.71, newest first: %s %v", idsOf(items), err)
		}
		var all []string
		cursor := ""
		for range 4 {
			items, next, err := f.s.List(f.ctx, idea.Who{}, idea.Filter{Sort: "support", Limit: 1, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, idsOf(items))
			if cursor = next; cursor == "" {
				break
			}
		}
		if got, want := strings.Join(all, ","), b.ID+","+y.ID+","+a.ID; got != want {
			t.Fatalf("by support, one a page: %s, want %s", got, want)
		}
		_, _, err = f.s.List(f.ctx, idea.Who{}, idea.Filter{Sort: "recent", Cursor: cursor + "x"})
		wantKind(t, err, errs.Invalid, "a forged cursor")
		_, _, err = f.s.List(f.ctx, idea.Who{}, idea.Filter{Sort: "best"})
		wantKind(t, err, errs.Invalid, "an unknown sort")
		_, _, err = f.s.List(f.ctx, idea.Who{}, idea.Filter{Status: "gone"})
		wantKind(t, err, errs.Invalid, "an unknown status")
	})
}

func TestTextsAreBoundedAndClean(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.user(account.Citizen, "31.71.01.1001", "Sari sari@rahasia.example")
		ok := idea.NewIdea{Title: "Judul yang cukup", Body: "Isi ide yang cukup panjang.", Category: "health", Region: "31.71"}
		for name, in := range map[string]idea.NewIdea{
			"a title of 141 characters": {Title: strings.Repeat("a", 141), Body: ok.Body, Category: ok.Category, Region: ok.Region},
			"a body of 5001 characters": {Title: ok.Title, Body: strings.Repeat("b", 5001), Category: ok.Category, Region: ok.Region},
			"a right-to-left override":  {Title: "Judul \u202e terbalik", Body: ok.Body, Category: ok.Category, Region: ok.Region},
			"an unknown category":       {Title: ok.Title, Body: ok.Body, Category: "sport", Region: ok.Region},
			"a region outside":          {Title: ok.Title, Body: ok.Body, Category: ok.Category, Region: "32.01"},
			"the province":              {Title: ok.Title, Body: ok.Body, Category: ok.Category, Region: "31"},
		} {
			_, err := f.s.Propose(f.ctx, c, in)
			wantKind(t, err, errs.Invalid, name)
		}
		i, err := f.s.Propose(f.ctx, c, ok)
		if err != nil {
			t.Fatal(err)
		}
		if i.Author != "Sari sari" {
			t.Errorf("author shown as %q: an e-mail address is never shown", i.Author)
		}
		_, err = f.s.Comment(f.ctx, c, i.ID, strings.Repeat("k", 2001))
		wantKind(t, err, errs.Invalid, "a comment of 2001 characters")
		if _, err := f.s.Comment(f.ctx, c, i.ID, "Setuju!\nSaya ikut."); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := store.One(f.ctx, db.R(), `SELECT COUNT(*) FROM audit_log WHERE object_id = $1`, i.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d audit entries for a proposal and a comment, want 2", n)
		}
	})
}

func idsOf(items []idea.Idea) string {
	var ids []string
	for _, i := range items {
		ids = append(ids, i.ID)
	}
	return strings.Join(ids, ",")
}
