package registry

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// Intake is one person as a form outside the import names them (a help request
// from a neighbour, issue 14): one record, found in the registry or added to it
// through the import's own matching, never doubled.
type Intake struct {
	NIK     string // optional: 16 digits, checked as the import checks the NIK column
	Name    string
	Region  string // a kelurahan code
	RW, RT  int
	Address string
	Phone   string
	// Source names where the record came from ("help_request:ID"); it is kept
	// where an import keeps its id, so the target says where it came from.
	Source string
}

// Candidate is a target of the registry that an intake record may be: a person,
// or a household by the member whose name is like the record's (Name).
type Candidate struct {
	TargetID string  `json:"target_id"`
	Kind     Kind    `json:"kind"`
	Name     string  `json:"name"`
	Region   string  `json:"region"`
	RW       int     `json:"rw"`
	Score    float64 `json:"score"`
	Exact    bool    `json:"exact"` // the same NIK
}

// CheckNIK checks a NIK typed into a form as an import checks its NIK column
// (shape, region of issue, birth date); "" is no NIK.
func (s *Service) CheckNIK(raw string) (nik.NIK, error) {
	if strings.TrimSpace(raw) == "" {
		return nik.NIK{}, nil
	}
	v := &validator{regions: s.regions, province: s.province}
	n, _, err := nik.ParseNIK(raw, nik.NIKOptions{RegionExists: v.exists, RegionSplit: v.split, Today: time.Now()})
	if err != nil {
		m := problemText(err) // the import's own words, already in the catalogue
		return nik.NIK{}, errs.E(errs.Invalid, m.Key, m.Args...)
	}
	return n, nil
}

