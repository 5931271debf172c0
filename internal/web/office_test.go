package web_test

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The office's side of deliveries (issue 11): recipient codes for RW heads,
// call-back samples and confirmation rates, and courier providers' webhooks.

// officeWorld is a program over Kartini (31.71.02.1003, kota X) and Setia Budi
// (31.74.02.1001, kota Y), with n households in Kartini split between
// organisations A and B, and one in Setia Budi held by B.
type officeWorld struct {
	s                      *apptest.Server
	program                string
	orgA, orgB             string
	whoA, whoB             allocate.Who
	x                      []string // the allocations in kota X, A's first
	y                      string   // the allocation in kota Y
	officeX, officeY, adm  *apptest.Client
	collab, anon           *apptest.Client
	adminPage, officePageX *apptest.Client
}

func newOfficeWorld(t *testing.T, s *apptest.Server, n, forA int) *officeWorld {
	t.Helper()
	w := &officeWorld{s: s}
	hh := householdHeader
	for i := range n {
		birth := fmt.Sprintf("19%02d-0%d-1%d", 50+i%40, 1+i%9, i%10)
		hh += hhRow(kkOf("317102", 7000+i), nikOf("317102", birth, i%2 == 1, 7000+i), fmt.Sprintf("Penerima Kartini %03d", i), birth,
			map[bool]string{true: "P", false: "L"}[i%2 == 1], "Kepala Keluarga", "31.71.02.1003", strconv.Itoa(1+i%3), strconv.Itoa(1+i%5),
			fmt.Sprintf("Jl. Kartini No. %d", i+1), fmt.Sprintf("08125777%04d", i), "")
	}
	imp := adminImporter(t, s)
	importKind(t, s, imp, registry.Household, "kartini.csv", hh)
	importKind(t, s, imp, registry.Household, "setiabudi.csv", householdHeader+
		hhRow(kkOf("317402", 7900), nikOf("317402", "1979-09-09", true, 7900), "Penerima Setia Budi", "1979-09-09", "P", "Kepala Keluarga",
			"31.74.02.1001", "4", "2", "Jl. Setia Budi No. 9", "081257779999", ""))
	p, _ := publishProgram(t, s, program.Input{Name: "Sembako Kantor", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02", "31.74.02"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	w.program = p.ID
	orgA, userA, _ := s.Org(t, "Yayasan Kantor Alfa", true)
	orgB, userB, _ := s.Org(t, "Yayasan Kantor Beta", true)
	w.orgA, w.orgB = orgA.ID, orgB.ID
	w.whoA, w.whoB = allocate.Who{UserID: userA.ID, OrgID: orgA.ID}, allocate.Who{UserID: userB.ID, OrgID: orgB.ID}
	commit := func(who allocate.Who, area string, qty int) []string {
		t.Helper()
		if qty == 0 {
			return nil
		}
		return commitAllocations(t, s, who, p.ID, area, qty)
	}
	w.x = append(commit(w.whoA, "31.71.02.1003", forA), commit(w.whoB, "31.71.02.1003", n-forA)...)
	w.y = commit(w.whoB, "31.74.02.1001", 1)[0]
	offX, _ := s.User(t, account.Office, "31.71", "")
	offY, _ := s.User(t, account.Office, "31.74", "")
	admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	w.officeX, w.officeY, w.adm, w.collab, w.anon = s.As(t, offX.ID), s.As(t, offY.ID), s.As(t, admin.ID), s.As(t, userA.ID), s.Client()
	return w
}

// markDelivered dispatches the allocations through the engine and then marks them
// delivered with a direct UPDATE: the delivery transition (with its proof) is
// another part of issue 11, and this helper is to use it once it lands.
func markDelivered(t *testing.T, s *apptest.Server, ids ...string) {
	t.Helper()
	admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Allocations.Dispatch(s.Ctx(), admin.Principal(), ids); err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	codes := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))
	for _, id := range ids {
		if _, err := s.App.Deliveries.Deliver(s.Ctx(), admin.Principal(), id, deliver.Proof{Code: codes.For(id), ReceivedBy: "Penerima"}); err != nil {
			t.Fatalf("deliver %s: %v", id, err)
		}
	}
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v; body %.300s", err, body)
	}
	return rows
}

