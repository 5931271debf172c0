package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/storetest"
)

// Help requests, warga bantu warga (issue 14), through the API: the human check,
// the limits, the status lookup that tells nothing, and the office's decisions.

const helpVillage = "31.71.01.1002" // Cideng, kecamatan Gambir: kota X (31.71)

// helpWorld is a server with a published program for persons and households of
// kota X (31.71), the office of X, the office of Y (31.74) and the admin.
type helpWorld struct {
	s                       *apptest.Server
	program                 program.Program
	anon, officeX, officeY  *apptest.Client
	admin                   *apptest.Client
	officeXUser, officeYUsr account.User
}

func newHelpWorld(t *testing.T, s *apptest.Server) *helpWorld {
	t.Helper()
	w := &helpWorld{s: s, anon: s.Client()}
	w.officeXUser, _ = s.User(t, account.Office, "31.71", "")
	w.officeYUsr, _ = s.User(t, account.Office, "31.74", "")
	a, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	w.officeX, w.officeY, w.admin = s.As(t, w.officeXUser.ID), s.As(t, w.officeYUsr.ID), s.As(t, a.ID)
	w.program, _ = publishProgram(t, s, program.Input{Name: "Bantuan Warga " + s.Unique(""), Category: "pangan",
		Item: program.Item{Name: "Sembako", Unit: "paket"}, TargetKinds: []string{"household", "person"}, Regions: []string{"31.71"},
		PriorityTags: []string{}, Phases: weeks(1), QuantityRule: program.PerTarget})
	return w
}

// helpBody is a valid request for a person in kota X with phone, carrying altcha.
func helpBody(altcha, name, phone string) map[string]any {
	return map[string]any{"name": name, "phone": phone, "region": helpVillage, "rw": "2", "rt": "4",
		"address": "Jl. Kebon Kelapa No. 8", "need": "Sembako untuk keluarga isolasi mandiri", "need_kind": "food",
		"urgency": "critical", "on_behalf": false, "altcha": altcha}
}

// submitted finds a submitted request by reference, as the admin.
func (w *helpWorld) idOf(t *testing.T, reference string) string {
	t.Helper()
	items, err := w.s.App.Help.List(w.s.Ctx(), "31", help.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Reference == reference {
			return it.ID
		}
	}
	t.Fatalf("no request %s", reference)
	return ""
}

func (w *helpWorld) submit(t *testing.T, name, phone string) (help.Receipt, string) {
	t.Helper()
	var rec help.Receipt
	r := w.anon.Do(t, "POST", "/api/v1/help-requests", helpBody(w.anon.Human(t), name, phone))
	if r.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &rec)
	return rec, w.idOf(t, rec.Reference)
}

func helpConformance(t *testing.T, k *oapiChecker, s *apptest.Server) {
	w := newHelpWorld(t, s)
	var rec help.Receipt
	k.do(t, apiCall{as: w.anon, method: "POST", path: "/api/v1/help-requests", body: helpBody(w.anon.Human(t), "Ani Skema", "0812-3000-0001"),
		want: 201}).JSON(t, &rec)
	k.do(t, apiCall{as: w.anon, method: "POST", path: "/api/v1/help-requests", body: map[string]any{"name": "A", "altcha": "x"}, want: 400, docRejects: true})
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/help-requests/" + rec.Reference + "?phone=0001", want: 200})
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/help-requests/" + rec.Reference + "?phone=0002", want: 404})
	k.do(t, apiCall{as: w.anon, method: "GET", path: "/api/v1/help-requests", want: 401})
	k.do(t, apiCall{as: w.officeX, method: "GET", path: "/api/v1/help-requests?status=submitted&region=31.71", want: 200})
	k.do(t, apiCall{as: w.officeX, method: "GET", path: "/api/v1/help-requests?region=31.74", want: 404})
	k.do(t, apiCall{as: w.officeX, method: "GET", path: "/api/v1/help-requests?status=lost", want: 400, docRejects: true})
	id := w.idOf(t, rec.Reference)
	k.do(t, apiCall{as: w.officeY, method: "POST", path: "/api/v1/help-requests/" + id + "/accept", body: map[string]string{"program_id": w.program.ID}, want: 404})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: "/api/v1/help-requests/" + id + "/accept", body: map[string]string{"program_id": "nope"}, want: 400})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: "/api/v1/help-requests/" + id + "/accept", body: map[string]string{"program_id": w.program.ID}, want: 200})
	k.do(t, apiCall{as: w.officeX, method: "POST", path: "/api/v1/help-requests/" + id + "/accept", body: map[string]string{"program_id": w.program.ID}, want: 409})
	k.do(t, apiCall{as: w.anon, method: "POST", path: "/api/v1/help-requests/" + id + "/decline", body: map[string]string{"reason": "x"}, want: 401})
	_, other := w.submit(t, "Budi Skema", "0812-3000-0002")
	k.do(t, apiCall{as: w.admin, method: "POST", path: "/api/v1/help-requests/" + other + "/decline", body: map[string]string{}, want: 400})
	k.do(t, apiCall{as: w.admin, method: "POST", path: "/api/v1/help-requests/" + other + "/decline", body: map[string]string{"reason": "sudah dibantu RT"}, want: 200})
	k.do(t, apiCall{as: w.admin, method: "POST", path: "/api/v1/help-requests/" + other + "/decline", body: map[string]string{"reason": "lagi"}, want: 409})
}

