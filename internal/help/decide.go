package help

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/nik"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Summary is a request as an office's list shows it.
type Summary struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Region    string    `json:"region"`
	RW        int       `json:"rw"`
	RT        int       `json:"rt"`
	NeedKind  string    `json:"need_kind"`
	Urgency   string    `json:"urgency"`
	OnBehalf  bool      `json:"on_behalf"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Request is the whole request, for the office of its region.
type Request struct {
	Summary
	NIK             string     `json:"nik"`
	Phone           string     `json:"phone"`
	Address         string     `json:"address"`
	Need            string     `json:"need"`
	Requester       *Requester `json:"requester,omitempty"`
	Reason          string     `json:"reason"`
	TargetID        string     `json:"target_id,omitempty"`
	ProgramID       string     `json:"program_id,omitempty"`
	NeedIDs         []string   `json:"need_ids"`
	MatchedExisting bool       `json:"matched_existing"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
}

// scope keeps regions at or below code (the office's region; the province for
// the admin): a request outside is simply not found.
const scopeWhere = `(region = $1 OR region LIKE $2)`

func scopeArgs(scope string) []any { return []any{scope, scope + ".%"} }

const requestColumns = `id, reference, kind, status, region, rw, rt, need_kind, urgency, on_behalf, created_at, sealed,
	COALESCE(target_id, ''), COALESCE(program_id, ''), need_ids, matched_existing, reason, decided_at`

func (s *Service) scan(row interface{ Scan(...any) error }) (Request, private, error) {
	var r Request
	var onBehalf, matched int
	var sealed, needIDs string
	var decided sql.NullTime
	if err := row.Scan(&r.ID, &r.Reference, &r.Kind, &r.Status, &r.Region, &r.RW, &r.RT, &r.NeedKind, &r.Urgency, &onBehalf, &r.CreatedAt,
		&sealed, &r.TargetID, &r.ProgramID, &needIDs, &matched, &r.Reason, &decided); err != nil {
		return r, private{}, err
	}
	r.OnBehalf, r.MatchedExisting = onBehalf == 1, matched == 1
	if decided.Valid {
		r.DecidedAt = &decided.Time
	}
	r.NeedIDs = []string{}
	if needIDs != "" {
		r.NeedIDs = strings.Split(needIDs, ",")
	}
	if sealed == "" { // purged with its program (PurgeHelpRequests)
		r.Name = "—"
		return r, private{Name: r.Name}, nil
	}
	plain, err := s.vault.Open(sealed, vault.AD("help_requests", r.ID, "private"))
	if err != nil {
		return r, private{}, err
	}
	var p private
	if err := json.Unmarshal(plain, &p); err != nil {
		return r, private{}, err
	}
	r.Name, r.NIK, r.Phone, r.Address, r.Need, r.Requester = p.Name, p.NIK, p.Phone, p.Address, p.Need, p.Requester
	return r, p, nil
}

// Filter narrows List.
type Filter struct {
	Status string
	Region string // inside the viewer's scope; "" for all of it
	Limit  int
}

// List lists the requests inside scope, most urgent and oldest first.
func (s *Service) List(ctx context.Context, scope string, f Filter) ([]Summary, error) {
	if f.Status != "" && f.Status != Submitted && f.Status != Accepted && f.Status != Declined {
		return nil, errs.E(errs.Invalid, "status must be submitted, accepted or declined")
	}
	if f.Region != "" {
		if _, ok := s.regions.Get(f.Region); !ok || !s.regions.Within(f.Region, scope) {
			return nil, errs.E(errs.NotFound, "no such region in your area")
		}
		scope = f.Region
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	args := append(scopeArgs(scope), f.Status, f.Limit)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+requestColumns+` FROM help_requests WHERE `+scopeWhere+`
		AND ($3 = '' OR status = $3)
		ORDER BY CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, created_at, id LIMIT $4`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		r, _, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Summary)
	}
	return out, rows.Err()
}

// Get returns one request inside scope. The NIK is masked unless clearNIK (an
// office, which checks people at the door, as the registry shows NIKs); a NIK
// shown in clear is audited, as the registry audits it.
func (s *Service) Get(ctx context.Context, scope, id string, clearNIK bool) (Request, error) {
	r, err := s.get(ctx, scope, id)
	if err != nil || r.NIK == "" {
		return r, err
	}
	if !clearNIK {
		r.NIK = nik.Mask(r.NIK)
		return r, nil
	}
	return r, s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "help_request.view_personal_data", ObjectType: "help_request", ObjectID: r.ID,
			Region: r.Region, Detail: map[string]any{"fields": []string{"nik"}}})
	})
}

