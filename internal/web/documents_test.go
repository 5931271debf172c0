package web_test

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/document/pdftest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// docFixture is a verified collaborator whose commitment holds three households of
// Kenari (one package each) in one run, and another verified organisation.
type docFixture struct {
	s          *apptest.Server
	collab     *apptest.Client
	other      *apptest.Client
	org        string
	commitment string
	run, token string
	allocs     []string
	niks       []string
	codes      deliver.Codes
}

var docPeople = []string{"Sutrisno Dokumen", "Wartini Dokumen", "Yohanes Dokumen"}

func newDocFixture(t *testing.T, s *apptest.Server) *docFixture {
	t.Helper()
	f := &docFixture{s: s, codes: deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))}
	file := householdHeader
	base := serial(s)
	for i, name := range docPeople {
		nik := nikOf("317102", "1970-01-0"+strconv.Itoa(i+1), i == 1, base+i)
		f.niks = append(f.niks, nik)
		file += hhRow(kkOf("317102", base+i), nik, name, "1970-01-0"+strconv.Itoa(i+1), []string{"L", "P", "L"}[i], "Kepala Keluarga",
			"31.71.02.1002", "3", strconv.Itoa(i+1), "Jl. Kenari Dalam No. "+strconv.Itoa(i+1), fmt.Sprintf("08134444%04d", base+i), "")
	}
	importKind(t, s, adminImporter(t, s), registry.Household, "dokumen.csv", file)
	p, _ := publishProgram(t, s, program.Input{Name: "Sembako Berkas", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
		TargetKinds: []string{"household"}, Regions: []string{"31.71.02"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	org, collab, _ := s.Org(t, "Yayasan Berkas Nusantara", true)
	_, other, _ := s.Org(t, "Yayasan Lain", true)
	f.collab, f.other, f.org = s.As(t, collab.ID), s.As(t, other.ID), org.ID
	c, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: collab.ID, OrgID: collab.OrgID},
		allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: len(docPeople), Region: "31.71.02.1002", DeliverBy: futureDate(2)})
	if err != nil || c.Allocated != len(docPeople) {
		t.Fatalf("commit: %+v, %v", c, err)
	}
	f.commitment = c.ID
	if f.allocs, err = store.All(s.Ctx(), s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1 ORDER BY id`, c.ID); err != nil {
		t.Fatal(err)
	}
	var out struct {
		ID         string
		CourierURL string `json:"courier_url"`
	}
	r := f.collab.Do(t, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": c.ID, "allocation_ids": f.allocs,
		"courier": map[string]string{"provider": "grabexpress", "name": "Andi Pengantar", "plate": "B 4321 KJ", "booking_ref": "GX-77"}})
	if r.Status != 201 {
		t.Fatalf("create run: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &out)
	f.run, f.token = out.ID, strings.TrimPrefix(out.CourierURL, s.URL+"/c/")
	return f
}

// pdf fetches a PDF as c, checks it is one, and returns its file.
func (f *docFixture) pdf(t *testing.T, c *apptest.Client, path string) string {
	t.Helper()
	r := c.Do(t, "GET", path, nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "%PDF-") {
		t.Fatalf("GET %s: %d %.200s", path, r.Status, r.Body)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, r.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// pdfText reads a PDF's text back with pdftotext, runs of spaces folded.
func pdfText(t *testing.T, file string) string {
	t.Helper()
	pdftest.NeedPoppler(t)
	return strings.Join(strings.Fields(pdftest.Run(t, "pdftotext", "-layout", "-enc", "UTF-8", file, "-")), " ")
}

// pdfQR reads the QR code in the box (mm from the top left) of the first page.
func pdfQR(t *testing.T, file string, x, y, w, h float64) string {
	t.Helper()
	return pdftest.QR(t, file, 1, x, y, w, h)
}

// noSecrets fails when text holds a recipient code or an unmasked NIK.
func (f *docFixture) noSecrets(t *testing.T, what, text string) {
	t.Helper()
	digits := strings.NewReplacer(" ", "", "-", "").Replace(text)
	for _, id := range f.allocs {
		code := f.codes.For(id)
		if strings.Contains(text, code) || strings.Contains(text, deliver.Format(code)) {
			t.Errorf("%s holds the recipient code of %s", what, id)
		}
	}
	for _, nik := range f.niks {
		if strings.Contains(digits, nik) {
			t.Errorf("%s holds the NIK %s unmasked", what, nik)
		}
	}
}

func mustHave(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// verifyAnswer is the public check's answer.
type verifyAnswer struct {
	Valid        bool   `json:"valid"`
	Program      string `json:"program"`
	Organization string `json:"organization"`
	Delivered    int    `json:"delivered"`
	Failed       int    `json:"failed"`
	IssuedAt     string `json:"issued_at"`
}

func verifyAt(t *testing.T, s *apptest.Server, path string) (verifyAnswer, string) {
	t.Helper()
	r := s.Client().Do(t, "GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var v verifyAnswer
	r.JSON(t, &v)
	return v, string(r.Body)
}

// recordPath splits a verification URL into the API's path for it.
func recordPath(t *testing.T, s *apptest.Server, verifyURL string) (apiPath, id, sig string) {
	t.Helper()
	u, err := url.Parse(verifyURL)
	if err != nil || !strings.HasPrefix(verifyURL, s.URL+"/verify/") {
		t.Fatalf("verification URL %q: want one under %s/verify/", verifyURL, s.URL)
	}
	sig = u.Query().Get("sig")
	return "/api/v1" + u.Path, u.Path[strings.LastIndexByte(u.Path, '/')+1:], sig
}

func TestDocumentsOfDelivery(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDocFixture(t, s)
			completes := func() int {
				t.Helper()
				var n int
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM outbox WHERE kind = 'commitment_complete' AND ref = $1`,
					f.commitment).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}

			t.Run("the labels name each stop and point at the run's page, never at the courier's link", func(t *testing.T) {
				file := f.pdf(t, f.collab, "/api/v1/deliveries/"+f.run+"/labels.pdf")
				text := pdfText(t, file)
				mustHave(t, "the labels", text, "Sembako Berkas", "Titik 1 dari 3", "Titik 3 dari 3", "Kenari")
				for _, name := range docPeople {
					mustHave(t, "the labels", text, name)
				}
				f.noSecrets(t, "the labels", text)
				// The first label's QR code: top right of the first slot.
				got := pdfQR(t, file, 68, 10, 40, 40)
				if want := s.URL + "/deliveries/" + f.run + "#stop-1"; got != want {
					t.Errorf("the first label's QR holds %q, want %q", got, want)
				}
				if strings.Contains(got, f.token) {
					t.Error("a label carries the courier's token")
				}
			})

			t.Run("another organisation's run and commitment are not found", func(t *testing.T) {
				for _, path := range []string{"/api/v1/deliveries/" + f.run + "/labels.pdf", "/api/v1/deliveries/" + f.run + "/bast.pdf",
					"/api/v1/commitments/" + f.commitment + "/certificate.pdf"} {
					if r := f.other.Do(t, "GET", path, nil); r.Status != 404 {
						t.Errorf("GET %s as another organisation: %d %s, want 404", path, r.Status, r.Body)
					}
				}
			})

			t.Run("before the commitment is complete its certificate is a conflict and no message waits", func(t *testing.T) {
				r := f.collab.Do(t, "GET", "/api/v1/commitments/"+f.commitment+"/certificate.pdf", nil)
				if r.Status != 409 || r.ErrorCode() != "conflict" {
					t.Fatalf("certificate before completion: %d %s, want 409 conflict", r.Status, r.Body)
				}
				if n := completes(); n != 0 {
					t.Fatalf("%d commitment_complete messages before completion", n)
				}
			})

			// The courier picks everything up, delivers two with the recipients' codes
			// and fails the third: that ends the commitment.
			for i, id := range f.allocs {
				base := "/api/v1/courier/" + f.token + "/stops/" + id
				if r := s.Client().Do(t, "POST", base+"/pickup", nil); r.Status != 200 {
					t.Fatalf("pickup: %d %s", r.Status, r.Body)
				}
				var r apptest.Response
				if i < 2 {
					r = s.Client().Do(t, "POST", base+"/deliver", map[string]any{"recipient_code": f.codes.For(id), "received_by": "Ibu"})
				} else {
					if n := completes(); n != 0 {
						t.Fatalf("%d commitment_complete messages with a stop still on its way", n)
					}
					r = s.Client().Do(t, "POST", base+"/fail", map[string]any{"reason": "not_home"})
				}
				if r.Status != 200 {
					t.Fatalf("stop %d: %d %s", i, r.Status, r.Body)
				}
			}

			var bastURL string
			t.Run("the handover record lists the recipients masked, with the outcome and a QR code to its check", func(t *testing.T) {
				file := f.pdf(t, f.collab, "/api/v1/deliveries/"+f.run+"/bast.pdf")
				text := pdfText(t, file)
				mustHave(t, "the BAST", text, "BERITA ACARA SERAH TERIMA", "Sembako Berkas", "Minggu 1", "Yayasan Berkas Nusantara",
					"GrabExpress", "Andi Pengantar", "2 penerima", "1 penerima", "Gagal: Tidak di rumah")
				for i, name := range docPeople {
					mustHave(t, "the BAST", text, name, mask(f.niks[i]))
				}
				f.noSecrets(t, "the BAST", text)
				bastURL = pdftest.BASTQR(t, file)
				if !strings.Contains(text, bastURL[:40]) {
					t.Errorf("the BAST does not print its verification URL %s", bastURL)
				}
				// Nothing changed: the same record is printed again.
				if again := pdftest.BASTQR(t, f.pdf(t, f.collab, "/api/v1/deliveries/"+f.run+"/bast.pdf")); again != bastURL {
					t.Errorf("a second BAST with nothing changed states another record: %s, then %s", bastURL, again)
				}
			})
			if bastURL == "" {
				return
			}
			bastPath, bastID, bastSig := recordPath(t, s, bastURL)

			var certURL string
			t.Run("once complete, the certificate is issued and the organisation told exactly once", func(t *testing.T) {
				if n := completes(); n != 1 {
					t.Fatalf("%d commitment_complete messages after completion, want 1", n)
				}
				file := f.pdf(t, f.collab, "/api/v1/commitments/"+f.commitment+"/certificate.pdf")
				text := pdfText(t, file)
				mustHave(t, "the certificate", text, "PIAGAM PENGHARGAAN", "Yayasan Berkas Nusantara", "Sembako Berkas", "2 paket", "2 penerima")
				f.noSecrets(t, "the certificate", text)
				certURL = pdfQR(t, file, 210, 135, 55, 50)
				f.pdf(t, f.collab, "/api/v1/commitments/"+f.commitment+"/certificate.pdf")
				if n := completes(); n != 1 {
					t.Errorf("%d commitment_complete messages after the certificate was fetched twice, want 1", n)
				}
			})

			t.Run("the public check confirms the right signature and nothing else", func(t *testing.T) {
				v, _ := verifyAt(t, s, bastPath+"?sig="+bastSig)
				if !v.Valid || v.Program != "Sembako Berkas" || v.Organization != "Yayasan Berkas Nusantara" || v.Delivered != 2 || v.Failed != 1 || v.IssuedAt == "" {
					t.Fatalf("the BAST's own signature: %+v", v)
				}
				changed := []byte(bastSig)
				changed[3] ^= 1
				bad := map[string]string{
					"a changed signature": bastPath + "?sig=" + string(changed),
					"no signature":        bastPath,
					"an unknown id":       "/api/v1/verify/bast/0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa?sig=" + bastSig,
				}
				if certURL != "" {
					certPath, certID, certSig := recordPath(t, s, certURL)
					if c, _ := verifyAt(t, s, certPath+"?sig="+certSig); !c.Valid || c.Delivered != 2 || c.Failed != 1 {
						t.Errorf("the certificate's own signature: %+v", c)
					}
					bad["another record's signature"] = bastPath + "?sig=" + certSig
					bad["a certificate checked as a BAST"] = "/api/v1/verify/bast/" + certID + "?sig=" + certSig
					bad["a BAST checked as a certificate"] = "/api/v1/verify/certificate/" + bastID + "?sig=" + bastSig
				}
				for what, path := range bad {
					if v, body := verifyAt(t, s, path); v.Valid || strings.TrimSpace(body) != `{"valid":false}` {
						t.Errorf("%s: %s, want {\"valid\":false}", what, body)
					}
				}
			})

			t.Run("the public page says genuine or not, in Indonesian, without personal data", func(t *testing.T) {
				r := s.Client().Do(t, "GET", strings.TrimPrefix(bastURL, s.URL), nil)
				page := string(r.Body)
				if r.Status != 200 || !strings.Contains(page, "Dokumen asli") || !strings.Contains(page, "Sembako Berkas") ||
					strings.Contains(page, "Tidak dapat diverifikasi") {
					t.Fatalf("the page of a genuine BAST: %d %s", r.Status, page)
				}
				for _, name := range docPeople {
					if strings.Contains(page, name) {
						t.Errorf("the public page names %s", name)
					}
				}
				f.noSecrets(t, "the public page", page)
				changed := "x" + bastSig[1:]
				if bastSig[0] == 'x' { // else one signature in 64 would stay the same
					changed = "y" + bastSig[1:]
				}
				r = s.Client().Do(t, "GET", "/verify/bast/"+bastID+"?sig="+changed, nil)
				if page := string(r.Body); r.Status != 200 || !strings.Contains(page, "Tidak dapat diverifikasi") || strings.Contains(page, "Sembako Berkas") {
					t.Errorf("the page of a changed signature: %d %s", r.Status, page)
				}
			})

			t.Run("every document was audited", func(t *testing.T) {
				for _, action := range []string{"delivery.labels", "delivery.bast", "commitment.complete", "commitment.certificate"} {
					var n int
					if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil || n == 0 {
						t.Errorf("no audit entry %s (%v)", action, err)
					}
				}
			})
		})
	}
}

