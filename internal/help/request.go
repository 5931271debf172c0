package help

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Requester is who asks on behalf of someone else.
type Requester struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// NewRequest is a help request as the public form sends it.
type NewRequest struct {
	Kind      string     `json:"kind"` // "help" (default) or "missed"
	Name      string     `json:"name"`
	NIK       string     `json:"nik"`
	Phone     string     `json:"phone"`
	Region    string     `json:"region"`
	RW        string     `json:"rw"`
	RT        string     `json:"rt"`
	Address   string     `json:"address"`
	Need      string     `json:"need"`
	NeedKind  string     `json:"need_kind"` // one of NeedKinds ("other" when empty)
	Urgency   string     `json:"urgency"`
	OnBehalf  bool       `json:"on_behalf"`
	Requester *Requester `json:"requester,omitempty"`
}

// private is what is sealed: everything that names or reaches a person.
type private struct {
	Name      string     `json:"name"`
	NIK       string     `json:"nik,omitempty"`
	Phone     string     `json:"phone,omitempty"`
	Address   string     `json:"address"`
	Need      string     `json:"need"`
	Requester *Requester `json:"requester,omitempty"`
}

// contact is the phone that follows the request: the requester's when asking for
// someone else, else the person's own.
func (p private) contact() string {
	if p.Requester != nil {
		return p.Requester.Phone
	}
	return p.Phone
}

// text checks a free-text field: spaces folded, length in runes, no control
// characters.
func text(field, s string, minLen, maxLen int) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	if n == 0 && minLen > 0 {
		return "", errs.E(errs.Invalid, "%s is required", field)
	}
	if n < minLen || n > maxLen {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters long", field, minLen, maxLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", errs.E(errs.Invalid, "%s contains control characters", field)
		}
	}
	return s, nil
}

func phone(field, s string, required bool) (string, error) {
	if strings.TrimSpace(s) == "" {
		if required {
			return "", errs.E(errs.Invalid, "%s is required", field)
		}
		return "", nil
	}
	p, err := nik.Phone(s)
	if err != nil {
		return "", errs.E(errs.Invalid, "%s must be an Indonesian number such as 0812-3456-7890", field)
	}
	return p, nil
}

func number(field, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 999 {
		return 0, errs.E(errs.Invalid, "%s must be a number from 0 to 999", field)
	}
	return n, nil
}

// checked is a validated request.
type checked struct {
	kind, region, needKind, urgency string
	rw, rt                          int
	onBehalf                        bool
	nikMask                         string
	p                               private
}

func (s *Service) check(in NewRequest) (checked, error) {
	c := checked{kind: in.Kind, needKind: in.NeedKind, urgency: in.Urgency, onBehalf: in.OnBehalf}
	if c.kind == "" {
		c.kind = KindHelp
	}
	if c.kind != KindHelp && c.kind != KindMissed {
		return c, errs.E(errs.Invalid, "kind must be help or missed")
	}
	if c.needKind == "" {
		c.needKind = "other"
	}
	if !slices.Contains(NeedKinds, c.needKind) {
		return c, errs.E(errs.Invalid, "need_kind must be one of food, elderly, medicine, other")
	}
	if !slices.Contains(Urgencies, c.urgency) {
		return c, errs.E(errs.Invalid, "urgency must be low, high or critical")
	}
	var err error
	if c.p.Name, err = text("name", in.Name, 2, 120); err != nil {
		return c, err
	}
	n, err := s.registry.CheckNIK(in.NIK)
	if err != nil {
		return c, err
	}
	c.p.NIK, c.nikMask = n.Number, nik.Mask(n.Number)
	code, err := region.Normalize(in.Region)
	if r, ok := s.regions.Get(code); err != nil || !ok || r.Level != region.Village {
		return c, errs.E(errs.Invalid, "region must be the code of a kelurahan")
	}
	c.region = code
	if c.rw, err = number("rw", in.RW); err != nil {
		return c, err
	}
	if c.rt, err = number("rt", in.RT); err != nil {
		return c, err
	}
	if c.p.Address, err = text("address", in.Address, 5, 300); err != nil {
		return c, err
	}
	if c.p.Need, err = text("need", in.Need, 3, 1000); err != nil {
		return c, err
	}
	if c.p.Phone, err = phone("phone", in.Phone, !in.OnBehalf); err != nil {
		return c, err
	}
	if in.OnBehalf {
		if in.Requester == nil {
			return c, errs.E(errs.Invalid, "requester is required when asking on behalf of someone")
		}
		r := &Requester{}
		if r.Name, err = text("requester.name", in.Requester.Name, 2, 120); err != nil {
			return c, err
		}
		if r.Phone, err = phone("requester.phone", in.Requester.Phone, true); err != nil {
			return c, err
		}
		c.p.Requester = r
	}
	return c, nil
}

