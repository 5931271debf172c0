package registry

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/msg"
	"github.com/gotong/gotong/internal/namematch"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Viewer is who reads the registry. Scope is the region prefix they may see (an
// office's region; the province for an admin). Office is true for office users: only
// they see NIKs unmasked (of their own region, audited) and sensitive health tags.
type Viewer struct {
	Scope  string
	Office bool
}

// Target is a target as the API shows it.
type Target struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	Name        string    `json:"name"`
	Region      string    `json:"region"`
	RW          int       `json:"rw"`
	RT          int       `json:"rt"`
	Address     string    `json:"address"`
	Size        int       `json:"size"`
	Tags        []string  `json:"tags"`
	NIKMasked   string    `json:"nik_masked"`
	Domicile    string    `json:"domicile,omitempty"`
	Phone       string    `json:"phone,omitempty"`
	Families    int       `json:"families,omitempty"`
	KKMasked    string    `json:"kk_masked,omitempty"`
	InstKind    string    `json:"institution_kind,omitempty"`
	ContactName string    `json:"contact_name,omitempty"`
	Lat         *float64  `json:"lat,omitempty"`
	Lon         *float64  `json:"lon,omitempty"`
	BirthDate   string    `json:"birth_date,omitempty"`
	Sex         string    `json:"sex,omitempty"`
	MergedInto  string    `json:"merged_into,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Held: the No. KK or NIK is registered in another region too, and the target
	// waits for an office holding both regions (or the province) to decide; it gets
	// no needs meanwhile.
	Held bool `json:"held_for_review,omitempty"`
	// Detail only.
	NIK     string   `json:"nik,omitempty"` // unmasked: the office of the region only
	KK      string   `json:"kk,omitempty"`
	Members []Member `json:"members,omitempty"`
	idEnc   string
}

// Member is a household member as the API shows it.
type Member struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	NIKMasked string   `json:"nik_masked"`
	NIK       string   `json:"nik,omitempty"`
	BirthDate string   `json:"birth_date"`
	Sex       string   `json:"sex"`
	Relation  string   `json:"relation"`
	Tags      []string `json:"tags"`
	Held      bool     `json:"held_for_review,omitempty"`
	nikEnc    string
}

// splitTags turns ",a,b," into [a b], dropping sensitive tags unless shown is true.
func splitTags(s string, sensitiveShown bool) []string {
	out := []string{}
	for _, t := range strings.Split(strings.Trim(s, ","), ",") {
		if t == "" || (!sensitiveShown && SensitiveTags[t]) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// TargetFilter selects targets. Region is a code prefix on segment boundaries.
type TargetFilter struct {
	Region string
	Kind   string
	Tag    string
	Q      string
	Limit  int
	Cursor string
}

// scopeClause returns a condition that keeps region codes at or below code.
func scopeClause(col string, n int) string {
	return "(" + col + " = $" + itoa(n) + " OR " + col + " LIKE $" + itoa(n+1) + ")"
}

func itoa(n int) string { return strconv.Itoa(n) }

// normalizeRegion checks a region filter and that it lies within the viewer's scope;
// a region outside it is simply not found.
func (s *Service) normalizeRegion(code, scope string) (string, error) {
	if code == "" {
		return scope, nil
	}
	c, err := region.Normalize(code)
	if err != nil {
		return "", errs.E(errs.Invalid, "region must be a region code such as 31.71")
	}
	if _, ok := s.regions.Get(c); !ok {
		return "", errs.E(errs.NotFound, "region %s not found", c)
	}
	switch {
	case s.regions.Within(c, scope):
		return c, nil
	case s.regions.Within(scope, c):
		return scope, nil // a wider filter is narrowed to what the viewer may see
	}
	return "", errs.E(errs.NotFound, "region %s not found", c)
}

const targetColumns = `t.id, t.kind, t.name, t.region, t.rw, t.rt, t.address, t.size, t.tags, t.domicile, t.phone, t.families,
	t.id_mask, t.inst_kind, t.contact_name, t.lat, t.lon, t.birth_date, t.sex, COALESCE(t.merged_into, ''), t.updated_at, t.id_enc, t.held,
	COALESCE((SELECT m.nik_mask FROM members m WHERE m.target_id = t.id AND m.relation = 'Kepala Keluarga' AND m.merged_into IS NULL
		AND m.held = '' ORDER BY m.created_at, m.id LIMIT 1), '')`

func scanTarget(row interface{ Scan(...any) error }, v Viewer) (Target, error) {
	var t Target
	var kind, tags, idMask, headMask, held string
	err := row.Scan(&t.ID, &kind, &t.Name, &t.Region, &t.RW, &t.RT, &t.Address, &t.Size, &tags, &t.Domicile, &t.Phone, &t.Families,
		&idMask, &t.InstKind, &t.ContactName, &t.Lat, &t.Lon, &t.BirthDate, &t.Sex, &t.MergedInto, &t.UpdatedAt, &t.idEnc, &held, &headMask)
	t.Held = held != ""
	t.Kind = Kind(kind)
	t.Tags = splitTags(tags, v.Office)
	t.UpdatedAt = t.UpdatedAt.UTC()
	switch t.Kind {
	case Household:
		t.KKMasked, t.NIKMasked = idMask, headMask
	case Person:
		t.NIKMasked = idMask
	}
	return t, err
}

// ListTargets lists the targets the viewer may see, newest first (a Back cursor
// gives the page before it).
func (s *Service) ListTargets(ctx context.Context, v Viewer, f TargetFilter) ([]Target, string, error) {
	cur, err := store.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	where, args, none, err := s.targetsWhere(v, f)
	if err != nil || none {
		return []Target{}, "", err
	}
	limit := store.Limit(f.Limit)
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	after, order := cur.Keyset("t.updated_at", "t.id", true, arg)
	q := `SELECT ` + targetColumns + ` FROM targets t` + where + after + order + ` LIMIT ` + arg(limit+1)
	ts, err := store.All(ctx, s.db.R(), func(row store.Scanner) (Target, error) { return scanTarget(row, v) }, q, args...)
	if err != nil {
		return nil, "", err
	}
	ts, next := store.PageAround(ts, limit, cur, func(t Target) store.Cursor { return store.Cursor{At: t.UpdatedAt, ID: t.ID} })
	return ts, next, nil
}

// CountTargets is how many targets ListTargets selects with f, on all its pages
// (f.Cursor and f.Limit aside).
func (s *Service) CountTargets(ctx context.Context, v Viewer, f TargetFilter) (int, error) {
	where, args, none, err := s.targetsWhere(v, f)
	if err != nil || none {
		return 0, err
	}
	var n int
	err = store.One(ctx, s.db.R(), `SELECT COUNT(*) FROM targets t`+where, args...).Scan(&n)
	return n, err
}

// targetsWhere is the WHERE clause of ListTargets and CountTargets with its
// arguments; none is true when the filter can select nothing for v. A name
// finds a household by any of its members (NameSearch).
func (s *Service) targetsWhere(v Viewer, f TargetFilter) (where string, args []any, none bool, err error) {
	reg, err := s.normalizeRegion(f.Region, v.Scope)
	if err != nil {
		return "", nil, false, err
	}
	if f.Kind != "" {
		if _, err := ParseKind(f.Kind); err != nil {
			return "", nil, false, err
		}
	}
	if f.Tag != "" && SensitiveTags[f.Tag] && !v.Office {
		return "", nil, true, nil // sensitive tags are invisible outside the office role
	}
	// The tag is escaped: a wildcard in it ("isom_n") must not match a sensitive tag
	// that the viewer may not know about.
	args = []any{reg, reg + ".%", f.Kind, "%," + likeEscape(f.Tag) + ",%", f.Tag}
	where = ` WHERE t.merged_into IS NULL AND ` + scopeClause("t.region", 1) + `
		AND ($3 = '' OR t.kind = $3) AND ($5 = '' OR t.tags LIKE $4 ESCAPE '\')`
	if cond, val := NameSearch(f.Q, "$6"); cond != "" {
		args = append(args, val)
		where += ` AND ` + cond
	}
	return where, args, false, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Target returns one target the viewer may see, with its members. An office viewer
// gets NIK and No. KK unmasked, and that read is audited.
func (s *Service) Target(ctx context.Context, v Viewer, id string) (Target, error) {
	t, err := s.loadTarget(ctx, v, id)
	if err != nil {
		return t, err
	}
	if v.Office {
		if err := s.unmask(ctx, &t); err != nil {
			return t, err
		}
	}
	return t, nil
}

// loadTarget reads one target the viewer may see, with its members, masked.
func (s *Service) loadTarget(ctx context.Context, v Viewer, id string) (Target, error) {
	t, err := scanTarget(store.One(ctx, s.db.R(), `SELECT `+targetColumns+` FROM targets t WHERE t.id = $1 AND `+
		scopeClause("t.region", 2), id, v.Scope, v.Scope+".%"), v)
	if err != nil {
		return t, store.NotFound(err, "target not found")
	}
	if t.Kind == Household {
		err := store.Each(ctx, s.db.R(), func(r store.Scanner) error {
			var m Member
			var tags, held string
			if err := r.Scan(&m.ID, &m.Name, &m.NIKMasked, &m.BirthDate, &m.Sex, &m.Relation, &tags, &held, &m.nikEnc); err != nil {
				return err
			}
			m.Tags, m.Held = splitTags(tags, v.Office), held != ""
			t.Members = append(t.Members, m)
			return nil
		}, `SELECT id, name, nik_mask, birth_date, sex, relation, tags, held, nik_enc
			FROM members WHERE target_id = $1 AND merged_into IS NULL ORDER BY CASE WHEN relation = 'Kepala Keluarga' THEN 0 ELSE 1 END, birth_date, id`, id)
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

// unmask decrypts the target's NIK / No. KK for the office of its region and records
// the read in the audit log, in the same transaction as nothing else: a read that
// cannot be audited is not shown.
func (s *Service) unmask(ctx context.Context, t *Target) error {
	if shown, err := s.reveal(t); err != nil || !shown {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "target.view_personal_data", ObjectType: "target", ObjectID: t.ID, Region: t.Region,
			Detail: map[string]any{"fields": []string{"nik", "kk"}}})
	})
}

// reveal decrypts the target's NIK / No. KK and its members' NIKs in place, without
// auditing (the caller records the read); shown is false for kinds without any.
func (s *Service) reveal(t *Target) (shown bool, err error) {
	open := func(sealed string, ad []byte) (string, error) {
		if sealed == "" {
			return "", nil
		}
		b, err := s.vault.Open(sealed, ad)
		if err != nil {
			return "", errs.Wrap(err, "decrypt personal data")
		}
		return string(b), nil
	}
	switch t.Kind {
	case Household:
		if t.KK, err = open(t.idEnc, vault.AD("targets", t.ID, "kk")); err != nil {
			return false, err
		}
		for i := range t.Members {
			if t.Members[i].NIK, err = open(t.Members[i].nikEnc, vault.AD("members", t.Members[i].ID, "nik")); err != nil {
				return false, err
			}
			if t.NIK == "" && t.Members[i].Relation == "Kepala Keluarga" && !t.Members[i].Held {
				t.NIK = t.Members[i].NIK // the household's NIK is its head's
			}
		}
	case Person:
		if t.NIK, err = open(t.idEnc, vault.AD("targets", t.ID, "nik")); err != nil {
			return false, err
		}
	default:
		return false, nil
	}
	return true, nil
}

// Correction is a change an office makes to a target by hand. Nil fields stay.
type Correction struct {
	Name     *string   `json:"name"`
	RW       *int      `json:"rw"`
	RT       *int      `json:"rt"`
	Address  *string   `json:"address"`
	Domicile *string   `json:"domicile"`
	Phone    *string   `json:"phone"`
	Size     *int      `json:"size"`
	Families *int      `json:"families"`
	Tags     *[]string `json:"tags"`
	// Members corrects, adds or removes a household's members (MemberChange).
	Members []MemberChange `json:"members,omitempty"`
}

// Correct applies a correction to a target in the viewer's scope; audited with the
// names of the fields changed.
func (s *Service) Correct(ctx context.Context, v Viewer, id string, c Correction) (Target, error) {
	t, err := s.Target(ctx, Viewer{Scope: v.Scope}, id) // masked read: no unmask audit for a write
	if err != nil {
		return t, err
	}
	if t.MergedInto != "" {
		return t, errs.E(errs.Conflict, "this target was merged into %s; correct that one", t.MergedInto)
	}
	set := map[string]any{}
	var ps []problem
	val := &validator{headers: map[string]string{}}
	str := func(field string, p *string, minLen, maxLen int) {
		if p == nil {
			return
		}
		val.headers[field] = field
		cells := []string{*p}
		val.pos = map[string]int{field: 0}
		set[field] = val.text(cells, field, minLen, maxLen, &ps)
	}
	str("name", c.Name, 2, 200)
	str("address", c.Address, 3, 300)
	str("domicile", c.Domicile, 0, 300)
	num := func(field string, p *int, lo, hi int) {
		if p == nil {
			return
		}
		if *p < lo || *p > hi {
			ps = append(ps, problem{col: field, reason: msg.New("%s out of range", field)})
			return
		}
		set[field] = *p
	}
	num("rw", c.RW, 1, 999)
	num("rt", c.RT, 0, 999)
	if t.Kind != Household {
		num("size", c.Size, 0, 500000)
	}
	num("families", c.Families, 0, 100000)
	if c.Phone != nil {
		val.pos, val.headers[colPhone] = map[string]int{colPhone: 0}, "phone"
		set["phone"] = val.phone([]string{*c.Phone}, &ps)
	}
	if c.Tags != nil {
		val.pos, val.headers[colTags] = map[string]int{colTags: 0}, "tags"
		tags := val.tags([]string{strings.Join(*c.Tags, ",")}, &ps)
		if !v.Office {
			// Sensitive tags are hidden from this viewer, who cannot mean to remove
			// them: they stay.
			var stored string
			if err := store.One(ctx, s.db.R(), `SELECT tags FROM targets WHERE id = $1`, id).Scan(&stored); err != nil {
				return t, err
			}
			for _, tag := range splitTags(stored, true) {
				if SensitiveTags[tag] && !slices.Contains(tags, tag) {
					tags = append(tags, tag)
				}
			}
		}
		set["tags"] = tagList(tags)
	}
	if len(ps) > 0 {
		return t, errs.E(errs.Invalid, "%s: %s", ps[0].col, ps[0].reason)
	}
	if len(set) == 0 && len(c.Members) == 0 {
		return t, errs.E(errs.Invalid, "nothing to change")
	}
	if name, ok := set["name"].(string); ok && t.Kind == Household {
		// A household's name is its head's: the head member is renamed with it.
		c.Members = headRenamed(t, c.Members, name)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
		head, members, err := s.correctMembers(ctx, tx, v, t, c.Members)
		if err != nil {
			return err
		}
		if head != "" {
			set["name"] = head
		}
		if len(set) == 0 && !members {
			return errs.E(errs.Invalid, "nothing to change")
		}
		return s.correctTarget(ctx, tx, t, set, members)
	})
	if err != nil {
		return t, err
	}
	s.changed()
	return s.Target(ctx, Viewer{Scope: v.Scope}, id)
}