func TestRecipientCodesForRWHeads(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newOfficeWorld(t, s, 9, 5)
			if _, err := s.App.Allocations.Dispatch(s.Ctx(), w.whoA, []string{w.x[0]}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Allocations.Dispatch(s.Ctx(), w.whoA, []string{w.x[1]}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Deliveries.Fail(s.Ctx(), w.whoA, w.x[1], allocate.FailNotHome, ""); err != nil {
				t.Fatal(err)
			}
			markDelivered(t, s, w.x[2])
			codes := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))
			path := "/api/v1/programs/" + w.program + "/recipient-codes.csv?region="
			exports := func() int {
				return countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'allocation.codes.export'`)
			}

			res := w.officeX.Do(t, "GET", path+"31.71", nil)
			if res.Status != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("office X: %d %s %.300s", res.Status, res.Header.Get("Content-Type"), res.Body)
			}
			rows := readCSV(t, res.Body)
			if !slices.Equal(rows[0], []string{"allocation_id", "name", "rw", "rt", "code"}) {
				t.Fatalf("header %v", rows[0])
			}
			rows = rows[1:]
			var want []string // reserved or dispatched in X: all but the failed and the delivered
			for i, id := range w.x {
				if i != 1 && i != 2 {
					want = append(want, id)
				}
			}
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
				if r[4] != deliver.Format(codes.For(r[0])) || !codes.Check(r[0], r[4]) {
					t.Errorf("allocation %s: code %q, want %q", r[0], r[4], deliver.Format(codes.For(r[0])))
				}
				if len(r[2]) != 3 || len(r[3]) != 3 || !strings.HasPrefix(r[1], "Penerima Kartini") {
					t.Errorf("row %v: want a Kartini name and three-digit RW and RT", r)
				}
			}
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
				t.Errorf("rows for %v, want the reserved and dispatched %v", got, want)
			}
			if !slices.IsSortedFunc(rows, func(a, b []string) int {
				return cmp.Or(strings.Compare(a[2], b[2]), strings.Compare(a[3], b[3]), strings.Compare(a[1], b[1]))
			}) {
				t.Errorf("rows not sorted by RW, RT and name: %v", rows)
			}
			if exports() != 1 {
				t.Errorf("%d export entries in the audit log, want 1", exports())
			}
			var detail string
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT detail FROM audit_log WHERE action = 'allocation.codes.export'`).Scan(&detail); err != nil ||
				!strings.Contains(detail, fmt.Sprintf(`"rows":%d`, len(want))) {
				t.Errorf("audit detail %q (%v), want the row count %d", detail, err, len(want))
			}

			// Y's office: its own region only.
			if res := w.officeY.Do(t, "GET", path+"31.71", nil); res.Status != 404 || bytes.Contains(res.Body, []byte(w.x[0])) {
				t.Errorf("office Y asking for kota X: %d %.200s, want 404", res.Status, res.Body)
			}
			res = w.officeY.Do(t, "GET", path+"31.74.02", nil)
			if rows := readCSV(t, res.Body); res.Status != 200 || len(rows) != 2 || rows[1][0] != w.y {
				t.Errorf("office Y in its own kecamatan: %d %v, want its one allocation", res.Status, rows)
			}
			if res := w.adm.Do(t, "GET", path+"31.71.02.1003", nil); res.Status != 200 || len(readCSV(t, res.Body)) != len(want)+1 {
				t.Errorf("admin in Kartini: %d %.300s", res.Status, res.Body)
			}
			for name, c := range map[string]*apptest.Client{"collaborator": w.collab, "anonymous": w.anon} {
				res := c.Do(t, "GET", path+"31.71", nil)
				if res.Status != map[string]int{"collaborator": 404, "anonymous": 401}[name] || bytes.Contains(res.Body, []byte(codes.For(w.x[0])[:4])) {
					t.Errorf("%s: %d %.200s", name, res.Status, res.Body)
				}
			}
			for _, bad := range []string{"", "99", "31.71.99"} {
				if res := w.officeX.Do(t, "GET", path+bad, nil); res.Status != 404 {
					t.Errorf("region %q: %d, want 404", bad, res.Status)
				}
			}
			if res := w.officeX.Do(t, "GET", "/api/v1/programs/nope/recipient-codes.csv?region=31.71", nil); res.Status != 404 {
				t.Errorf("unknown program: %d, want 404", res.Status)
			}
			if exports() != 3 {
				t.Errorf("%d export entries, want 3 (one per export answered)", exports())
			}
		})
	}
}

type drawn struct {
	ID    string
	Items []struct {
		AllocationID string `json:"allocation_id"`
		Name, Phone  string
	}
}

func (d drawn) ids() []string {
	var out []string
	for _, it := range d.Items {
		out = append(out, it.AllocationID)
	}
	return out
}

// rateItem is an organisation's confirmation rate as the API answers it.
type rateItem struct {
	OrgID        string `json:"org_id"`
	Organization string
	Checked      int
	Confirmed    int
	Rate         float64
}

