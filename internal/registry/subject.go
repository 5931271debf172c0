package registry

import (
	"context"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/store"
)

// SubjectRecord is what the registry keeps about one target, for the person it is
// about (data-subject access, UU 27/2022 art. 7): every stored field in clear for
// the office of its region (NIK and No. KK decrypted), and when and from which
// import each record came. The keyed hashes are left out: they are matching keys
// derived from the NIK, not data about the person.
type SubjectRecord struct {
	Target       Target          `json:"target"`
	RegisteredAt time.Time       `json:"registered_at"`
	ImportID     string          `json:"import_id,omitempty"`
	Members      []SubjectMember `json:"members_registered,omitempty"`
}

// SubjectMember is when and from where a member's record came.
type SubjectMember struct {
	ID           string    `json:"id"`
	RegisteredAt time.Time `json:"registered_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	ImportID     string    `json:"import_id,omitempty"`
	Line         int       `json:"line,omitempty"`
}

// SubjectAccess returns the target's record for a data-subject request, read by v
// (a target outside v's scope is not found), and records the access in the audit
// log before it is handed out: a subject access is a read of personal data.
func (s *Service) SubjectAccess(ctx context.Context, v Viewer, id string) (SubjectRecord, error) {
	var rec SubjectRecord
	t, err := s.Target(ctx, v, id)
	if err != nil {
		return rec, err
	}
	rec.Target = t
	var imp *string
	if err := store.One(ctx, s.db.R(), `SELECT created_at, import_id FROM targets WHERE id = $1`, id).Scan(&rec.RegisteredAt, &imp); err != nil {
		return rec, err
	}
	rec.RegisteredAt = rec.RegisteredAt.UTC()
	if imp != nil {
		rec.ImportID = *imp
	}
	rec.Members, err = store.All(ctx, s.db.R(), func(r store.Scanner) (SubjectMember, error) {
		var m SubjectMember
		var imp *string
		err := r.Scan(&m.ID, &m.RegisteredAt, &m.UpdatedAt, &imp, &m.Line)
		if imp != nil {
			m.ImportID = *imp
		}
		m.RegisteredAt, m.UpdatedAt = m.RegisteredAt.UTC(), m.UpdatedAt.UTC()
		return m, err
	}, `SELECT id, created_at, updated_at, import_id, line FROM members WHERE target_id = $1 AND merged_into IS NULL ORDER BY id`, id)
	if err != nil {
		return rec, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "target.subject_access", ObjectType: "target", ObjectID: id, Region: t.Region,
			Detail: map[string]any{"clear": v.Office}})
	})
	return rec, err
}
