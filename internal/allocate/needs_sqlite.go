package allocate

// sqliteRowID numbers the seed's rows with printf: SQLite has no lpad or to_hex,
// and its printf pads a hexadecimal number in one call.
func sqliteRowID(prefix, order string) string {
	return prefix + ` || printf('%08x', row_number() OVER (ORDER BY ` + order + `))`
}
