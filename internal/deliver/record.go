package deliver

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/document"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/store"
)

// The documents of delivery (issue 11): a run's package labels, its handover record
// (BAST) and the thank-you certificate of a completed commitment. A BAST or
// certificate states a record (document.Record: program, organisation, delivered
// and failed counts, when) kept in document_records and signed under a key of its
// own (vault.Subkey "record signature v1"); the signature is in the document's
// verification URL, and VerifyRecord recomputes it from the stored row, so neither
// an altered URL nor an altered row verifies. The public learns nothing else: a
// record holds no personal data.
//
// Labels point at the collaborator's run page (/deliveries/RUN#stop-N), not at the
// courier's link: a label is printed, stuck on a package and photographed by
// whoever handles it, and outlives any revocation, while the link's token is the
// whole of the courier's right to every stop of the run. The run page needs the
// organisation's login; the courier has the link on the phone.

// Records is what the documents need beside the delivery service.
type Records struct {
	Key      []byte           // vault.Subkey("record signature v1")
	Orgs     *account.Service // the organisation's name and contact e-mail
	Messages *message.Outbox  // commitment_complete goes to the organisation; nil: none
	Issuer   string           // who thanks, on the certificate ("" prints Gotong)
}

// UseRecords turns on the documents of delivery and the completion of commitments.
func (s *Service) UseRecords(r Records) {
	if len(r.Key) < 16 {
		panic("deliver: record signature key too short")
	}
	s.rec = &r
}

// record is a document_records row.
type record struct {
	document.Record
	DeliveryID, CommitmentID, OrgID, Region string
	Units                                   int
	Sig                                     string
}

const recordCols = `id, kind, delivery_id, commitment_id, org_id, region, program, organization, delivered, failed, units, issued_at, sig`

func scanRecord(r store.Scanner) (record, error) {
	var x record
	err := r.Scan(&x.ID, &x.Kind, &x.DeliveryID, &x.CommitmentID, &x.OrgID, &x.Region, &x.Program, &x.Organization,
		&x.Delivered, &x.Failed, &x.Units, &x.IssuedAt, &x.Sig)
	x.IssuedAt = x.IssuedAt.UTC()
	return x, err
}

// issue stores a new record, signed, in tx, and audits it as action.
func (s *Service) issue(ctx context.Context, tx *store.Tx, x record, action, chain string) (record, error) {
	x.ID = newID()
	x.IssuedAt = s.Now().UTC().Truncate(time.Second)
	x.Sig = document.Sign(s.rec.Key, x.Record)
	if _, err := tx.ExecContext(ctx, `INSERT INTO document_records (`+recordCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, x.ID, x.Kind, x.DeliveryID, x.CommitmentID, x.OrgID,
		x.Region, x.Program, x.Organization, x.Delivered, x.Failed, x.Units, x.IssuedAt, x.Sig); err != nil {
		return record{}, store.Map(err)
	}
	object, id := "delivery", x.DeliveryID
	if x.Kind == document.KindCertificate {
		object, id = "commitment", x.CommitmentID
	}
	return x, audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: object, ObjectID: id, Region: x.Region, Chain: chain,
		Detail: map[string]any{"record": x.ID, "delivered": x.Delivered, "failed": x.Failed}})
}

// verifyURL is the public page that checks a record.
func (s *Service) verifyURL(x record) string {
	return strings.TrimRight(s.baseURL(), "/") + "/verify/" + x.Kind + "/" + x.ID + "?sig=" + x.Sig
}

func (s *Service) needRecords() error {
	if s.rec == nil {
		return errs.E(errs.NotFound, "no such endpoint")
	}
	return nil
}

