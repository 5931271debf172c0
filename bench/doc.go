// Package bench holds Gotong's whole-system benchmarks. The registry's: a household
// import measured against a bare insert of the same rows in the same run, its peak
// memory, and the recall and precision of its de-duplication on the planted
// duplicates of a generated file (internal/gen), sized by GOTONG_BENCH_ROWS. The
// allocation engine's: one area commitment, many concurrent committers and fairness
// against an independently computed optimum, on a registry of GOTONG_BENCH_NEEDS
// households. See README.md here and docs/PERFORMANCE.md.
//
// A plain `go test ./...` runs only small smoke tests of the same code on every
// engine; the benchmarks run with -bench.
package bench
