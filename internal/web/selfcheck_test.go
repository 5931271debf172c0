package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// selfWorld is a kelurahan of Gambir (31.71) with two households in one food
// program: Bambang's (with his wife Sri) and a neighbour's; a verified organisation
// that delivers; offices of kota X and Y; and the admin.
type selfWorld struct {
	s                          *apptest.Server
	prog                       program.Program
	hh, neighbour              string // target ids
	head, wife, neighbourNIK   string
	who                        allocate.Who
	collab, officeX, officeY   *apptest.Client
	admin, anon                *apptest.Client
	headName, wifeName, nbName string
	timing                     []string // NIKs of the measured households, named "Warga Ukur i"
}

func newSelfWorld(t *testing.T, s *apptest.Server, households int) *selfWorld {
	t.Helper()
	w := &selfWorld{s: s}
	n := serial(s)
	w.headName, w.wifeName, w.nbName = "Bambang Cek Sendiri", "Sri Cek Sendiri", "Joko Tetangga Cek"
	kk, kk2 := kkOf("317101", n), kkOf("317101", n+1)
	w.head, w.wife = nikOf("317101", "1961-08-17", false, n), nikOf("317101", "1965-02-03", true, n)
	w.neighbourNIK = nikOf("317101", "1970-01-05", false, n+1)
	file := householdHeader +
		hhRow(kk, w.head, w.headName, "1961-08-17", "L", "Kepala Keluarga", "31.71.01.1001", "4", "2", "Jl. Cek No. 1", "081211119001", "lansia") +
		hhRow(kk, w.wife, w.wifeName, "1965-02-03", "P", "Istri", "31.71.01.1001", "4", "2", "Jl. Cek No. 1", "", "") +
		hhRow(kk2, w.neighbourNIK, w.nbName, "1970-01-05", "L", "Kepala Keluarga", "31.71.01.1002", "4", "3", "Jl. Cek No. 2", "081211119002", "")
	for i := range households {
		// Each its own birth date, so that no two are taken for one person.
		birth := time.Date(1980, 1, 1+13*i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		nik := nikOf("317101", birth, false, n+2+i)
		file += hhRow(kkOf("317101", n+2+i), nik, fmt.Sprintf("Warga Ukur %d", i), birth, "L", "Kepala Keluarga",
			"31.71.01.1003", "5", "1", "Jl. Ukur", "", "")
		w.timing = append(w.timing, nik)
	}
	offX, _ := s.User(t, account.Office, "31.71", "")
	offY, _ := s.User(t, account.Office, "31.74", "")
	importKind(t, s, importer(offX), registry.Household, s.Unique("cek-")+".csv", file)
	w.prog, _ = publishProgram(t, s, program.Input{Name: "Sembako Cek Bantuan", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket"},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.01"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	w.hh = w.id(t, w.headName)
	w.neighbour = w.id(t, w.nbName)
	org, u, _ := s.Org(t, s.Unique("Yayasan Cek "), true)
	w.who = allocate.Who{UserID: u.ID, OrgID: org.ID}
	admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	w.collab, w.officeX, w.officeY, w.admin, w.anon = s.As(t, u.ID), s.As(t, offX.ID), s.As(t, offY.ID), s.As(t, admin.ID), s.Client()
	return w
}

func (w *selfWorld) id(t *testing.T, name string) string {
	t.Helper()
	return w.id2(t, `SELECT id FROM targets WHERE name = $1`, name)
}

// id2 reads one string.
func (w *selfWorld) id2(t *testing.T, query string, arg any) string {
	t.Helper()
	var id string
	if err := w.s.App.DB.R().QueryRowContext(context.Background(), query, arg).Scan(&id); err != nil {
		t.Fatalf("%s %v: %v", query, arg, err)
	}
	return id
}

// commit has the organisation commit one package to Bambang's kelurahan, which
// only his household needs, and returns the allocation.
func (w *selfWorld) commit(t *testing.T) string {
	t.Helper()
	cm, err := w.s.App.Allocations.Commit(w.s.Ctx(), w.who, allocate.Request{ProgramID: w.prog.ID, Phase: "Minggu 1", Quantity: 1,
		Region: "31.71.01.1001", DeliverBy: futureDate(2)})
	if err != nil || cm.Allocated != 1 {
		t.Fatalf("commit: %+v %v", cm, err)
	}
	return w.id2(t, `SELECT id FROM allocations WHERE commitment_id = $1`, cm.ID)
}

// move dispatches or delivers the allocation as the organisation.
func (w *selfWorld) move(t *testing.T, alloc, step string, body any) {
	t.Helper()
	if r := w.collab.Do(t, "POST", "/api/v1/allocations/"+alloc+"/"+step, body); r.Status != 200 {
		t.Fatalf("%s: %d %s", step, r.Status, r.Body)
	}
}

// check asks the self-check with a fresh human check.
func check(t *testing.T, c *apptest.Client, nik, name string) apptest.Response {
	t.Helper()
	return c.Do(t, "POST", "/api/v1/self-check", map[string]string{"nik": nik, "name": name, "altcha": c.Human(t)})
}

type selfAnswer struct {
	Found    bool `json:"found"`
	Programs []struct {
		Program, Phase, Status string
		DeliveredOn            string `json:"delivered_on"`
		RecipientCode          string `json:"recipient_code"`
	} `json:"programs"`
}

// one asks and expects a found answer with exactly one program phase.
func (w *selfWorld) one(t *testing.T, c *apptest.Client, nik, name string) (status, deliveredOn, code string) {
	t.Helper()
	r := check(t, c, nik, name)
	if r.Status != http.StatusOK {
		t.Fatalf("self-check: %d %s", r.Status, r.Body)
	}
	var a selfAnswer
	r.JSON(t, &a)
	if !a.Found || len(a.Programs) != 1 {
		t.Fatalf("self-check of %s: %s, want found with one program", name, r.Body)
	}
	p := a.Programs[0]
	if p.Program != w.prog.Name || p.Phase != "Minggu 1" {
		t.Errorf("program %q phase %q, want %q, Minggu 1", p.Program, p.Phase, w.prog.Name)
	}
	return p.Status, p.DeliveredOn, p.RecipientCode
}

func TestSelfCheckFollowsOnesOwnAidAsItMoves(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newSelfWorld(t, s, 0)
			c := s.Client()
			codes := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))

			if st, on, code := w.one(t, c, w.head, w.headName); st != "waiting" || on != "" || code != "" {
				t.Errorf("before any commitment: %s %q %q, want waiting without date or code", st, on, code)
			}
			// The name as people type it: case, spaces, punctuation, a title.
			if st, _, _ := w.one(t, c, "3171 0117 0861 "+w.head[12:], "  bapak BAMBANG  cek-sendiri. "); st != "waiting" {
				t.Errorf("a leniently written name: %s", st)
			}
			// Reserved for a collaborator: still waiting, and the code is open.
			alloc := w.commit(t)
			want := deliver.Format(codes.For(alloc))
			if st, _, code := w.one(t, c, w.head, w.headName); st != "waiting" || code != want {
				t.Errorf("reserved: %s %q, want waiting with code %q", st, code, want)
			}
			// The wife is a member of the household: the same aid, her own answer.
			if st, _, code := w.one(t, c, w.wife, w.wifeName); st != "waiting" || code != want {
				t.Errorf("the wife's check: %s %q", st, code)
			}
			w.move(t, alloc, "dispatch", nil)
			if st, _, code := w.one(t, c, w.head, w.headName); st != "on_the_way" || code != want {
				t.Errorf("dispatched: %s %q, want on_the_way with the code", st, code)
			}
			// The neighbour's aid is untouched: their own answer says waiting, no code.
			if st, _, code := w.one(t, c, w.neighbourNIK, w.nbName); st != "waiting" || code != "" {
				t.Errorf("the neighbour: %s %q, want waiting without code", st, code)
			}
			w.move(t, alloc, "deliver", map[string]any{"recipient_code": want, "received_by": "Sri"})
			today := time.Now().In(time.FixedZone("WIB", 7*3600)).Format(time.DateOnly)
			if st, on, code := w.one(t, c, w.head, w.headName); st != "delivered" || on != today || code != "" {
				t.Errorf("delivered: %s %q %q, want delivered on %s without code", st, on, code, today)
			}

			// Nothing about anyone else: not the other members, not the neighbour.
			r := check(t, c, w.wife, w.wifeName)
			for _, secret := range []string{w.headName, w.head, w.nbName, w.neighbourNIK, "Jl. Cek", w.hh, alloc, w.who.OrgID} {
				if bytes.Contains(r.Body, []byte(secret)) {
					t.Errorf("the wife's answer shows %q: %s", secret, r.Body)
				}
			}

			// The page says it in words, in Indonesian, with the date as people say it.
			form := url.Values{"nik": {w.head}, "name": {w.headName}, "altcha": {c.Human(t)}}
			page := c.Do(t, "POST", "/cek-bantuan", form)
			d, _ := time.Parse(time.DateOnly, today)
			months := []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}
			said := fmt.Sprintf("Sudah diterima pada %d %s %d", d.Day(), months[d.Month()-1], d.Year())
			if page.Status != 200 || !bytes.Contains(page.Body, []byte(said)) || !bytes.Contains(page.Body, []byte(w.prog.Name)) {
				t.Errorf("the page's answer: %d, want %q in %.2000s", page.Status, said, page.Body)
			}
			// A replayed human check is refused, on the page and in the API.
			if again := c.Do(t, "POST", "/cek-bantuan", form); again.Status != 400 || bytes.Contains(again.Body, []byte(said)) {
				t.Errorf("a replayed check on the page: %d", again.Status)
			}
			payload := c.Human(t)
			body := map[string]string{"nik": w.head, "name": w.headName, "altcha": payload}
			if first := c.Do(t, "POST", "/api/v1/self-check", body); first.Status != 200 {
				t.Fatalf("first use: %d %s", first.Status, first.Body)
			}
			if again := c.Do(t, "POST", "/api/v1/self-check", body); again.Status != 400 || again.ErrorCode() != "invalid" {
				t.Errorf("a replayed check: %d %s, want 400 invalid", again.Status, again.Body)
			}
			// Input that cannot be a question is refused with a clear 400.
			for _, bad := range []map[string]string{{"nik": "12345", "name": "Bambang"}, {"nik": w.head, "name": " .. "},
				{"nik": "3171O11708610001", "name": "Bambang"}} {
				bad["altcha"] = c.Human(t)
				if r := c.Do(t, "POST", "/api/v1/self-check", bad); r.Status != 400 || r.ErrorCode() != "invalid" {
					t.Errorf("%v: %d %s, want 400 invalid", bad, r.Status, r.Body)
				}
			}
		})
	}
}