// WriteLabels writes a run's package labels as a PDF to w: one label per stop (an
// allocation is one package), in the run's order, each with a QR code to its stop on
// the run's page. Names and addresses are shown within the organisation's limits on
// personal data, and the export is audited ("delivery.labels"). Nothing is written
// to w unless the run may be read.
func (s *Service) WriteLabels(ctx context.Context, who Who, id string, w io.Writer) error {
	if err := s.needRecords(); err != nil {
		return err
	}
	d, err := getRun(ctx, s.db.R(), who, id)
	if err != nil {
		return err
	}
	h, err := s.allocs.Heading(ctx, s.db.R(), anyOrg, d.CommitmentID)
	if err != nil {
		return err
	}
	stops, err := s.stopsOf(ctx, d, "delivery.labels")
	if err != nil {
		return err
	}
	page := strings.TrimRight(s.baseURL(), "/") + "/deliveries/" + d.ID + "#stop-"
	doc := document.LabelsDoc{RunID: d.ID, Program: h.Program, Stops: len(stops), IssuedAt: s.Now(),
		Labels: make([]document.Label, len(stops))}
	for i, st := range stops {
		t := st.Target
		name, _ := s.allocs.RegionName(t.Region)
		doc.Labels[i] = document.Label{Stop: i + 1, Item: h.Item, Quantity: st.Quantity, Unit: h.Unit, Name: t.Name,
			Kelurahan: name, RW: pad(t.RW, 2), RT: pad(t.RT, 3), Address: t.Address, URL: page + strconv.Itoa(i+1)}
	}
	return document.Labels(w, doc)
}

// pad writes an RW or RT number as it is written in Jakarta ("03", "007"); 0 is
// unknown.
func pad(n, width int) string {
	if n <= 0 {
		return ""
	}
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// WriteBAST writes a run's handover record as a PDF to w. The record it states is
// the run's latest when its program, organisation and counts are unchanged, else a
// new one is issued and signed; both the issue and the read of the recipients'
// names are audited ("delivery.bast"). NIKs are masked; no address, phone or code.
func (s *Service) WriteBAST(ctx context.Context, who Who, id string, w io.Writer) error {
	if err := s.needRecords(); err != nil {
		return err
	}
	var doc document.BASTDoc
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		d, err := getRun(ctx, tx, who, id)
		if err != nil {
			return err
		}
		h, err := s.allocs.Heading(ctx, tx, anyOrg, d.CommitmentID)
		if err != nil {
			return err
		}
		org, err := s.rec.Orgs.OrgTx(ctx, tx, d.OrgID)
		if err != nil {
			return err
		}
		ids, err := store.All(ctx, tx, store.String, `SELECT allocation_id FROM delivery_stops WHERE delivery_id = $1 ORDER BY seq`, d.ID)
		if err != nil {
			return err
		}
		lines, err := s.allocs.RecordLines(ctx, tx, ids)
		if err != nil {
			return err
		}
		doc = document.BASTDoc{Program: h.Program, Phase: h.Phase, Organization: org.Name, Item: h.Item, Unit: h.Unit,
			Courier: document.Courier{Provider: d.Courier.Provider, Name: d.Courier.Name, Plate: d.Courier.Plate, BookingRef: d.Courier.BookingRef},
			Rows:    make([]document.BASTRow, len(lines))}
		for i, l := range lines {
			doc.Rows[i] = document.BASTRow{Name: l.Name, NIKMasked: l.NIKMasked, Kelurahan: l.Kelurahan, RW: pad(l.RW, 2), RT: pad(l.RT, 3),
				Quantity: l.Quantity, Status: l.Status, Reason: l.Reason, Proof: l.Proof, At: l.At}
		}
		want := doc.Record()
		last, err := store.All(ctx, tx, scanRecord, `SELECT `+recordCols+` FROM document_records
			WHERE delivery_id = $1 AND kind = 'bast' ORDER BY issued_at DESC, id DESC LIMIT 1`, d.ID)
		if err != nil {
			return err
		}
		var x record
		if len(last) == 1 && same(last[0].Record, want) {
			x = last[0]
			err = audit.Record(ctx, tx, audit.Change{Action: "delivery.bast", ObjectType: "delivery", ObjectID: d.ID, Region: d.Region,
				Chain: d.Chain, Detail: map[string]any{"record": x.ID, "delivered": x.Delivered, "failed": x.Failed, "reused": true}})
		} else {
			x, err = s.issue(ctx, tx, record{Record: want, DeliveryID: d.ID, CommitmentID: d.CommitmentID, OrgID: d.OrgID, Region: d.Region},
				"delivery.bast", d.Chain)
		}
		doc.ID, doc.IssuedAt, doc.VerifyURL = x.ID, x.IssuedAt, s.verifyURL(x)
		return err
	})
	if err != nil {
		return err
	}
	return document.BAST(w, doc)
}

