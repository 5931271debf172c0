package allocate

import (
	"fmt"
	"slices"
	"testing"
)

// Pages of a village's free needs are read at different moments (on PostgreSQL each
// page is its own statement and snapshot). A need released in between moves the
// offsets, so the next page starts with a need the last one ended on; the merge must
// still name each need once, or the claim's plan takes one need twice.
func TestMergeStreamsNamesEachNeedOnceWhenPagesOverlap(t *testing.T) {
	need := func(village string, i int) Candidate {
		return Candidate{NeedID: fmt.Sprintf("%s-%02d", village, i), Region: village, since: fmt.Sprintf("2026-05-01 00:00:%02d", i)}
	}
	free := map[string][]Candidate{}
	for _, v := range []string{"a", "b"} {
		for i := 1; i <= 12; i += 2 { // odd seconds: a released need can slot in between
			free[v] = append(free[v], need(v, i))
		}
	}
	reads := 0
	next := func(st *stream) error {
		if reads == 2 { // after both first pages: a need of village a is released
			free["a"] = append([]Candidate{need("a", 0)}, free["a"]...)
		}
		reads++
		rows := free[st.village]
		lo, hi := min(st.read, len(rows)), min(st.read+st.page, len(rows))
		st.set(slices.Clone(rows[lo:hi]))
		return nil
	}
	streams := []*stream{{village: "a", page: 2, full: true}, {village: "b", page: 2, full: true}}
	out, err := mergeStreams(streams, 100, next)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, k := range out {
		seen[k.NeedID]++
		if seen[k.NeedID] > 1 {
			t.Errorf("need %s planned twice: %v", k.NeedID, ids(out))
		}
	}
	if len(seen) != 12 {
		t.Errorf("planned %d distinct needs, want all 12 that were free from the start: %v", len(seen), ids(out))
	}
	if reads < 4 {
		t.Fatalf("the pages were read %d times; the test needs a second page of village a", reads)
	}
}

func ids(ks []Candidate) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.NeedID
	}
	return out
}
