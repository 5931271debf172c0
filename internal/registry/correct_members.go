package registry

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// MemberChange corrects one member of a household. The member is named by its id,
// not by its NIK: a member without a NIK (a newborn) has nothing else that stays
// the same while its name or birth date is corrected, and matching by NIK made such
// a correction add a second member. No id adds a member; Remove (with a Reason)
// takes one out. Nil fields stay.
type MemberChange struct {
	ID        string  `json:"id,omitempty"`
	Name      *string `json:"name,omitempty"`
	BirthDate *string `json:"birth_date,omitempty"`
	Sex       *string `json:"sex,omitempty"`
	Relation  *string `json:"relation,omitempty"`
	// NIK sets the member's NIK (the office of the region only); empty leaves it.
	NIK    *string `json:"nik,omitempty"`
	Remove bool    `json:"remove,omitempty"`
	Reason string  `json:"reason,omitempty"`
}

// headRelation is the relation of a household's head, whose name is the household's.
const headRelation = "Kepala Keluarga"

type memberRow struct {
	id, name, birth, sex, relation, nikHash string
}

// correctMembers applies the member changes of a correction to household t in tx,
// each audited, and keeps the household's size (and so its needs) and its head's
// name right. It returns the head's name when the head was renamed ("" otherwise),
// and whether anything changed: a change that repeats a member's values (a form
// sends every member) writes nothing.
func (s *Service) correctMembers(ctx context.Context, tx *store.Tx, v Viewer, t Target, changes []MemberChange) (string, bool, error) {
	if len(changes) == 0 {
		return "", false, nil
	}
	if t.Kind != Household {
		return "", false, errs.E(errs.Invalid, "members: only a household has members")
	}
	kk := ""
	if t.idEnc != "" {
		b, err := s.vault.Open(t.idEnc, vault.AD("targets", t.ID, "kk"))
		if err != nil {
			return "", false, errs.Wrap(err, "decrypt No. KK")
		}
		kk = string(b)
	}
	now := store.Now()
	headName, changed := "", false
	for i, c := range changes {
		var cur memberRow
		if c.ID != "" {
			err := store.One(ctx, tx, `SELECT id, name, birth_date, sex, relation, nik_hash FROM members
				WHERE id = $1 AND target_id = $2 AND merged_into IS NULL`, c.ID, t.ID).
				Scan(&cur.id, &cur.name, &cur.birth, &cur.sex, &cur.relation, store.HashText(&cur.nikHash))
			if err != nil {
				return "", false, store.NotFound(err, "member not found in this household")
			}
		}
		if c.Remove {
			if err := s.removeMember(ctx, tx, t, cur, c.Reason); err != nil {
				return "", false, err
			}
			changed = true
			continue
		}
		if c.NIK != nil && *c.NIK != "" && !v.Office {
			return "", false, errs.E(errs.Invalid, "members[%d].nik: only the office of the region may set a NIK", i)
		}
		m, n, err := s.memberFields(cur, c, i)
		if err != nil {
			return "", false, err
		}
		if n.Number != "" && slices.Contains(s.vault.Hashes("nik", n.Number), cur.nikHash) {
			n = nik.NIK{} // the NIK it has
		}
		if cur.id != "" && n.Number == "" && m.name == cur.name && m.birthDate == cur.birth && m.sex == cur.sex && m.relation == cur.relation {
			continue
		}
		if err := s.writeMember(ctx, tx, t, kk, cur, m, n, now); err != nil {
			return "", false, err
		}
		changed = true
		if m.relation == headRelation && m.name != cur.name {
			headName = m.name
		}
	}
	if !changed {
		return "", false, nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE targets SET size = (SELECT COUNT(*) FROM members WHERE target_id = $1 AND merged_into IS NULL AND held = ''),
		updated_at = $2 WHERE id = $1`, t.ID, now)
	return headName, true, err
}

// memberFields validates a member as the import does (the same rules for name,
// birth date, sex, relation and NIK), from its current values with c laid over them.
func (s *Service) memberFields(cur memberRow, c MemberChange, i int) (*member, nik.NIK, error) {
	pick := func(p *string, old string) string {
		if p != nil {
			return *p
		}
		return old
	}
	cells := []string{pick(c.Name, cur.name), pick(c.BirthDate, cur.birth), pick(c.Sex, cur.sex), pick(c.Relation, cur.relation), pick(c.NIK, "")}
	val := newValidator(Household, map[string]int{colName: 0, colBirthDate: 1, colSex: 2, colRelation: 3, colNIK: 4}, s.regions, s.province, "")
	var ps []problem
	var r record
	m := val.member(cells, &ps, &r)
	if len(ps) > 0 {
		return nil, nik.NIK{}, errs.E(errs.Invalid, "members[%d] %s: %s", i, ps[0].col, ps[0].reason)
	}
	return m, m.nik, nil
}

// writeMember inserts a new member (cur.id empty) or updates one; a member without
// a NIK gets the natural key a later import finds it by, from its corrected name and
// birth date, so the import does not add it again either.
func (s *Service) writeMember(ctx context.Context, tx *store.Tx, t Target, kk string, cur memberRow, m *member, n nik.NIK, now time.Time) error {
	id, action := cur.id, "member.correct"
	if id == "" {
		id, action = newID(), "member.add"
	}
	keyHash := ""
	if cur.nikHash == "" && n.Number == "" {
		keyHash = s.vault.Hash("member_key", kk+"|"+namematch.Normalize(m.name)+"|"+m.birthDate)
	}
	fields := []string{"name", "birth_date", "sex", "relation"}
	if err := s.nikTakenUnderRetiringKey(ctx, tx, n.Number, id); err != nil {
		return err
	}
	if cur.id == "" {
		var enc, hash string
		if n.Number != "" {
			var err error
			if enc, err = s.vault.Seal([]byte(n.Number), vault.AD("members", id, "nik")); err != nil {
				return err
			}
			hash, fields = s.vault.Hash("nik", n.Number), append(fields, "nik")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, key_hash, name, name_norm,
			birth_date, sex, relation, tags, row_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '', '', $13, $13)`,
			id, t.ID, t.Region, enc, store.HashArg(hash), nik.Mask(n.Number), keyHash, m.name, namematch.Normalize(m.name), m.birthDate, m.sex, m.relation, now); err != nil {
			return err
		}
	} else {
		// An empty row_hash differs from every file row's, so a later import of the
		// member's row is taken as a change, not as an unchanged duplicate.
		if _, err := tx.ExecContext(ctx, `UPDATE members SET name = $1, name_norm = $2, birth_date = $3, sex = $4, relation = $5,
			row_hash = '', updated_at = $6 WHERE id = $7`, m.name, namematch.Normalize(m.name), m.birthDate, m.sex, m.relation, now, id); err != nil {
			return err
		}
		if n.Number != "" {
			enc, err := s.vault.Seal([]byte(n.Number), vault.AD("members", id, "nik"))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE members SET nik_enc = $1, nik_hash = $2, nik_mask = $3 WHERE id = $4`,
				enc, store.HashArg(s.vault.Hash("nik", n.Number)), nik.Mask(n.Number), id); err != nil {
				return err
			}
			fields = append(fields, "nik")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET key_hash = $1 WHERE id = $2`, keyHash, id); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "member", ObjectID: id, Region: t.Region,
		Detail: map[string]any{"target_id": t.ID, "fields": fields}})
}

