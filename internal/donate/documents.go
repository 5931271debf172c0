package donate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
)

// The documents of a donation (issue 13): the receipt (tanda terima) of each
// intake and the donor's thank-you certificate (piagam penghargaan), each with a
// QR code and printed URL to a public page that says whether it is genuine.
//
// Both are signed with HMAC-SHA256 under the service's key (vault.Subkey
// "donation record v1"), each over a domain string of its own, so a receipt's
// signature can never pass for a certificate's or for any other use of a key.
// Neither signature is stored: it is recomputed from the rows, so a forged id, an
// altered signature or an altered row all fail alike.
//
// A receipt never changes once written, so its signature covers the receipt's
// rows themselves. A certificate states what the task force had received of an
// organisation when it was issued, and receipts keep coming: its statement is kept
// in donor_certificates as printed, and a new one is issued only when what the
// organisation gave has changed since its latest.

// Signature domains.
const (
	receiptDomain     = "gotong donation receipt v1"
	certificateDomain = "gotong donor certificate v1"
)

// signed is a canonical encoding: every field with its length in front, so no
// two different statements encode alike.
type signed []byte

func (b signed) str(s string) signed {
	b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func (b signed) num(n int64) signed { return binary.BigEndian.AppendUint64(b, uint64(n)) }

func (s *Service) mac(b signed) []byte {
	if len(s.key) < 16 {
		panic("donate: signing key too short")
	}
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)
}

func (s *Service) sign(b signed) string { return base64.RawURLEncoding.EncodeToString(s.mac(b)) }

// checkSig reports whether sig is b's signature; the comparison takes the same time
// wherever they differ.
func (s *Service) checkSig(b signed, sig string) bool {
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	return err == nil && hmac.Equal(got, s.mac(b))
}

// receiptStatement is what a receipt's signature covers: the receipt's own rows.
func receiptStatement(x Receipt) signed {
	b := signed(nil).str(receiptDomain).str(x.ID).str(x.DonationID).str(x.WarehouseID).num(whole(x.ReceivedAt).Unix()).
		num(int64(x.Units)).num(int64(x.Good)).num(x.Value).num(int64(len(x.Lines)))
	for _, l := range x.Lines {
		b = b.num(int64(l.Line)).str(l.ItemID).str(l.Condition).num(int64(l.Quantity)).str(l.ExpiresOn)
	}
	return b
}

func (s *Service) verifyURL(kind, id, sig string) string {
	return strings.TrimRight(s.baseURL(), "/") + "/verify/" + kind + "/" + id + "?sig=" + sig
}

// ReceiptURL is the public page that checks a receipt.
func (s *Service) ReceiptURL(x Receipt) string {
	return s.verifyURL("receipt", x.ID, s.sign(receiptStatement(x)))
}

// Issuer is the task force's name on the letterhead: "Gugus Tugas Provinsi …".
func (s *Service) Issuer() string {
	if name := s.regionName(s.province); name != "" {
		return "Gugus Tugas Provinsi " + name
	}
	return "Gugus Tugas"
}

// docLines merges a receipt's lines per item and expiry date into one row with
// its units in each condition, in the offer's line order.
func docLines(x Receipt) []document.ReceiptDocLine {
	type key struct {
		line int
		exp  string
	}
	at := map[key]int{}
	var out []document.ReceiptDocLine
	for _, l := range x.Lines {
		k := key{l.Line, l.ExpiresOn}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, document.ReceiptDocLine{Item: l.Item, Unit: l.Unit, ExpiresOn: l.ExpiresOn})
		}
		switch l.Condition {
		case Good:
			out[i].Good += l.Quantity
		case Damaged:
			out[i].Damaged += l.Quantity
		case Expired:
			out[i].Expired += l.Quantity
		}
	}
	return out
}

