package help_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

const (
	village = "31.71.01.1001" // Gambir, kota Jakarta Pusat
	budiNIK = "3171010203700001"
)

// world is a server whose registry holds Budi Santoso's household in Gambir and
// whose published program reaches households and persons of Gambir.
type world struct {
	s       *apptest.Server
	program program.Program
}

func newWorld(t *testing.T, s *apptest.Server) world {
	t.Helper()
	ctx := s.Ctx()
	admin, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	csv := "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP,Alamat Domisili,Telepon,Tag\n" +
		"3171010101200001," + budiNIK + ",Budi Santoso,1970-03-02,L,Kepala Keluarga," + village + ",5,3,Jl. Kebon Sirih 12,,,\n" +
		"3171010101200001,3171014507740002,Siti Aminah,1974-07-05,P,Istri," + village + ",5,3,Jl. Kebon Sirih 12,,,\n"
	im, err := s.App.Registry.CreateImport(ctx, registry.Importer{UserID: admin.ID, Email: admin.Email, Scope: "31"}, registry.Household, "warga.csv", strings.NewReader(csv), 0)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if im, err = s.App.Registry.Wait(wctx, im.ID); err != nil || im.Accepted != 2 {
		t.Fatalf("import: %+v %v", im, err)
	}
	today := time.Now().In(time.FixedZone("WIB", 7*3600)).Format(time.DateOnly)
	p, err := s.App.Programs.Create(ctx, program.Input{Name: "Sembako Warga", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"household", "person"}, Regions: []string{"31.71.01"}, QuantityRule: program.PerPerson,
		Phases: []program.PhaseInput{{Name: "Minggu 1", Start: today, End: time.Now().AddDate(0, 0, 7).Format(time.DateOnly)}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _, err = s.App.Programs.Publish(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	return world{s: s, program: p}
}

func (w world) targets(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.s.App.DB.R().QueryRowContext(w.s.Ctx(), `SELECT COUNT(*) FROM targets WHERE merged_into IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (w world) submit(t *testing.T, in help.NewRequest) (help.Receipt, string) {
	t.Helper()
	rec, err := w.s.App.Help.Submit(w.s.Ctx(), in)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	list, err := w.s.App.Help.List(w.s.Ctx(), "31", help.Filter{Status: help.Submitted})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Reference == rec.Reference {
			return rec, r.ID
		}
	}
	t.Fatalf("request %s is not listed", rec.Reference)
	return rec, ""
}

func request(name, nikNumber, phone string) help.NewRequest {
	return help.NewRequest{Name: name, NIK: nikNumber, Phone: phone, Region: village, RW: "5", RT: "3",
		Address: "Jl. Kebon Sirih 12", Need: "Makanan selama isolasi mandiri", NeedKind: "food", Urgency: "high"}
}

func TestAcceptingFindsTheRegisteredPersonAndCreatesANewOneOnce(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newWorld(t, apptest.Start(t, eng))
			h, ctx := w.s.App.Help, w.s.Ctx()
			before := w.targets(t)

			var budi string // Budi's household
			t.Run("a request with the NIK of a household member finds the household", func(t *testing.T) {
				_, id := w.submit(t, request("Budi Santoso", budiNIK, "0812-1111-0001"))
				d, err := h.Accept(ctx, "31.71", id, w.program.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !d.MatchedExisting || len(d.NeedIDs) != 1 || w.targets(t) != before {
					t.Fatalf("got %+v and %d targets, want the existing household and %d targets", d, w.targets(t), before)
				}
				budi = d.TargetID
				// Without a NIK, the same name in the same kelurahan is the same person.
				_, id2 := w.submit(t, request("Budi  santoso", "", "0812-1111-0002"))
				d2, err := h.Accept(ctx, "31.71", id2, w.program.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !d2.MatchedExisting || d2.TargetID != d.TargetID || w.targets(t) != before {
					t.Fatalf("got %+v, want target %s again and no new target", d2, d.TargetID)
				}
			})

			t.Run("a request for a new person creates exactly one target with its need", func(t *testing.T) {
				_, id := w.submit(t, request("Wati Lestari", "", "0812-1111-0003"))
				d, err := h.Accept(ctx, "31.71", id, w.program.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d.MatchedExisting || len(d.NeedIDs) != 1 || w.targets(t) != before+1 {
					t.Fatalf("got %+v and %d targets, want a new target (%d)", d, w.targets(t), before+1)
				}
				_, err = h.Accept(ctx, "31.71", id, w.program.ID)
				if !errs.Is(err, errs.Conflict) {
					t.Fatalf("accepting twice: %v, want a conflict", err)
				}
				r, err := h.Get(ctx, "31", id, false)
				if err != nil || r.Status != help.Accepted || len(r.NeedIDs) != 1 || w.targets(t) != before+1 {
					t.Fatalf("after a second accept: %+v %v, %d targets", r, err, w.targets(t))
				}
			})

			t.Run("a close but not same name is a new person queued as a possible duplicate", func(t *testing.T) {
				n := w.targets(t)
				_, id := w.submit(t, request("Budi Santoso Wijaya", "", "0812-1111-0006"))
				d, err := h.Accept(ctx, "31.71", id, w.program.ID)
				if err != nil {
					t.Fatal(err)
				}
				var pairs int
				if err := w.s.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM duplicates WHERE status = 'open' AND
					((target_a = $1 AND target_b = $2) OR (target_a = $2 AND target_b = $1))`, budi, d.TargetID).Scan(&pairs); err != nil {
					t.Fatal(err)
				}
				if d.MatchedExisting || w.targets(t) != n+1 || pairs != 1 {
					t.Fatalf("got %+v, %d new targets and %d open pairs with Budi's household; want a new person and one pair", d, w.targets(t)-n, pairs)
				}
			})

			t.Run("another kota's office does not find the request", func(t *testing.T) {
				_, id := w.submit(t, request("Joko Susilo", "", "0812-1111-0004"))
				if _, err := h.Accept(ctx, "31.74", id, w.program.ID); !errs.Is(err, errs.NotFound) {
					t.Fatalf("office of 31.74 accepting: %v, want not found", err)
				}
				if _, err := h.Get(ctx, "31.74", id, false); !errs.Is(err, errs.NotFound) {
					t.Fatalf("office of 31.74 reading: %v, want not found", err)
				}
			})

			t.Run("a status lookup needs the reference and the last four digits", func(t *testing.T) {
				rec, _ := w.submit(t, request("Rina Wulandari", "", "0812-1111-0005"))
				st, err := h.Lookup(ctx, strings.ToLower(rec.Reference), "0005")
				if err != nil || st.Status != help.Submitted {
					t.Fatalf("lookup: %+v %v", st, err)
				}
				_, wrongFour := h.Lookup(ctx, rec.Reference, "0006")
				_, wrongRef := h.Lookup(ctx, "BW-ZZZZZZZZ", "0005")
				if !errs.Is(wrongFour, errs.NotFound) || wrongFour.Error() != wrongRef.Error() {
					t.Fatalf("wrong last four: %v; wrong reference: %v; want the same not found", wrongFour, wrongRef)
				}
			})
		})
	}
}