// correctTarget writes the target's changed fields (set) in tx and audits the
// correction with the names of the fields changed.
func (s *Service) correctTarget(ctx context.Context, tx *store.Tx, t Target, set map[string]any, members bool) error {
	if name, ok := set["name"].(string); ok {
		set["name_norm"] = namematch.Normalize(name)
	}
	var cols []string
	var args []any
	var fields []string
	for _, k := range []string{"name", "name_norm", "rw", "rt", "address", "domicile", "phone", "size", "families", "tags"} {
		if val, ok := set[k]; ok {
			args = append(args, val)
			cols = append(cols, k+" = $"+itoa(len(args)))
			if k != "name_norm" {
				fields = append(fields, k)
			}
		}
	}
	if members {
		fields = append(fields, "members")
	}
	args = append(args, store.Now(), t.ID)
	q := `UPDATE targets SET ` + strings.Join(append(cols, `updated_at = $`+itoa(len(args)-1)), ", ") + ` WHERE id = $` + itoa(len(args))
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "target.correct", ObjectType: "target", ObjectID: t.ID, Region: t.Region,
		Detail: map[string]any{"fields": fields}})
}

// headRenamed adds the head's new name to the member changes, unless they already
// rename the head.
func headRenamed(t Target, changes []MemberChange, name string) []MemberChange {
	for _, m := range t.Members {
		if m.Relation != headRelation || m.Held {
			continue
		}
		for i, c := range changes {
			if c.ID == m.ID {
				if c.Name == nil {
					changes[i].Name = &name
				}
				return changes
			}
		}
		return append(changes, MemberChange{ID: m.ID, Name: &name})
	}
	return changes
}
