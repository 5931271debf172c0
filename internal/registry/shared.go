package registry

import (
	"context"
	"strconv"
	"strings"

	"github.com/gotong/gotong/internal/store"
)

// The registry owns the targets and members tables (see the ownership table in
// package store's doc). Other capabilities read them only through what this file
// exports:
//
//   - functions that take a store.Querier, so that they run inside the caller's
//     transaction (allocate checks chosen targets while it holds its locks);
//   - SQL fragments, where a statement of another capability must read targets in
//     the same statement as its own tables. The allocation package seeds a
//     program's needs with one INSERT … SELECT over every eligible target (a million
//     rows: one statement takes seconds, a read here and a write there would take
//     minutes and hold a million ids in memory), keeps them in step with UPDATEs
//     whose subqueries select changed targets, and lists allocations and open needs
//     with their recipients in one query per page. The fragments name the table
//     aliased t; the columns they read are the registry's, spelled here once.

// Targets is the targets table aliased t, for a FROM or JOIN of another
// capability's statement; the fragments below read its columns through t.
const Targets = `targets t`

// Criteria select targets: kinds, regions (prefixes; empty: all), institution
// kinds (empty: all institutions) and tags (any of them; empty: no condition).
type Criteria struct {
	Kinds            []string
	Regions          []string
	InstitutionKinds []string
	Tags             []string
}

// Eligible is the SQL condition on targets t that a live target (not merged away,
// not held for duplicate review) meets the criteria, with its arguments numbered
// from $first.
func Eligible(c Criteria, first int) (string, []any) {
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(first+len(args)-1) }
	var kinds []string
	for _, k := range c.Kinds {
		kinds = append(kinds, arg(k))
	}
	cond := `t.merged_into IS NULL AND t.held = '' AND t.kind IN (` + strings.Join(kinds, ",") + `)`
	if len(c.Regions) > 0 {
		var or []string
		for _, r := range c.Regions {
			or = append(or, `t.region LIKE `+arg(r+"%"))
		}
		cond += ` AND (` + strings.Join(or, " OR ") + `)`
	}
	if len(c.InstitutionKinds) > 0 {
		var in []string
		for _, k := range c.InstitutionKinds {
			in = append(in, arg(k))
		}
		cond += ` AND (t.kind <> 'institution' OR t.inst_kind IN (` + strings.Join(in, ",") + `))`
	}
	if len(c.Tags) > 0 {
		cond += ` AND ` + HasTag(c.Tags, &args, first)
	}
	return cond, args
}

// HasTag is the SQL condition that target t carries one of tags; the arguments are
// appended to args and numbered from $first (the number of args[0]).
func HasTag(tags []string, args *[]any, first int) string {
	var or []string
	for _, tag := range tags {
		*args = append(*args, "%,"+tag+",%")
		or = append(or, `t.tags LIKE $`+strconv.Itoa(first+len(*args)-1))
	}
	return `(` + strings.Join(or, " OR ") + `)`
}

// People is the SQL for how many people target t holds: 1 for a person, the
// members of a household, the families' people of an RW, the residents of an
// institution.
const People = `(CASE WHEN t.kind = 'person' THEN 1 ELSE t.size END)`

// Families is the SQL for how many families target t holds: an RW's family count,
// 1 for anything else.
const Families = `(CASE WHEN t.kind = 'rw' THEN t.families ELSE 1 END)`

// RecipientColumns are the delivery fields of target t, in this order: id, kind,
// region, name, RW, RT, address (the domicile where aid goes when it differs from
// the KTP address), phone and the masked NIK (a household shows its head's, a
// person its own).
const RecipientColumns = `t.id, t.kind, t.region, t.name, t.rw, t.rt, CASE WHEN t.domicile <> '' THEN t.domicile ELSE t.address END, t.phone,
	CASE WHEN t.kind = 'household' THEN COALESCE((SELECT m.nik_mask FROM members m WHERE m.target_id = t.id AND m.merged_into IS NULL
		ORDER BY CASE WHEN m.relation = 'Kepala Keluarga' THEN 0 ELSE 1 END, m.id LIMIT 1), '') ELSE t.id_mask END`

// TargetRegion returns a target's region code, read through q (a transaction or
// the read pool). A missing target is errs.NotFound.
func TargetRegion(ctx context.Context, q store.Querier, id string) (string, error) {
	return targetField(ctx, q, `region`, id)
}

// TargetName returns a target's name, read through q. A missing target is
// errs.NotFound.
func TargetName(ctx context.Context, q store.Querier, id string) (string, error) {
	return targetField(ctx, q, `name`, id)
}

func targetField(ctx context.Context, q store.Querier, col, id string) (string, error) {
	var v string
	err := store.One(ctx, q, `SELECT `+col+` FROM targets WHERE id = $1`, id).Scan(&v)
	return v, store.NotFound(err, "target not found")
}
