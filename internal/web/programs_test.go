package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// Programs, needs and commitments through the API: what the engine refuses, and
// that concurrent committers over the HTTP layer never get more than is free.

const (
	rwHeader   = "Kelurahan,RW,Nama Ketua RW,Telepon,Jumlah KK,Jumlah Jiwa,Tag\n"
	instHeader = "Nama Lembaga,Jenis Lembaga,Kelurahan,RW,RT,Alamat,Narahubung,Telepon,Jumlah Penghuni,Latitude,Longitude,Tag\n"
)

// rwRow is one row of an RW file.
func rwRow(village string, rw int, head, phone string, families, people int) string {
	return fmt.Sprintf("%s,%03d,%s,%s,%d,%d,\n", village, rw, head, phone, families, people)
}

// instRow is one row of an institution file.
func instRow(name, kind, village, address, contact, phone string, residents int) string {
	return fmt.Sprintf("%s,%s,%s,1,1,%s,%s,%s,%d,,,\n", name, kind, village, address, contact, phone, residents)
}

// importKind imports a file of kind through the registry, as who, and waits for it;
// every row must be accepted.
func importKind(t testing.TB, s *apptest.Server, who registry.Importer, kind registry.Kind, filename, content string) registry.Import {
	t.Helper()
	im, err := s.App.Registry.CreateImport(s.Ctx(), who, kind, filename, strings.NewReader(content), 0)
	if err != nil {
		t.Fatalf("import %s: %v", filename, err)
	}
	im = waitImport(t, s, im.ID)
	if im.Rejected+im.Review > 0 {
		t.Fatalf("import %s: %+v", filename, im)
	}
	return im
}

// adminImporter imports for the whole province.
func adminImporter(t testing.TB, s *apptest.Server) registry.Importer {
	t.Helper()
	a, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return registry.Importer{UserID: a.ID, Email: a.Email, Scope: "31"}
}

// weeks returns n weekly phases, the first starting today (WIB).
func weeks(n int) []program.PhaseInput {
	today := time.Now().In(time.FixedZone("WIB", 7*3600))
	var out []program.PhaseInput
	for i := range n {
		start := today.AddDate(0, 0, 7*i)
		out = append(out, program.PhaseInput{Name: fmt.Sprintf("Minggu %d", i+1), Start: start.Format(time.DateOnly),
			End: start.AddDate(0, 0, 6).Format(time.DateOnly)})
	}
	return out
}

// publishProgram creates and publishes a program through the service.
func publishProgram(t testing.TB, s *apptest.Server, in program.Input) (program.Program, int) {
	t.Helper()
	p, err := s.App.Programs.Create(s.Ctx(), in)
	if err != nil {
		t.Fatalf("create program: %v", err)
	}
	p, n, err := s.App.Programs.Publish(s.Ctx(), p.ID)
	if err != nil {
		t.Fatalf("publish program: %v", err)
	}
	return p, n
}

// futureDate is a deliver_by date days from now.
func futureDate(days int) string { return time.Now().AddDate(0, 0, days).Format(time.DateOnly) }