// WriteReceipt writes the receipt receiptID of the offer donationID as a PDF to w;
// with receiptID "", the offer's latest. Whoever sees the offer may have it (its
// donor organisation, the admin, the office of the warehouse's region); anything
// else, and an offer with no receipt yet, is not found. The export is audited
// ("donation.receipt_pdf"). Nothing is written to w unless it may be read.
func (s *Service) WriteReceipt(ctx context.Context, who Who, donationID, receiptID string, w io.Writer) error {
	d, err := s.Donation(ctx, who, donationID)
	if err != nil {
		return err
	}
	var x Receipt
	if receiptID == "" {
		x, err = scanReceipt(store.One(ctx, s.db.R(), `SELECT `+receiptCols+` FROM donation_receipts WHERE donation_id = $1
			ORDER BY received_at DESC, id DESC LIMIT 1`, donationID))
		if err = store.NotFound(err, "no such receipt"); err == nil {
			x.Lines, err = s.receiptLines(ctx, s.db.R(), x.ID)
		}
	} else {
		x, err = s.receipt(ctx, s.db.R(), receiptID)
	}
	if err != nil {
		return err
	}
	if x.DonationID != d.ID {
		return errs.E(errs.NotFound, "no such receipt")
	}
	wh, err := s.warehouse(ctx, s.db.R(), d.WarehouseID)
	if err != nil {
		return err
	}
	doc := document.ReceiptDoc{ID: x.ID, Issuer: s.Issuer(), DonationID: d.ID, Warehouse: wh.Name, Address: wh.Address,
		Organization: d.Organization, Receiver: x.ReceiverName, ReceivedAt: x.ReceivedAt, Lines: docLines(x), Value: x.Value,
		VerifyURL: s.ReceiptURL(x)}
	if err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "donation.receipt_pdf", ObjectType: "donation", ObjectID: d.ID, Region: d.Region,
			Chain: d.chain, Detail: map[string]any{"receipt": x.ID}})
	}); err != nil {
		return err
	}
	return document.Receipt(w, doc)
}

// ReceiptCheck is what the public check of a receipt answers: {"valid":false}
// for anything that is not a genuine receipt's signature, else what the printed
// receipt states (not who received it).
type ReceiptCheck struct {
	Valid        bool                      `json:"valid"`
	ID           string                    `json:"id"`
	Warehouse    string                    `json:"warehouse"`
	Organization string                    `json:"organization"`
	ReceivedAt   time.Time                 `json:"received_at"`
	Lines        []document.ReceiptDocLine `json:"-"`
	Good         int                       `json:"good"`
	Damaged      int                       `json:"damaged"`
	Expired      int                       `json:"expired"`
	Value        int64                     `json:"value"`
}

// checkLine is a receipt's line as the public check writes it.
type checkLine struct {
	Item      string `json:"item"`
	Unit      string `json:"unit"`
	Good      int    `json:"good"`
	Damaged   int    `json:"damaged"`
	Expired   int    `json:"expired"`
	ExpiresOn string `json:"expires_on,omitempty"`
}

// MarshalJSON writes {"valid":false}, or the receipt's statement.
func (c ReceiptCheck) MarshalJSON() ([]byte, error) {
	if !c.Valid {
		return []byte(`{"valid":false}`), nil
	}
	type plain ReceiptCheck
	ls := make([]checkLine, len(c.Lines))
	for i, l := range c.Lines {
		ls[i] = checkLine{l.Item, l.Unit, l.Good, l.Damaged, l.Expired, l.ExpiresOn}
	}
	return json.Marshal(struct {
		plain
		Items []checkLine `json:"items"`
	}{plain(c), ls})
}

// The longest id and signature a check reads: longer ones are not looked up.
const (
	maxCheckID  = 64
	maxCheckSig = 128
)

