package callback

import (
	"slices"
	"strconv"
	"testing"

	"github.com/gotong/gotong/internal/allocate"
)

func pool(n int) []allocate.DeliveredAllocation {
	out := make([]allocate.DeliveredAllocation, n)
	for i := range out {
		out[i].ID = strconv.Itoa(i)
	}
	return out
}

func ids(ds []allocate.DeliveredAllocation) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// TestPickIsRandomAndDistinct draws ten of a hundred twice (two draws alike has a
// chance of 1 in 17 trillion), checks that a draw holds no allocation twice, and
// that every one of ten is drawn alone over 2,000 draws (each missed with a chance
// of 10^-91).
func TestPickIsRandomAndDistinct(t *testing.T) {
	a, err := pick(pool(100), 10)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pick(pool(100), 10)
	if err != nil {
		t.Fatal(err)
	}
	x, y := slices.Sorted(slices.Values(ids(a))), slices.Sorted(slices.Values(ids(b)))
	if slices.Equal(x, y) {
		t.Errorf("two samples of 10 from 100 are the same: %v", x)
	}
	if len(slices.Compact(x)) != 10 {
		t.Errorf("a sample holds an allocation twice: %v", ids(a))
	}
	seen := map[string]int{}
	for range 2000 {
		one, err := pick(pool(10), 1)
		if err != nil {
			t.Fatal(err)
		}
		seen[one[0].ID]++
	}
	if len(seen) != 10 {
		t.Errorf("over 2,000 draws of 1 from 10, only %d were ever drawn: %v", len(seen), seen)
	}
	if all, _ := pick(pool(3), 10); len(all) != 3 {
		t.Errorf("asking 10 of 3 gave %d", len(all))
	}
}