// same reports whether two records state the same, whatever their id and time.
func same(a, b document.Record) bool {
	return a.Kind == b.Kind && a.Program == b.Program && a.Organization == b.Organization && a.Delivered == b.Delivered && a.Failed == b.Failed
}

// WriteCertificate writes the thank-you certificate of a commitment of who's
// organisation (any, for an admin) as a PDF to w. Before the commitment is
// complete (allocate.Outcome.Complete) it is a conflict. The certificate's record
// is the one issued when the commitment completed (commitmentEnded), or issued now.
func (s *Service) WriteCertificate(ctx context.Context, who Who, commitmentID string, w io.Writer) error {
	if err := s.needRecords(); err != nil {
		return err
	}
	var doc document.CertificateDoc
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		h, err := s.allocs.Heading(ctx, tx, who, commitmentID)
		if err != nil {
			return err
		}
		x, err := s.certificate(ctx, tx, h)
		if err != nil {
			return err
		}
		if x.ID == "" {
			return errs.E(errs.Conflict, "the commitment is not complete: something of it is still reserved, on its way or waiting")
		}
		doc = document.CertificateDoc{ID: x.ID, Organization: x.Organization, Program: x.Program, Item: h.Item, Unit: h.Unit,
			Quantity: x.Units, Recipients: x.Delivered, Failed: x.Failed, Area: h.Area, Issuer: s.rec.Issuer,
			IssuedAt: x.IssuedAt, VerifyURL: s.verifyURL(x)}
		return audit.Record(ctx, tx, audit.Change{Action: "commitment.certificate", ObjectType: "commitment", ObjectID: h.CommitmentID,
			Region: h.Region, Chain: h.Chain, Detail: map[string]any{"record": x.ID}})
	})
	if err != nil {
		return err
	}
	return document.Certificate(w, doc)
}

// certificate returns, in tx, the commitment's certificate record: the one issued,
// or a new one when the commitment is complete and has none (it completed through
// expiry or cancellation, which end no stop). An incomplete commitment has none
// (a zero record). A new record enqueues the commitment_complete message to the
// organisation's contact e-mail; the unique index on a commitment's certificate
// makes both happen once.
func (s *Service) certificate(ctx context.Context, tx *store.Tx, h allocate.RecordHeading) (record, error) {
	have, err := store.All(ctx, tx, scanRecord, `SELECT `+recordCols+` FROM document_records
		WHERE commitment_id = $1 AND kind = 'certificate'`, h.CommitmentID)
	if err != nil || len(have) == 1 {
		return first(have), err
	}
	o, err := s.allocs.OutcomeTx(ctx, tx, h.CommitmentID)
	if err != nil || !o.Complete() {
		return record{}, err
	}
	// Read again under OutcomeTx's lock: another transaction may have issued it.
	if have, err = store.All(ctx, tx, scanRecord, `SELECT `+recordCols+` FROM document_records
		WHERE commitment_id = $1 AND kind = 'certificate'`, h.CommitmentID); err != nil || len(have) == 1 {
		return first(have), err
	}
	org, err := s.rec.Orgs.OrgTx(ctx, tx, h.OrgID)
	if err != nil {
		return record{}, err
	}
	x, err := s.issue(ctx, tx, record{Record: document.Record{Kind: document.KindCertificate, Program: h.Program, Organization: org.Name,
		Delivered: o.Delivered, Failed: o.Failed}, CommitmentID: h.CommitmentID, OrgID: h.OrgID, Region: h.Region, Units: o.DeliveredUnits},
		"commitment.complete", h.Chain)
	if err != nil || s.rec.Messages == nil || org.ContactEmail == "" {
		return x, err
	}
	return x, s.rec.Messages.Enqueue(ctx, tx, message.Message{Kind: "commitment_complete", Channel: message.Email, To: org.ContactEmail,
		Ref: h.CommitmentID, Region: h.Region, Args: map[string]string{"program": h.Program, "units": document.FormatNumber(o.DeliveredUnits)}})
}

