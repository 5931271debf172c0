package allocate_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gotong/gotong/internal/allocate"
)

// rate is a fill rate num/den kept as integers, so that comparisons are exact.
type rate struct{ num, den int64 }

func (r rate) less(o rate) bool { return r.num*o.den < o.num*r.den }
func (r rate) String() string   { return fmt.Sprintf("%d/%d", r.num, r.den) }

// minRate is the lowest fill rate among the candidates that had something free, after
// give; ok is false when there were none.
func minRate(cands []allocate.Candidate, give []int) (m rate, ok bool) {
	for i, c := range cands {
		if c.Free() <= 0 {
			continue
		}
		r := rate{int64(c.Allocated + give[i]), int64(c.Quantity)}
		if !ok || r.less(m) {
			m, ok = r, true
		}
	}
	return m, ok
}

// optimumByLevel is the highest minimum fill rate any allocation of at most want units
// can reach, computed without the planner: the minimum can reach level L exactly when
// raising every candidate below L costs at most want (a divisible need to ⌈L·q⌉, an
// indivisible one to full), and the optimum is one of the levels (a+k)/q.
func optimumByLevel(cands []allocate.Candidate, want int) (rate, bool) {
	var levels []rate
	for _, c := range cands {
		if c.Free() <= 0 {
			continue
		}
		for k := c.Allocated; k <= c.Quantity; k++ {
			levels = append(levels, rate{int64(k), int64(c.Quantity)})
		}
	}
	if len(levels) == 0 {
		return rate{}, false
	}
	best, found := rate{}, false
	for _, l := range levels {
		cost := int64(0)
		for _, c := range cands {
			if c.Free() <= 0 {
				continue
			}
			cur := rate{int64(c.Allocated), int64(c.Quantity)}
			if !cur.less(l) {
				continue
			}
			if c.Divisible() {
				need := (l.num*int64(c.Quantity) + l.den - 1) / l.den // ⌈L·q⌉
				cost += need - int64(c.Allocated)
			} else {
				cost += int64(c.Free())
			}
		}
		if cost <= int64(want) && (!found || best.less(l)) {
			best, found = l, true
		}
	}
	return best, found
}

// optimumByEnumeration tries every allocation (tiny instances only).
func optimumByEnumeration(cands []allocate.Candidate, want int) (rate, bool) {
	give := make([]int, len(cands))
	best, found := rate{}, false
	var walk func(i, left int)
	walk = func(i, left int) {
		if i == len(cands) {
			if m, ok := minRate(cands, give); ok && (!found || best.less(m)) {
				best, found = m, true
			}
			return
		}
		c := cands[i]
		options := []int{0}
		if f := c.Free(); f > 0 {
			if c.Divisible() {
				for g := 1; g <= f; g++ {
					options = append(options, g)
				}
			} else {
				options = append(options, f)
			}
		}
		for _, g := range options {
			if g <= left {
				give[i] = g
				walk(i+1, left-g)
			}
		}
		give[i] = 0
	}
	walk(0, want)
	return best, found
}

