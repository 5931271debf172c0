package program

import (
	"slices"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/region"
)

// SmallCount is the largest count of a sensitive program that is withheld outside the
// offices: three isoman households in a kecamatan point at people; thirty do not.
const SmallCount = 4

// Shown are counts as a viewer may see them: nil is a count from 1 to SmallCount
// withheld (JSON null, "<5" on pages).
type Shown struct {
	Needed    *int64 `json:"needed"`
	Allocated *int64 `json:"allocated"`
	Delivered *int64 `json:"delivered"`
}

// ShownRegion is one child region's shown counts.
type ShownRegion struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Shown
}

// ShownCoverage is Coverage as a viewer may see it (API.md's coverage shape). Coarse
// says that figures were cut for a sensitive program: no region below kecamatan, and
// small counts withheld.
type ShownCoverage struct {
	Region   string        `json:"region"`
	Name     string        `json:"name"`
	Phase    string        `json:"phase,omitempty"`
	Children []ShownRegion `json:"children"`
	Coarse   bool          `json:"coarse,omitempty"`
	Shown
}

// CoarseFloor is the deepest level whose figures a sensitive program shows outside
// the offices.
const CoarseFloor = region.District

// ErrBelowFloor answers a request for a sensitive program's figures below CoarseFloor
// from outside the offices.
var ErrBelowFloor = errs.E(errs.Invalid, "this program's figures are shown down to kecamatan only")

// Show cuts coverage for a viewer: as it is when full, else (a sensitive program seen
// outside the offices) without children below kecamatan and with every count from 1
// to SmallCount withheld. A withheld count that is the only one withheld in its
// column would be had back by subtracting the others from the total, so the smallest
// other count of that column is withheld with it.
func (c Coverage) Show(coarse bool) (ShownCoverage, error) {
	out := ShownCoverage{Region: c.Region, Name: c.Name, Phase: c.Phase, Children: []ShownRegion{}, Coarse: coarse}
	level, _ := region.LevelOf(c.Region)
	if coarse && level > CoarseFloor {
		return out, ErrBelowFloor
	}
	out.Shown = shown(c.Counts, coarse)
	if coarse && level == CoarseFloor {
		return out, nil // its children are kelurahan
	}
	for _, ch := range c.Children {
		out.Children = append(out.Children, ShownRegion{Code: ch.Code, Name: ch.Name, Shown: shown(ch.Counts, coarse)})
	}
	if coarse {
		for _, col := range []func(*Shown) **int64{
			func(s *Shown) **int64 { return &s.Needed },
			func(s *Shown) **int64 { return &s.Allocated },
			func(s *Shown) **int64 { return &s.Delivered },
		} {
			complement(out.Children, col)
		}
	}
	return out, nil
}

func shown(c Counts, coarse bool) Shown {
	f := func(n int64) *int64 {
		if coarse && n >= 1 && n <= SmallCount {
			return nil
		}
		return &n
	}
	return Shown{Needed: f(c.Needed), Allocated: f(c.Allocated), Delivered: f(c.Delivered)}
}

// complement withholds, when exactly one child's count in a column is withheld, the
// smallest other non-zero count of that column too.
func complement(children []ShownRegion, col func(*Shown) **int64) {
	withheld, smallest := 0, -1
	for i := range children {
		p := *col(&children[i].Shown)
		switch {
		case p == nil:
			withheld++
		case *p > 0 && (smallest < 0 || *p < **col(&children[smallest].Shown)):
			smallest = i
		}
	}
	if withheld == 1 && smallest >= 0 {
		*col(&children[smallest].Shown) = nil
	}
}

// CoarseFor reports whether this program's figures are cut for a viewer who is not
// government staff (offices and the admin see everything in their region).
func (p Program) CoarseFor(staff bool) bool { return p.Sensitive && !staff }

// sensitiveTags reports whether one of tags is a sensitive tag.
func sensitiveTags(tags []string) bool {
	return slices.ContainsFunc(tags, func(t string) bool { return SensitiveTags[t] })
}