func (s *Service) get(ctx context.Context, scope, id string) (Request, error) {
	r, _, err := s.scan(s.db.R().QueryRowContext(ctx, `SELECT `+requestColumns+` FROM help_requests WHERE `+scopeWhere+` AND id = $3`,
		append(scopeArgs(scope), id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.NotFound, "no such help request")
	}
	return r, err
}

// Candidates lists the registry's targets inside scope that the person of
// request id may be.
func (s *Service) Candidates(ctx context.Context, scope, id string) ([]registry.Candidate, error) {
	r, err := s.get(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	return s.registry.Candidates(ctx, scope, s.intake(r))
}

func (s *Service) intake(r Request) registry.Intake {
	return registry.Intake{NIK: r.NIK, Name: r.Name, Region: r.Region, RW: r.RW, RT: r.RT, Address: r.Address, Phone: r.Phone,
		Source: "help_request:" + r.ID}
}

// claim takes a submitted request inside scope for a decision in tx: the UPDATE
// holds its row until the transaction ends, so two offices deciding at once make
// one decision and the other gets a conflict.
func (s *Service) claim(ctx context.Context, tx *store.Tx, scope, id string) (Request, error) {
	res, err := tx.ExecContext(ctx, `UPDATE help_requests SET updated_at = $3 WHERE `+scopeWhere+` AND id = $4 AND status = 'submitted'`,
		append(scopeArgs(scope), store.Now(), id)...)
	if err != nil {
		return Request{}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Request{}, err
	}
	r, _, err := s.scan(tx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM help_requests WHERE `+scopeWhere+` AND id = $3`,
		append(scopeArgs(scope), id)...))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return r, errs.E(errs.NotFound, "no such help request")
	case err != nil:
		return r, err
	case n == 0:
		return r, errs.E(errs.Conflict, "this help request was already %s", r.Status)
	}
	return r, nil
}

// Decision is what accepting answers.
type Decision struct {
	TargetID        string   `json:"target_id"`
	NeedIDs         []string `json:"need_ids"`
	MatchedExisting bool     `json:"matched_existing"`
}

// Accept accepts a submitted request inside scope into a published program: the
// registry finds the person's target or adds it (IntakeTx), the program's needs are
// made for it, and the request records both. A program that does not reach the
// person (kind, region, tags) is refused and nothing is written.
func (s *Service) Accept(ctx context.Context, scope, id, programID string) (Decision, error) {
	var d Decision
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.claim(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		p, err := s.programs.GetTx(ctx, tx, strings.TrimSpace(programID), false)
		if errs.Is(err, errs.NotFound) || (err == nil && p.Status != program.Published) {
			return errs.E(errs.Invalid, "program_id must be a published program")
		}
		if err != nil {
			return err
		}
		// Targets stamped from here on (this one, and any other changed meanwhile,
		// which the next sync would reach anyway) get their needs now.
		since := store.Now().Add(-time.Second)
		d.TargetID, d.MatchedExisting, err = s.registry.IntakeTx(ctx, tx, scope, s.intake(r))
		if err != nil {
			return err
		}
		if _, err := s.needs.Add(ctx, tx, p, s.Now().UTC().Format(time.DateOnly), &since); err != nil {
			return err
		}
		if d.NeedIDs, err = s.needs.TargetNeeds(ctx, tx, p.ID, d.TargetID); err != nil {
			return err
		}
		if len(d.NeedIDs) == 0 {
			return errs.E(errs.Invalid, "the program does not reach this person (kind of target, region or tags): choose another program")
		}
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE help_requests SET status = 'accepted', target_id = $1, program_id = $2, need_ids = $3,
			matched_existing = $4, decided_by = $5, decided_at = $6, updated_at = $6 WHERE id = $7`,
			d.TargetID, p.ID, strings.Join(d.NeedIDs, ","), boolInt(d.MatchedExisting), actor(ctx), now, r.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "help_request.accept", ObjectType: "help_request", ObjectID: r.ID, Region: r.Region,
			Detail: map[string]any{"program_id": p.ID, "target_id": d.TargetID, "need_ids": d.NeedIDs, "matched_existing": d.MatchedExisting}}); err != nil {
			return err
		}
		_, priv, err := s.scan(tx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM help_requests WHERE id = $1`, r.ID))
		if err != nil {
			return err
		}
		return s.tell(ctx, tx, r.ID, r.Region, priv, "help_accepted", map[string]string{"reference": r.Reference, "program": p.Name})
	})
	return d, err
}

// Decline declines a submitted request inside scope with the office's reason,
// which the person who asked reads in the status lookup and the SMS.
func (s *Service) Decline(ctx context.Context, scope, id, reason string) (Request, error) {
	reason, err := text("reason", reason, 3, 300)
	if err != nil {
		return Request{}, err
	}
	var out Request
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.claim(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE help_requests SET status = 'declined', reason = $1, decided_by = $2, decided_at = $3,
			updated_at = $3 WHERE id = $4`, reason, actor(ctx), now, r.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Change{Action: "help_request.decline", ObjectType: "help_request", ObjectID: r.ID, Region: r.Region,
			Detail: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		var priv private
		if out, priv, err = s.scan(tx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM help_requests WHERE id = $1`, r.ID)); err != nil {
			return err
		}
		return s.tell(ctx, tx, r.ID, r.Region, priv, "help_declined", map[string]string{"reference": r.Reference, "reason": reason})
	})
	return out, err
}

func actor(ctx context.Context) string {
	a, _ := audit.ActorFrom(ctx)
	return a.ID
}