func TestCommitmentAPIRefusesBadInput(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			imp := adminImporter(t, s)
			// Karang Anyar: an RW of 40 families, a panti asuhan and a household;
			// per family, 42 units.
			importKind(t, s, imp, registry.RW, "rw.csv", rwHeader+rwRow("31.71.02.1002", 3, "Ketua Uji", "081311110003", 40, 150))
			importKind(t, s, imp, registry.Institution, "lembaga.csv",
				instHeader+instRow("Panti Asuhan Uji", "panti_asuhan", "31.71.02.1002", "Jl. Uji No. 1", "Ustadz Uji", "081311110004", 25))
			importKind(t, s, imp, registry.Household, "kk.csv", householdHeader+
				hhRow(kkOf("317102", 9001), nikOf("317102", "1980-01-01", false, 9001), "Warga Uji", "1980-01-01", "L", "Kepala Keluarga",
					"31.71.02.1002", "3", "1", "Jl. Uji No. 2", "", ""))
			p, n := publishProgram(t, s, program.Input{Name: "Sembako Uji", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
				TargetKinds: []string{"household", "rw", "institution"}, Regions: []string{"31.71.02"}, Phases: weeks(2),
				QuantityRule: program.PerFamily, Statement: "Bantuan tidak diperjualbelikan."})
			if n != 2*3 {
				t.Fatalf("publishing made %d needs, want 6 (3 targets × 2 phases)", n)
			}
			_, collab, _ := s.Org(t, "Yayasan Uji", true)
			c := s.As(t, collab.ID)
			var rw, inst, hh string
			for _, row := range []struct {
				name string
				id   *string
			}{{"Ketua Uji", &rw}, {"Panti Asuhan Uji", &inst}, {"Warga Uji", &hh}} {
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT id FROM targets WHERE name = $1`, row.name).Scan(row.id); err != nil {
					t.Fatal(err)
				}
			}
			ok := func() map[string]any {
				return map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 5, "region": "31.71.02.1002",
					"deliver_by": futureDate(2), "accept_statement": true}
			}
			with := func(k string, v any) map[string]any {
				b := ok()
				if v == nil {
					delete(b, k)
				} else {
					b[k] = v
				}
				return b
			}
			targets := with("region", nil)
			targets["target_ids"] = []string{rw}
			bad := []struct {
				name string
				body any
				code int
			}{
				{"malformed JSON is invalid", `{"program_id":`, 400},
				{"an unknown field is invalid", with("colour", "red"), 400},
				{"a quantity as text is invalid", with("quantity", "5"), 400},
				{"a program id as a number is invalid", with("program_id", 7), 400},
				{"a quantity of 0 is invalid", with("quantity", 0), 400},
				{"a negative quantity is invalid", with("quantity", -3), 400},
				{"a quantity over the limit is invalid", with("quantity", allocate.MaxQuantity+1), 400},
				{"a quantity beyond any integer is invalid", `{"program_id":"` + p.ID + `","phase":"Minggu 1","quantity":1e30,"region":"31.71","deliver_by":"` + futureDate(1) + `"}`, 400},
				{"an unknown program is not found", with("program_id", "no-such-program"), 404},
				{"an unknown phase is invalid", with("phase", "Minggu 9"), 400},
				{"an unknown region is invalid", with("region", "31.99"), 400},
				{"a region outside the province is invalid", with("region", "32.01"), 400},
				{"a malformed region is invalid", with("region", "jakarta"), 400},
				{"neither region nor targets is invalid", with("region", nil), 400},
				{"both region and targets are invalid", func() map[string]any { b := ok(); b["target_ids"] = []string{rw}; return b }(), 400},
				{"a delivery date in the past is invalid", with("deliver_by", "2020-01-01"), 400},
				{"a delivery date that is not a date is invalid", with("deliver_by", "besok"), 400},
				{"not accepting the statement is invalid", with("accept_statement", false), 400},
				{"a household chosen as a target is invalid", func() map[string]any { b := with("region", nil); b["target_ids"] = []string{hh}; return b }(), 400},
				{"an unknown target is invalid", func() map[string]any {
					b := with("region", nil)
					b["target_ids"] = []string{"no-such-target"}
					return b
				}(), 400},
				{"a body over 1 MiB is too large", `{"program_id":"` + strings.Repeat("x", 1<<20) + `"}`, 413},
			}
			before := countRows(t, s, `SELECT COUNT(*) FROM commitments`)
			for _, path := range []string{"/api/v1/commitments", "/api/v1/commitments/preview"} {
				for _, b := range bad {
					t.Run(path+": "+b.name, func(t *testing.T) {
						code := b.code
						if strings.HasSuffix(path, "/preview") && strings.HasPrefix(b.name, "not accepting the statement") {
							// A preview commits to nothing, so it answers before the
							// statement is accepted; only the commitment demands it.
							code = 200
						}
						r := c.Do(t, "POST", path, b.body)
						if r.Status != code || r.ErrorCode() != errorCodeOf[code] {
							t.Fatalf("status %d code %q, want %d %q; body %.300s", r.Status, r.ErrorCode(), code, errorCodeOf[code], r.Body)
						}
					})
				}
			}
			if after := countRows(t, s, `SELECT COUNT(*) FROM commitments`); after != before {
				t.Fatalf("refused requests left %d commitments", after-before)
			}
			if n := countRows(t, s, `SELECT COALESCE(SUM(allocated), 0) FROM needs`); n != 0 {
				t.Fatalf("refused requests allocated %d units", n)
			}

			t.Run("a preview writes nothing and says what a commitment would get", func(t *testing.T) {
				var pv struct {
					Requested, Allocated, Waitlisted int
					Regions                          map[string]int
				}
				c.Do(t, "POST", "/api/v1/commitments/preview", with("quantity", 100)).JSON(t, &pv)
				if pv.Requested != 100 || pv.Allocated != 42 || pv.Waitlisted != 58 || pv.Regions["31.71.02.1002"] != 42 {
					t.Fatalf("preview %+v, want 42 allocated in 31.71.02.1002 and 58 waitlisted", pv)
				}
				if n := countRows(t, s, `SELECT COUNT(*) FROM commitments`); n != before {
					t.Fatalf("a preview wrote %d commitments", n-before)
				}
			})

			t.Run("chosen targets: what is taken is said, and RWs are named by number", func(t *testing.T) {
				var first struct {
					ID                   string
					Allocated, Requested int
				}
				r := c.Do(t, "POST", "/api/v1/commitments", targets)
				if r.Status != 201 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				r.JSON(t, &first)
				if first.Allocated != 5 {
					t.Fatalf("allocated %d of the RW's 40, want 5", first.Allocated)
				}
				all := with("region", nil)
				all["target_ids"], all["quantity"] = []string{rw}, 35
				c.Do(t, "POST", "/api/v1/commitments", all)
				r = c.Do(t, "POST", "/api/v1/commitments", targets)
				var again struct {
					Allocated, Waitlisted int
					Taken                 []map[string]any
					Suggestions           []map[string]any
				}
				r.JSON(t, &again)
				if r.Status != 201 || again.Allocated != 0 || again.Waitlisted != 5 || len(again.Taken) != 1 || again.Taken[0]["target_id"] != rw {
					t.Fatalf("a third commitment on a full RW: %d %s", r.Status, r.Body)
				}
				if strings.Contains(string(r.Body), "Ketua Uji") {
					t.Errorf("the answer names the RW head: %s", r.Body)
				}
				if len(again.Suggestions) != 1 || again.Suggestions[0]["target_id"] != inst || again.Suggestions[0]["name"] != "Panti Asuhan Uji" {
					t.Errorf("suggestions %v, want the panti asuhan nearby", again.Suggestions)
				}
				var needs struct {
					Items []map[string]any
				}
				c.Do(t, "GET", "/api/v1/programs/"+p.ID+"/needs?phase=Minggu+2&region=31.71.02", nil).JSON(t, &needs)
				names := fmt.Sprint(needs.Items)
				if len(needs.Items) != 2 || !strings.Contains(names, "RW 003") || !strings.Contains(names, "Panti Asuhan Uji") || strings.Contains(names, "Ketua Uji") {
					t.Errorf("open needs of phase 2: %v, want RW 003 and the panti asuhan", needs.Items)
				}
			})

			t.Run("cancelling twice is a conflict", func(t *testing.T) {
				var cm struct{ ID string }
				c.Do(t, "POST", "/api/v1/commitments", with("quantity", 1)).JSON(t, &cm)
				if r := c.Do(t, "POST", "/api/v1/commitments/"+cm.ID+"/cancel", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"cancelled"`) {
					t.Fatalf("first cancel: %d %s", r.Status, r.Body)
				}
				if r := c.Do(t, "POST", "/api/v1/commitments/"+cm.ID+"/cancel", nil); r.Status != 409 || r.ErrorCode() != "conflict" {
					t.Fatalf("second cancel: %d %s, want 409 conflict", r.Status, r.Body)
				}
			})

			t.Run("failing an allocation needs a reason from the list, and fails once", func(t *testing.T) {
				var cm struct{ ID string }
				c.Do(t, "POST", "/api/v1/commitments", with("quantity", 1)).JSON(t, &cm)
				var as struct{ Items []struct{ ID string } }
				c.Do(t, "GET", "/api/v1/commitments/"+cm.ID+"/allocations", nil).JSON(t, &as)
				if len(as.Items) != 1 {
					t.Fatalf("%d allocations, want 1", len(as.Items))
				}
				if r := c.Do(t, "POST", "/api/v1/allocations/"+as.Items[0].ID+"/dispatch", nil); r.Status != 200 {
					t.Fatalf("dispatch: %d %s", r.Status, r.Body)
				}
				path := "/api/v1/allocations/" + as.Items[0].ID + "/fail"
				for _, b := range []struct {
					body any
					code int
				}{{map[string]any{"reason": ""}, 400}, {map[string]any{"reason": 5}, 400}, {map[string]any{"why": "x"}, 400},
					{map[string]any{"reason": "alamat tidak ditemukan"}, 400}, // free text is not a reason of the list
					{map[string]any{"reason": "other"}, 400},                  // "other" needs a note
					{map[string]any{"reason": "not_home", "note": strings.Repeat("x", 501)}, 400},
					{map[string]any{"reason": "address_not_found", "note": "gang buntu, rumah tidak bernomor"}, 200},
					{map[string]any{"reason": "not_home"}, 409}} {
					if r := c.Do(t, "POST", path, b.body); r.Status != b.code {
						t.Errorf("fail with %v: %d %s, want %d", b.body, r.Status, r.Body, b.code)
					}
				}
				// The note is about a person: it is kept with the allocation (where
				// a purge can remove it), never in the append-only audit log.
				if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%gang buntu%'`); n != 0 {
					t.Errorf("the failure's note is in %d audit entries", n)
				}
				if n := countRows(t, s, `SELECT COUNT(*) FROM allocations WHERE id = $1 AND note LIKE 'gang buntu%'`, as.Items[0].ID); n != 1 {
					t.Errorf("the failure's note is not kept with its allocation")
				}
			})

			t.Run("list parameters are checked", func(t *testing.T) {
				adm := s.As(t, adminImporter(t, s).UserID)
				for _, q := range []struct {
					as   *apptest.Client
					path string
					code int
				}{
					{c, "/api/v1/programs?status=open", 400},
					{c, "/api/v1/programs?limit=0", 400},
					{c, "/api/v1/commitments?cursor=bm9wZQ", 400},
					{c, "/api/v1/programs/" + p.ID + "/needs", 400},
					{c, "/api/v1/programs/" + p.ID + "/needs?phase=Minggu+1&kind=household", 400},
					{c, "/api/v1/programs/" + p.ID + "/needs?phase=Minggu+9", 404},
					{c, "/api/v1/programs/" + p.ID + "/needs?phase=Minggu+1&region=32", 404},
					{c, "/api/v1/programs/" + p.ID + "/coverage?region=99.99", 404},
					{c, "/api/v1/programs/" + p.ID + "/coverage?phase=Minggu+9", 404},
					{adm, "/api/v1/programs/" + p.ID + "/flagged?limit=501", 400},
				} {
					if r := q.as.Do(t, "GET", q.path, nil); r.Status != q.code || r.ErrorCode() != errorCodeOf[q.code] {
						t.Errorf("GET %s: %d %s, want %d", q.path, r.Status, r.Body, q.code)
					}
				}
			})
		})
	}
}