func TestHelpRequestNeedsAFreshHumanCheck(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newHelpWorld(t, apptest.Start(t, eng))
			count := func() int {
				items, err := w.s.App.Help.List(w.s.Ctx(), "31", help.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				return len(items)
			}
			for name, altcha := range map[string]string{"missing": "", "forged": "eyJhbGdvcml0aG0iOiJTSEEtMjU2In0="} {
				if r := w.anon.Do(t, "POST", "/api/v1/help-requests", helpBody(altcha, "Ani "+name, "0812-3100-0001")); r.Status != http.StatusBadRequest {
					t.Fatalf("%s check: %d %s, want 400", name, r.Status, r.Body)
				}
			}
			solved := w.anon.Human(t)
			if r := w.anon.Do(t, "POST", "/api/v1/help-requests", helpBody(solved, "Ani Sekali", "0812-3100-0002")); r.Status != http.StatusCreated {
				t.Fatalf("first use: %d %s", r.Status, r.Body)
			}
			r := w.anon.Do(t, "POST", "/api/v1/help-requests", helpBody(solved, "Ani Dua Kali", "0812-3100-0003"))
			if r.Status != http.StatusBadRequest || count() != 1 {
				t.Fatalf("replayed check: %d %s and %d requests, want 400 and 1 request", r.Status, r.Body, count())
			}
		})
	}
}

func TestHelpRequestLimits(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newHelpWorld(t, s)
	t.Run("one phone number asks at most 5 times an hour", func(t *testing.T) {
		for i := range 7 {
			r := w.anon.Do(t, "POST", "/api/v1/help-requests", helpBody(w.anon.Human(t), "Ani Berulang", "0812-3200-0001"))
			switch {
			case i < 5 && r.Status != http.StatusCreated:
				t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
			case i >= 5 && r.Status != http.StatusTooManyRequests:
				t.Fatalf("request %d from one phone: %d, want 429", i+1, r.Status)
			}
		}
		// Another number is not held back.
		if r := w.anon.Do(t, "POST", "/api/v1/help-requests", helpBody(w.anon.Human(t), "Ani Lain", "0812-3200-0002")); r.Status != http.StatusCreated {
			t.Fatalf("another phone: %d %s", r.Status, r.Body)
		}
	})
	t.Run("one reference is looked up at most 10 times an hour", func(t *testing.T) {
		rec, _ := w.submit(t, "Ani Dicari", "0812-3200-0003")
		last := 0
		for i := 0; i < 12; i++ {
			last = w.anon.Do(t, "GET", "/api/v1/help-requests/"+rec.Reference+"?phone=9999", nil).Status
		}
		if last != http.StatusTooManyRequests {
			t.Fatalf("12th guess of the last four: %d, want 429", last)
		}
	})
	t.Run("one address sends at most 20 forms a minute", func(t *testing.T) {
		got := 0
		for range 25 {
			got = w.anon.Do(t, "POST", "/api/v1/help-requests", map[string]any{}).Status
			if got == http.StatusTooManyRequests {
				return
			}
		}
		t.Fatalf("no 429 after 25 requests from one address (last %d)", got)
	})
}

func TestHelpStatusLookupTellsNothing(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newHelpWorld(t, s)
	rec, _ := w.submit(t, "Rahasia Nama Warga", "0812-3300-0042")
	ok := w.anon.Do(t, "GET", "/api/v1/help-requests/"+strings.ToLower(rec.Reference)+"?phone=0042", nil)
	if ok.Status != http.StatusOK || strings.Contains(string(ok.Body), "Rahasia") || strings.Contains(string(ok.Body), "0812") {
		t.Fatalf("right reference and digits: %d %s", ok.Status, ok.Body)
	}
	wrongFour := w.anon.Do(t, "GET", "/api/v1/help-requests/"+rec.Reference+"?phone=0043", nil)
	wrongRef := w.anon.Do(t, "GET", "/api/v1/help-requests/BW-ZZZZZZZZ?phone=0042", nil)
	if wrongFour.Status != http.StatusNotFound || !bytes.Equal(wrongFour.Body, wrongRef.Body) || wrongRef.Status != wrongFour.Status {
		t.Fatalf("wrong last four: %d %s; wrong reference: %d %s; want the same 404", wrongFour.Status, wrongFour.Body, wrongRef.Status, wrongRef.Body)
	}
	// Similar time: the median of a wrong reference within a factor of the median of
	// wrong digits (both are one indexed read and one hash comparison).
	median := func(path string) time.Duration {
		var ds []time.Duration
		for range 7 {
			start := time.Now()
			w.s.App.Help.Lookup(context.Background(), path, "0043") //nolint:errcheck // the time is what is measured
			ds = append(ds, time.Since(start))
		}
		for i := range ds {
			for j := i + 1; j < len(ds); j++ {
				if ds[j] < ds[i] {
					ds[i], ds[j] = ds[j], ds[i]
				}
			}
		}
		return ds[len(ds)/2]
	}
	a, b := median(rec.Reference), median("BW-ZZZZZZZZ")
	if a > 5*b+time.Millisecond || b > 5*a+time.Millisecond {
		t.Fatalf("lookup times differ: wrong digits %v, wrong reference %v", a, b)
	}
	// The page says the same for both.
	pa := w.anon.Do(t, "GET", "/bantuan/status?"+url.Values{"ref": {rec.Reference}, "phone": {"0043"}}.Encode(), nil)
	pb := w.anon.Do(t, "GET", "/bantuan/status?"+url.Values{"ref": {"BW-ZZZZZZZZ"}, "phone": {"0043"}}.Encode(), nil)
	if pa.Status != pb.Status || !bytes.Equal(bytes.ReplaceAll(pa.Body, []byte(rec.Reference), nil), bytes.ReplaceAll(pb.Body, []byte("BW-ZZZZZZZZ"), nil)) {
		t.Fatalf("the status page differs for a wrong reference (%d) and wrong digits (%d)", pb.Status, pa.Status)
	}
}

