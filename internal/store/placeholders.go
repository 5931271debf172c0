package store

import (
	"strconv"
	"strings"
)

// InList returns n placeholders for the arguments numbered k, k+1, …: "$k,$k+1,…"
// on PostgreSQL; on SQLite plain "?", which SQLite numbers after the highest
// parameter before it. (SQLite treats "$N" as a named parameter and looks each name
// up in a list, which turns a statement of thousands of parameters quadratic.)
func InList(eng Engine, k, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if eng == SQLite {
			b.WriteByte('?')
		} else {
			b.WriteString("$" + strconv.Itoa(k+i))
		}
	}
	return b.String()
}
