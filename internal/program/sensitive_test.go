package program

import (
	"fmt"
	"testing"

	"github.com/gotong/gotong/internal/errs"
)

func figures(s Shown) string {
	f := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprint(*p)
	}
	return f(s.Needed) + "/" + f(s.Allocated) + "/" + f(s.Delivered)
}

func TestShowWithholdsSmallCountsAndWhatWouldGiveThemBack(t *testing.T) {
	kota := Coverage{Region: "31.71", Counts: Counts{Needed: 60, Allocated: 12, Delivered: 0}, Children: []RegionCounts{
		{Code: "31.71.01", Counts: Counts{Needed: 40, Allocated: 3, Delivered: 0}},
		{Code: "31.71.02", Counts: Counts{Needed: 15, Allocated: 9, Delivered: 0}},
		{Code: "31.71.03", Counts: Counts{Needed: 5, Allocated: 0, Delivered: 0}},
	}}
	full, err := kota.Show(false)
	if err != nil || figures(full.Children[0].Shown) != "40/3/0" || full.Coarse {
		t.Fatalf("staff see %+v, %v", full, err)
	}
	cut, err := kota.Show(true)
	if err != nil || !cut.Coarse {
		t.Fatal(err)
	}
	// Allocated: 3 is withheld, and the smallest other non-zero (9) with it, so that
	// 12 - 9 - 0 does not give 3 back; needed has nothing small; zeros stay.
	want := []string{"40/-/0", "15/-/0", "5/0/0"}
	for i, ch := range cut.Children {
		if got := figures(ch.Shown); got != want[i] {
			t.Errorf("%s: %s, want %s", ch.Code, got, want[i])
		}
	}
	if figures(cut.Shown) != "60/12/0" {
		t.Errorf("total %s", figures(cut.Shown))
	}
	// Two withheld in a column hide each other: nothing more is withheld.
	two := Coverage{Region: "31", Children: []RegionCounts{{Code: "31.71", Counts: Counts{Needed: 2}}, {Code: "31.72", Counts: Counts{Needed: 4}},
		{Code: "31.73", Counts: Counts{Needed: 50}}}}
	c2, _ := two.Show(true)
	if got := figures(c2.Children[2].Shown); got != "50/0/0" {
		t.Errorf("a third child is withheld needlessly: %s", got)
	}
	// A kecamatan shows no kelurahan; a kelurahan is refused.
	kec := Coverage{Region: "31.71.01", Counts: Counts{Needed: 3}, Children: []RegionCounts{{Code: "31.71.01.1001", Counts: Counts{Needed: 3}}}}
	if c, err := kec.Show(true); err != nil || len(c.Children) != 0 || c.Needed != nil {
		t.Errorf("a kecamatan outside the offices: %+v, %v", c, err)
	}
	if _, err := (Coverage{Region: "31.71.01.1001"}).Show(true); !errs.Is(err, errs.Invalid) {
		t.Errorf("a kelurahan outside the offices: %v, want invalid", err)
	}
}