func TestHelpRequestInputIsChecked(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newHelpWorld(t, s)
	cases := map[string]func(b map[string]any){
		"no name":                       func(b map[string]any) { delete(b, "name") },
		"a NIK of 15 digits":            func(b map[string]any) { b["nik"] = "317101020370000" },
		"a foreign phone":               func(b map[string]any) { b["phone"] = "+1 202 555 0100" },
		"a kecamatan, not a kelurahan":  func(b map[string]any) { b["region"] = "31.71.01" },
		"an unknown urgency":            func(b map[string]any) { b["urgency"] = "soon" },
		"on behalf without a requester": func(b map[string]any) { b["on_behalf"] = true; delete(b, "phone") },
		"RW 1000":                       func(b map[string]any) { b["rw"] = "1000" },
		"an unknown kind":               func(b map[string]any) { b["kind"] = "gift" },
		"no phone for oneself":          func(b map[string]any) { delete(b, "phone") },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			b := helpBody(w.anon.Human(t), "Ani Salah", "0812-3400-"+s.Unique("1"))
			change(b)
			r := w.anon.Do(t, "POST", "/api/v1/help-requests", b)
			if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
				t.Fatalf("status %d %s, want 400 invalid", r.Status, r.Body)
			}
		})
	}
	if items, err := s.App.Help.List(s.Ctx(), "31", help.Filter{}); err != nil || len(items) != 0 {
		t.Fatalf("%d requests after refused ones (%v), want none", len(items), err)
	}
	t.Run("the page shows the form again with what was typed and the reason in Indonesian", func(t *testing.T) {
		r := w.anon.Do(t, "POST", "/bantuan", url.Values{"name": {"Ani Halaman"}, "phone": {"0812-3400-9999"}, "region": {helpVillage},
			"address": {"Jl. Halaman 1"}, "need": {"Makan"}, "urgency": {"high"}, "altcha": {w.anon.Human(t)}, "nik": {"12"}})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `value="Ani Halaman"`) || !strings.Contains(string(r.Body), `id="help-error"`) {
			t.Fatalf("status %d; body %.600s", r.Status, r.Body)
		}
	})
}

// The office's page of a request lists the registry's people the request may be,
// and accepting one with the same name in the kelurahan finds that household.
func TestHelpRequestPageShowsTheRegistryCandidates(t *testing.T) {
	s := apptest.Start(t, storetest.Engines(t)[0])
	w := newHelpWorld(t, s)
	importAs(t, s, adminImporter(t, s), "warga.csv", householdHeader+
		hhRow(kkOf("317101", 77), birthNIK(t, "317101", "1958-11-02", true, 77), "Sumirah Kandidat", "1958-11-02", "P", "Kepala Keluarga",
			helpVillage, "2", "4", "Jl. Kebon Kelapa No. 9", "", ""))
	_, id := w.submit(t, "Sumirah Kandidat", "0812-3500-0001")
	page := w.officeX.Do(t, "GET", "/help-requests/"+id, nil)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `id="help-candidates"`) ||
		!strings.Contains(string(page.Body), "Sumirah Kandidat</a>") || !strings.Contains(string(page.Body), "Rumah tangga (KK) · RW 2") {
		t.Fatalf("status %d; the page does not list the registered household: %.2000s", page.Status, page.Body)
	}
	var d help.Decision
	r := w.officeX.Do(t, "POST", "/api/v1/help-requests/"+id+"/accept", map[string]string{"program_id": w.program.ID})
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &d)
	if !d.MatchedExisting {
		t.Fatalf("accepting a registered name: %+v, want the household found", d)
	}
}
