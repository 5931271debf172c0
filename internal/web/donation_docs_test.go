package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/storetest"
)

// donationFixture is an offer of a donor to a warehouse of Gambir (31.71.01),
// accepted and received in one intake: 400 good and 20 damaged masks, 30 good and
// 2 expired food packages.
type donationFixture struct {
	warehouse string
	donation  string
	receipt   donate.Receipt
}

// newDonation makes the fixture's offer for the donor (a verified collaborator).
func newDonation(t *testing.T, s *apptest.Server, donor account.Principal) donationFixture {
	t.Helper()
	ctx := s.Ctx()
	a, err := s.App.Accounts.UserByEmail(ctx, apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	adm := a.Principal()
	w, err := s.App.Donations.CreateWarehouse(ctx, adm, donate.NewWarehouse{Name: "Posko Dokumen " + s.Unique(""), Region: "31.71.01",
		Address: "Jl. Medan Merdeka No. 9"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.App.Donations.Offer(ctx, donor, donate.NewOffer{WarehouseID: w.ID, Items: []donate.OfferLine{
		{Item: "masker", Quantity: 1000, UnitValue: 2500}, {Item: "paket sembako", Quantity: 50, UnitValue: 200000, ExpiresOn: "2099-06-01"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Donations.Accept(ctx, adm, d.ID); err != nil {
		t.Fatal(err)
	}
	x, err := s.App.Donations.Receive(ctx, adm, d.ID, donate.Intake{ReceiverName: "Petugas Posko Dokumen", Items: []donate.IntakeLine{
		{Line: 1, Received: 400}, {Line: 1, Received: 20, Condition: "damaged"},
		{Line: 2, Received: 30}, {Line: 2, Received: 2, Condition: "expired"}}})
	if err != nil {
		t.Fatal(err)
	}
	return donationFixture{warehouse: w.ID, donation: d.ID, receipt: x}
}

// publicDonor registers a verified organisation whose name the role table's
// secrets do not hold: the public check names the donor.
func publicDonor(t *testing.T, s *apptest.Server) (account.Org, account.Principal, *apptest.Client) {
	t.Helper()
	o, u, _ := s.Org(t, "Yayasan Donatur Terbuka "+s.Unique(""), true)
	return o, account.Principal{UserID: u.ID, Role: account.Collaborator, OrgID: o.ID, OrgVerified: true}, s.As(t, u.ID)
}

// printedURL finds the verification URL starting prefix in a document's text,
// wrapped over lines and with the QR code's caption beside it. (Package
// document's tests decode the QR codes, which hold the same text.)
func printedURL(t *testing.T, text, prefix string) string {
	t.Helper()
	flat := strings.ReplaceAll(strings.ReplaceAll(text, "Pindai untuk memeriksa keaslian", ""), " ", "")
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[0-9a-f]{32}\?sig=[A-Za-z0-9_-]{43}`).FindString(flat)
	if m == "" {
		t.Fatalf("no verification URL %s… in %q", prefix, text)
	}
	return m
}

// pathOf is a verification URL's path and query.
func pathOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestDonationDocuments(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			org, donor, c := publicDonor(t, s)
			_, _, other := publicDonor(t, s)
			f := newDonation(t, s, donor)
			anon := s.Client()

			file := (&docFixture{}).pdf(t, c, "/api/v1/donations/"+f.donation+"/receipt.pdf")
			text := pdfText(t, file)
			u := s.App.Donations.ReceiptURL(f.receipt)
			for _, want := range []string{"TANDA TERIMA BARANG DONASI", "Nomor: " + f.receipt.ID, "Donatur " + org.Name,
				"Penerima Petugas Posko Dokumen", "1 Masker pcs 400 20 0 -", "2 Paket sembako paket 30 0 2 1 Juni 2099",
				"Jumlah baik (masuk stok) 430 unit", "Jumlah rusak 20 unit", "Jumlah kedaluwarsa 2 unit", "Nilai barang baik Rp7.000.000"} {
				if !strings.Contains(text, want) {
					t.Errorf("the receipt lacks %q", want)
				}
			}
			if !strings.Contains(strings.ReplaceAll(text, " ", ""), u) || !strings.HasPrefix(u, s.URL+"/verify/receipt/"+f.receipt.ID+"?sig=") {
				t.Errorf("the receipt does not print its verification URL %q", u)
			}

			t.Run("the public page says it is genuine and shows what the receipt shows", func(t *testing.T) {
				r := anon.Do(t, "GET", pathOf(t, u), nil)
				body := string(r.Body)
				if r.Status != 200 || !strings.Contains(body, "verify-valid") || !strings.Contains(body, "Dokumen asli") {
					t.Fatalf("%d %.300s", r.Status, body)
				}
				for _, want := range []string{org.Name, "Masker", "Paket sembako", "1 Juni 2099", "Rp7.000.000", "430"} {
					if !strings.Contains(body, want) {
						t.Errorf("the page lacks %q", want)
					}
				}
				if strings.Contains(body, "Petugas Posko Dokumen") {
					t.Error("the public page names who received the goods")
				}
				// In English, as the language switch's cookie asks.
				req, _ := http.NewRequest("GET", u, nil)
				req.AddCookie(&http.Cookie{Name: "gotong_lang", Value: "en"})
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if !strings.Contains(string(b), "Genuine document") || !strings.Contains(string(b), "Value of the good units") {
					t.Errorf("the English page: %.300s", b)
				}
				for name, path := range map[string]string{
					"a changed signature": strings.Replace(pathOf(t, u), "sig=", "sig=A", 1),
					"a changed id":        strings.Replace(pathOf(t, u), f.receipt.ID, "0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa", 1),
				} {
					r := anon.Do(t, "GET", path, nil)
					if r.Status != 200 || !strings.Contains(string(r.Body), "verify-invalid") || strings.Contains(string(r.Body), org.Name) {
						t.Errorf("%s: %d %.300s", name, r.Status, r.Body)
					}
				}
				var ok struct {
					Valid bool  `json:"valid"`
					Value int64 `json:"value"`
				}
				anon.Do(t, "GET", "/api"+"/v1"+pathOf(t, u), nil).JSON(t, &ok)
				if !ok.Valid || ok.Value != 7_000_000 {
					t.Errorf("the JSON check: %+v", ok)
				}
			})

			t.Run("the receipt is the donor's, the admin's and the warehouse office's only", func(t *testing.T) {
				officeY, _ := s.User(t, account.Office, "31.74", "")
				if r := s.As(t, officeY.ID).Do(t, "GET", "/api/v1/donations/"+f.donation+"/receipt.pdf", nil); r.Status != 404 {
					t.Errorf("another kota's office: %d", r.Status)
				}
				if r := other.Do(t, "GET", "/api/v1/donations/"+f.donation+"/receipt.pdf?receipt="+f.receipt.ID, nil); r.Status != 404 {
					t.Errorf("another organisation: %d", r.Status)
				}
				if r := c.Do(t, "GET", "/api/v1/donations/"+f.donation+"/receipt.pdf?receipt=nope", nil); r.Status != 404 {
					t.Errorf("an unknown receipt: %d", r.Status)
				}
			})

			t.Run("the donor's certificate, and its check", func(t *testing.T) {
				file := (&docFixture{}).pdf(t, c, "/api/v1/organizations/"+org.ID+"/donor-certificate.pdf")
				text := pdfText(t, file)
				for _, want := range []string{"PIAGAM PENGHARGAAN", org.Name, "Masker: 400 pcs", "Paket sembako: 30 paket", "Nilai seluruhnya Rp7.000.000"} {
					if !strings.Contains(text, want) {
						t.Errorf("the certificate lacks %q", want)
					}
				}
				cu := printedURL(t, text, s.URL+"/verify/donor-certificate/")
				if !strings.HasPrefix(cu, s.URL+"/verify/donor-certificate/") {
					t.Fatalf("QR holds %q", cu)
				}
				r := anon.Do(t, "GET", pathOf(t, cu), nil)
				if r.Status != 200 || !strings.Contains(string(r.Body), "verify-valid") || !strings.Contains(string(r.Body), "Masker") {
					t.Errorf("the page: %d %.300s", r.Status, r.Body)
				}
				r = anon.Do(t, "GET", strings.Replace(pathOf(t, cu), "sig=", "sig=A", 1), nil)
				if !strings.Contains(string(r.Body), "verify-invalid") {
					t.Errorf("a changed signature: %.300s", r.Body)
				}
				// An organisation that has given nothing has no certificate.
				otherOrg, _, _ := s.Org(t, "Yayasan Belum Memberi "+s.Unique(""), true)
				adm, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
				if err != nil {
					t.Fatal(err)
				}
				if r := s.As(t, adm.ID).Do(t, "GET", "/api/v1/organizations/"+otherOrg.ID+"/donor-certificate.pdf", nil); r.Status != 404 {
					t.Errorf("an organisation that gave nothing: %d", r.Status)
				}
				if r := other.Do(t, "GET", "/api/v1/organizations/"+org.ID+"/donor-certificate.pdf", nil); r.Status != 404 {
					t.Errorf("another organisation: %d", r.Status)
				}
			})
		})
	}
}

// donationDocsConformance calls every endpoint of donations' documents.
func donationDocsConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	org, donor, asDonor := publicDonor(t, s)
	f := newDonation(t, s, donor)
	receipt := "/api/v1/donations/" + f.donation + "/receipt.pdf"
	cert := "/api/v1/organizations/" + org.ID + "/donor-certificate.pdf"
	for _, call := range []apiCall{
		{name: "the latest receipt", as: asDonor, method: "GET", path: receipt, want: 200},
		{name: "a receipt by its id", as: c.office, method: "GET", path: receipt + "?receipt=" + f.receipt.ID, want: 200},
		{name: "an unknown receipt", as: asDonor, method: "GET", path: receipt + "?receipt=nope", want: 404},
		{name: "a receipt, anonymously", as: c.anon, method: "GET", path: receipt, want: 401},
		{name: "the donor's certificate", as: asDonor, method: "GET", path: cert, want: 200},
		{name: "another's certificate", as: c.office, method: "GET", path: cert, want: 404},
		{name: "the receipt checked", as: c.anon, method: "GET", path: "/api/v1" + pathOf(t, s.App.Donations.ReceiptURL(f.receipt)), want: 200},
		{name: "a receipt with a wrong signature", as: c.anon, method: "GET", path: "/api/v1/verify/receipt/" + f.receipt.ID + "?sig=AAAA", want: 200},
	} {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}
	var certID, sig string
	for _, q := range []struct {
		dst *string
		sql string
	}{{&certID, `SELECT id FROM donor_certificates WHERE org_id = $1`}} {
		if err := s.App.DB.R().QueryRowContext(s.Ctx(), q.sql, org.ID).Scan(q.dst); err != nil {
			t.Fatal(err)
		}
	}
	file := (&docFixture{}).pdf(t, asDonor, cert)
	certURL := printedURL(t, pdfText(t, file), s.URL+"/verify/donor-certificate/")
	if _, sig, _ = strings.Cut(certURL, "?sig="); sig == "" || !strings.Contains(certURL, certID) {
		t.Fatalf("certificate URL %q", certURL)
	}
	for _, call := range []apiCall{
		{name: "the certificate checked", as: c.anon, method: "GET", path: "/api/v1/verify/donor-certificate/" + certID + "?sig=" + sig, want: 200},
		{name: "a certificate with a wrong signature", as: c.anon, method: "GET", path: "/api/v1/verify/donor-certificate/" + certID + "?sig=AAAA", want: 200},
	} {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}
}

// donationDocFixtures holds, per role fixture, organisation A's offer, made once.
var donationDocFixtures sync.Map

// donationOfA is organisation A's received offer, at a warehouse of kota X.
func (f *roleFixture) donationOfA(t *testing.T) donationFixture {
	t.Helper()
	if d, ok := donationDocFixtures.Load(f); ok {
		return d.(donationFixture)
	}
	u := f.users[collabA]
	d := newDonation(t, f.s, account.Principal{UserID: u.ID, Role: account.Collaborator, OrgID: f.orgA.ID, OrgVerified: true})
	donationDocFixtures.Store(f, d)
	return d
}

// donationDocRows are the role table's rows for the documents of donations.
func donationDocRows() []roleRow {
	// The donor (A), the office of the warehouse's kota (X) and the admin.
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	receiptOfA := statuses{401, 200, 404, 200, 404, 200}
	ofA := func(t *testing.T, f *roleFixture) freshObjects { return freshObjects{id: f.donationOfA(t).donation} }
	certOfA := func(t *testing.T, f *roleFixture) freshObjects { f.donationOfA(t); return freshObjects{id: f.orgA.ID} }
	// A public donor's documents, for the public check: it names the donor.
	check := func(kind string) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			org, donor, c := publicDonor(t, f.s)
			d := newDonation(t, f.s, donor)
			raw := f.s.App.Donations.ReceiptURL(d.receipt)
			if kind == "donor-certificate" {
				raw = printedURL(t, pdfText(t, (&docFixture{}).pdf(t, c, "/api/v1/organizations/"+org.ID+"/donor-certificate.pdf")),
					f.s.URL+"/verify/donor-certificate/")
			}
			p := pathOf(t, raw)
			return freshObjects{id: strings.TrimPrefix(p, "/verify/"+kind+"/")}
		}
	}
	return []roleRow{
		{method: "GET", path: "/api/v1/donations/{fresh}/receipt.pdf", want: receiptOfA, show: text("%PDF-"), fresh: ofA},
		{method: "GET", path: "/api/v1/organizations/{fresh}/donor-certificate.pdf", want: statuses{401, 200, 404, 404, 404, 200},
			show: text("%PDF-"), fresh: certOfA},
		{method: "GET", path: "/api/v1/verify/receipt/{fresh}", want: everyone(200), show: text(`"valid":true`, "Masker"), fresh: check("receipt")},
		{method: "GET", path: "/api/v1/verify/donor-certificate/{fresh}", want: everyone(200), show: text(`"valid":true`, "Masker"),
			fresh: check("donor-certificate")},
		{method: "GET", path: "/verify/receipt/{fresh}", want: everyone(200), show: text("verify-valid", "Masker"), fresh: check("receipt")},
		{method: "GET", path: "/verify/donor-certificate/{fresh}", want: everyone(200), show: text("verify-valid", "Masker"),
			fresh: check("donor-certificate")},
		// A made-up check is not genuine, for anyone.
		{method: "GET", path: "/verify/receipt/0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa?sig=AAAA", want: everyone(200), show: text("verify-invalid")},
	}
}
