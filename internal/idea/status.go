package idea

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
)

// SetStatus moves an idea (the admin: GovernIdeas). Only the legal moves are
// made; any other is a conflict. A decline needs a reason. Adoption creates a
// draft program through package program, as the admin would, its description
// naming the offering organisations, and links the idea to it.
//
// The program is made before the idea moves, in its own transaction (program
// writes its own tables, and a write cannot nest): if another admin moved the
// idea in between, the move is a conflict and the draft stays among the
// drafts, named after the idea, for the admin to see. Adoption is rare and made
// by hand; a lost draft is visible, a lost adoption would not be.
//
// The answer is the idea after the move; an adopted one names its program_id.
func (s *Service) SetStatus(ctx context.Context, who Who, id, to, reason string) (Detail, error) {
	if !who.Can(account.GovernIdeas) {
		return Detail{}, who.Refusal(account.GovernIdeas)
	}
	if to == Proposed || !slices.Contains(Statuses, to) {
		return Detail{}, errs.E(errs.Invalid, "status must be reviewed, adopted, done or declined")
	}
	reason, err := prose("reason", reason, 0, MaxReason)
	if err != nil {
		return Detail{}, err
	}
	if to == Declined && utf8.RuneCountInString(reason) < 3 {
		return Detail{}, errs.E(errs.Invalid, "a declined idea needs a reason of 3 to %d characters", MaxReason)
	}
	cur, err := s.visible(ctx, s.db.R(), who, id)
	if err != nil {
		return Detail{}, err
	}
	if !slices.Contains(moves[cur.Status], to) {
		// The statuses are catalogue keys, so that each language names them.
		return Detail{}, errs.E(errs.Conflict, "an idea that is %s cannot become %s", msg.New(statusKey(cur.Status)), msg.New(statusKey(to)))
	}
	programID := cur.ProgramID
	if to == Adopted {
		offers, err := s.offers(ctx, s.db.R(), id)
		if err != nil {
			return Detail{}, err
		}
		p, err := s.programs.Create(ctx, s.draft(cur, offers))
		if err != nil {
			return Detail{}, err
		}
		programID = p.ID
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ideas SET status = $1, reason = $2, program_id = $3, updated_at = $4 WHERE id = $5 AND status = $6`,
			to, reason, programID, s.Now().UTC(), id, cur.Status)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errs.E(errs.Conflict, "the idea was changed meanwhile; reload it")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "idea.status", ObjectType: "idea", ObjectID: id, Region: cur.Region, Chain: cur.chain,
			Detail: map[string]any{"from": cur.Status, "to": to, "reason": reason, "program": programID}})
	})
	if err != nil {
		return Detail{}, err
	}
	return s.Get(ctx, who, id)
}

// draft is the program an adopted idea becomes: a draft named after the idea,
// in its region, for households, one phase of four weeks from today; the admin
// completes it before publishing. Its description names the offering
// organisations first, so that nothing cuts them off.
func (s *Service) draft(i Idea, offers []Offer) program.Input {
	var d strings.Builder
	d.WriteString("Dari ide kolaborasi \"" + i.Title + "\" (" + i.ID + ").\n\nOrganisasi yang menawarkan:")
	if len(offers) == 0 {
		d.WriteString(" belum ada.")
	}
	for _, o := range offers {
		d.WriteString("\n- " + o.Organization + ": " + cut(o.Offer, 300))
	}
	if i.Needs != "" {
		d.WriteString("\n\nYang dibutuhkan: " + cut(i.Needs, 500))
	}
	d.WriteString("\n\n" + i.Body)
	name := i.Title
	if utf8.RuneCountInString(name) < 3 {
		name = "Ide: " + name
	}
	today := s.Now().In(time.FixedZone("WIB", 7*3600))
	return program.Input{Name: name, Category: programCategory[i.Category], Description: cut(d.String(), 4000),
		Item: program.Item{Name: "Paket bantuan ide kolaborasi", Unit: "paket"}, TargetKinds: []string{"household"},
		Regions: []string{i.Region}, Tags: []string{}, QuantityRule: program.PerTarget,
		Phases: []program.PhaseInput{{Name: "Tahap 1", Start: today.Format(time.DateOnly), End: today.AddDate(0, 0, 27).Format(time.DateOnly)}}}
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// NextStatuses lists the statuses an idea in status may move to.
func NextStatuses(status string) []string { return slices.Clone(moves[status]) }

// statusKey is the catalogue key that names a status in each language.
func statusKey(status string) string { return "idea status " + status }
