// Package program holds KSBB programs: what aid is given (the item and its value),
// to whom (target kinds, regions, tags), when (phases) and how much (the quantity
// rule); the needs a published program draws from the registry, kept in step with it;
// and the stacking rules that stop two programs of one group from serving the same
// target in overlapping phases.
//
// # Tables
//
// The package owns programs and phases. A program's needs are package allocate's
// (the engine's unit of work): program says when they are drawn, kept in step or
// regrouped, and reads their sums, through the Needs interface it is handed.
package program

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
)

// SensitiveTags are the registry's health tags: a program that targets one of them
// tells, by serving someone, that they are ill.
var SensitiveTags = registry.SensitiveTags

// Quantity rules (API.md).
const (
	PerTarget   = "per_target"
	PerPerson   = "per_person"
	PerFamily   = "per_family"
	PerResident = "per_resident"
)

// Program states.
const (
	Draft     = "draft"
	Published = "published"
	Closed    = "closed"
)

// DefaultPriorityTags are served first in an area commitment unless a program says
// otherwise: the elderly, people with disabilities, people in self-isolation and
// pregnant women.
var DefaultPriorityTags = []string{"lansia", "disabilitas", "isoman", "ibu_hamil"}

var targetKinds = []string{"household", "person", "rw", "institution"}

// institutionKinds are the registry's kinds of institution (Jenis Lembaga).
var institutionKinds = []string{"panti_asuhan", "panti_jompo", "pesantren", "puskesmas", "rumah_sakit", "lainnya"}

// Item is the aid a program gives.
type Item struct {
	Name      string `json:"name"`
	Unit      string `json:"unit"`
	UnitValue int64  `json:"unit_value"` // rupiah per unit
}

// PhaseInput is a phase as given at creation.
type PhaseInput struct {
	Name  string `json:"name"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Phase is one period of a program.
type Phase struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Input creates a program.
type Input struct {
	Name        string   `json:"name"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Item        Item     `json:"item"`
	TargetKinds []string `json:"target_kinds"`
	Regions     []string `json:"regions"`
	Tags        []string `json:"tags"`
	// InstitutionKinds narrows institutions to some kinds (puskesmas …); empty: all.
	InstitutionKinds []string     `json:"institution_kinds"`
	PriorityTags     []string     `json:"priority_tags"` // nil: DefaultPriorityTags
	Phases           []PhaseInput `json:"phases"`
	QuantityRule     string       `json:"quantity_rule"`
	StackGroup       string       `json:"stack_group"` // "" means the category
	Statement        string       `json:"statement"`   // what a collaborator must accept
	HoldHours        int          `json:"hold_hours"`  // dispatch deadline of an allocation (default 72)
	// Sensitive marks a program whose figures reveal health (isoman …): outside the
	// offices they stop at kecamatan and small counts are withheld. A program that
	// targets a sensitive tag is sensitive whatever this says.
	Sensitive bool `json:"sensitive"`
}