func TestCallBackSamples(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newOfficeWorld(t, s, 104, 60)
			delivered := w.x[:100] // 60 of A and 40 of B; the last 4 (B's) stay reserved
			markDelivered(t, s, delivered...)
			markDelivered(t, s, w.y)
			draw := func(c *apptest.Client, region string, size, want int) drawn {
				t.Helper()
				res := c.Do(t, "POST", "/api/v1/verifications", map[string]any{"program_id": w.program, "region": region, "size": size})
				if res.Status != want {
					t.Fatalf("draw %d in %s: %d, want %d; %.300s", size, region, res.Status, want, res.Body)
				}
				var d drawn
				if want == 201 {
					res.JSON(t, &d)
				}
				return d
			}

			first := draw(w.officeX, "31.71", 10, 201)
			second := draw(w.officeX, "31.71.02.1003", 10, 201)
			for _, d := range []drawn{first, second} {
				if len(d.Items) != 10 {
					t.Fatalf("sample of %d, want 10", len(d.Items))
				}
				for _, it := range d.Items {
					if !slices.Contains(delivered, it.AllocationID) {
						t.Errorf("%s is not a delivered allocation of kota X", it.AllocationID)
					}
					if !strings.HasPrefix(it.Name, "Penerima Kartini") || !strings.Contains(it.Phone, "8125777") {
						t.Errorf("item %+v: want the recipient's name and phone", it)
					}
				}
			}
			for _, id := range second.ids() {
				if slices.Contains(first.ids(), id) {
					t.Errorf("%s is in two samples", id)
				}
			}
			sortedIDs := slices.Sorted(slices.Values(delivered))
			if f := slices.Sorted(slices.Values(first.ids())); slices.Equal(f, sortedIDs[:10]) {
				t.Errorf("the sample is the first ten by id, not a random draw")
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'callback.draw'`); n != 2 {
				t.Errorf("%d draws audited, want 2", n)
			}

			// Who may draw where.
			draw(w.officeY, "31.71", 5, 404)
			draw(w.collab, "31.71", 5, 404)
			draw(w.anon, "31.71", 5, 401)
			draw(w.officeX, "31.71", 0, 400)
			draw(w.officeX, "31.71", 201, 400)
			ys := draw(w.officeY, "31.74", 5, 201)
			if !slices.Equal(ys.ids(), []string{w.y}) {
				t.Errorf("office Y's sample %v, want its one delivered allocation", ys.ids())
			}
			rest := draw(w.adm, "31.71", 200, 201)
			if len(rest.Items) != 80 {
				t.Errorf("the admin's sample of the rest holds %d, want 80", len(rest.Items))
			}
			draw(w.officeX, "31.71", 1, 409)

			// Answers: yes for even positions, no for odd, the last two unanswered.
			answer := func(c *apptest.Client, sample, alloc string, body any, want int) {
				t.Helper()
				if res := c.Do(t, "POST", "/api/v1/verifications/"+sample+"/items/"+alloc, body); res.Status != want {
					t.Fatalf("answer %s in %s: %d, want %d; %.300s", alloc, sample, res.Status, want, res.Body)
				}
			}
			orgOf := map[string]string{}
			for i, id := range w.x {
				orgOf[id] = map[bool]string{true: w.orgA, false: w.orgB}[i < 60]
			}
			type tally struct{ checked, confirmed int }
			want := map[string]*tally{w.orgA: {}, w.orgB: {}}
			for i, id := range first.ids()[:8] {
				yes := i%2 == 0
				answer(w.officeX, first.ID, id, map[string]any{"confirmed": !yes, "note": "salah pencet"}, 200)
				answer(w.officeX, first.ID, id, map[string]any{"confirmed": yes, "note": "dijawab ibu"}, 200)
				want[orgOf[id]].checked++
				if yes {
					want[orgOf[id]].confirmed++
				}
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'callback.answer'`); n != 16 {
				t.Errorf("%d answers audited, want 16 (answering again is audited too)", n)
			}
			answer(w.officeX, first.ID, second.ids()[0], map[string]any{"confirmed": true}, 404)
			answer(w.officeY, first.ID, first.ids()[0], map[string]any{"confirmed": true}, 404)
			answer(w.collab, first.ID, first.ids()[0], map[string]any{"confirmed": true}, 404)
			answer(w.officeX, first.ID, first.ids()[0], map[string]any{"note": "?"}, 400)
			answer(w.officeX, first.ID, first.ids()[0], map[string]any{"confirmed": true, "note": strings.Repeat("x", 501)}, 400)
			answer(w.adm, first.ID, first.ids()[8], map[string]any{"confirmed": false}, 200)
			want[orgOf[first.ids()[8]]].checked++

			type rates struct{ Items []rateItem }
			var got rates
			res := w.officeX.Do(t, "GET", "/api/v1/programs/"+w.program+"/confirmation", nil)
			res.JSON(t, &got)
			if res.Status != 200 {
				t.Fatalf("confirmation: %d %.300s", res.Status, res.Body)
			}
			seen := 0
			for _, it := range got.Items {
				tl := want[it.OrgID]
				if tl == nil || it.Checked != tl.checked || it.Confirmed != tl.confirmed ||
					it.Rate != float64(tl.confirmed)/float64(tl.checked) || !strings.HasPrefix(it.Organization, "Yayasan Kantor") {
					t.Errorf("rate %+v, want %+v", it, tl)
				}
				seen++
			}
			wantOrgs := 0
			for _, tl := range want {
				if tl.checked > 0 {
					wantOrgs++
				}
			}
			if seen != wantOrgs {
				t.Errorf("%d organisations, want %d: %s", seen, wantOrgs, res.Body)
			}
			if !slices.IsSortedFunc(got.Items, func(a, b rateItem) int { return cmp.Compare(a.Rate, b.Rate) }) {
				t.Errorf("rates not lowest first: %s", res.Body)
			}
			var none rates
			res = w.officeY.Do(t, "GET", "/api/v1/programs/"+w.program+"/confirmation", nil)
			if res.JSON(t, &none); res.Status != 200 || len(none.Items) != 0 {
				t.Errorf("office Y sees %d %s, want no rates (nothing answered in its region)", res.Status, res.Body)
			}
			if res := w.collab.Do(t, "GET", "/api/v1/programs/"+w.program+"/confirmation", nil); res.Status != 404 {
				t.Errorf("collaborator: %d, want 404", res.Status)
			}
			res = w.adm.Do(t, "GET", "/api/v1/programs/"+w.program+"/confirmation?format=csv", nil)
			rows := readCSV(t, res.Body)
			if res.Status != 200 || !slices.Equal(rows[0], []string{"org_id", "organization", "checked", "confirmed", "rate"}) || len(rows) != len(got.Items)+1 {
				t.Errorf("CSV: %d %v", res.Status, rows)
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'callback.confirmation.export'`); n != 1 {
				t.Errorf("%d CSV exports audited, want 1", n)
			}
		})
	}
}

// TestCallBackPages draws a sample and answers it through the pages.
func TestCallBackPages(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	w := newOfficeWorld(t, s, 3, 3)
	markDelivered(t, s, w.x...)
	offX, pw := s.User(t, account.Office, "31.71", "")
	page := s.Client()
	page.Login(t, offX.Email, pw)
	res := page.Do(t, "GET", "/verifications", nil)
	if res.Status != 200 || !bytes.Contains(res.Body, []byte(`id="draw-form"`)) || !bytes.Contains(res.Body, []byte("Sembako Kantor")) {
		t.Fatalf("list: %d %.500s", res.Status, res.Body)
	}
	res = page.Do(t, "POST", "/verifications", url.Values{"program_id": {w.program}, "region": {"31.71.02"}, "size": {"2"}})
	loc := res.Header.Get("Location")
	if res.Status != 303 || !strings.HasPrefix(loc, "/verifications/") {
		t.Fatalf("draw: %d %q", res.Status, loc)
	}
	res = page.Do(t, "GET", loc, nil)
	body := string(res.Body)
	if res.Status != 200 || strings.Count(body, `href="tel:`) != 2 || !strings.Contains(body, "Ya, diterima") || !strings.Contains(body, "Tidak diterima") {
		t.Fatalf("sample page: %d %.1500s", res.Status, body)
	}
	var alloc string
	for _, id := range w.x {
		if strings.Contains(body, `id="a-`+id+`"`) {
			alloc = id
			break
		}
	}
	res = page.Do(t, "POST", loc+"/items/"+alloc, url.Values{"confirmed": {"yes"}, "note": {"diterima anaknya"}})
	if res.Status != 303 {
		t.Fatalf("answer: %d %.300s", res.Status, res.Body)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM callback_items WHERE allocation_id = $1 AND answer = 'yes' AND note = 'diterima anaknya'`, alloc); n != 1 {
		t.Errorf("the answer was not recorded (%d rows)", n)
	}
	res = page.Do(t, "GET", "/verifications", nil)
	if !bytes.Contains(res.Body, []byte(strings.TrimPrefix(loc, "/verifications/"))) {
		t.Errorf("the list does not show the sample")
	}
}

// signed is a courier callback signed with secret at time at.
func signed(secret, body string, at time.Time) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + body))
	return map[string]string{"X-Gotong-Timestamp": ts, "X-Gotong-Signature": "sha256=" + hex.EncodeToString(m.Sum(nil))}
}

// postSigned sends a callback with headers.
func postSigned(t *testing.T, s *apptest.Server, provider, body string, headers map[string]string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/webhooks/courier/"+provider, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b.Bytes()}
}

func TestCourierWebhook(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newOfficeWorld(t, s, 4, 4)
			const secret, other = "rahasia-gosend-0123456789", "rahasia-grab-9876543210"
			for _, c := range []struct {
				as       *apptest.Client
				provider string
				body     any
				want     int
			}{
				{w.adm, "gosend", map[string]string{"secret": secret}, 200},
				{w.adm, "grabexpress", map[string]string{"secret": other}, 200},
				{w.adm, "gosend", map[string]string{"secret": "pendek"}, 400},
				{w.adm, "dhl", map[string]string{"secret": secret}, 404},
				{w.officeX, "gosend", map[string]string{"secret": "milik-kantor-0123456789"}, 404},
				{w.collab, "gosend", map[string]string{"secret": "milik-kolab-0123456789"}, 404},
				{w.anon, "gosend", map[string]string{"secret": "milik-anonim-0123456789"}, 401},
			} {
				res := c.as.Do(t, "PUT", "/api/v1/courier-providers/"+c.provider, c.body)
				if res.Status != c.want || bytes.Contains(res.Body, []byte("rahasia")) {
					t.Errorf("PUT %s: %d %.200s, want %d and no secret in the answer", c.provider, res.Status, res.Body, c.want)
				}
			}
			var stored string
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT secret FROM courier_providers WHERE name = 'gosend'`).Scan(&stored); err != nil ||
				strings.Contains(stored, secret) {
				t.Errorf("stored secret %q (%v): want it sealed", stored, err)
			}

			status := func(id string) string {
				var st string
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT status FROM allocations WHERE id = $1`, id).Scan(&st); err != nil {
					t.Fatal(err)
				}
				return st
			}
			receipts := func() int { return countRows(t, s, `SELECT COUNT(*) FROM webhook_receipts`) }
			// The engine's tick (every 30 s) may write its own entries in the middle
			// of a long run: count the provider's and the people's.
			audits := func() int { return countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE actor_id <> 'system'`) }
			// The provider reaches the stops of its own runs only: x[0..2] are a run
			// booked with gosend as GS-1; x[3] is in no run.
			run, err := s.App.Deliveries.Create(s.Ctx(), w.whoA, deliver.CreateInput{CommitmentID: commitmentOf(t, s, w.x[0]),
				AllocationIDs: w.x[:3], Courier: deliver.Courier{Provider: "gosend", Name: "Pak Joko", BookingRef: "GS-1"}})
			if err != nil {
				t.Fatalf("the provider's run: %+v %v", run, err)
			}
			pickup := fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"picked_up"}`, w.x[0])
			now := time.Now()
			for name, h := range map[string]map[string]string{
				"missing signature":      {"X-Gotong-Timestamp": strconv.FormatInt(now.Unix(), 10)},
				"missing timestamp":      {"X-Gotong-Signature": signed(secret, pickup, now)["X-Gotong-Signature"]},
				"wrong signature":        signed("bukan-rahasianya-000000", pickup, now),
				"another provider's key": signed(other, pickup, now),
				"stale (6 minutes)":      signed(secret, pickup, now.Add(-6*time.Minute)),
				"future (6 minutes)":     signed(secret, pickup, now.Add(6*time.Minute)),
				"not hex":                {"X-Gotong-Timestamp": strconv.FormatInt(now.Unix(), 10), "X-Gotong-Signature": "sha256=zz"},
			} {
				if res := postSigned(t, s, "gosend", pickup, h); res.Status != 401 || !strings.Contains(string(res.Body), `"unauthorized"`) {
					t.Errorf("%s: %d %.200s, want 401 unauthorized", name, res.Status, res.Body)
				}
			}
			for _, provider := range []string{"maxim", "dhl"} { // no secret; unknown
				if res := postSigned(t, s, provider, pickup, signed(secret, pickup, now)); res.Status != 401 {
					t.Errorf("%s: %d, want 401", provider, res.Status)
				}
			}
			if status(w.x[0]) != allocate.Reserved || receipts() != 0 {
				t.Fatalf("a refused callback changed something: %s, %d receipts", status(w.x[0]), receipts())
			}

			// A fresh pickup dispatches; its replay, as is or signed again, changes nothing.
			before := audits()
			h := signed(secret, pickup, now.Add(-4*time.Minute))
			first := postSigned(t, s, "gosend", pickup, h)
			if first.Status != 200 || status(w.x[0]) != allocate.Dispatched {
				t.Fatalf("pickup: %d %.300s, allocation %s", first.Status, first.Body, status(w.x[0]))
			}
			afterFirst := audits()
			if afterFirst != before+1 {
				t.Errorf("%d audit entries for the pickup, want 1", afterFirst-before)
			}
			for name, h := range map[string]map[string]string{"replayed": h, "signed again": signed(secret, pickup, now.Add(time.Second))} {
				again := postSigned(t, s, "gosend", pickup, h)
				if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) {
					t.Errorf("%s: %d %s, want the first answer %d %s", name, again.Status, again.Body, first.Status, first.Body)
				}
			}
			if receipts() != 1 || audits() != afterFirst {
				t.Errorf("the replays changed something: %d receipts, %d new audit entries", receipts(), audits()-afterFirst)
			}

			// Another booking, or a stop in no run of the provider, is not found.
			for _, body := range []string{fmt.Sprintf(`{"booking_ref":"GS-9","allocation_id":%q,"status":"picked_up"}`, w.x[1]),
				fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"picked_up"}`, w.x[3])} {
				if res := postSigned(t, s, "gosend", body, signed(secret, body, now)); res.Status != 404 {
					t.Errorf("%s: %d %.200s, want 404", body, res.Status, res.Body)
				}
			}
			for _, id := range w.x[1:3] {
				body := fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"picked_up"}`, id)
				if res := postSigned(t, s, "gosend", body, signed(secret, body, now)); res.Status != 200 {
					t.Fatalf("pickup %s: %d %.200s", id, res.Status, res.Body)
				}
			}
			// A failure gives the quantity back; a bad reason changes nothing.
			bad := fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"failed","reason":"lupa"}`, w.x[1])
			if res := postSigned(t, s, "gosend", bad, signed(secret, bad, now)); res.Status != 400 || receipts() != 3 {
				t.Errorf("bad reason: %d %.200s, %d receipts; want 400 and nothing recorded", res.Status, res.Body, receipts())
			}
			failed := fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"failed","reason":"not_home"}`, w.x[1])
			fh := signed(secret, failed, now)
			firstFail := postSigned(t, s, "gosend", failed, fh)
			if firstFail.Status != 200 || status(w.x[1]) != allocate.Failed {
				t.Errorf("failed: %d %.200s, allocation %s", firstFail.Status, firstFail.Body, status(w.x[1]))
			}
			// Failing twice would be a conflict: the replay must not reach the engine.
			if again := postSigned(t, s, "gosend", failed, fh); again.Status != 200 || !bytes.Equal(again.Body, firstFail.Body) {
				t.Errorf("replayed failure: %d %s, want the first answer %s", again.Status, again.Body, firstFail.Body)
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM needs n JOIN allocations a ON a.need_id = n.id WHERE a.id = $1 AND n.allocated = 0`, w.x[1]); n != 1 {
				t.Errorf("the failed allocation's need still holds its unit")
			}
			// Delivered is recorded with the provider as its proof, once.
			done := fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"delivered"}`, w.x[2])
			if res := postSigned(t, s, "gosend", done, signed(secret, done, now)); res.Status != 200 || status(w.x[2]) != allocate.Delivered {
				t.Errorf("delivered: %d %.200s, allocation %s", res.Status, res.Body, status(w.x[2]))
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM delivery_proofs WHERE allocation_id = $1 AND kind = 'provider'`, w.x[2]); n != 1 {
				t.Errorf("%d provider proofs for the delivered stop, want 1", n)
			}
			again := fmt.Sprintf(`{"booking_ref":"GS-1","allocation_id":%q,"status":"delivered","reason":""}`, w.x[2])
			if res := postSigned(t, s, "gosend", again, signed(secret, again, now)); res.Status != 404 {
				t.Errorf("delivered again (a new body): %d %.200s, want 404: the stop has left the open run", res.Status, res.Body)
			}
			for _, body := range []string{`{"allocation_id":"x","status":"lost"}`, `{"status":"picked_up"}`, `{"allocation_id":"x","status":"picked_up","extra":1}`, `[]`} {
				if res := postSigned(t, s, "gosend", body, signed(secret, body, now)); res.Status != 400 {
					t.Errorf("body %s: %d, want 400", body, res.Status)
				}
			}
			unknown := `{"booking_ref":"GS-1","allocation_id":"tidak-ada","status":"picked_up"}`
			if res := postSigned(t, s, "gosend", unknown, signed(secret, unknown, now)); res.Status != 404 {
				t.Errorf("unknown allocation: %d, want 404", res.Status)
			}
			big := `{"allocation_id":"x","status":"failed","reason":"` + strings.Repeat("a", 5000) + `"}`
			if res := postSigned(t, s, "gosend", big, signed(secret, big, now)); res.Status != 413 {
				t.Errorf("a 5 KB callback: %d, want 413", res.Status)
			}
			if receipts() != 5 {
				t.Errorf("%d receipts, want 5 (three pickups, the failure, the delivery)", receipts())
			}
		})
	}
}

