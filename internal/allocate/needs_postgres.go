package allocate

// postgresRowID numbers the seed's rows with to_hex and lpad: PostgreSQL has no
// printf (its format() knows no hexadecimal conversion).
func postgresRowID(prefix, order string) string {
	return prefix + ` || lpad(to_hex(row_number() OVER (ORDER BY ` + order + `)), 8, '0')`
}