func first(rs []record) record {
	if len(rs) == 0 {
		return record{}
	}
	return rs[0]
}

// commitmentOfEnded is called in the transaction that ends an allocation delivered
// or failed (stopEnded): when that was the last of its commitment, the commitment's
// certificate is issued and its organisation told, in this same transaction.
func (s *Service) commitmentOfEnded(ctx context.Context, tx *store.Tx, allocationID string) error {
	if s.rec == nil {
		return nil
	}
	cid, err := s.allocs.CommitmentOf(ctx, tx, allocationID)
	if err != nil {
		return err
	}
	return s.commitmentEnded(ctx, tx, cid)
}

// commitmentEnded issues the commitment's certificate, and tells its organisation,
// when nothing of it is left to do (and something was delivered).
func (s *Service) commitmentEnded(ctx context.Context, tx *store.Tx, cid string) error {
	ended, err := s.allocs.EndedTx(ctx, tx, cid)
	if err != nil || !ended {
		return err
	}
	h, err := s.allocs.Heading(ctx, tx, anyOrg, cid)
	if err != nil {
		return err
	}
	_, err = s.certificate(ctx, tx, h)
	return err
}

// Verified is what the public verification answers: {"valid":false} for anything
// that is not a genuine record's signature, else what the record states.
type Verified struct {
	Valid bool
	document.Record
}

// MarshalJSON writes {"valid":false}, or the record's fields after "valid":true.
func (v Verified) MarshalJSON() ([]byte, error) {
	if !v.Valid {
		return []byte(`{"valid":false}`), nil
	}
	return json.Marshal(struct {
		Valid        bool      `json:"valid"`
		Program      string    `json:"program"`
		Organization string    `json:"organization"`
		Delivered    int       `json:"delivered"`
		Failed       int       `json:"failed"`
		IssuedAt     time.Time `json:"issued_at"`
	}{true, v.Program, v.Organization, v.Delivered, v.Failed, v.IssuedAt})
}

// unknownRecord is signed in place of a record that does not exist, so that an
// unknown id costs the same work as a wrong signature.
var unknownRecord = document.Record{Kind: "unknown", ID: "unknown"}

// VerifyRecord checks sig against the record id of kind (document.KindBAST or
// KindCertificate), recomputing the signature from the stored row. It answers not
// valid, with no error, for an unknown id, another kind's id and a wrong sig alike.
func (s *Service) VerifyRecord(ctx context.Context, kind, id, sig string) (Verified, error) {
	if err := s.needRecords(); err != nil {
		return Verified{}, err
	}
	if len(id) > 64 || len(sig) > 128 {
		id, sig = "", ""
	}
	rs, err := store.All(ctx, s.db.R(), scanRecord, `SELECT `+recordCols+` FROM document_records WHERE id = $1 AND kind = $2`, id, kind)
	if err != nil {
		return Verified{}, err
	}
	r := unknownRecord
	if len(rs) == 1 {
		r = rs[0].Record
	}
	if !document.Verify(s.rec.Key, r, sig) || len(rs) != 1 {
		return Verified{}, nil
	}
	return Verified{Valid: true, Record: r}, nil
}