// VerifyReceipt checks sig against the receipt id, recomputing the signature from
// the stored rows. An unknown id and a wrong signature answer alike: not valid,
// with no error, after the same work.
func (s *Service) VerifyReceipt(ctx context.Context, id, sig string) (ReceiptCheck, error) {
	if len(id) > maxCheckID || len(sig) > maxCheckSig {
		id, sig = "", ""
	}
	x, err := s.receipt(ctx, s.db.R(), id)
	found := err == nil
	if err != nil && !errs.Is(err, errs.NotFound) {
		return ReceiptCheck{}, err
	}
	if !found {
		x = Receipt{ID: "unknown"}
	}
	if !s.checkSig(receiptStatement(x), sig) || !found {
		return ReceiptCheck{}, nil
	}
	c := ReceiptCheck{Valid: true, ID: x.ID, ReceivedAt: x.ReceivedAt, Lines: docLines(x), Value: x.Value}
	c.Good, c.Damaged, c.Expired = document.ReceiptDoc{Lines: c.Lines}.Totals()
	if wh, err := s.warehouse(ctx, s.db.R(), x.WarehouseID); err == nil {
		c.Warehouse = wh.Name
	}
	if d, err := s.donation(ctx, s.db.R(), x.DonationID); err == nil {
		if o, err := s.orgs.Org(ctx, d.OrgID); err == nil {
			c.Organization = o.Name
		}
	}
	return c, nil
}

// certificate is a donor_certificates row.
type certificate struct {
	ID, OrgID, Organization string
	Lines                   string // JSON, as signed
	Good                    int64
	Value                   int64
	IssuedAt                time.Time
}

const certificateCols = `id, org_id, organization, lines, good, value, issued_at`

func scanCertificate(r store.Scanner) (certificate, error) {
	var c certificate
	err := r.Scan(&c.ID, &c.OrgID, &c.Organization, &c.Lines, &c.Good, &c.Value, &c.IssuedAt)
	c.IssuedAt = c.IssuedAt.UTC()
	return c, err
}

func certificateStatement(c certificate) signed {
	return signed(nil).str(certificateDomain).str(c.ID).str(c.OrgID).str(c.Organization).str(c.Lines).num(c.Good).num(c.Value).
		num(whole(c.IssuedAt).Unix())
}

// CertificateURL is the public page that checks a certificate.
func (s *Service) certificateURL(c certificate) string {
	return s.verifyURL("donor-certificate", c.ID, s.sign(certificateStatement(c)))
}

// given is what the task force has received of an organisation in good
// condition, item by item (most units first), and its worth.
func (s *Service) given(ctx context.Context, q store.Querier, orgID string) ([]document.DonorLine, int64, int64, error) {
	ls, err := store.All(ctx, q, func(r store.Scanner) (document.DonorLine, error) {
		var l document.DonorLine
		err := r.Scan(&l.Item, &l.Unit, &l.Good)
		return l, err
	}, `SELECT si.name, si.unit, SUM(rl.quantity) FROM donation_receipt_lines rl
		JOIN donation_receipts r ON r.id = rl.receipt_id
		JOIN donations d ON d.id = r.donation_id
		JOIN stock_items si ON si.id = rl.item_id
		WHERE d.org_id = $1 AND rl.condition = 'good'
		GROUP BY si.id, si.name, si.unit ORDER BY SUM(rl.quantity) DESC, si.name`, orgID)
	if err != nil {
		return nil, 0, 0, err
	}
	var good, value int64
	for _, l := range ls {
		good += int64(l.Good)
	}
	err = store.One(ctx, q, `SELECT COALESCE(SUM(r.value), 0) FROM donation_receipts r JOIN donations d ON d.id = r.donation_id
		WHERE d.org_id = $1`, orgID).Scan(&value)
	return ls, good, value, err
}

