package namematch

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
)

type labelledPair struct {
	a, b string
	same bool
	line int
}

// loadPairs reads testdata/pairs.csv: name_a,name_b,same with '#' comments.
func loadPairs(t *testing.T) []labelledPair {
	t.Helper()
	f, err := os.Open("testdata/pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(header, ",") != "name_a,name_b,same" {
		t.Fatalf("pairs.csv: header %q, want name_a,name_b,same", header)
	}
	var pairs []labelledPair
	seen := map[[2]string]bool{}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		line, _ := r.FieldPos(0)
		var same bool
		switch row[2] {
		case "1":
			same = true
		case "0":
		default:
			t.Fatalf("pairs.csv line %d: same = %q, want 0 or 1", line, row[2])
		}
		key := [2]string{row[0], row[1]}
		if row[0] > row[1] {
			key = [2]string{row[1], row[0]}
		}
		if seen[key] {
			t.Fatalf("pairs.csv line %d: %q / %q listed twice", line, row[0], row[1])
		}
		seen[key] = true
		pairs = append(pairs, labelledPair{a: row[0], b: row[1], same: same, line: line})
	}
	return pairs
}

// confusion counts decisions "score >= threshold means same" against labels.
type confusion struct{ tp, fp, fn, tn int }

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func (c confusion) String() string {
	return fmt.Sprintf("precision %.4f recall %.4f (tp %d, fp %d, fn %d, tn %d)",
		c.precision(), c.recall(), c.tp, c.fp, c.fn, c.tn)
}

func evaluate(pairs []labelledPair, scores []float64, threshold float64) confusion {
	var c confusion
	for i, p := range pairs {
		predicted := scores[i] >= threshold
		switch {
		case predicted && p.same:
			c.tp++
		case predicted && !p.same:
			c.fp++
		case !predicted && p.same:
			c.fn++
		default:
			c.tn++
		}
	}
	return c
}

// TestLabelledPairs measures the thresholds on testdata/pairs.csv and holds
// them to the targets: "Same or Review" (is the pair flagged at all?) with
// precision >= 0.98 and recall >= 0.95, and "Same" (is it merged without a
// human?) with precision >= 0.99.
func TestLabelledPairs(t *testing.T) {
	pairs := loadPairs(t)
	var positives int
	for _, p := range pairs {
		if p.same {
			positives++
		}
	}
	if len(pairs) < 300 || positives < 100 || len(pairs)-positives < 100 {
		t.Fatalf("pairs.csv has %d pairs (%d same): want at least 300 with 100 of each label", len(pairs), positives)
	}
	scores := make([]float64, len(pairs))
	for i, p := range pairs {
		scores[i] = Similarity(p.a, p.b)
	}

	flagged := evaluate(pairs, scores, Review)
	merged := evaluate(pairs, scores, Same)
	t.Logf("%d pairs, %d same, %d different", len(pairs), positives, len(pairs)-positives)
	t.Logf("Same or Review (>= %.2f): %v", Review, flagged)
	t.Logf("Same           (>= %.2f): %v", Same, merged)

	// The errors, so that a change of rules shows what it moved.
	type miss struct {
		p     labelledPair
		score float64
	}
	var wrong []miss
	for i, p := range pairs {
		if (scores[i] >= Review) != p.same || (!p.same && scores[i] >= Same) {
			wrong = append(wrong, miss{p, scores[i]})
		}
	}
	sort.Slice(wrong, func(i, j int) bool { return wrong[i].score > wrong[j].score })
	for _, w := range wrong {
		label := "different, flagged"
		if w.p.same {
			label = "same, missed"
		}
		t.Logf("  %-18s %.3f  %q / %q (line %d; %q / %q)", label, w.score, w.p.a, w.p.b,
			w.p.line, Normalize(w.p.a), Normalize(w.p.b))
	}

	if p := flagged.precision(); p < 0.98 {
		t.Errorf("Same or Review precision = %.4f, want >= 0.98", p)
	}
	if r := flagged.recall(); r < 0.95 {
		t.Errorf("Same or Review recall = %.4f, want >= 0.95", r)
	}
	if p := merged.precision(); p < 0.99 {
		t.Errorf("Same precision = %.4f, want >= 0.99", p)
	}
	if !(0 < Review && Review < Same && Same < 1) {
		t.Errorf("thresholds Review %.2f, Same %.2f: want 0 < Review < Same < 1", Review, Same)
	}
}