// fromAddr is an anonymous client whose connections leave from the loopback
// address ip, so that a test can be many clients to the per-address limits.
func fromAddr(s *apptest.Server, ip string) *apptest.Client {
	c := s.Client()
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c.HTTP = &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c
}

func TestSelfCheckCannotBeUsedToEnumerate(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			const perKind, households = 60, 20 // each NIK is asked 3 times right and 3 wrong: under its limit of 10
			w := newSelfWorld(t, s, households)
			addr := 0
			next := func() *apptest.Client {
				addr++
				return fromAddr(s, fmt.Sprintf("127.0.%d.%d", 10+addr/200, 1+addr%200))
			}

			t.Run("an unknown NIK and a wrong name answer the same body", func(t *testing.T) {
				c := next()
				unknown := check(t, c, nikOf("317101", "1999-09-09", true, 9999), w.headName)
				wrong := check(t, c, w.head, "Budi Santoso")
				empty := check(t, c, w.head, "Bambang")
				if unknown.Status != 200 || !bytes.Equal(unknown.Body, wrong.Body) || !bytes.Equal(unknown.Body, empty.Body) {
					t.Errorf("unknown %d %s, wrong name %d %s, part of the name %d %s: want one answer", unknown.Status, unknown.Body,
						wrong.Status, wrong.Body, empty.Status, empty.Body)
				}
				if strings.TrimSpace(string(unknown.Body)) != `{"found":false}` {
					t.Errorf("not found answers %s", unknown.Body)
				}
				for _, h := range []string{"Content-Length", "Content-Type", "Cache-Control"} {
					if unknown.Header.Get(h) != wrong.Header.Get(h) {
						t.Errorf("header %s differs: %q / %q", h, unknown.Header.Get(h), wrong.Header.Get(h))
					}
				}
			})

			t.Run("the three answers take a similar time", func(t *testing.T) {
				durations := map[string][]time.Duration{}
				c := next()
				used := 0
				ask := func(kind, nik, name string) {
					if used >= 25 { // 25 checks and 25 challenges an address: under both limits
						c, used = next(), 0
					}
					used++
					body := map[string]string{"nik": nik, "name": name, "altcha": c.Human(t)}
					start := time.Now()
					r := c.Do(t, "POST", "/api/v1/self-check", body)
					durations[kind] = append(durations[kind], time.Since(start))
					if r.Status != 200 || bytes.Contains(r.Body, []byte(`"found":true`)) != (kind == "found") {
						t.Fatalf("%s: %d %s", kind, r.Status, r.Body)
					}
				}
				for i := range perKind {
					h := i % households
					ask("found", w.timing[h], fmt.Sprintf("Warga Ukur %d", h))
					ask("wrong name", w.timing[h], "Nama Lain Sekali")
					ask("unknown", nikOf("317102", "1990-01-01", i%2 == 1, 9001+i), fmt.Sprintf("Warga Ukur %d", h))
				}
				lo, hi := time.Duration(1<<62), time.Duration(0)
				var figures []string
				for _, kind := range []string{"found", "wrong name", "unknown"} {
					m := median(durations[kind])
					lo, hi = min(lo, m), max(hi, m)
					figures = append(figures, fmt.Sprintf("%s %v", kind, m.Round(10*time.Microsecond)))
				}
				t.Logf("median of %d self-checks each: %s (factor %.2f)", perKind, strings.Join(figures, ", "), float64(hi)/float64(lo))
				if hi > 3*lo {
					t.Errorf("medians differ by more than 3×: %s", strings.Join(figures, ", "))
				}
			})

			t.Run("one address is limited after 60 checks a minute", func(t *testing.T) {
				c := next()
				bad := map[string]string{"nik": "123", "name": "Siapa Saja", "altcha": "x"}
				for i := range 60 {
					if r := c.Do(t, "POST", "/api/v1/self-check", bad); r.Status != 400 {
						t.Fatalf("check %d: %d %s, want 400 before the limit", i+1, r.Status, r.Body)
					}
				}
				if r := c.Do(t, "POST", "/api/v1/self-check", bad); r.Status != 429 || r.ErrorCode() != "rate_limited" {
					t.Errorf("check 61: %d %s, want 429", r.Status, r.Body)
				}
				if r := next().Do(t, "POST", "/api/v1/self-check", bad); r.Status != 400 {
					t.Errorf("another address: %d, want 400: the limit is the address's", r.Status)
				}
			})

			t.Run("one NIK is limited after 10 checks a minute, from any address", func(t *testing.T) {
				for i := range 10 {
					if r := check(t, next(), w.neighbourNIK, w.nbName); r.Status != 200 {
						t.Fatalf("check %d: %d %s", i+1, r.Status, r.Body)
					}
				}
				for _, name := range []string{w.nbName, "Nama Tebakan"} {
					if r := check(t, next(), w.neighbourNIK, name); r.Status != 429 || r.ErrorCode() != "rate_limited" {
						t.Errorf("check 11 (%s) from a new address: %d %s, want 429", name, r.Status, r.Body)
					}
				}
				if r := check(t, next(), w.head, w.headName); r.Status != 200 {
					t.Errorf("another NIK: %d, want 200", r.Status)
				}
			})
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