// officeFixture is the role table's call-back sample: one delivered allocation of
// organisation A from the pool RW in Karang Anyar (kota X), drawn by the admin.
type officeFixture struct {
	sampleX, sampleAllocX string
}

func (f *roleFixture) seedOffice(t *testing.T) {
	t.Helper()
	_, alloc := f.poolCommitment(t)
	markDelivered(t, f.s, alloc)
	res := f.api[admin].Do(t, "POST", "/api/v1/verifications", map[string]any{"program_id": f.prog.program, "region": "31.71.02.1002", "size": 1})
	var d drawn
	if res.JSON(t, &d); res.Status != 201 || len(d.Items) != 1 {
		t.Fatalf("the fixture's sample: %d %s", res.Status, res.Body)
	}
	f.office = officeFixture{sampleX: d.ID, sampleAllocX: d.Items[0].AllocationID}
}

// expandOfficePath fills the office placeholders of a row's path.
func expandOfficePath(path string, f *roleFixture) string {
	return strings.NewReplacer("{sampleX}", f.office.sampleX, "{sampleAllocX}", f.office.sampleAllocX).Replace(path)
}

// officeRows are the office's delivery endpoints: recipient codes, call-back
// samples and rates (offices within their region, and the admin), providers'
// secrets (the admin), and the providers' webhook (a signature, not a user).
func officeRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	staff := func(code int) statuses { return statuses{401, 404, 404, code, code, code} }
	inX := func(code int) statuses { return statuses{401, 404, 404, code, 404, code} }
	page := func(s statuses) statuses { s[anonymous] = 303; return s }
	// delivered makes a delivered allocation in Karang Anyar for the row's draw.
	delivered := func(form bool) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			_, alloc := f.poolCommitment(t)
			markDelivered(t, f.s, alloc)
			var body any = map[string]any{"program_id": f.prog.program, "region": "31.71.02.1002", "size": 1}
			if form {
				body = url.Values{"program_id": {f.prog.program}, "region": {"31.71.02.1002"}, "size": {"1"}}
			}
			return freshObjects{body: body}
		}
	}
	return []roleRow{
		// First, before any answer: an office sees the organisations of its region's
		// answers (API.md), which the fixture's secrets keep from offices elsewhere;
		// TestCallBackSamples checks the names and figures.
		{method: "GET", path: "/api/v1/programs/{program}/confirmation", want: staff(200), show: text(`"items":[]`)},
		{method: "GET", path: "/api/v1/programs/{program}/confirmation?format=csv", want: staff(200), show: text("org_id,organization,checked")},
		{method: "GET", path: "/api/v1/programs/{program}/recipient-codes.csv?region=31.71.02", want: inX(200),
			show: func(f *roleFixture, r role) []string { return []string{"allocation_id,name,rw,rt,code", f.prog.hadi} }},
		{method: "POST", path: "/api/v1/verifications", want: inX(201), fresh: delivered(false), show: text(`"phone"`, "Ketua Kolam Rahasia")},
		{method: "POST", path: "/api/v1/verifications/{sampleX}/items/{sampleAllocX}", body: map[string]any{"confirmed": true}, want: inX(200),
			show: text(`"confirmed":true`)},
		{method: "PUT", path: "/api/v1/courier-providers/gosend", body: map[string]string{"secret": "rahasia-peran-0123456789"}, want: apiAdmin(200),
			show: text(`"secret_set":true`), hide: text("rahasia-peran")},
		{method: "POST", path: "/api/v1/webhooks/courier/gosend", body: map[string]string{"allocation_id": "x", "status": "picked_up"}, want: everyone(401)},

		{method: "GET", path: "/verifications", want: page(staff(200)), to: toLogin(""), show: text(`id="draw-form"`)},
		{method: "POST", path: "/verifications", want: page(inX(303)), to: toLogin("/verifications/"), fresh: delivered(true)},
		{method: "GET", path: "/verifications/{sampleX}", want: page(inX(200)), to: toLogin(""), show: text(`href="tel:`, "Ketua Kolam Rahasia")},
		{method: "POST", path: "/verifications/{sampleX}/items/{sampleAllocX}", body: url.Values{"confirmed": {"yes"}}, want: page(inX(303)),
			to: toLogin("/verifications/")},
	}
}