// intakeRecord is in as the import's record of a person.
func (s *Service) intakeRecord(in Intake) (*record, error) {
	n, err := s.CheckNIK(in.NIK)
	if err != nil {
		return nil, err
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if l := utf8.RuneCountInString(name); l < 2 || l > 120 {
		return nil, errs.E(errs.Invalid, "name must be 2 to 120 characters long")
	}
	if r, ok := s.regions.Get(in.Region); !ok || r.Level != region.Village {
		return nil, errs.E(errs.Invalid, "region must be the code of a kelurahan")
	}
	m := &member{nik: n, name: name}
	if n.Number != "" {
		m.birthDate = n.BirthDate.Format(time.DateOnly)
		m.sex = "L"
		if n.Female {
			m.sex = "P"
		}
	}
	r := &record{kind: Person, region: in.Region, rw: in.RW, rt: in.RT, name: name, address: in.Address, phone: in.Phone, member: m}
	r.hash = r.contentHash()
	return r, nil
}

// similar lists the live, unheld persons and household members of the record's
// kelurahan whose names score at least namematch.Review against it: the import's
// fuzzy block, widened to the whole kelurahan when the birth date is unknown (a
// form without a NIK has none), and narrowed as the import narrows it: a different
// birth date, or a different NIK, is another person.
func similar(ctx context.Context, q store.Querier, v interface {
	Hashes(kind, value string) []string
}, r *record, scope string) ([]Candidate, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.kind, t.name, t.region, t.rw, t.name_norm, t.birth_date,
		CASE WHEN t.id_mask <> '' THEN t.id_hash END
		FROM targets t WHERE t.kind = 'person' AND t.region = $1 AND t.merged_into IS NULL AND t.held = ''
		UNION ALL
		SELECT t.id, t.kind, m.name, t.region, t.rw, m.name_norm, m.birth_date, m.nik_hash
		FROM members m JOIN targets t ON t.id = m.target_id
		WHERE m.region = $1 AND m.merged_into IS NULL AND m.held = '' AND t.merged_into IS NULL AND t.held = ''`, r.region)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	norm := namematch.Normalize(r.member.name)
	// During a key rotation a row not yet reached holds the retiring key's hash.
	var hashes []string
	if r.member.nik.Number != "" {
		hashes = v.Hashes("nik", r.member.nik.Number)
	}
	hash := ""
	if len(hashes) > 0 {
		hash = hashes[0]
	}
	best := map[string]Candidate{}
	for rows.Next() {
		var c Candidate
		var cNorm, cBirth, cHash string
		if err := rows.Scan(&c.TargetID, &c.Kind, &c.Name, &c.Region, &c.RW, &cNorm, &cBirth, store.HashText(&cHash)); err != nil {
			return nil, err
		}
		if scope != "" && !strings.HasPrefix(c.Region+".", scope+".") {
			continue
		}
		c.Exact = hash != "" && slices.Contains(hashes, cHash)
		if !c.Exact {
			if (hash != "" && cHash != "") || (r.member.birthDate != "" && cBirth != "" && cBirth != r.member.birthDate) {
				continue
			}
			if c.Score = namematch.Compare(norm, cNorm); c.Score < namematch.Review {
				continue
			}
		} else {
			c.Score = 1
		}
		if old, ok := best[c.TargetID]; !ok || c.Score > old.Score || c.Exact {
			best[c.TargetID] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(best))
	for _, c := range best {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Exact != out[j].Exact {
			return out[i].Exact
		}
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].TargetID < out[j].TargetID
	})
	return out, nil
}

// Candidates lists the registry's targets inside scope that the intake record
// may be, best first, for the office deciding on it. It writes nothing.
func (s *Service) Candidates(ctx context.Context, scope string, in Intake) ([]Candidate, error) {
	r, err := s.intakeRecord(in)
	if err != nil {
		return nil, err
	}
	return similar(ctx, s.db.R(), s.vault, r, scope)
}

// IntakeTx finds the one target the intake record is, or creates it, in the
// caller's transaction, as the import would for the same row: first exactly, by
// the keyed hash of the NIK (a person, or a member of a household) or, without a
// NIK, by the person's natural key; then fuzzily, in the import's block, where a
// single target whose name scores at least namematch.Same is taken (the rule by
// which the import merges without review). Otherwise a new person is written with
// the import's own writer, and every other similar target is queued as a possible
// duplicate for the office, as an import queues it. scope is the acting office's
// region ("" for the admin): outside it nothing is found, so an office never writes
// into another office's record. existing reports whether the target was found.
func (s *Service) IntakeTx(ctx context.Context, tx *store.Tx, scope string, in Intake) (targetID string, existing bool, err error) {
	r, err := s.intakeRecord(in)
	if err != nil {
		return "", false, err
	}
	if scope != "" && !s.regions.Within(r.region, scope) {
		return "", false, errs.E(errs.NotFound, "no such region in your area")
	}
	w := &batchWriter{s: s, ctx: ctx, tx: tx, imp: in.Source, scope: scope, now: store.Now()}
	// A target found is stamped as changed: what follows a change of the registry
	// (a program's needs for targets changed since a time) then reaches it now.
	found := func(id string) (string, bool, error) {
		_, err := tx.ExecContext(ctx, `UPDATE targets SET updated_at = $1 WHERE id = $2`, w.now, id)
		return id, true, err
	}
	hash := personKey(w.hash, r)
	if r.member.nik.Number != "" {
		hash = w.hash("nik", r.member.nik.Number)
		live, _, err := w.membersByHash([]string{hash})
		if err != nil {
			return "", false, err
		}
		if m := live[hash]; m != nil && m.held == "" && w.inScope(m.region) {
			return found(m.targetID)
		}
	}
	byHash, err := w.targetsByHash(Person, []string{hash})
	if err != nil {
		return "", false, err
	}
	t := byHash[hash]
	if t != nil && !t.foreign {
		return found(t.id)
	}
	cands, err := similar(ctx, tx, s.vault, r, scope)
	if err != nil {
		return "", false, err
	}
	var same []Candidate
	for _, c := range cands {
		if c.Exact || c.Score >= namematch.Same {
			same = append(same, c)
		}
	}
	if t == nil && len(same) == 1 {
		return found(same[0].TargetID)
	}
	if t != nil { // registered outside the office's region: a held copy, as an import makes
		t = w.heldFor(t, r, msg.New("NIK %s was imported for two regions", nik.Mask(r.member.nik.Number)))
	} else {
		t = &existingTarget{id: newID(), isNew: true, rowHash: r.hash}
	}
	if err := w.newPerson(t, r, hash); err != nil {
		return "", false, err
	}
	if err := w.flush(nil); err != nil {
		return "", false, err
	}
	for _, c := range cands {
		reasons := []msg.Message{
			msg.New("similar name (%.0f%%)", c.Score*100),
			msg.New("same kelurahan %s", s.villageName(r.region)),
		}
		if _, err := w.queuePair(c.TargetID, t.id, r.region, c.Score, reasons); err != nil {
			return "", false, err
		}
	}
	return t.id, false, nil
}