// Program is a program as the API shows it.
type Program struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	Category         string     `json:"category"`
	Description      string     `json:"description"`
	Item             Item       `json:"item"`
	TargetKinds      []string   `json:"target_kinds"`
	Regions          []string   `json:"regions"`
	Tags             []string   `json:"tags"`
	InstitutionKinds []string   `json:"institution_kinds"`
	PriorityTags     []string   `json:"priority_tags"`
	Phases           []Phase    `json:"phases"`
	QuantityRule     string     `json:"quantity_rule"`
	StackGroup       string     `json:"stack_group"`
	StackExempt      bool       `json:"stack_exempt"`
	Statement        string     `json:"statement"`
	HoldHours        int        `json:"hold_hours"`
	Sensitive        bool       `json:"sensitive"`
	Status           string     `json:"status"`
	CreatedAt        time.Time  `json:"created_at"`
	PublishedAt      *time.Time `json:"published_at,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
}

// Service is the program capability.
type Service struct {
	db       *store.DB
	needs    Needs
	regions  *region.Set
	province string
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the program service for a province; needs is the needs' owner
// (allocate.NewNeeds).
func New(db *store.DB, regions *region.Set, province string, needs Needs) *Service {
	return &Service{db: db, needs: needs, regions: regions, province: province, Now: store.Now}
}

func newID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// list encodes a set of words as ",a,b," so that LIKE '%,a,%' finds a member.
func list(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return "," + strings.Join(xs, ",") + ","
}

func unlist(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// text checks a name of one line (a program, an item, a unit, a phase): invisible
// format characters are stripped, characters that reorder text refused (see package
// invisible for why).
func text(field, s string, minLen, maxLen int) (string, error) {
	s, ok := invisible.Clean(s)
	if !ok {
		return "", errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", field)
	}
	return prose(field, s, minLen, maxLen)
}

// prose checks free text (a description, a statement, a reason). It keeps format
// characters, which prose may need (a zero-width joiner builds emoji and some
// scripts' letters) and nobody searches it by name; it refuses characters that
// reorder text, since prose is shown as much as names are.
func prose(field, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", errs.E(errs.Invalid, "%s is not valid text", field)
	}
	if strings.IndexFunc(s, invisible.IsBidiControl) >= 0 {
		return "", errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", field)
	}
	if n := utf8.RuneCountInString(s); n < minLen || n > maxLen {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters", field, minLen, maxLen)
	}
	return s, nil
}

func word(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 40 {
		return "", errs.E(errs.Invalid, "%s must be 1 to 40 characters", field)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", errs.E(errs.Invalid, "%s may hold only letters, digits, _ and -", field)
		}
	}
	return s, nil
}

func words(field string, in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		w, err := word(field, s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out, nil
}

// date checks a YYYY-MM-DD calendar date.
func date(field, s string) (string, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return "", errs.E(errs.Invalid, "%s must be a date YYYY-MM-DD", field)
	}
	return t.Format(time.DateOnly), nil
}

func (s *Service) validate(in Input) (Program, error) {
	var p Program
	var err error
	if p.Name, err = text("name", in.Name, 3, 200); err != nil {
		return p, err
	}
	if p.Category, err = word("category", in.Category); err != nil {
		return p, err
	}
	if p.Description, err = prose("description", in.Description, 0, 4000); err != nil {
		return p, err
	}
	if p.Item.Name, err = text("item name", in.Item.Name, 2, 200); err != nil {
		return p, err
	}
	if p.Item.Unit, err = text("item unit", in.Item.Unit, 1, 40); err != nil {
		return p, err
	}
	if in.Item.UnitValue < 0 || in.Item.UnitValue > 1_000_000_000_000 {
		return p, errs.E(errs.Invalid, "unit value must be whole rupiah, 0 or more")
	}
	p.Item.UnitValue = in.Item.UnitValue
	if len(in.TargetKinds) == 0 {
		return p, errs.E(errs.Invalid, "choose at least one target kind")
	}
	for _, k := range in.TargetKinds {
		if !slices.Contains(targetKinds, k) {
			return p, errs.E(errs.Invalid, "unknown target kind %q", k)
		}
		if !slices.Contains(p.TargetKinds, k) {
			p.TargetKinds = append(p.TargetKinds, k)
		}
	}
	p.Regions = []string{}
	for _, c := range in.Regions {
		code, err := region.Normalize(c)
		if err != nil {
			return p, errs.E(errs.Invalid, "unknown region %q", c)
		}
		if _, ok := s.regions.Get(code); !ok || !s.regions.Within(code, s.province) {
			return p, errs.E(errs.Invalid, "unknown region %q", c)
		}
		if !slices.Contains(p.Regions, code) {
			p.Regions = append(p.Regions, code)
		}
	}
	if p.Tags, err = words("tag", in.Tags); err != nil {
		return p, err
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	p.InstitutionKinds = []string{}
	for _, k := range in.InstitutionKinds {
		if !slices.Contains(institutionKinds, k) {
			return p, errs.E(errs.Invalid, "unknown institution kind %q", k)
		}
		if !slices.Contains(p.InstitutionKinds, k) {
			p.InstitutionKinds = append(p.InstitutionKinds, k)
		}
	}
	if in.PriorityTags == nil {
		p.PriorityTags = slices.Clone(DefaultPriorityTags)
	} else if p.PriorityTags, err = words("priority tag", in.PriorityTags); err != nil {
		return p, err
	}
	if p.PriorityTags == nil {
		p.PriorityTags = []string{}
	}
	switch in.QuantityRule {
	case PerTarget, PerPerson, PerFamily, PerResident:
		p.QuantityRule = in.QuantityRule
	default:
		return p, errs.E(errs.Invalid, "quantity rule must be per_target, per_person, per_family or per_resident")
	}
	p.StackGroup = p.Category
	if strings.TrimSpace(in.StackGroup) != "" {
		if p.StackGroup, err = word("stack group", in.StackGroup); err != nil {
			return p, err
		}
	}
	if p.Statement, err = prose("statement", in.Statement, 0, 4000); err != nil {
		return p, err
	}
	p.Sensitive = in.Sensitive || sensitiveTags(p.Tags)
	p.HoldHours = in.HoldHours
	if p.HoldHours == 0 {
		p.HoldHours = 72
	}
	if p.HoldHours < 1 || p.HoldHours > 24*60 {
		return p, errs.E(errs.Invalid, "hold hours must be 1 to 1440")
	}
	if len(in.Phases) == 0 || len(in.Phases) > 104 {
		return p, errs.E(errs.Invalid, "a program needs 1 to 104 phases")
	}
	for _, ph := range in.Phases {
		var q Phase
		if q.Name, err = text("phase name", ph.Name, 1, 80); err != nil {
			return p, err
		}
		if q.Start, err = date("phase start", ph.Start); err != nil {
			return p, err
		}
		if q.End, err = date("phase end", ph.End); err != nil {
			return p, err
		}
		if q.End < q.Start {
			return p, errs.E(errs.Invalid, "phase %q ends before it starts", q.Name)
		}
		for _, o := range p.Phases {
			if o.Name == q.Name {
				return p, errs.E(errs.Invalid, "two phases are named %q", q.Name)
			}
			if o.Start <= q.End && q.Start <= o.End {
				return p, errs.E(errs.Invalid, "phases %q and %q overlap", o.Name, q.Name)
			}
		}
		p.Phases = append(p.Phases, q)
	}
	return p, nil
}

// Create stores a draft program.
func (s *Service) Create(ctx context.Context, in Input) (Program, error) {
	p, err := s.validate(in)
	if err != nil {
		return p, err
	}
	a, _ := audit.ActorFrom(ctx)
	now := s.Now()
	p.ID, p.Status, p.CreatedAt = newID(), Draft, now
	for i := range p.Phases {
		p.Phases[i].ID = newID()
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO programs (id, name, category, description, item_name, item_unit,
			unit_value, target_kinds, regions, tags, inst_kinds, priority_tags, quantity_rule, stack_group, statement, hold_hours,
			status, created_by, created_at, updated_at, sensitive)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19,$20)`,
			p.ID, p.Name, p.Category, p.Description, p.Item.Name, p.Item.Unit, p.Item.UnitValue,
			list(p.TargetKinds), list(p.Regions), list(p.Tags), list(p.InstitutionKinds), list(p.PriorityTags), p.QuantityRule, p.StackGroup,
			p.Statement, p.HoldHours, p.Status, a.ID, now, p.Sensitive); err != nil {
			return err
		}
		for i, ph := range p.Phases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO phases (id, program_id, seq, name, starts, ends) VALUES ($1,$2,$3,$4,$5,$6)`,
				ph.ID, p.ID, i+1, ph.Name, ph.Start, ph.End); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "program.create", ObjectType: "program", ObjectID: p.ID,
			Detail: map[string]any{"name": p.Name, "category": p.Category, "stack_group": p.StackGroup, "phases": len(p.Phases)}})
	})
	return p, err
}

const programCols = `id, name, category, description, item_name, item_unit, unit_value, target_kinds, regions, tags,
	inst_kinds, priority_tags, quantity_rule, stack_group, stack_exempt, statement, hold_hours, status, created_at, published_at, closed_at,
	sensitive`

func scanProgram(row interface{ Scan(...any) error }) (Program, error) {
	var p Program
	var kinds, regions, tags, inst, prio string
	var pub, closed sql.NullTime
	err := row.Scan(&p.ID, &p.Name, &p.Category, &p.Description, &p.Item.Name, &p.Item.Unit, &p.Item.UnitValue,
		&kinds, &regions, &tags, &inst, &prio, &p.QuantityRule, &p.StackGroup, &p.StackExempt, &p.Statement, &p.HoldHours,
		&p.Status, &p.CreatedAt, &pub, &closed, &p.Sensitive)
	if err != nil {
		return p, err
	}
	p.TargetKinds, p.Regions, p.Tags, p.PriorityTags = unlist(kinds), unlist(regions), unlist(tags), unlist(prio)
	p.InstitutionKinds = unlist(inst)
	p.CreatedAt = p.CreatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		p.PublishedAt = &t
	}
	if closed.Valid {
		t := closed.Time.UTC()
		p.ClosedAt = &t
	}
	return p, nil
}

func (s *Service) phases(ctx context.Context, q store.Querier, id string) ([]Phase, error) {
	return store.All(ctx, q, func(r store.Scanner) (Phase, error) {
		var ph Phase
		err := r.Scan(&ph.ID, &ph.Name, &ph.Start, &ph.End)
		return ph, err
	}, `SELECT id, name, starts, ends FROM phases WHERE program_id = $1 ORDER BY seq`, id)
}

// Get returns a program. Drafts are visible only when drafts is true (admins).
func (s *Service) Get(ctx context.Context, id string, drafts bool) (Program, error) {
	return s.get(ctx, s.db.R(), id, drafts)
}

// GetTx is Get read inside a write transaction, for a capability that needs a
// program while it holds locks: it sees what the transaction sees, and it needs no
// second connection (see store.DB.Write).
func (s *Service) GetTx(ctx context.Context, tx *store.Tx, id string, drafts bool) (Program, error) {
	return s.get(ctx, tx, id, drafts)
}

func (s *Service) get(ctx context.Context, q store.Querier, id string, drafts bool) (Program, error) {
	p, err := scanProgram(store.One(ctx, q, `SELECT `+programCols+` FROM programs WHERE id = $1`, id))
	if errs.Is(err, errs.NotFound) || (err == nil && p.Status == Draft && !drafts) {
		return Program{}, errs.E(errs.NotFound, "no such program")
	}
	if err != nil {
		return p, err
	}
	p.Phases, err = s.phases(ctx, q, id)
	return p, err
}

// Filter selects programs.
type Filter struct {
	Status string // "" any
	Drafts bool   // include drafts (admins)
	Cursor string
	Limit  int
}

// List returns programs, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Program, string, error) {
	cur, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := store.Limit(f.Limit)
	q := `SELECT ` + programCols + ` FROM programs WHERE 1=1`
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if f.Status != "" {
		q += ` AND status = ` + arg(f.Status)
	}
	if !f.Drafts {
		q += ` AND status <> 'draft'`
	}
	if cur.ID != "" {
		q += ` AND (created_at < ` + arg(cur.At) + ` OR (created_at = ` + arg(cur.At) + ` AND id < ` + arg(cur.ID) + `))`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ` + itoa(limit+1)
	items, err := store.All(ctx, s.db.R(), scanProgram, q, args...)
	if err != nil {
		return nil, "", err
	}
	for i := range items {
		if items[i].Phases, err = s.phases(ctx, s.db.R(), items[i].ID); err != nil {
			return nil, "", err
		}
	}
	items, next := store.Page(items, limit, func(p Program) store.Cursor { return store.Cursor{At: p.CreatedAt, ID: p.ID} })
	return items, next, nil
}

