package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// The registry's part of a key rotation (gotong key rotate): each Rekey* re-seals the
// sealed values and recomputes the keyed hashes of up to limit rows of one table
// after the cursor after, inside the caller's transaction, with the vault's sealing
// key (the next key once the rotation has begun), and returns the cursor of the last
// row it read ("" when none was left) and how many rows it rewrote. A row is written
// only if it still holds what was read, so a row an import changed meanwhile is
// left as the import wrote it: with the next key, since the import seals with it too.
// A row already under the next key (written during the rotation, or passed by an
// earlier run) is not written again, so a second pass rewrites only stragglers.

// RekeyTargets re-seals targets.id_enc (No. KK of a household, NIK of a person) and
// recomputes targets.id_hash (the keyed hash of that identifier, or personKey for a
// person without a NIK).
func (s *Service) RekeyTargets(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	type row struct{ id, kind, region, name, birth, enc, hash string }
	var rows []row
	q := `SELECT id, kind, region, name, birth_date, id_enc, id_hash FROM targets
		WHERE id > $1 AND (id_enc <> '' OR id_hash IS NOT NULL) ORDER BY id LIMIT $2` + tx.Locking(" FOR UPDATE")
	err := store.Each(ctx, tx, func(r store.Scanner) error {
		var t row
		if err := r.Scan(&t.id, &t.kind, &t.region, &t.name, &t.birth, &t.enc, store.HashText(&t.hash)); err != nil {
			return err
		}
		rows = append(rows, t)
		return nil
	}, q, after, limit)
	if err != nil || len(rows) == 0 {
		return "", 0, err
	}
	n := 0
	for _, t := range rows {
		enc, hash := t.enc, t.hash
		field := "kk"
		if Kind(t.kind) == Person {
			field = "nik"
		}
		switch {
		case t.enc != "":
			plain, resealed, err := s.vault.Reseal(t.enc, vault.AD("targets", t.id, field))
			if err != nil {
				return "", 0, fmt.Errorf("target %s: %w", t.id, err)
			}
			enc = resealed
			if t.hash != "" {
				hash = s.vault.Hash(field, string(plain))
			}
		case Kind(t.kind) == Person && t.hash != "":
			hash = s.vault.Hash("person_key", t.region+"|"+namematch.Normalize(t.name)+"|"+t.birth)
		}
		if enc == t.enc && hash == t.hash {
			continue // written with the next key already
		}
		res, err := tx.ExecContext(ctx, `UPDATE targets SET id_enc = $1, id_hash = $2 WHERE id = $3 AND id_enc = $4 AND id_hash IS NOT DISTINCT FROM $5`,
			enc, store.HashArg(hash), t.id, t.enc, store.HashArg(t.hash))
		if err != nil {
			return "", 0, fmt.Errorf("target %s: %w", t.id, err)
		}
		n += affected(res)
	}
	return rows[len(rows)-1].id, n, nil
}

// RekeyMembers re-seals members.nik_enc and recomputes members.nik_hash and, for a
// member without a NIK, members.key_hash (memberKey: the household's No. KK, which is
// opened from its target, with the member's name and birth date).
func (s *Service) RekeyMembers(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	type row struct{ id, name, birth, enc, hash, key, targetID, kkEnc string }
	var rows []row
	q := `SELECT m.id, m.name, m.birth_date, m.nik_enc, m.nik_hash, m.key_hash, t.id, t.id_enc
		FROM members m JOIN targets t ON t.id = m.target_id
		WHERE m.id > $1 ORDER BY m.id LIMIT $2` + tx.Locking(" FOR UPDATE OF m")
	err := store.Each(ctx, tx, func(r store.Scanner) error {
		var m row
		if err := r.Scan(&m.id, &m.name, &m.birth, &m.enc, store.HashText(&m.hash), &m.key, &m.targetID, &m.kkEnc); err != nil {
			return err
		}
		rows = append(rows, m)
		return nil
	}, q, after, limit)
	if err != nil || len(rows) == 0 {
		return "", 0, err
	}
	n := 0
	for _, m := range rows {
		enc, hash, key := m.enc, m.hash, m.key
		if m.enc != "" {
			plain, resealed, err := s.vault.Reseal(m.enc, vault.AD("members", m.id, "nik"))
			if err != nil {
				return "", 0, fmt.Errorf("member %s: %w", m.id, err)
			}
			enc = resealed
			hash = s.vault.Hash("nik", string(plain))
		}
		if m.key != "" && m.kkEnc != "" {
			kk, err := s.vault.Open(m.kkEnc, vault.AD("targets", m.targetID, "kk"))
			if err != nil {
				return "", 0, fmt.Errorf("member %s: household %s: %w", m.id, m.targetID, err)
			}
			key = s.vault.Hash("member_key", string(kk)+"|"+namematch.Normalize(m.name)+"|"+m.birth)
		}
		if enc == m.enc && hash == m.hash && key == m.key {
			continue // written with the next key already, or purged
		}
		res, err := tx.ExecContext(ctx, `UPDATE members SET nik_enc = $1, nik_hash = $2, key_hash = $3
			WHERE id = $4 AND nik_enc = $5 AND nik_hash IS NOT DISTINCT FROM $6 AND key_hash = $7`,
			enc, store.HashArg(hash), key, m.id, m.enc, store.HashArg(m.hash), m.key)
		if err != nil {
			return "", 0, fmt.Errorf("member %s: %w", m.id, err)
		}
		n += affected(res)
	}
	return rows[len(rows)-1].id, n, nil
}