// ContactPhone is the phone the request's messages and its status lookup go by,
// normalised, for the web layer's limit per phone ("" when the request has none
// that parses: it is refused anyway).
func ContactPhone(in NewRequest) string {
	raw := in.Phone
	if in.OnBehalf && in.Requester != nil {
		raw = in.Requester.Phone
	}
	p, _ := nik.Phone(raw)
	return p
}

// Receipt is what the person who asked gets back.
type Receipt struct {
	Reference string `json:"reference"`
	Status    string `json:"status"`
}

func last4(phone string) string {
	if len(phone) < 4 {
		return phone
	}
	return phone[len(phone)-4:]
}

// checkHash binds a reference to the last four digits of its contact phone.
func (s *Service) checkHash(reference, four string) string {
	return s.vault.Hash("help_request_check", reference+"|"+four)
}

// checkHashes is checkHash under each key a lookup tries (two during a key rotation).
func (s *Service) checkHashes(reference, four string) []string {
	return s.vault.Hashes("help_request_check", reference+"|"+four)
}

// Submit records a request and tells whoever gave a phone its reference.
func (s *Service) Submit(ctx context.Context, in NewRequest) (Receipt, error) {
	c, err := s.check(in)
	if err != nil {
		return Receipt{}, err
	}
	id, ref := newID(), newReference()
	plain, _ := json.Marshal(c.p)
	sealed, err := s.vault.Seal(plain, vault.AD("help_requests", id, "private"))
	if err != nil {
		return Receipt{}, err
	}
	var nikHash string
	if c.p.NIK != "" {
		nikHash = s.vault.Hash("nik", c.p.NIK) // as the registry hashes it (members.nik_hash)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO help_requests (id, reference, check_hash, kind, region, rw, rt, need_kind, urgency,
			on_behalf, sealed, nik_mask, nik_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
			id, ref, s.checkHash(ref, last4(c.p.contact())), c.kind, c.region, c.rw, c.rt, c.needKind, c.urgency, boolInt(c.onBehalf),
			sealed, c.nikMask, nikHash, now); err != nil {
			return store.Map(err)
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "help_request.submit", ObjectType: "help_request", ObjectID: id, Region: c.region,
			Detail: map[string]any{"reference": ref, "kind": c.kind, "urgency": c.urgency, "need_kind": c.needKind}}); err != nil {
			return err
		}
		return s.tell(ctx, tx, id, c.region, c.p, "help_submitted", map[string]string{"reference": ref})
	})
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Reference: ref, Status: Submitted}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tell sends kind by SMS to the contact phone and, when someone asked on their
// behalf and gave their phone, to the person helped. Each gets it once (the
// outbox's ref is the request, the kind's step and who).
func (s *Service) tell(ctx context.Context, tx *store.Tx, id, regionCode string, p private, kind string, args map[string]string) error {
	if s.outbox == nil {
		return nil
	}
	sent := map[string]bool{}
	for _, to := range []struct{ who, phone string }{{"contact", p.contact()}, {"person", p.Phone}} {
		if to.phone == "" || sent[to.phone] {
			continue
		}
		sent[to.phone] = true
		if err := s.outbox.Enqueue(ctx, tx, message.Message{Kind: kind, Channel: message.SMS, To: to.phone, Ref: id + ":" + to.who,
			Region: regionCode, Args: args}); err != nil {
			return err
		}
	}
	return nil
}

// Status is what the status lookup shows: nothing about the person.
type Status struct {
	Reference string `json:"reference"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
}

// errNoRequest is the one answer for a wrong reference and a wrong last four.
var errNoRequest = errs.E(errs.NotFound, "no help request with this reference and these last four digits")

// Lookup is the public status lookup. A wrong reference and a wrong last four
// digits answer the same error after the same work: one indexed read and one
// constant-time comparison of keyed hashes.
func (s *Service) Lookup(ctx context.Context, reference, four string) (Status, error) {
	reference = strings.ToUpper(strings.TrimSpace(reference))
	four = strings.TrimSpace(four)
	want := s.checkHash(reference, four)
	var have, status, reason string
	err := s.db.R().QueryRowContext(ctx, `SELECT check_hash, status, reason FROM help_requests WHERE reference = $1`, reference).Scan(&have, &status, &reason)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		have = s.checkHash("", "") // compared like a real one: the same work
	case err != nil:
		return Status{}, err
	}
	match := subtle.ConstantTimeCompare([]byte(have), []byte(want)) == 1
	if retiring := s.checkHashes(reference, four); len(retiring) > 1 {
		// During a key rotation a request not yet reached holds the retiring key's hash.
		match = match || subtle.ConstantTimeCompare([]byte(have), []byte(retiring[1])) == 1
	}
	if !match || len(four) != 4 {
		return Status{}, errNoRequest
	}
	return Status{Reference: reference, Status: status, Reason: reason}, nil
}