// checkPlan checks every promise of Plan on one instance and returns the first
// broken one ("" when all hold): the sum is at most want; each candidate gets at most
// its free quantity; an indivisible need gets all of it or nothing; the ordinary
// candidates get nothing while a priority one could still take something; nothing
// left over could be taken; the minimum fill rate of the priority group, then of the
// others with what the priority group left, is the optimum; and identical
// candidates are served in their order.
func checkPlan(cands []allocate.Candidate, want int, give []int) string {
	if len(give) != len(cands) {
		return fmt.Sprintf("%d entries for %d candidates", len(give), len(cands))
	}
	sum, prioSum, restSum := 0, 0, 0
	for i, c := range cands {
		g := give[i]
		if g < 0 {
			return fmt.Sprintf("candidate %d gets %d", i, g)
		}
		if g > max(c.Free(), 0) {
			return fmt.Sprintf("candidate %d gets %d, only %d free", i, g, c.Free())
		}
		if !c.Divisible() && g != 0 && g != c.Free() {
			return fmt.Sprintf("indivisible candidate %d gets %d of %d", i, g, c.Free())
		}
		sum += g
		if c.Priority {
			prioSum += g
		} else {
			restSum += g
		}
	}
	if sum > want {
		return fmt.Sprintf("sum %d exceeds want %d", sum, want)
	}
	left := want - sum
	for i, c := range cands {
		if free := c.Free() - give[i]; free > 0 && left > 0 && (c.Divisible() || free <= left) {
			return fmt.Sprintf("candidate %d could still take %d of the %d left", i, free, left)
		}
	}
	prioLeft := want - prioSum
	var prio, rest []allocate.Candidate
	var prioGive, restGive []int
	for i, c := range cands {
		if c.Priority {
			prio, prioGive = append(prio, c), append(prioGive, give[i])
		} else {
			rest, restGive = append(rest, c), append(restGive, give[i])
		}
	}
	if restSum > 0 {
		for i, c := range cands {
			if free := c.Free() - give[i]; c.Priority && free > 0 && (c.Divisible() || free <= prioLeft) {
				return fmt.Sprintf("ordinary candidates served while priority candidate %d could take %d", i, free)
			}
		}
	}
	for _, g := range []struct {
		name  string
		cands []allocate.Candidate
		give  []int
		want  int
	}{{"priority", prio, prioGive, want}, {"ordinary", rest, restGive, prioLeft}} {
		got, ok := minRate(g.cands, g.give)
		opt, _ := optimumByLevel(g.cands, g.want)
		if ok && got.less(opt) {
			return fmt.Sprintf("%s group: minimum fill rate %v, optimum %v", g.name, got, opt)
		}
	}
	for i := range cands {
		for j := i + 1; j < len(cands); j++ {
			a, b := cands[i], cands[j]
			a.NeedID, b.NeedID, a.TargetID, b.TargetID = "", "", "", ""
			if a == b && give[i] < give[j] {
				return fmt.Sprintf("identical candidates %d and %d: the later got %d, the earlier %d", i, j, give[j], give[i])
			}
		}
	}
	return ""
}

func hh(q, a int) allocate.Candidate {
	return allocate.Candidate{Kind: "household", Quantity: q, Allocated: a}
}

func rw(q, a int) allocate.Candidate {
	return allocate.Candidate{Kind: "rw", Quantity: q, Allocated: a}
}

func prio(c allocate.Candidate) allocate.Candidate { c.Priority = true; return c }

func TestPlan(t *testing.T) {
	tests := []struct {
		name  string
		cands []allocate.Candidate
		want  int
		give  []int
	}{
		{"nothing wanted gives nothing", []allocate.Candidate{rw(5, 0), hh(1, 0)}, 0, []int{0, 0}},
		{"no candidates gives nothing", nil, 10, []int{}},
		{"households are served in order, one package each", []allocate.Candidate{hh(1, 0), hh(1, 0), hh(1, 0)}, 2, []int{1, 1, 0}},
		{"a priority household comes before earlier ones", []allocate.Candidate{hh(1, 0), hh(1, 0), prio(hh(1, 0))}, 2, []int{1, 0, 1}},
		{"an RW and households are water-filled together", []allocate.Candidate{rw(4, 0), hh(1, 0), hh(1, 0)}, 4, []int{2, 1, 1}},
		{"the least-filled RW is raised first", []allocate.Candidate{rw(10, 5), rw(10, 0)}, 6, []int{1, 5}},
		{"fill rates, not units, are levelled", []allocate.Candidate{rw(100, 0), rw(10, 0)}, 22, []int{20, 2}},
		{"an indivisible household too large for what is left is skipped", []allocate.Candidate{hh(5, 0), hh(2, 0)}, 3, []int{0, 2}},
		{"a full or over-full need gets nothing", []allocate.Candidate{rw(3, 3), hh(1, 1), rw(2, 5), rw(2, 0)}, 5, []int{0, 0, 0, 2}},
		{"everything free is taken when want exceeds it", []allocate.Candidate{rw(3, 1), hh(4, 0), prio(rw(2, 0))}, 100, []int{2, 4, 2}},
		{"priority RWs are filled before any ordinary need", []allocate.Candidate{rw(10, 0), prio(rw(3, 0)), prio(rw(6, 3))}, 5, []int{0, 3, 2}},
		{"a partly served household takes exactly its rest", []allocate.Candidate{hh(5, 3), hh(3, 0)}, 2, []int{2, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			give := allocate.Plan(tt.cands, tt.want)
			if fmt.Sprint(give) != fmt.Sprint(tt.give) {
				t.Fatalf("Plan(%v, %d) = %v, want %v", tt.cands, tt.want, give, tt.give)
			}
			if msg := checkPlan(tt.cands, tt.want, give); msg != "" {
				t.Fatal(msg)
			}
		})
	}
}

