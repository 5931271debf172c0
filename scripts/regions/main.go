// Command regions converts the CSV files of the npm package idn-area-data
// (Kemendagri region hierarchy of Indonesia) into the small CSV files that
// Gotong embeds under data/regions.
//
// Usage:
//
//	npm pack idn-area-data@4.0.1 && tar xzf idn-area-data-4.0.1.tgz
//	go run ./scripts/regions -src package -out data/regions
//
// -src is the unpacked package directory (the one holding package.json and
// data/), or its data/ directory itself. Every output file has the header
// "code,name", codes in dotted Kemendagri form (31, 31.71, 31.71.01,
// 31.71.01.1001), rows sorted by code and LF line endings. The parent of a
// region is implied by its code, so it is not stored; the converter checks
// that the package's parent column agrees with the code and that every
// parent exists.
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// level describes one input/output file.
type level struct {
	file      string // file name, both in the package and in the output
	parentCol string // header of the parent code column; "" for provinces
	segments  []int  // digit count of each dotted code segment
}

var levels = []level{
	{file: "provinces.csv", segments: []int{2}},
	{file: "regencies.csv", parentCol: "province_code", segments: []int{2, 2}},
	{file: "districts.csv", parentCol: "regency_code", segments: []int{2, 2, 2}},
	{file: "villages.csv", parentCol: "district_code", segments: []int{2, 2, 2, 4}},
}

type row struct{ code, name string }

func main() {
	src := flag.String("src", "", "unpacked idn-area-data package directory (or its data/ directory)")
	out := flag.String("out", "data/regions", "output directory")
	flag.Parse()
	if *src == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/regions -src PATH_TO_UNPACKED_PACKAGE [-out data/regions]")
		os.Exit(2)
	}
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "regions:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	dir := src
	if _, err := os.Stat(filepath.Join(src, "data", "provinces.csv")); err == nil {
		dir = filepath.Join(src, "data")
	}

	known := map[string]bool{} // codes of all previous levels
	results := make([][]row, len(levels))
	for i, lv := range levels {
		rows, err := readLevel(filepath.Join(dir, lv.file), lv)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if p := parentOf(r.code); p != "" && !known[p] {
				return fmt.Errorf("%s: %s %q: parent %s does not exist", lv.file, r.code, r.name, p)
			}
		}
		for _, r := range rows {
			known[r.code] = true
		}
		results[i] = rows
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for i, lv := range levels {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf) // UseCRLF is false: LF line endings
		w.Write([]string{"code", "name"})
		for _, r := range results[i] {
			w.Write([]string{r.code, r.name})
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		path := filepath.Join(out, lv.file)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: %d rows, %d bytes\n", path, len(results[i]), buf.Len())
	}
	return nil
}

// readLevel reads one package CSV, converting and validating every row.
func readLevel(path string, lv level) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := filepath.Base(path)

	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	want := []string{"code", "name"}
	if lv.parentCol != "" {
		want = append(want, lv.parentCol)
	}
	for _, h := range want {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%s: missing column %q (header %q)", name, h, header)
		}
	}

	var rows []row
	seen := map[string]bool{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		code, err := convertCode(rec[col["code"]], lv.segments)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if lv.parentCol != "" {
			parent, err := convertCode(rec[col[lv.parentCol]], lv.segments[:len(lv.segments)-1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %w", name, line, lv.parentCol, err)
			}
			if parent != parentOf(code) {
				return nil, fmt.Errorf("%s:%d: %s has %s %s, want %s", name, line, code, lv.parentCol, parent, parentOf(code))
			}
		}
		n := strings.TrimSpace(rec[col["name"]])
		if n == "" || !utf8.ValidString(n) || strings.ContainsAny(n, "\r\n") {
			return nil, fmt.Errorf("%s:%d: %s: bad name %q", name, line, code, n)
		}
		if seen[code] {
			return nil, fmt.Errorf("%s:%d: duplicate code %s", name, line, code)
		}
		seen[code] = true
		rows = append(rows, row{code, n})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.code, b.code) })
	return rows, nil
}

// convertCode returns s in dotted form, accepting dotted or undotted digits
// with the given segment lengths.
func convertCode(s string, segments []int) (string, error) {
	s = strings.TrimSpace(s)
	digits := strings.ReplaceAll(s, ".", "")
	total := 0
	for _, n := range segments {
		total += n
	}
	if len(digits) != total || strings.Trim(digits, "0123456789") != "" {
		return "", fmt.Errorf("bad code %q", s)
	}
	parts := make([]string, 0, len(segments))
	for _, n := range segments {
		parts = append(parts, digits[:n])
		digits = digits[n:]
	}
	dotted := strings.Join(parts, ".")
	if strings.Contains(s, ".") && s != dotted {
		return "", fmt.Errorf("bad code %q: dots in the wrong place", s)
	}
	return dotted, nil
}

// parentOf returns the code of the parent region ("" for a province).
func parentOf(code string) string {
	i := strings.LastIndexByte(code, '.')
	if i < 0 {
		return ""
	}
	return code[:i]
}
