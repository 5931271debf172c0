package donate

import (
	"bytes"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/document/pdftest"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// pdfText writes a PDF to a temp file and returns the file and its text, spaces
// folded.
func pdfText(t *testing.T, b []byte) (string, string) {
	t.Helper()
	pdftest.NeedPoppler(t)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", b)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, strings.Join(strings.Fields(pdftest.Run(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")), " ")
}

func mustHave(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// printedURL finds the verification URL starting prefix in a document's text,
// wrapped over lines and with the QR code's caption beside it.
func printedURL(t *testing.T, text, prefix string) string {
	t.Helper()
	flat := strings.ReplaceAll(strings.ReplaceAll(text, "Pindai untuk memeriksa keaslian", ""), " ", "")
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[0-9a-f]{32}\?sig=[A-Za-z0-9_-]{43}`).FindString(flat)
	if m == "" {
		t.Fatalf("no verification URL %s… in %q", prefix, text)
	}
	return m
}

// sigOf splits a verification URL into its id and signature.
func sigOf(t *testing.T, raw string) (id, sig string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path[strings.LastIndex(u.Path, "/")+1:], u.Query().Get("sig")
}

func TestReceiptAndDonorCertificate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.s.baseURL = func() string { return "https://gotong.example/" }
		w := f.warehouse("31.71.01", "")
		donor, other, idle := f.org("PT Donatur Kuitansi", true), f.org("PT Lain", true), f.org("PT Belum Memberi", true)
		office, otherOffice := f.office("31.71"), f.office("31.74")
		offer := func() Donation {
			d, err := f.s.Offer(f.ctx, donor, NewOffer{WarehouseID: w.ID, Items: []OfferLine{
				{Item: "masker", Quantity: 1000, UnitValue: 2500},
				{Item: "Paket Sembako", Quantity: 50, UnitValue: 200000, ExpiresOn: "2099-06-01"}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.Accept(f.ctx, office, d.ID); err != nil {
				t.Fatal(err)
			}
			return d
		}
		d := offer()
		first, err := f.s.Receive(f.ctx, office, d.ID, Intake{ReceiverName: "Siti Gudang", Items: []IntakeLine{
			{Line: 1, Received: 400}, {Line: 1, Received: 20, Condition: Damaged},
			{Line: 2, Received: 30}, {Line: 2, Received: 2, Condition: Expired}}})
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.s.Receive(f.ctx, office, d.ID, Intake{ReceiverName: "Budi Gudang", Items: []IntakeLine{{Line: 1, Received: 100}}})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("the receipt shows every line, the totals and a URL that verifies", func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.s.WriteReceipt(f.ctx, donor, d.ID, first.ID, &buf); err != nil {
				t.Fatal(err)
			}
			_, text := pdfText(t, buf.Bytes())
			u := f.s.ReceiptURL(first)
			mustHave(t, "the receipt", text, "Gugus Tugas Provinsi", "TANDA TERIMA BARANG DONASI", "Nomor: "+first.ID,
				"Gudang 31.71.01", "Donatur PT Donatur Kuitansi", "Penerima Siti Gudang",
				"1 Masker pcs 400 20 0 -", "2 Paket sembako paket 30 0 2 1 Juni 2099",
				"Jumlah baik (masuk stok) 430 unit", "Jumlah rusak 20 unit", "Jumlah kedaluwarsa 2 unit",
				"Nilai barang baik Rp7.000.000")
			// The printed URL may wrap: compare it without the line breaks.
			mustHave(t, "the receipt", strings.ReplaceAll(text, " ", ""), u)
			if !strings.HasPrefix(u, "https://gotong.example/verify/receipt/"+first.ID+"?sig=") {
				t.Errorf("verification URL %q", u)
			}
			id, sig := sigOf(t, u)
			c, err := f.s.VerifyReceipt(f.ctx, id, sig)
			if err != nil || !c.Valid || c.Good != 430 || c.Damaged != 20 || c.Expired != 2 || c.Value != 7_000_000 ||
				c.Organization != "PT Donatur Kuitansi" || c.Warehouse != w.Name || len(c.Lines) != 2 {
				t.Fatalf("check: %+v, %v", c, err)
			}
			_, sig2 := sigOf(t, f.s.ReceiptURL(second))
			for name, try := range map[string][2]string{
				"another receipt's id":         {second.ID, sig},
				"another receipt's signature":  {id, sig2},
				"an unknown id":                {"0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa", sig},
				"a changed signature":          {id, "A" + sig[1:]},
				"a signature with padding":     {id, sig + "="},
				"no signature":                 {id, ""},
				"an overlong id":               {strings.Repeat("a", 65), sig},
				"the certificate key's domain": {id, f.s.sign(signed(nil).str(certificateDomain).str(id))},
			} {
				if c, err := f.s.VerifyReceipt(f.ctx, try[0], try[1]); err != nil || c.Valid {
					t.Errorf("%s: %+v, %v", name, c, err)
				}
			}
			// An altered row does not verify either: the signature is recomputed.
			f.exec(`UPDATE donation_receipts SET value = value + 1 WHERE id = $1`, id)
			if c, _ := f.s.VerifyReceipt(f.ctx, id, sig); c.Valid {
				t.Error("a receipt whose value was changed in the database verifies")
			}
			f.exec(`UPDATE donation_receipts SET value = value - 1 WHERE id = $1`, id)
		})

		t.Run("the latest receipt by default", func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.s.WriteReceipt(f.ctx, office, d.ID, "", &buf); err != nil {
				t.Fatal(err)
			}
			_, text := pdfText(t, buf.Bytes())
			mustHave(t, "the receipt", text, "Nomor: "+second.ID, "1 Masker pcs 100 0 0 -", "Nilai barang baik Rp250.000")
		})

		t.Run("only the donor, the admin and the warehouse's office have it", func(t *testing.T) {
			empty := offer()
			for name, try := range map[string]struct {
				who          Who
				donation, id string
			}{
				"another organisation":                {other, d.ID, ""},
				"another kota's office":               {otherOffice, d.ID, first.ID},
				"a receipt of another offer":          {donor, empty.ID, first.ID},
				"an offer with nothing received yet":  {donor, empty.ID, ""},
				"an unknown receipt":                  {donor, d.ID, "nope"},
				"an organisation that has not signed": {Who{UserID: "x", Role: "collaborator"}, d.ID, ""},
			} {
				err := f.s.WriteReceipt(f.ctx, try.who, try.donation, try.id, io.Discard)
				wantKind(t, name, err, errs.NotFound)
			}
			for _, who := range []Who{testAdmin, office, donor} {
				if err := f.s.WriteReceipt(f.ctx, who, d.ID, first.ID, io.Discard); err != nil {
					t.Errorf("%s: %v", who.Role, err)
				}
			}
		})

		t.Run("the certificate lists what was received in good condition and verifies", func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.s.WriteDonorCertificate(f.ctx, donor, donor.OrgID, &buf); err != nil {
				t.Fatal(err)
			}
			_, text := pdfText(t, buf.Bytes())
			mustHave(t, "the certificate", text, "PIAGAM PENGHARGAAN", "PT Donatur Kuitansi", "Masker: 500 pcs", "Paket sembako: 30 paket",
				"Nilai seluruhnya Rp7.250.000", "Gugus Tugas Provinsi")
			var certID string
			if err := store.One(f.ctx, db.R(), `SELECT id FROM donor_certificates WHERE org_id = $1`, donor.OrgID).Scan(&certID); err != nil {
				t.Fatal(err)
			}
			mustHave(t, "the certificate", text, "Nomor "+certID)
			// The printed URL (package document's tests decode the QR code, which
			// holds the same text, from URLs of the same length).
			u := printedURL(t, text, "https://gotong.example/verify/donor-certificate/")
			id, sig := sigOf(t, u)
			if id != certID || !strings.HasPrefix(u, "https://gotong.example/verify/donor-certificate/") {
				t.Fatalf("QR holds %q", u)
			}
			c, err := f.s.VerifyDonorCertificate(f.ctx, id, sig)
			if err != nil || !c.Valid || c.Good != 530 || c.Value != 7_250_000 || c.Organization != "PT Donatur Kuitansi" || len(c.Items) != 2 ||
				c.Items[0].Item != "Masker" || c.Items[0].Good != 500 {
				t.Fatalf("check: %+v, %v", c, err)
			}
			changed := "A" + sig[1:] // one signature in 64 already starts with A
			if sig[0] == 'A' {
				changed = "B" + sig[1:]
			}
			for name, try := range map[string][2]string{
				"a changed signature":   {id, changed},
				"an unknown id":         {"0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa", sig},
				"a receipt's id":        {first.ID, sig},
				"a receipt's signature": {id, f.s.sign(receiptStatement(first))},
			} {
				if c, err := f.s.VerifyDonorCertificate(f.ctx, try[0], try[1]); err != nil || c.Valid {
					t.Errorf("%s: %+v, %v", name, c, err)
				}
			}
			// The admin gets the same certificate while nothing changes.
			if err := f.s.WriteDonorCertificate(f.ctx, testAdmin, donor.OrgID, io.Discard); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := store.One(f.ctx, db.R(), `SELECT COUNT(*) FROM donor_certificates WHERE org_id = $1`, donor.OrgID).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d certificates after two unchanged requests (%v)", n, err)
			}
			// More goods: a new certificate; the old one still verifies what it said.
			if _, err := f.s.Receive(f.ctx, office, d.ID, Intake{Items: []IntakeLine{{Line: 2, Received: 5}}}); err != nil {
				t.Fatal(err)
			}
			buf.Reset()
			if err := f.s.WriteDonorCertificate(f.ctx, donor, donor.OrgID, &buf); err != nil {
				t.Fatal(err)
			}
			_, text = pdfText(t, buf.Bytes())
			mustHave(t, "the new certificate", text, "Paket sembako: 35 paket", "Nilai seluruhnya Rp8.250.000")
			if c, _ := f.s.VerifyDonorCertificate(f.ctx, id, sig); !c.Valid || c.Value != 7_250_000 {
				t.Errorf("the first certificate no longer verifies: %+v", c)
			}
			f.exec(`UPDATE donor_certificates SET value = 9 WHERE id = $1`, id)
			if c, _ := f.s.VerifyDonorCertificate(f.ctx, id, sig); c.Valid {
				t.Error("a certificate whose row was altered verifies")
			}
		})

		t.Run("only its members and the admin have the certificate", func(t *testing.T) {
			for name, try := range map[string]struct {
				who Who
				org string
			}{
				"another organisation":         {other, donor.OrgID},
				"an office":                    {office, donor.OrgID},
				"an organisation given naught": {idle, idle.OrgID},
				"the admin, for nothing given": {testAdmin, idle.OrgID},
				"an unknown organisation":      {testAdmin, "nope"},
			} {
				wantKind(t, name, f.s.WriteDonorCertificate(f.ctx, try.who, try.org, io.Discard), errs.NotFound)
			}
		})
	})
}
