package store

import "context"

// InList returns n placeholders for the arguments numbered k, k+1, …: "$k,$k+1,…"
// on PostgreSQL; on SQLite plain "?", which SQLite numbers after the highest
// parameter before it. (SQLite treats "$N" as a named parameter and looks each name
// up in a list, which turns a statement of thousands of parameters quadratic.)
//
// Statements written by hand use $N on both engines; InList, Values and Insert are
// the only places that write the other form.
func InList(eng Engine, k, n int) string {
	return string(placeholders(dialectOf(eng), make([]byte, 0, n*4), k, n))
}

// placeholders appends n of d's placeholders, numbered from k, separated by commas.
func placeholders(d dialect, b []byte, k, n int) []byte {
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = d.placeholder(b, k+i)
	}
	return b
}

// Values returns the rows of a multi-row VALUES list, each of width placeholders,
// numbered from k: "($k,$k+1),($k+2,$k+3)…" on PostgreSQL, "(?,?),(?,?)…" on SQLite
// (see InList).
func Values(eng Engine, k, rows, width int) string {
	d := dialectOf(eng)
	b := make([]byte, 0, rows*(width*4+3))
	for i := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		b = placeholders(d, b, k+i*width, width)
		b = append(b, ')')
	}
	return string(b)
}

// MaxParams bounds the parameters of one statement Insert writes: under SQLite's
// limit (32,766) and PostgreSQL's (65,535).
const MaxParams = 30000

// Insert runs prefix + a VALUES list + suffix for rows, each row followed by the
// values in each (the same for every row: an import id, timestamps), in statements
// of at most MaxParams parameters. Every row has the width of rows[0]. It returns how
// many rows the statements affected.
func (tx *Tx) Insert(ctx context.Context, prefix, suffix string, rows [][]any, each ...any) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	per := len(rows[0]) + len(each)
	chunk := max(1, MaxParams/per)
	var total int64
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		args := make([]any, 0, len(part)*per)
		for _, row := range part {
			args = append(args, row...)
			args = append(args, each...)
		}
		res, err := tx.ExecContext(ctx, prefix+Values(tx.Engine, 1, len(part), per)+suffix, args...)
		if err != nil {
			return total, Map(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, Map(err)
		}
		total += n
	}
	return total, nil
}
