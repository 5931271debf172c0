// Package bench holds the registry's performance benchmarks: a household import
// measured against a bare insert of the same rows in the same run, its peak memory,
// and the recall and precision of its de-duplication on the planted duplicates of a
// generated file (internal/gen). See README.md here and docs/PERFORMANCE.md.
//
// A plain `go test ./...` runs only a small smoke test of the same code (2,000 rows
// on every engine); the benchmarks run with -bench, sized by GOTONG_BENCH_ROWS.
package bench