// officeConformance calls the office's delivery endpoints as an office works: the
// codes for the RW heads, a call-back sample answered, the rates; and a courier
// provider's secret set and one signed callback.
func officeConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	imp := adminImporter(t, s)
	hh := householdHeader
	for i := range 2 {
		birth := fmt.Sprintf("1975-0%d-0%d", i+1, i+1)
		hh += hhRow(kkOf("317102", 7500+i), nikOf("317102", birth, false, 7500+i), fmt.Sprintf("Warga Skema Kantor %d", i), birth, "L",
			"Kepala Keluarga", "31.71.02.1005", "1", "1", "Jl. Skema Kantor", "0812577788"+strconv.Itoa(10+i), "")
	}
	importKind(t, s, imp, registry.Household, "kantor-skema.csv", hh)
	p, _ := publishProgram(t, s, program.Input{Name: "Sembako Skema Kantor", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02.1005"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	org, u, _ := s.Org(t, "Yayasan Skema Kantor", true)
	cm, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: u.ID, OrgID: org.ID}, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1",
		Quantity: 2, Region: "31.71.02.1005", DeliverBy: futureDate(2)})
	if err != nil || cm.Allocated != 2 {
		t.Fatalf("commit: %+v, %v", cm, err)
	}
	ids, err := store.All(s.Ctx(), s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1 ORDER BY id`, cm.ID)
	if err != nil {
		t.Fatal(err)
	}
	markDelivered(t, s, ids[0])

	k.do(t, apiCall{as: c.office, method: "GET", path: "/api/v1/programs/" + p.ID + "/recipient-codes.csv?region=31.71.02.1005", want: 200})
	k.do(t, apiCall{as: c.otherOffice, method: "GET", path: "/api/v1/programs/" + p.ID + "/recipient-codes.csv?region=31.71.02.1005", want: 404})
	var d drawn
	k.do(t, apiCall{as: c.office, method: "POST", path: "/api/v1/verifications", body: map[string]any{"program_id": p.ID, "region": "31.71.02.1005", "size": 5},
		want: 201}).JSON(t, &d)
	k.do(t, apiCall{as: c.office, method: "POST", path: "/api/v1/verifications", body: map[string]any{"program_id": p.ID, "region": "31.71.02.1005", "size": 0},
		want: 400, docRejects: true})
	k.do(t, apiCall{as: c.office, method: "POST", path: "/api/v1/verifications", body: map[string]any{"program_id": p.ID, "region": "31.71.02.1005", "size": 5},
		want: 409})
	k.do(t, apiCall{as: c.office, method: "POST", path: "/api/v1/verifications/" + d.ID + "/items/" + ids[0], body: map[string]any{"confirmed": true, "note": "ya"},
		want: 200})
	k.do(t, apiCall{as: c.office, method: "POST", path: "/api/v1/verifications/" + d.ID + "/items/" + ids[1], body: map[string]any{"confirmed": true},
		want: 404})
	k.do(t, apiCall{as: c.office, method: "GET", path: "/api/v1/programs/" + p.ID + "/confirmation", want: 200})
	k.do(t, apiCall{as: c.admin, method: "GET", path: "/api/v1/programs/" + p.ID + "/confirmation?format=csv", want: 200})

	const secret = "rahasia-skema-0123456789"
	k.do(t, apiCall{as: c.admin, method: "PUT", path: "/api/v1/courier-providers/maxim", body: map[string]string{"secret": secret}, want: 200})
	k.do(t, apiCall{as: c.admin, method: "PUT", path: "/api/v1/courier-providers/maxim", body: map[string]string{"secret": "pendek"}, want: 400,
		docRejects: true})
	if _, err := s.App.Deliveries.Create(s.Ctx(), allocate.Who{UserID: u.ID, OrgID: org.ID, Role: account.Collaborator, OrgVerified: true},
		deliver.CreateInput{CommitmentID: cm.ID, AllocationIDs: ids[1:2], Courier: deliver.Courier{Provider: "maxim", Name: "Pak Skema", BookingRef: "MX-1"}}); err != nil {
		t.Fatalf("the provider's run: %v", err)
	}
	body := fmt.Sprintf(`{"booking_ref":"MX-1","allocation_id":%q,"status":"picked_up"}`, ids[1])
	k.do(t, apiCall{as: c.anon, method: "POST", path: "/api/v1/webhooks/courier/maxim", body: body, header: signed(secret, body, time.Now()), want: 200})
	k.do(t, apiCall{as: c.anon, method: "POST", path: "/api/v1/webhooks/courier/maxim", body: body,
		header: signed(secret, body, time.Now().Add(-10*time.Minute)), want: 401})
}

// commitmentOf is the commitment an allocation belongs to.
func commitmentOf(t *testing.T, s *apptest.Server, allocationID string) string {
	t.Helper()
	var id string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT commitment_id FROM allocations WHERE id = $1`, allocationID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