func TestTwoOfficesAcceptingAtOnceMakeOneDecision(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newWorld(t, apptest.Start(t, eng))
			before := w.targets(t)
			_, id := w.submit(t, request("Yanti Serentak", "", "0812-1111-0101"))
			const n = 6
			results := make(chan error, n)
			for range n {
				go func() {
					_, err := w.s.App.Help.Accept(w.s.Ctx(), "31.71", id, w.program.ID)
					results <- err
				}()
			}
			won := 0
			for range n {
				switch err := <-results; {
				case err == nil:
					won++
				case !errs.Is(err, errs.Conflict):
					t.Errorf("a concurrent accept failed otherwise: %v", err)
				}
			}
			r, err := w.s.App.Help.Get(w.s.Ctx(), "31", id, false)
			if won != 1 || err != nil || len(r.NeedIDs) != 1 || w.targets(t) != before+1 {
				t.Fatalf("%d accepts won, %d needs, %d new targets; want 1, 1, 1 (%v)", won, len(r.NeedIDs), w.targets(t)-before, err)
			}
		})
	}
}

func TestTheRequesterAndThePersonAreToldAtEachStep(t *testing.T) {
	w := newWorld(t, apptest.Start(t, storetest.Engines(t)[0]))
	in := request("Pak Darmo", "", "0812-1111-0201")
	in.OnBehalf, in.Requester = true, &help.Requester{Name: "Bu RT", Phone: "0812-1111-0202"}
	rec, id := w.submit(t, in)
	if _, err := w.s.App.Help.Accept(w.s.Ctx(), "31.71", id, w.program.ID); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	rows, err := w.s.App.DB.R().QueryContext(w.s.Ctx(), `SELECT kind FROM outbox WHERE ref LIKE $1`, id+":%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds[k]++
	}
	if kinds["help_submitted"] != 2 || kinds["help_accepted"] != 2 {
		t.Fatalf("messages of request %s: %v; want the submit and the accept told to both phones", rec.Reference, kinds)
	}
}

// TestPurgingTheProgramForgetsItsHelpRequests accepts a request into a program,
// closes the program and purges it (gotong purge): the request no longer holds
// the person's name, NIK or phone, its reference no longer answers, and the
// office still counts it as accepted, on both engines.
func TestPurgingTheProgramForgetsItsHelpRequests(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newWorld(t, apptest.Start(t, eng))
			h, ctx := w.s.App.Help, w.s.Ctx()
			rec, id := w.submit(t, request("Rahmat Hidayat", "3171011203880007", "081277770007"))
			if _, err := h.Accept(ctx, "31.71", id, w.program.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := h.Lookup(ctx, rec.Reference, "0007"); err != nil {
				t.Fatalf("the reference does not answer before the purge: %v", err)
			}
			if _, err := w.s.App.Programs.Close(ctx, w.program.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := w.s.App.Retention.Purge(ctx, time.Now().Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			var sealed, hash, check string
			if err := w.s.App.DB.R().QueryRowContext(ctx, `SELECT sealed, nik_hash, check_hash FROM help_requests WHERE id = $1`, id).Scan(&sealed, &hash, &check); err != nil {
				t.Fatal(err)
			}
			if sealed != "" || hash != "" || check != "" {
				t.Fatalf("after the purge the request keeps sealed %d bytes, NIK hash %q, check %q", len(sealed), hash, check)
			}
			got, err := h.Get(ctx, "31.71", id, true)
			if err != nil || got.Name != "—" || got.NIK != "" || got.Phone != "" || got.Status != help.Accepted {
				t.Fatalf("the purged request reads %+v, %v", got, err)
			}
			if _, err := h.Lookup(ctx, rec.Reference, "0007"); !errs.Is(err, errs.NotFound) {
				t.Fatalf("the purged request's reference answers %v, want not found", err)
			}
		})
	}
}
