package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/gen"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	t.Run("a household CSV with a truth file", func(t *testing.T) {
		out, truth := filepath.Join(dir, "h.csv"), filepath.Join(dir, "t.json")
		var stdout, stderr bytes.Buffer
		code := run([]string{"-kind", "household", "-rows", "500", "-seed", "2", "-dup", "0.02", "-fuzzy", "0.02",
			"-damaged", "0.02", "-format", "csv", "-out", out, "-truth", truth}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(b), "\n"); lines != 501 {
			t.Errorf("%d lines, want 501", lines)
		}
		var tr gen.Truth
		tb, err := os.ReadFile(truth)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(tb, &tr); err != nil {
			t.Fatal(err)
		}
		if tr.Rows != 500 || tr.ExactDups != 10 || tr.FuzzyDups != 10 || tr.Damaged != 10 || len(tr.Planted) != 30 {
			t.Errorf("truth %+v", tr)
		}
	})
	for _, kind := range []string{"person", "rw", "institution"} {
		t.Run("an XLSX of kind "+kind+" goes to standard output", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"-kind", kind, "-rows", "50", "-format", "xlsx"}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if !bytes.HasPrefix(stdout.Bytes(), []byte("PK")) {
				t.Error("output is not a zip file")
			}
		})
	}
	for _, args := range [][]string{
		{"-kind", "car"}, {"-format", "ods"}, {"-rows", "-1"}, {"-kelurahan", "nope"},
		{"-kind", "rw", "-dup", "0.1"}, {"extra"}, {"-province", "99"},
	} {
		t.Run("bad usage "+strings.Join(args, " ")+" exits 2", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
				t.Errorf("exit %d, stderr %q", code, stderr.String())
			}
		})
	}
	t.Run("damage fractions out of range fail", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-dup", "2"}, &stdout, &stderr); code != 1 {
			t.Errorf("exit %d, stderr %q", code, stderr.String())
		}
	})
}