// RekeyImportRows re-seals import_rows.cells, the rows kept for an import's fix
// file. Its cursor is "import id/line".
func (s *Service) RekeyImportRows(ctx context.Context, tx *store.Tx, after string, limit int) (string, int, error) {
	afterID, afterLine := "", -1
	if after != "" {
		i := strings.LastIndexByte(after, '/')
		line, err := strconv.Atoi(after[i+1:])
		if i < 0 || err != nil {
			return "", 0, fmt.Errorf("import rows: bad cursor %q", after)
		}
		afterID, afterLine = after[:i], line
	}
	type row struct {
		id    string
		line  int
		cells string
	}
	var rows []row
	q := `SELECT import_id, line, cells FROM import_rows WHERE import_id > $1 OR (import_id = $1 AND line > $2)
		ORDER BY import_id, line LIMIT $3` + tx.Locking(" FOR UPDATE")
	err := store.Each(ctx, tx, func(r store.Scanner) error {
		var x row
		if err := r.Scan(&x.id, &x.line, &x.cells); err != nil {
			return err
		}
		rows = append(rows, x)
		return nil
	}, q, afterID, afterLine, limit)
	if err != nil || len(rows) == 0 {
		return "", 0, err
	}
	n := 0
	for _, x := range rows {
		ad := vault.AD("import_rows", x.id, strconv.Itoa(x.line))
		plain, enc, err := s.vault.Reseal(x.cells, ad)
		if err != nil {
			return "", 0, fmt.Errorf("import %s row %d: %w", x.id, x.line, err)
		}
		if !json.Valid(plain) {
			return "", 0, fmt.Errorf("import %s row %d: not the JSON it was sealed as", x.id, x.line)
		}
		if enc == x.cells {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE import_rows SET cells = $1 WHERE import_id = $2 AND line = $3 AND cells = $4`, enc, x.id, x.line, x.cells)
		if err != nil {
			return "", 0, err
		}
		n += affected(res)
	}
	last := rows[len(rows)-1]
	return last.id + "/" + strconv.Itoa(last.line), n, nil
}

// affected is how many rows an UPDATE of one row changed: 0 when the row changed
// since it was read (it is then as its writer left it, sealed with the next key).
func affected(res interface{ RowsAffected() (int64, error) }) int {
	n, err := res.RowsAffected()
	if err != nil {
		return 1 // both drivers report it; were one not to, count the row as written
	}
	return int(n)
}

// nikHashes is a member's NIK hash as lookups want it: outside a key rotation the
// stored one; during one, the NIK's hashes under both keys (the next key's first),
// computed again from the sealed NIK, since a row the rotation has not reached holds
// the old key's hash and comparing it with another row's would miss the same NIK.
func (s *Service) nikHashes(memberID, enc, stored string) ([]string, error) {
	if _, rotating := s.vault.Rotating(); !rotating || enc == "" {
		return []string{stored}, nil
	}
	plain, err := s.vault.Open(enc, vault.AD("members", memberID, "nik"))
	if err != nil {
		return nil, err
	}
	return s.vault.Hashes("nik", string(plain)), nil
}