// TestAnUnverifiedOrganisationCannotUseCommitments asks every commitment endpoint as a
// member of an organisation waiting for verification, and of a rejected one: each
// answers not_found, as if the endpoint did not exist.
func TestAnUnverifiedOrganisationCannotUseCommitments(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			_, pending, pw := s.Org(t, "Komunitas Menunggu", false)
			rejectedOrg, rejected, _ := s.Org(t, "Komunitas Ditolak", false)
			if _, err := s.App.Accounts.DecideOrg(s.Ctx(), rejectedOrg.ID, account.OrgRejected, "dokumen palsu"); err != nil {
				t.Fatal(err)
			}
			page := s.Client()
			page.Login(t, pending.Email, pw)
			body := map[string]any{"program_id": "x", "phase": "x", "quantity": 1, "region": "31.71", "deliver_by": futureDate(1)}
			calls := []struct {
				method, path string
				body         any
			}{
				{"POST", "/api/v1/commitments", body},
				{"POST", "/api/v1/commitments/preview", body},
				{"GET", "/api/v1/commitments", nil},
				{"GET", "/api/v1/commitments/any", nil},
				{"GET", "/api/v1/commitments/any/allocations", nil},
				{"POST", "/api/v1/commitments/any/cancel", nil},
				{"POST", "/api/v1/allocations/any/fail", map[string]string{"reason": "x"}},
				{"GET", "/api/v1/notifications", nil},
				{"POST", "/api/v1/notifications/read", nil},
				{"GET", "/api/v1/programs/any/needs?phase=x", nil},
			}
			for _, u := range []account.User{pending, rejected} {
				c := s.As(t, u.ID)
				for _, call := range calls {
					t.Run(call.method+" "+call.path+" as "+u.Email, func(t *testing.T) {
						if r := c.Do(t, call.method, call.path, call.body); r.Status != 404 || r.ErrorCode() != "not_found" {
							t.Fatalf("%d %s, want 404 not_found", r.Status, r.Body)
						}
					})
				}
			}
			for _, path := range []string{"/commitments", "/commitments/new", "/commitments/any"} {
				t.Run("the page "+path+" is not found", func(t *testing.T) {
					if r := page.Do(t, "GET", path, nil); r.Status != http.StatusNotFound {
						t.Fatalf("status %d, want 404", r.Status)
					}
				})
			}
			// Nor are those pages offered: no "my commitments" link until the
			// organisation is verified, and then there is one.
			t.Run("the menu offers commitments only once verified", func(t *testing.T) {
				if r := page.Do(t, "GET", "/", nil); r.Status != 200 || strings.Contains(string(r.Body), `id="nav-commitments"`) {
					t.Fatalf("pending organisation: status %d, menu offers commitments: %v", r.Status, strings.Contains(string(r.Body), `id="nav-commitments"`))
				}
				if _, err := s.App.Accounts.DecideOrg(s.Ctx(), pending.OrgID, account.OrgVerified, ""); err != nil {
					t.Fatal(err)
				}
				if r := page.Do(t, "GET", "/", nil); r.Status != 200 || !strings.Contains(string(r.Body), `id="nav-commitments"`) {
					t.Fatalf("verified organisation: status %d, menu lacks commitments", r.Status)
				}
			})
		})
	}
}

