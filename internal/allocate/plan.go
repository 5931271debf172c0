package allocate

import "container/heap"

// Candidate is a need with free quantity, in the engine's order: the position in the
// slice is the tie-break (priority targets first, then the longest waiting).
type Candidate struct {
	NeedID    string
	TargetID  string
	Kind      string
	Region    string
	Quantity  int // needed
	Allocated int // already held by others
	Priority  bool
	since     string // waiting since, as the database orders it: the tie-break after priority
	rowid     int64  // SQLite: the need's row, updated without a primary-key search
	rw        int    // SQLite: the need's RW, which the claim counts for monitoring
}

// Free is what is left of the need.
func (c Candidate) Free() int { return c.Quantity - c.Allocated }

// Divisible reports whether a need may be shared between collaborators: an RW's or an
// institution's packages may, a household's or a person's may not (one household is
// served by one collaborator, so no two institutions serve the same need).
func (c Candidate) Divisible() bool { return c.Kind == "rw" || c.Kind == "institution" }

// Plan decides how many units of want each candidate receives. Priority candidates
// are served first; within each group the units are spread by water-filling: every
// unit goes to the need whose fill rate ((allocated + given) ÷ quantity) is lowest,
// ties to the earlier candidate. An indivisible need takes all its free quantity or
// nothing. The result has one entry per candidate; its sum is at most want.
func Plan(cands []Candidate, want int) []int {
	give := make([]int, len(cands))
	var prio, rest []int
	for i, c := range cands {
		if c.Free() <= 0 {
			continue
		}
		if c.Priority {
			prio = append(prio, i)
		} else {
			rest = append(rest, i)
		}
	}
	want = waterfill(cands, prio, want, give)
	waterfill(cands, rest, want, give)
	return give
}

// fillHeap orders candidate indexes by current fill rate, then position.
type fillHeap struct {
	cands []Candidate
	give  []int
	idx   []int
}

func (h *fillHeap) Len() int { return len(h.idx) }
func (h *fillHeap) Less(i, j int) bool {
	a, b := h.idx[i], h.idx[j]
	ca, cb := h.cands[a], h.cands[b]
	// (alloc_a + give_a) / q_a < (alloc_b + give_b) / q_b, in integers.
	l := int64(ca.Allocated+h.give[a]) * int64(cb.Quantity)
	r := int64(cb.Allocated+h.give[b]) * int64(ca.Quantity)
	if l != r {
		return l < r
	}
	return a < b
}
func (h *fillHeap) Swap(i, j int) { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *fillHeap) Push(x any)    { h.idx = append(h.idx, x.(int)) }
func (h *fillHeap) Pop() any {
	n := len(h.idx) - 1
	x := h.idx[n]
	h.idx = h.idx[:n]
	return x
}

// waterfill spreads want over the candidates idx and returns what is left.
func waterfill(cands []Candidate, idx []int, want int, give []int) int {
	if want <= 0 || len(idx) == 0 {
		return want
	}
	h := &fillHeap{cands: cands, give: give, idx: append([]int(nil), idx...)}
	heap.Init(h)
	for want > 0 && h.Len() > 0 {
		i := h.idx[0]
		c := cands[i]
		if !c.Divisible() {
			free := c.Free()
			if free <= want {
				give[i] = free
				want -= free
			}
			heap.Pop(h) // served whole, or too large for what is left
			continue
		}
		give[i]++
		want--
		if c.Allocated+give[i] >= c.Quantity {
			heap.Pop(h)
		} else {
			heap.Fix(h, 0)
		}
	}
	return want
}