// TestOptimumByLevelAgreesWithEnumeration checks the independent optimum used by the
// fuzz target and the benchmark against plain enumeration.
func TestOptimumByLevelAgreesWithEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		cands := randomCandidates(r, 1+r.IntN(4), 4)
		want := r.IntN(12)
		a, okA := optimumByLevel(cands, want)
		b, okB := optimumByEnumeration(cands, want)
		if okA != okB || a.less(b) || b.less(a) {
			t.Fatalf("instance %d %v want %d: by level %v (%v), by enumeration %v (%v)", i, cands, want, a, okA, b, okB)
		}
	}
}

func randomCandidates(r *rand.Rand, n, maxQ int) []allocate.Candidate {
	kinds := []string{"household", "person", "rw", "institution"}
	cands := make([]allocate.Candidate, n)
	for i := range cands {
		q := 1 + r.IntN(maxQ)
		cands[i] = allocate.Candidate{NeedID: fmt.Sprint(i), Kind: kinds[r.IntN(len(kinds))], Quantity: q,
			Allocated: r.IntN(q + 1), Priority: r.IntN(4) == 0}
	}
	return cands
}

func TestPlanOnRandomInstances(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		cands := randomCandidates(r, r.IntN(9), 1+r.IntN(12))
		want := r.IntN(40)
		give := allocate.Plan(cands, want)
		if msg := checkPlan(cands, want, give); msg != "" {
			t.Fatalf("instance %d: Plan(%v, %d) = %v: %s", i, cands, want, give, msg)
		}
	}
}

// FuzzPlan decodes candidates from bytes: want, then 4 bytes per candidate (kind and
// priority, quantity, allocated, and a copy flag that repeats the previous candidate
// so that ties are common).
func FuzzPlan(f *testing.F) {
	f.Add([]byte{5, 0, 3, 0, 0, 2, 4, 1, 0, 0, 0, 0, 1})
	f.Add([]byte{20, 6, 10, 0, 0, 2, 100, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1})
	f.Add(binary.BigEndian.AppendUint32(nil, 0xffffffff))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		want := int(data[0])
		kinds := []string{"household", "person", "rw", "institution"}
		var cands []allocate.Candidate
		for p := 1; p+4 <= len(data) && len(cands) < 24; p += 4 {
			if data[p+3]&1 == 1 && len(cands) > 0 {
				c := cands[len(cands)-1]
				c.NeedID = fmt.Sprint(len(cands))
				cands = append(cands, c)
				continue
			}
			q := int(data[p+1]%40) + 1
			cands = append(cands, allocate.Candidate{NeedID: fmt.Sprint(len(cands)), Kind: kinds[data[p]%4],
				Priority: data[p]&4 != 0, Quantity: q, Allocated: int(data[p+2]) % (q + 1)})
		}
		give := allocate.Plan(cands, want)
		if msg := checkPlan(cands, want, give); msg != "" {
			t.Fatalf("Plan(%v, %d) = %v: %s", cands, want, give, msg)
		}
	})
}