// FindPhase names a phase of a program by its id or its name.
func (p Program) FindPhase(ref string) (Phase, bool) {
	for _, ph := range p.Phases {
		if ph.ID == ref || ph.Name == ref {
			return ph, true
		}
	}
	return Phase{}, false
}

// Publish opens a draft program: its needs are drawn from the registry.
func (s *Service) Publish(ctx context.Context, id string) (Program, int, error) {
	var p Program
	var n int
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if p, err = s.get(ctx, tx, id, true); err != nil {
			return err
		}
		if p.Status != Draft {
			return errs.E(errs.Conflict, "only a draft program can be published")
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE programs SET status = 'published', published_at = $1, updated_at = $1, synced_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		p.Status, p.PublishedAt = Published, &now
		if n, err = s.needs.Add(ctx, tx, p, "", nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "program.publish", ObjectType: "program", ObjectID: id,
			Detail: map[string]any{"needs": n}})
	})
	return p, n, err
}

// Close ends a program: no new commitments; allocations already made go on.
func (s *Service) Close(ctx context.Context, id string) (Program, error) {
	var p Program
	err := s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if p, err = s.get(ctx, tx, id, true); err != nil {
			return err
		}
		if p.Status != Published {
			return errs.E(errs.Conflict, "only a published program can be closed")
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE programs SET status = 'closed', closed_at = $1, updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		p.Status, p.ClosedAt = Closed, &now
		return audit.Record(ctx, tx, audit.Change{Action: "program.close", ObjectType: "program", ObjectID: id})
	})
	return p, err
}