// documentRows are the role table's rows for the documents of delivery: labels and
// handover records of a run, the certificate of a commitment, and the public check.
func documentRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	ofA := func(code int) statuses { return statuses{401, code, 404, 404, 404, code} }
	runOf := func(t *testing.T, f *roleFixture) freshObjects {
		id, _, _ := f.deliveryRun(t, false)
		return freshObjects{id: id}
	}
	// delivered is a fresh run of organisation A whose one stop was delivered: its
	// commitment is complete.
	delivered := func(t *testing.T, f *roleFixture) (run, commitment string) {
		run, tok, a := f.deliveryRun(t, true)
		code := deliver.NewCodes(f.s.App.Vault.Subkey("recipient code v1")).For(a)
		if _, err := f.s.App.Deliveries.CourierDeliver(f.s.Ctx(), tok, a, deliver.Proof{Code: code}); err != nil {
			t.Fatal(err)
		}
		return run, f.one(t, `SELECT commitment_id FROM deliveries WHERE id = $1`, run)
	}
	complete := func(t *testing.T, f *roleFixture) freshObjects {
		_, c := delivered(t, f)
		return freshObjects{id: c}
	}
	incomplete := func(t *testing.T, f *roleFixture) freshObjects {
		c, _ := f.deliveryAllocation(t, false)
		return freshObjects{id: c}
	}
	// record is a fresh record's "ID?sig=S": a BAST of a delivered run, or its
	// commitment's certificate. The check is public and names the organisation, so
	// the run is a public organisation's, not organisation A's (whose name the
	// fixture keeps from other callers).
	record := func(kind string) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			f.deliveryAllocation(t, false) // the delivery pool, made once
			rw, _ := deliveryPools.Load(f)
			_, u, _ := f.s.Org(t, "Yayasan Terbuka "+f.s.Unique(""), true)
			who := allocate.Who{UserID: u.ID, OrgID: u.OrgID}
			ctx := f.s.Ctx()
			c, err := f.s.App.Allocations.Commit(ctx, who, allocate.Request{ProgramID: f.prog.program, Phase: "Minggu 1", Quantity: 1,
				TargetIDs: []string{rw.(string)}, DeliverBy: futureDate(2)})
			if err != nil || c.Allocated != 1 {
				t.Fatalf("commitment: %+v, %v", c, err)
			}
			a := f.one(t, `SELECT id FROM allocations WHERE commitment_id = $1`, c.ID)
			run, err := f.s.App.Deliveries.Create(ctx, who, deliver.CreateInput{CommitmentID: c.ID, AllocationIDs: []string{a},
				Courier: deliver.Courier{Provider: "volunteer", Name: "Relawan Terbuka"}})
			if err != nil {
				t.Fatal(err)
			}
			tok := run.CourierURL[strings.LastIndex(run.CourierURL, "/")+1:]
			if _, err := f.s.App.Deliveries.Pickup(ctx, tok, a); err != nil {
				t.Fatal(err)
			}
			code := deliver.NewCodes(f.s.App.Vault.Subkey("recipient code v1")).For(a)
			if _, err := f.s.App.Deliveries.CourierDeliver(ctx, tok, a, deliver.Proof{Code: code}); err != nil {
				t.Fatal(err)
			}
			if kind == "bast" {
				if err := f.s.App.Deliveries.WriteBAST(ctx, who, run.ID, io.Discard); err != nil {
					t.Fatal(err)
				}
			}
			id := f.one(t, `SELECT id FROM document_records WHERE kind = $1 AND commitment_id = $2`, kind, c.ID)
			return freshObjects{id: id + "?sig=" + f.one(t, `SELECT sig FROM document_records WHERE id = $1`, id)}
		}
	}
	return []roleRow{
		{method: "GET", path: "/api/v1/deliveries/{fresh}/labels.pdf", want: ofA(200), show: text("%PDF-"), fresh: runOf},
		{method: "GET", path: "/api/v1/deliveries/{fresh}/bast.pdf", want: ofA(200), show: text("%PDF-"), fresh: runOf},
		{method: "GET", path: "/api/v1/commitments/{fresh}/certificate.pdf", want: ofA(200), show: text("%PDF-"), fresh: complete},
		{method: "GET", path: "/api/v1/commitments/{fresh}/certificate.pdf", want: statuses{401, 409, 404, 404, 404, 409}, fresh: incomplete},
		// The check is public: a printed record's QR code is scanned by anyone.
		{method: "GET", path: "/api/v1/verify/bast/{fresh}", want: everyone(200), show: text(`"valid":true`), fresh: record("bast")},
		{method: "GET", path: "/api/v1/verify/certificate/{fresh}", want: everyone(200), show: text(`"valid":true`), fresh: record("certificate")},
		{method: "GET", path: "/verify/bast/{fresh}", want: everyone(200), show: text("verify-valid"), fresh: record("bast")},
	}
}