// TestConcurrentCommitmentsTakeOnlyWhatIsFree sends eight identical commitments at
// once, through the HTTP layer, for an area with fewer free units than they ask
// together: the units allocated across them are exactly the free units, no need is
// over-allocated, and every unit asked is either allocated or waitlisted.
func TestConcurrentCommitmentsTakeOnlyWhatIsFree(t *testing.T) {
	const committers, each, free = 8, 7, 30
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			imp := adminImporter(t, s)
			// 30 free units: an RW of 20 families and 10 households, in Kartini.
			hh := householdHeader
			names := []string{"Agus Salim", "Bunga Citra", "Cahyo Purnomo", "Dian Sastro", "Eko Prasetyo", "Fitri Handayani",
				"Gilang Ramadhan", "Hesti Purwadinata", "Irfan Hakim", "Joko Anwar"}
			for i, name := range names {
				birth := fmt.Sprintf("19%d-0%d-1%d", 60+i, 1+i%9, i)
				hh += hhRow(kkOf("317102", 9100+i), nikOf("317102", birth, i%2 == 1, 9100+i), name, birth,
					map[bool]string{true: "P", false: "L"}[i%2 == 1], "Kepala Keluarga", "31.71.02.1003", "2", fmt.Sprint(i+1), "Jl. Serentak No. "+fmt.Sprint(i+1), "", "")
			}
			importKind(t, s, imp, registry.Household, "serentak.csv", hh)
			importKind(t, s, imp, registry.RW, "rw-serentak.csv", rwHeader+rwRow("31.71.02.1003", 2, "Ketua Serentak", "081311119999", 20, 70))
			p, _ := publishProgram(t, s, program.Input{Name: "Sembako Serentak", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
				TargetKinds: []string{"household", "rw"}, Regions: []string{"31.71.02.1003"}, Phases: weeks(1), QuantityRule: program.PerFamily})
			var clients []*apptest.Client
			for i := range committers {
				_, u, _ := s.Org(t, fmt.Sprintf("Yayasan Serentak %d", i), true)
				clients = append(clients, s.As(t, u.ID))
			}
			body := map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": each, "region": "31.71.02.1003", "deliver_by": futureDate(1)}
			type answer struct {
				status                int
				allocated, waitlisted int
				body                  string
			}
			answers := make([]answer, committers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, c := range clients {
				wg.Go(func() {
					<-start
					r := c.Do(t, "POST", "/api/v1/commitments", body)
					var out struct{ Allocated, Waitlisted int }
					_ = json.Unmarshal(r.Body, &out)
					answers[i] = answer{r.Status, out.Allocated, out.Waitlisted, string(r.Body)}
				})
			}
			close(start)
			wg.Wait()
			total := 0
			for i, a := range answers {
				if a.status != 201 || a.allocated+a.waitlisted != each {
					t.Errorf("committer %d: %d %s", i, a.status, a.body)
				}
				total += a.allocated
			}
			// On SQLite the single writer makes each answer exact. On PostgreSQL a
			// committer skips what others hold locked, and what they leave goes to
			// the waiting commitments in the fill after each commitment: an earlier
			// answer may show less than its commitment holds once the burst is over,
			// but the burst itself leaves no free unit behind (checked below).
			if total > free || (eng == store.SQLite && total != free) {
				t.Errorf("%d units allocated across the answers, want exactly the %d free", total, free)
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM needs WHERE allocated > quantity`); n != 0 {
				t.Errorf("%d needs over-allocated", n)
			}
			if n := countRows(t, s, `SELECT COALESCE(SUM(quantity), 0) FROM allocations WHERE status = 'reserved'`); n != free {
				t.Errorf("%d units held by reserved allocations, want %d", n, free)
			}
			if n := countRows(t, s, `SELECT COALESCE(SUM(allocated + waiting), 0) FROM commitments`); n != committers*each {
				t.Errorf("allocated + waiting = %d over the commitments, want every unit asked (%d)", n, committers*each)
			}
		})
	}
}

// TestProgramAndCommitmentPages checks what the pages add to the API: forms shown
// again with a translated error, the preview's refusal inside its fragment, the
// stacking rule with the overlapping programs, and the needs drill-down's figures.
func TestProgramAndCommitmentPages(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			adm := s.Client()
			adm.Login(t, apptest.AdminEmail, apptest.AdminPassword)
			importKind(t, s, adminImporter(t, s), registry.RW, "rw-halaman.csv", rwHeader+rwRow("31.71.02.1005", 6, "Ketua Halaman", "081388880006", 12, 40))
			base := program.Input{Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"}, TargetKinds: []string{"rw"},
				Regions: []string{"31.71.02"}, Phases: weeks(2), QuantityRule: program.PerFamily}
			first, second := base, base
			first.Name, second.Name = "Sembako Halaman Satu", "Sembako Halaman Dua"
			p1, _ := publishProgram(t, s, first)
			p2, _ := publishProgram(t, s, second)
			_, collab, pw := s.Org(t, "Yayasan Halaman", true)
			c := s.Client()
			c.Login(t, collab.Email, pw)

			form := url.Values{"name": {"Program Salah"}, "category": {"pangan"}, "item_name": {"Beras"}, "item_unit": {"kg"},
				"target_kinds": {"household"}, "quantity_rule": {"per_target"}, "phases": {"Minggu 1;2026-01-01"}}
			commitForm := url.Values{"program_id": {p1.ID}, "phase": {"Minggu 1"}, "quantity": {"0"}, "mode": {"area"}, "region": {"31.71.02"},
				"deliver_by": {futureDate(1)}}
			pages := []struct {
				name   string
				as     *apptest.Client
				method string
				path   string
				body   any
				code   int
				show   []string
			}{
				{"a phase line without its end shows the form again with the rule", adm, "POST", "/programs", form, 400,
					[]string{"tulis setiap tahap pada barisnya sendiri", `value="Program Salah"`}},
				{"an unknown target kind is named in Indonesian", adm, "POST", "/programs",
					withForm(form, "phases", "Minggu 1;2026-01-01;2026-01-07", "target_kinds", "hewan"), 400, []string{`jenis penerima &#34;hewan&#34; tidak dikenal`}},
				{"a quantity of 0 shows the commitment form again", c, "POST", "/commitments", commitForm, 400,
					[]string{"jumlah harus 1 sampai 1000000", `id="commit-form"`}},
				{"a refused preview answers inside its fragment", c, "POST", "/commitments/preview", commitForm, 200,
					[]string{`id="preview-error"`, "jumlah harus 1 sampai 1000000"}},
				{"a preview of chosen targets without any is refused", c, "POST", "/commitments/preview",
					withForm(commitForm, "quantity", "1", "mode", "targets"), 200, []string{"berikan region atau target_ids"}},
				{"the program page names the program it may not stack with", c, "GET", "/programs/" + p1.ID, nil, 200,
					[]string{`id="overlaps"`, second.Name, "Program dalam kelompok pangan"}},
				{"the needs drill-down shows the kelurahan's unmet need", c, "GET", "/needs?program=" + p2.ID + "&region=31.71.02", nil, 200,
					[]string{`data-region="31.71.02.1005"`, `<td class="num unmet">12</td>`}},
				{"the needs page reads a region typed by name in its picker", c, "GET", "/needs?program=" + p2.ID + "&region=Sawah+Besar", nil, 200,
					[]string{`data-region="31.71.02.1005"`, `id="needs-region-input" value="Sawah Besar`}},
				{"the needs page refuses a region name it does not know, naming it", c, "GET", "/needs?program=" + p2.ID + "&region=Atlantis", nil, 400,
					[]string{"Atlantis"}},
				{"an unknown phase of the needs page is not found", c, "GET", "/needs?program=" + p2.ID + "&phase=Minggu+9", nil, 404, nil},
				{"an unknown program of the needs page is not found", c, "GET", "/needs?program=nope", nil, 404, nil},
			}
			for _, pg := range pages {
				t.Run(pg.name, func(t *testing.T) {
					r := pg.as.Do(t, pg.method, pg.path, pg.body)
					if r.Status != pg.code {
						t.Fatalf("status %d, want %d; body %.500s", r.Status, pg.code, r.Body)
					}
					for _, want := range pg.show {
						if !strings.Contains(string(r.Body), want) {
							t.Errorf("the page lacks %q", want)
						}
					}
				})
			}
			t.Run("an office's needs page opens on its kota; commit here only where something is needed", func(t *testing.T) {
				off, _ := asOffice(t, s, "31.71")
				kota := `<h2 id="needs-region">Kota Administrasi Jakarta Pusat</h2>`
				if r := off.Do(t, "GET", "/needs?program="+p2.ID, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), kota) {
					t.Errorf("an office's needs page: %d, want it on Jakarta Pusat:\n%s", r.Status, r.Body[strings.Index(string(r.Body), "<main"):])
				}
				if r := off.Do(t, "GET", "/needs?program="+p2.ID+"&region=", nil); strings.Contains(string(r.Body), kota) {
					t.Error("an office asking for the province still sees its kota")
				}
				if r := adm.Do(t, "GET", "/needs?program="+p2.ID, nil); strings.Contains(string(r.Body), kota) {
					t.Error("the admin's needs page opens on a kota, want the province")
				}
				path := "/needs?program=" + p2.ID + "&phase=Minggu+1&region=31.71.02"
				if body := string(c.Do(t, "GET", path, nil).Body); !strings.Contains(body, `id="commit-here"`) || strings.Contains(body, `id="nothing-needed"`) {
					t.Errorf("before any commitment the collaborator is not offered to commit:\n%.800s", body)
				}
				var got struct{ Allocated int }
				r := c.Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": p2.ID, "phase": "Minggu 1", "quantity": 12,
					"region": "31.71.02", "deliver_by": futureDate(1)})
				r.JSON(t, &got)
				if r.Status != http.StatusCreated || got.Allocated != 12 {
					t.Fatalf("committing the 12 families: %d %s", r.Status, r.Body)
				}
				if body := string(c.Do(t, "GET", path, nil).Body); strings.Contains(body, `id="commit-here"`) || !strings.Contains(body, `id="nothing-needed"`) {
					t.Errorf("with everything allocated the collaborator is still offered to commit:\n%.800s", body)
				}
			})
			t.Run("the preview answers before the statement is accepted; the commitment waits for it", func(t *testing.T) {
				withStatement := base
				withStatement.Name, withStatement.Category, withStatement.Statement = "Air Bersih Halaman", "air", "Kami menyalurkan sendiri, tanpa logo."
				p3, _ := publishProgram(t, s, withStatement)
				f := withForm(commitForm, "program_id", p3.ID, "quantity", "3")
				if r := c.Do(t, "POST", "/commitments/preview", f); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `id="preview-result"`) {
					t.Errorf("a preview without the statement ticked: %d\n%.600s", r.Status, r.Body)
				}
				if r := c.Do(t, "POST", "/commitments", f); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "pernyataan") {
					t.Errorf("a commitment without the statement ticked: %d, want 400 naming the statement", r.Status)
				}
				if n := countRows(t, s, `SELECT COUNT(*) FROM commitments WHERE program_id = $1`, p3.ID); n != 0 {
					t.Errorf("%d commitments to the program, want none", n)
				}
			})
			t.Run("an admin's exemption takes the program out of the rule, audited", func(t *testing.T) {
				r := adm.Do(t, "POST", "/programs/"+p1.ID+"/stacking", url.Values{"exempt": {"1"}, "reason": {"paket tambahan untuk lansia"}})
				if r.Status != http.StatusSeeOther {
					t.Fatalf("status %d", r.Status)
				}
				if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'program.stacking' AND object_id = $1`, p1.ID); n != 1 {
					t.Errorf("%d program.stacking entries, want 1", n)
				}
				body := string(c.Do(t, "GET", "/programs/"+p2.ID, nil).Body)
				if strings.Contains(body, `id="overlaps"`) {
					t.Errorf("the other program still lists an overlap after the exemption")
				}
				r = adm.Do(t, "POST", "/programs/"+p1.ID+"/stacking", url.Values{"reason": {"x"}})
				if r.Status != http.StatusSeeOther {
					t.Fatalf("a too short reason: status %d", r.Status)
				}
				if body := string(adm.Do(t, "GET", "/programs/"+p1.ID, nil).Body); !strings.Contains(body, "alasan harus 3 sampai 1000 karakter") {
					t.Errorf("a too short reason is not explained on the page")
				}
			})
		})
	}
}

// withForm returns a copy of v with the given name, value pairs set.
func withForm(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}
