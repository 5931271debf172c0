package web_test

import (
	"io"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/help"
)

// crawlExtras are the records the crawl needs beyond the demo's, so that pages
// behind an id no menu leads to are opened too: a possible duplicate, a drawn
// call-back sample, printed records that the public can check, a reset link and
// a help request's status.
type crawlExtras struct {
	// public are pages only a link printed or sent leads to.
	public []string
}

// one returns the first column of query's first row, failing when there is none.
func one(t *testing.T, s *apptest.Server, what, query string, args ...any) string {
	t.Helper()
	var v string
	if err := s.App.DB.R().QueryRowContext(s.Ctx(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// deliverByCode has the courier of the link token pick up and hand over one stop
// with the recipient's code.
func deliverByCode(t *testing.T, s *apptest.Server, token, allocationID string) {
	t.Helper()
	if _, err := s.App.Deliveries.Pickup(s.Ctx(), token, allocationID); err != nil {
		t.Fatalf("pick up %s: %v", allocationID, err)
	}
	code := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1")).For(allocationID)
	if _, err := s.App.Deliveries.CourierDeliver(s.Ctx(), token, allocationID, deliver.Proof{Code: code, ReceivedBy: "Penerima"}); err != nil {
		t.Fatalf("deliver %s: %v", allocationID, err)
	}
}

// recordPage is the public check of the printed record of kind of a commitment.
func recordPage(t *testing.T, s *apptest.Server, kind, commitmentID string) string {
	t.Helper()
	id := one(t, s, "the "+kind+" record", `SELECT id FROM document_records WHERE kind = $1 AND commitment_id = $2 ORDER BY id LIMIT 1`, kind, commitmentID)
	return "/verify/" + kind + "/" + id + "?sig=" + one(t, s, "its signature", `SELECT sig FROM document_records WHERE id = $1`, id)
}

// newCrawlExtras makes them in the demo database of s. The run (of the
// collaborator collab) gets its first stop delivered, so it has a handover record
// and the office a sample to call; office imports a file with a household
// listed twice.
func newCrawlExtras(t *testing.T, s *apptest.Server, office, citizen account.User, collab account.Principal, runID, token string, stops []string) crawlExtras {
	t.Helper()
	ctx := s.Ctx()
	var x crawlExtras
	adminID := one(t, s, "the admin", `SELECT id FROM users WHERE email = $1`, apptest.AdminEmail)
	admin := s.As(t, adminID)

	// A possible duplicate in the office's kota: the same man under two KKs.
	kecs := s.App.Regions.Children(office.Region)
	if len(kecs) == 0 || len(s.App.Regions.Villages(kecs[0].Code)) == 0 {
		t.Fatalf("no village in %s", office.Region)
	}
	kec, village := strings.ReplaceAll(kecs[0].Code, ".", ""), s.App.Regions.Villages(kecs[0].Code)[0].Code
	k := serial(s)
	file := householdHeader +
		hhRow(kkOf(kec, k), nikOf(kec, "1948-04-17", false, k), "Soekarno Djojo", "1948-04-17", "L", "Kepala Keluarga", village, "1", "1", "Jl. Tanah Abang II No. 4", "", "") +
		hhRow(kkOf(kec, k+1), nikOf(kec, "1948-04-17", false, k+1), "Sukarno Joyo", "1948-04-17", "L", "Kepala Keluarga", village, "3", "2", "Jl. Abdul Muis No. 7", "", "")
	if im := importAs(t, s, importer(office), "pasangan.csv", file); im.Review == 0 {
		t.Fatalf("the import queued no possible duplicate: %+v", im)
	}

	// A delivered stop: the run's handover record, and a call-back sample of its
	// program in the stop's kota, the office's (the admin draws it).
	deliverByCode(t, s, token, stops[0])
	if err := s.App.Deliveries.WriteBAST(ctx, collab, runID, io.Discard); err != nil {
		t.Fatalf("the handover record: %v", err)
	}
	commitmentID := one(t, s, "the run's commitment", `SELECT commitment_id FROM allocations WHERE id = $1`, stops[0])
	x.public = append(x.public, recordPage(t, s, "bast", commitmentID))
	programID := one(t, s, "the program", `SELECT program_id FROM commitments WHERE id = $1`, commitmentID)
	region := one(t, s, "the stop's region", `SELECT region FROM allocations WHERE id = $1`, stops[0])
	if r := admin.Do(t, "POST", "/api/v1/verifications", map[string]any{"program_id": programID, "region": region[:5], "size": 1}); r.Status != 201 {
		t.Fatalf("draw a sample: %d %s", r.Status, r.Body)
	}

	// A complete commitment with its thank-you certificate: another commitment
	// gets one stop delivered and the rest cancelled.
	var other, otherOrg string
	if err := s.App.DB.R().QueryRowContext(ctx, `SELECT c.id, c.org_id FROM commitments c WHERE c.id <> $1 AND EXISTS
		(SELECT 1 FROM allocations a WHERE a.commitment_id = c.id AND a.status = 'reserved') ORDER BY c.id LIMIT 1`, commitmentID).Scan(&other, &otherOrg); err != nil {
		t.Fatalf("the demo has no second commitment with reserved allocations: %v", err)
	}
	u, _ := s.User(t, account.Collaborator, "", otherOrg)
	who := account.Principal{UserID: u.ID, Role: account.Collaborator, OrgID: otherOrg, OrgVerified: true}
	stop := one(t, s, "a reserved allocation", `SELECT id FROM allocations WHERE commitment_id = $1 AND status = 'reserved' ORDER BY id LIMIT 1`, other)
	run, err := s.App.Deliveries.Create(ctx, who, deliver.CreateInput{CommitmentID: other, AllocationIDs: []string{stop},
		Courier: deliver.Courier{Provider: "volunteer", Name: "Relawan Kampung"}})
	if err != nil {
		t.Fatalf("a run of the second commitment: %v", err)
	}
	deliverByCode(t, s, run.CourierURL[strings.LastIndex(run.CourierURL, "/")+1:], stop)
	c := s.As(t, u.ID)
	if r := c.Do(t, "POST", "/api/v1/commitments/"+other+"/cancel", nil); r.Status != 200 {
		t.Fatalf("cancel the rest of the second commitment: %d %s", r.Status, r.Body)
	}
	if r := c.Do(t, "GET", "/api/v1/commitments/"+other+"/certificate.pdf", nil); r.Status != 200 {
		t.Fatalf("the second commitment's certificate: %d %.300s", r.Status, r.Body)
	}
	x.public = append(x.public, recordPage(t, s, "certificate", other))

	// A demo donation's receipt and its donor's certificate.
	donation := one(t, s, "a received donation", `SELECT donation_id FROM donation_receipts ORDER BY received_at, id LIMIT 1`)
	rs, err := s.App.Donations.Receipts(ctx, account.Principal{UserID: adminID, Role: account.Admin}, donation)
	if err != nil || len(rs) == 0 {
		t.Fatalf("the donation's receipts: %d, %v", len(rs), err)
	}
	x.public = append(x.public, pathOf(t, s.App.Donations.ReceiptURL(rs[0])))
	donor := one(t, s, "the donor", `SELECT org_id FROM donations WHERE id = $1`, donation)
	cert := pdfText(t, (&docFixture{}).pdf(t, admin, "/api/v1/organizations/"+donor+"/donor-certificate.pdf"))
	x.public = append(x.public, pathOf(t, printedURL(t, cert, s.URL+"/verify/donor-certificate/")))

	// The checks' other answer: an address no printed record matches.
	x.public = append(x.public, "/verify/bast/0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa?sig=AAAA", "/verify/receipt/0190aaaaaaaa7aaa8aaaaaaaaaaaaaaa?sig=AAAA")

	// A published program's frame, a reset link and a help request's status.
	x.public = append(x.public, "/embed/programs/"+programID)
	var secret string
	if err := s.App.Accounts.RequestReset(ctx, citizen.Email, "id", func(sec string) string { secret = sec; return "/password/reset?token=" + sec }); err != nil || secret == "" {
		t.Fatalf("a reset link: %q, %v", secret, err)
	}
	x.public = append(x.public, "/password/reset?token="+secret)
	village = one(t, s, "a village", `SELECT region FROM help_requests ORDER BY id LIMIT 1`)
	rec, err := s.App.Help.Submit(ctx, help.NewRequest{Name: "Siti Aminah", Phone: "0812-7777-1234", Region: village, RW: "2", RT: "4",
		Address: "Gg. Mawar No. 3", Need: "Beras dan minyak goreng untuk satu minggu", NeedKind: "food", Urgency: "high"})
	if err != nil {
		t.Fatalf("a help request: %v", err)
	}
	x.public = append(x.public, "/bantuan/status?ref="+rec.Reference+"&phone=1234") // the last four digits of the phone
	return x
}
