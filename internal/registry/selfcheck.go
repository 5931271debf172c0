package registry

import (
	"context"

	"github.com/gotong/gotong/internal/store"
)

// The self-check (cek bantuan, issue 14): a person types their NIK and name on a
// public page and learns whether they are registered. The registry answers who
// holds the NIK; the caller compares the name and asks package allocate for the
// aid. Nothing here records who asked.

// Holder is a live target that a NIK belongs to: a household the NIK is a member
// of, or the person target with that NIK, and the name registered for that NIK
// (the member's, or the person's), normalised (namematch.Normalize).
type Holder struct {
	TargetID string
	NameNorm string
}

// HoldersOfNIK returns the live targets whose member (or person) has the NIK, as
// 16 digits. It always runs the same three indexed lookups by the NIK's keyed hash,
// whether or not the NIK is known, so that its time says nothing about the answer.
func (s *Service) HoldersOfNIK(ctx context.Context, nik string) ([]Holder, error) {
	// During a key rotation a row not yet reached holds the retiring key's hash;
	// outside one both arguments are the same hash, so the query is the same.
	hs := s.vault.Hashes("nik", nik)
	h, old := hs[0], hs[len(hs)-1]
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Holder, error) {
		var x Holder
		return x, r.Scan(&x.TargetID, &x.NameNorm)
	}, holdersOfNIKSQL, store.HashArg(h), store.HashArg(old))
}

// holdersOfNIKSQL is HoldersOfNIK's query (plans_test.go explains it).
const holdersOfNIKSQL = `SELECT m.target_id, m.name_norm FROM members m JOIN targets t ON t.id = m.target_id
		WHERE m.nik_hash IN ($1, $2) AND m.merged_into IS NULL AND m.held = '' AND t.merged_into IS NULL
		UNION ALL
		SELECT m.target_id, m.name_norm FROM members m JOIN targets t ON t.id = m.target_id
		WHERE m.nik_hash IN ($1, $2) AND m.merged_into IS NULL AND m.held <> '' AND t.merged_into IS NULL
		UNION ALL
		SELECT t.id, t.name_norm FROM targets t WHERE t.id_hash IN ($1, $2) AND t.kind = 'person' AND t.merged_into IS NULL`