// WriteDonorCertificate writes the thank-you certificate of the organisation
// orgID as a PDF to w: for its members and the admin; anyone else, and an
// organisation of which nothing has been received in good condition, is not
// found. The certificate is the organisation's latest when what it gave is
// unchanged since, else a new one is issued; both are audited
// ("donation.certificate").
func (s *Service) WriteDonorCertificate(ctx context.Context, who Who, orgID string, w io.Writer) error {
	if who.Role != account.Admin && (who.Role != account.Collaborator || who.OrgID == "" || who.OrgID != orgID) {
		return errs.E(errs.NotFound, "organisation not found")
	}
	var doc document.DonorCertificateDoc
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		org, err := s.orgs.OrgTx(ctx, tx, orgID)
		if err != nil {
			return err
		}
		ls, good, value, err := s.given(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if good == 0 {
			return errs.E(errs.NotFound, "nothing given by this organisation has been received yet")
		}
		raw, err := json.Marshal(ls)
		if err != nil {
			return err
		}
		want := certificate{OrgID: orgID, Organization: org.Name, Lines: string(raw), Good: good, Value: value}
		last, err := store.All(ctx, tx, scanCertificate, `SELECT `+certificateCols+` FROM donor_certificates WHERE org_id = $1
			ORDER BY issued_at DESC, id DESC LIMIT 1`, orgID)
		if err != nil {
			return err
		}
		c, reused := want, false
		if len(last) == 1 && last[0].Organization == want.Organization && last[0].Lines == want.Lines && last[0].Value == want.Value {
			c, reused = last[0], true
		} else {
			c.ID, c.IssuedAt = newID(), whole(s.Now())
			if _, err := tx.ExecContext(ctx, `INSERT INTO donor_certificates (`+certificateCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
				c.ID, c.OrgID, c.Organization, c.Lines, c.Good, c.Value, c.IssuedAt); err != nil {
				return store.Map(err)
			}
		}
		doc = document.DonorCertificateDoc{ID: c.ID, Organization: c.Organization, Issuer: s.Issuer(), Lines: ls, Value: c.Value,
			IssuedAt: c.IssuedAt, VerifyURL: s.certificateURL(c)}
		return audit.Record(ctx, tx, audit.Change{Action: "donation.certificate", ObjectType: "organization", ObjectID: orgID,
			Detail: map[string]any{"certificate": c.ID, "good": c.Good, "value": c.Value, "reused": reused}})
	})
	if err != nil {
		return err
	}
	return document.DonorCertificate(w, doc)
}

// CertificateCheck is what the public check of a donor's certificate answers:
// {"valid":false}, or what the printed certificate states.
type CertificateCheck struct {
	Valid        bool                 `json:"valid"`
	ID           string               `json:"id"`
	Organization string               `json:"organization"`
	Items        []document.DonorLine `json:"items"`
	Good         int64                `json:"good"`
	Value        int64                `json:"value"`
	IssuedAt     time.Time            `json:"issued_at"`
}

// MarshalJSON writes {"valid":false}, or the certificate's statement.
func (c CertificateCheck) MarshalJSON() ([]byte, error) {
	if !c.Valid {
		return []byte(`{"valid":false}`), nil
	}
	type plain CertificateCheck
	return json.Marshal(plain(c))
}

// VerifyDonorCertificate checks sig against the certificate id, recomputing the
// signature from the stored statement. An unknown id and a wrong signature answer
// alike: not valid, with no error, after the same work.
func (s *Service) VerifyDonorCertificate(ctx context.Context, id, sig string) (CertificateCheck, error) {
	if len(id) > maxCheckID || len(sig) > maxCheckSig {
		id, sig = "", ""
	}
	rs, err := store.All(ctx, s.db.R(), scanCertificate, `SELECT `+certificateCols+` FROM donor_certificates WHERE id = $1`, id)
	if err != nil {
		return CertificateCheck{}, err
	}
	c := certificate{ID: "unknown"}
	if len(rs) == 1 {
		c = rs[0]
	}
	if !s.checkSig(certificateStatement(c), sig) || len(rs) != 1 {
		return CertificateCheck{}, nil
	}
	var ls []document.DonorLine
	if err := json.Unmarshal([]byte(c.Lines), &ls); err != nil {
		return CertificateCheck{}, err
	}
	return CertificateCheck{Valid: true, ID: c.ID, Organization: c.Organization, Items: ls, Good: c.Good, Value: c.Value,
		IssuedAt: c.IssuedAt}, nil
}