// SetStacking lets a program stack with the others of its group (exempt) or not,
// and may move it to another group. Admins only; audited with the reason.
func (s *Service) SetStacking(ctx context.Context, id string, group string, exempt bool, reason string) (Program, error) {
	reason, err := prose("reason", reason, 3, 1000)
	if err != nil {
		return Program{}, err
	}
	var p Program
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if p, err = s.get(ctx, tx, id, true); err != nil {
			return err
		}
		if strings.TrimSpace(group) != "" {
			if group, err = word("stack group", group); err != nil {
				return err
			}
		} else {
			group = p.StackGroup
		}
		if _, err := tx.ExecContext(ctx, `UPDATE programs SET stack_group = $1, stack_exempt = $2, updated_at = $3 WHERE id = $4`,
			group, exempt, s.Now(), id); err != nil {
			return err
		}
		eff := group
		if exempt {
			eff = ""
		}
		if err := s.needs.Restack(ctx, tx, id, eff); err != nil {
			return err
		}
		from := map[string]any{"stack_group": p.StackGroup, "stack_exempt": p.StackExempt}
		p.StackGroup, p.StackExempt = group, exempt
		return audit.Record(ctx, tx, audit.Change{Action: "program.stacking", ObjectType: "program", ObjectID: id,
			Detail: map[string]any{"from": from, "stack_group": group, "stack_exempt": exempt, "reason": reason}})
	})
	return p, err
}

// Overlap is a program that may not serve the same targets as another in some
// phases, because they share a stack group.
type Overlap struct {
	ProgramID string `json:"program_id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
}

// Overlaps lists the programs whose phases overlap p's within p's stack group: a
// target served by one of them in an overlapping phase cannot be served by p.
func (s *Service) Overlaps(ctx context.Context, p Program) ([]Overlap, error) {
	if p.StackExempt {
		return nil, nil
	}
	return store.All(ctx, s.db.R(), func(r store.Scanner) (Overlap, error) {
		var o Overlap
		err := r.Scan(&o.ProgramID, &o.Name, &o.Status)
		return o, err
	}, `SELECT DISTINCT o.id, o.name, o.status FROM programs o
		JOIN phases op ON op.program_id = o.id
		JOIN phases mp ON mp.program_id = $1
		WHERE o.id <> $1 AND o.stack_group = $2 AND NOT o.stack_exempt AND o.status <> 'draft'
		  AND op.starts <= mp.ends AND mp.starts <= op.ends
		ORDER BY o.name`, p.ID, p.StackGroup)
}

func itoa(n int) string { return strconv.Itoa(n) }