// documentsConformance calls every document endpoint: a run's labels and handover
// record, the certificate before and after its commitment is complete, and the
// public checks, right and wrong.
func documentsConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	f := newDocFixture(t, s)
	runPath := "/api/v1/deliveries/" + f.run
	certPath := "/api/v1/commitments/" + f.commitment + "/certificate.pdf"
	for _, call := range []apiCall{
		{name: "the labels", as: f.collab, method: "GET", path: runPath + "/labels.pdf", want: 200},
		{name: "another organisation's labels are not found", as: f.other, method: "GET", path: runPath + "/labels.pdf", want: 404},
		{name: "the certificate of an incomplete commitment is a conflict", as: f.collab, method: "GET", path: certPath, want: 409},
	} {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}
	for _, id := range f.allocs {
		if _, err := s.App.Deliveries.Pickup(s.Ctx(), f.token, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Deliveries.CourierDeliver(s.Ctx(), f.token, id, deliver.Proof{Code: f.codes.For(id)}); err != nil {
			t.Fatal(err)
		}
	}
	k.do(t, apiCall{name: "the handover record", as: f.collab, method: "GET", path: runPath + "/bast.pdf", want: 200})
	k.do(t, apiCall{name: "the certificate", as: f.collab, method: "GET", path: certPath, want: 200})
	for _, kind := range []string{"bast", "certificate"} {
		id := f.one(t, `SELECT id FROM document_records WHERE kind = $1 AND commitment_id = $2`, kind, f.commitment)
		sig := f.one(t, `SELECT sig FROM document_records WHERE id = $1`, id)
		for _, call := range []apiCall{
			{name: kind + " checked", as: c.anon, method: "GET", path: "/api/v1/verify/" + kind + "/" + id + "?sig=" + sig, want: 200},
			{name: kind + " with a wrong signature", as: c.anon, method: "GET", path: "/api/v1/verify/" + kind + "/" + id + "?sig=AAAA", want: 200},
		} {
			t.Run(call.name, func(t *testing.T) { k.do(t, call) })
		}
	}
}

// one reads one value.
func (f *docFixture) one(t *testing.T, q string, args ...any) string {
	t.Helper()
	var v string
	if err := f.s.App.DB.R().QueryRowContext(f.s.Ctx(), q, args...).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