// removeMember takes a member out of its household, with the reason in the audit
// log. The head is not removed (another member is made the head first), nor the
// last member, nor one that members merged away point at.
func (s *Service) removeMember(ctx context.Context, tx *store.Tx, t Target, cur memberRow, reason string) error {
	reason = strings.Join(strings.Fields(reason), " ")
	switch {
	case cur.id == "":
		return errs.E(errs.Invalid, "members: say which member to remove (id)")
	case utf8.RuneCountInString(reason) < 3 || utf8.RuneCountInString(reason) > 300:
		return errs.E(errs.Invalid, "members: a removal needs a reason (3 to 300 characters)")
	case cur.relation == headRelation:
		return errs.E(errs.Invalid, "members: the head of the household cannot be removed; make another member the head first")
	}
	var others, merged int
	if err := store.One(ctx, tx, `SELECT
		(SELECT COUNT(*) FROM members WHERE target_id = $1 AND merged_into IS NULL AND id <> $2),
		(SELECT COUNT(*) FROM members WHERE merged_into = $2)`, t.ID, cur.id).Scan(&others, &merged); err != nil {
		return err
	}
	if others == 0 {
		return errs.E(errs.Invalid, "members: a household keeps at least one member")
	}
	if merged > 0 {
		return errs.E(errs.Conflict, "members: this member holds records merged into it and cannot be removed")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE id = $1`, cur.id); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "member.remove", ObjectType: "member", ObjectID: cur.id, Region: t.Region,
		Detail: map[string]any{"target_id": t.ID, "reason": reason}})
}

// nikTakenUnderRetiringKey answers as the unique index members_nik would when a
// live member other than id holds nik under the retiring key of a key rotation: the
// index compares keyed hashes, and a row the rotation has not reached holds the old
// one. Outside a rotation it does nothing.
func (s *Service) nikTakenUnderRetiringKey(ctx context.Context, tx *store.Tx, number, id string) error {
	if number == "" {
		return nil
	}
	hs := s.vault.Hashes("nik", number)
	if len(hs) < 2 {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE nik_hash = $1 AND id <> $2 AND merged_into IS NULL AND held = ''`,
		store.HashArg(hs[1]), id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "already exists")
	}
	return nil
}
