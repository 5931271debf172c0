package allocate_test

import (
	"context"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// rapidChecks keeps the property tests to a few seconds per engine: 5 random
// histories unless -rapid.checks or RAPID_CHECKS asks for more (RAPID_CHECKS=200
// RAPID_STEPS=60 for a long run).
func rapidChecks(t *testing.T) {
	t.Helper()
	set := os.Getenv("RAPID_CHECKS") != ""
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		if err := flag.Set("rapid.checks", "5"); err != nil {
			t.Fatal(err)
		}
	}
}

// Phase windows programs draw from: A and B overlap, B and C overlap, D overlaps none.
var phaseWindows = []program.PhaseInput{
	{Name: "A", Start: "2026-05-04", End: "2026-05-10"},
	{Name: "B", Start: "2026-05-08", End: "2026-05-14"},
	{Name: "C", Start: "2026-05-11", End: "2026-05-17"},
	{Name: "D", Start: "2026-05-18", End: "2026-05-24"},
}

// Areas a commitment may name, nested and disjoint: two kelurahan of one kecamatan,
// the kecamatan, its kota, another kota's kelurahan, the province.
var areas = []string{kelA, kelB, "31.71.01", "31.71", kelC, "31"}

// history is the model a random history is checked against, beside the database's
// own invariants.
type history struct {
	f        *fixture
	orgs     []allocate.Who
	targets  []string
	programs []program.Program
	// commitments in the order they were made, with what each dropped from the
	// waiting list when cancelled.
	commitments []string
	dropped     map[string]int
	// seen are the allocation ids that existed after the last step.
	seen map[string]bool
	// counters are monitoring's kept counters, checked against a recount after
	// every step; folded at random on PostgreSQL.
	counters *monitor.Service
}

func TestRandomHistoriesKeepTheBooks(t *testing.T) {
	rapidChecks(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				f := newFixture(t, storetest.Open(t, eng))
				f.t = rt
				h := &history{f: f, dropped: map[string]int{}, seen: map[string]bool{}, counters: monitor.New(f.db)}
				for range 3 {
					h.orgs = append(h.orgs, f.org(true))
				}
				for range rapid.IntRange(2, 8).Draw(rt, "targets") {
					h.addTarget(rt)
				}
				h.newProgram(rt)
				rt.Repeat(map[string]func(*rapid.T){
					"":         h.check,
					"target":   func(t *rapid.T) { h.addTarget(t); f.sync() },
					"merge":    h.merge,
					"resize":   h.resize,
					"program":  h.newProgram,
					"exempt":   h.exempt,
					"close":    h.closeProgram,
					"commit":   h.commit,
					"commit2":  h.commit, // commitments are the point: twice as likely
					"cancel":   h.cancel,
					"fail":     h.fail,
					"dispatch": h.dispatch,
					"advance":  h.advance,
					"deliver":  h.deliver,
					"overdue":  h.overdue,
					"callback": h.callback,
					"fold":     h.fold,
				})
			})
		})
	}
}

func (h *history) addTarget(t *rapid.T) {
	kind := rapid.SampledFrom([]string{"household", "household", "person", "rw", "institution"}).Draw(t, "kind")
	kel := rapid.SampledFrom([]string{kelA, kelB, kelC}).Draw(t, "kelurahan")
	var tags []string
	if rapid.IntRange(0, 4).Draw(t, "tagged") == 0 {
		tags = []string{"lansia"}
	}
	h.targets = append(h.targets, h.f.target(kind, kel, rapid.IntRange(1, 6).Draw(t, "size"), rapid.IntRange(1, 30).Draw(t, "families"), tags...))
}

// liveTarget draws a target not merged away.
func (h *history) liveTarget(t *rapid.T, label string, not string) (string, bool) {
	var live []string
	for _, id := range h.targets {
		if id != not && h.f.count(`SELECT COUNT(*) FROM targets WHERE id = $1 AND merged_into IS NULL`, id) == 1 {
			live = append(live, id)
		}
	}
	if len(live) == 0 {
		return "", false
	}
	return rapid.SampledFrom(live).Draw(t, label), true
}

func (h *history) merge(t *rapid.T) {
	from, ok := h.liveTarget(t, "merged", "")
	if !ok {
		t.Skip("no target to merge")
	}
	into, ok := h.liveTarget(t, "kept", from)
	if !ok {
		t.Skip("no target to merge into")
	}
	h.f.exec(`UPDATE targets SET merged_into = $1 WHERE id = $2`, into, from)
	h.f.sync()
}

func (h *history) resize(t *rapid.T) {
	id, ok := h.liveTarget(t, "resized", "")
	if !ok {
		t.Skip("no target")
	}
	h.f.exec(`UPDATE targets SET size = $1, families = $2 WHERE id = $3`,
		rapid.IntRange(0, 8).Draw(t, "new size"), rapid.IntRange(0, 40).Draw(t, "new families"), id)
	h.f.sync()
}

// refill does what the web layer does after a stacking change (web's setStacking):
// a program made exempt, or no longer, changes which waiting commitments can be
// served.
func (h *history) refill(t *rapid.T) {
	if _, err := h.f.alloc.FillAllWaiting(h.f.ctx); err != nil {
		t.Fatalf("fill all waiting: %v", err)
	}
}

func (h *history) newProgram(t *rapid.T) {
	kinds := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"household", "person", "rw", "institution"}), 1, 4, rapid.ID[string]).Draw(t, "kinds")
	first := rapid.IntRange(0, len(phaseWindows)-1).Draw(t, "first phase")
	phases := []program.PhaseInput{phaseWindows[first]}
	if first+2 < len(phaseWindows) && rapid.Bool().Draw(t, "two phases") {
		phases = append(phases, phaseWindows[first+2]) // windows two apart never overlap
	}
	in := program.Input{
		Category:     rapid.SampledFrom([]string{"pangan", "pangan", "kesehatan"}).Draw(t, "category"),
		TargetKinds:  kinds,
		Phases:       phases,
		QuantityRule: rapid.SampledFrom([]string{program.PerTarget, program.PerPerson, program.PerFamily, program.PerResident}).Draw(t, "rule"),
		HoldHours:    rapid.IntRange(1, 48).Draw(t, "hold hours"),
	}
	if rapid.IntRange(0, 3).Draw(t, "regional") == 0 {
		in.Regions = []string{"31.71"}
	}
	h.programs = append(h.programs, h.f.program(in))
}

func (h *history) exempt(t *rapid.T) {
	p := rapid.SampledFrom(h.programs).Draw(t, "program")
	if _, err := h.f.progs.SetStacking(h.f.ctx, p.ID, "", !p.StackExempt, "keputusan kantor"); err != nil {
		t.Fatalf("set stacking: %v", err)
	}
	for i := range h.programs {
		if h.programs[i].ID == p.ID {
			h.programs[i].StackExempt = !p.StackExempt
		}
	}
	h.refill(t)
}

func (h *history) closeProgram(t *rapid.T) {
	p := rapid.SampledFrom(h.programs).Draw(t, "program")
	if _, err := h.f.progs.Close(h.f.ctx, p.ID); err != nil && !errs.Is(err, errs.Conflict) {
		t.Fatalf("close: %v", err)
	}
}

func (h *history) commit(t *rapid.T) {
	p := rapid.SampledFrom(h.programs).Draw(t, "program")
	p, err := h.f.progs.Get(h.f.ctx, p.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	ph := rapid.SampledFrom(p.Phases).Draw(t, "phase")
	today := h.f.clock.Now().Format(time.DateOnly)
	req := allocate.Request{ProgramID: p.ID, Phase: ph.Name, Quantity: rapid.IntRange(1, 15).Draw(t, "quantity"),
		DeliverBy: h.f.clock.Now().AddDate(0, 0, 2).Format(time.DateOnly)}
	chosen := rapid.IntRange(0, 3).Draw(t, "chosen") == 0
	if chosen {
		req.TargetIDs = rapid.SliceOfNDistinct(rapid.SampledFrom(h.targets), 1, 3, rapid.ID[string]).Draw(t, "targets")
	} else {
		req.Region = rapid.SampledFrom(areas).Draw(t, "area")
	}
	who := rapid.SampledFrom(h.orgs).Draw(t, "org")
	h.f.clock.Advance(time.Millisecond) // arrival order is the order of created_at
	c, err := h.f.alloc.Commit(h.f.ctx, who, req)
	switch {
	case err == nil:
		h.commitments = append(h.commitments, c.ID)
		if c.Allocated+c.Waitlisted != c.Requested {
			t.Fatalf("the answer does not account for every unit: %+v", c)
		}
	case p.Status != program.Published && errs.Is(err, errs.Conflict),
		ph.End < today && errs.Is(err, errs.Invalid),
		chosen && errs.Is(err, errs.Invalid): // a household, or a target without a need in the phase
	default:
		t.Fatalf("commit %+v: %v", req, err)
	}
}

// drawCommitment draws a commitment that is not cancelled.
func (h *history) drawCommitment(t *rapid.T) (allocate.Commitment, bool) {
	var open []string
	for _, id := range h.commitments {
		if h.f.get(id).Status != allocate.StatusCancelled {
			open = append(open, id)
		}
	}
	if len(open) == 0 {
		return allocate.Commitment{}, false
	}
	return h.f.get(rapid.SampledFrom(open).Draw(t, "commitment")), true
}

func (h *history) cancel(t *rapid.T) {
	c, ok := h.drawCommitment(t)
	if !ok {
		t.Skip("nothing to cancel")
	}
	h.dropped[c.ID] = c.Waitlisted
	if _, err := h.f.alloc.Cancel(h.f.ctx, allocate.Who{OrgID: c.OrgID}, c.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
}

// drawAllocation draws an allocation in one of the states.
func (h *history) drawAllocation(t *rapid.T, states ...string) (id, org string, ok bool) {
	rows, err := h.f.db.R().QueryContext(context.Background(), `SELECT id, org_id, status FROM allocations ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids, orgs []string
	for rows.Next() {
		var a, o, s string
		if err := rows.Scan(&a, &o, &s); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(states, s) {
			ids, orgs = append(ids, a), append(orgs, o)
		}
	}
	rows.Close()
	if len(ids) == 0 {
		return "", "", false
	}
	i := rapid.IntRange(0, len(ids)-1).Draw(t, "allocation")
	return ids[i], orgs[i], true
}

func (h *history) fail(t *rapid.T) {
	id, org, ok := h.drawAllocation(t, allocate.Dispatched)
	if !ok {
		t.Skip("no allocation on its way")
	}
	if _, err := h.f.alloc.Fail(h.f.ctx, allocate.Who{OrgID: org}, id, allocate.FailNotHome, ""); err != nil {
		t.Fatalf("fail: %v", err)
	}
}

func (h *history) dispatch(t *rapid.T) {
	id, org, ok := h.drawAllocation(t, allocate.Reserved)
	if !ok {
		t.Skip("no reserved allocation")
	}
	if _, err := h.f.alloc.Dispatch(h.f.ctx, allocate.Who{OrgID: org}, []string{id}); err != nil {
		t.Fatalf("dispatch: %v", err)
	}
}

func (h *history) advance(t *rapid.T) {
	h.f.clock.Advance(time.Duration(rapid.IntRange(1, 30).Draw(t, "hours")) * time.Hour)
	if _, err := h.f.alloc.Expire(h.f.ctx); err != nil {
		t.Fatalf("expire: %v", err)
	}
	var due int
	if err := h.f.db.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM allocations WHERE status = 'reserved' AND expires_at <= $1`, h.f.clock.Now()).Scan(&due); err != nil || due != 0 {
		t.Fatalf("%d reserved allocations past their deadline after Expire (%v)", due, err)
	}
}

func (h *history) deliver(t *rapid.T) {
	id, _, ok := h.drawAllocation(t, allocate.Dispatched)
	if !ok {
		t.Skip("no allocation on its way")
	}
	h.f.clock.Advance(time.Duration(rapid.IntRange(0, 20).Draw(t, "hours to the door")) * time.Hour)
	if err := h.f.db.Write(h.f.ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := h.f.alloc.DeliverTx(ctx, tx, id, "code", nil)
		return err
	}); err != nil {
		t.Fatalf("deliver: %v", err)
	}
}

// overdue lets days pass, so that commitments pass their deliver_by, and marks what
// they still hold.
func (h *history) overdue(t *rapid.T) {
	h.f.clock.Advance(time.Duration(rapid.IntRange(1, 3).Draw(t, "days")) * 24 * time.Hour)
	if _, err := h.f.alloc.MarkOverdue(h.f.ctx); err != nil {
		t.Fatalf("mark overdue: %v", err)
	}
}

// callback records a call-back's answer about an allocation (the table is
// package callback's; its triggers are what is under test here).
func (h *history) callback(t *rapid.T) {
	id, org, ok := h.drawAllocation(t, allocate.Delivered, allocate.Dispatched, allocate.Failed)
	if !ok {
		t.Skip("nothing to call back")
	}
	answer := rapid.SampledFrom([]string{"", "yes", "no"}).Draw(t, "answer")
	if h.f.count(`SELECT COUNT(*) FROM callback_items WHERE allocation_id = $1`, id) == 0 {
		sample := h.f.id("sample")
		h.f.exec(`INSERT INTO callback_samples (id, program_id, region, size, created_by, created_at) VALUES ($1, '', '', 1, 'test', $2)`, sample, h.f.clock.Now())
		h.f.exec(`INSERT INTO callback_items (sample_id, allocation_id, program_id, org_id, region, answer) VALUES ($1, $2, '', $3, '', $4)`, sample, id, org, answer)
		return
	}
	h.f.exec(`UPDATE callback_items SET answer = $1 WHERE allocation_id = $2`, answer, id)
}

func (h *history) fold(t *rapid.T) {
	if _, err := h.counters.Fold(h.f.ctx); err != nil {
		t.Fatalf("fold: %v", err)
	}
}

// check runs after every step: the database's invariants, every unit of every
// commitment accounted for (cancelled ones included), arrival order, and the
// monitoring counters equal to a recount.
func (h *history) check(t *rapid.T) {
	f := h.f
	f.t = t
	f.invariants()
	if d, _, err := h.counters.Verify(f.ctx); err != nil || d != nil {
		t.Fatalf("counters: %v (%v)", d, err)
	}
	for id, dropped := range h.dropped {
		c := f.get(id)
		if c.Allocated+c.Released+dropped != c.Requested || c.Waitlisted != 0 {
			t.Fatalf("cancelled commitment %s: %d allocated + %d released + %d dropped of %d requested, %d still waiting",
				id, c.Allocated, c.Released, dropped, c.Requested, c.Waitlisted)
		}
	}
	h.checkArrivalOrder(t)
}

type allocSeen struct {
	id, commitment, needID, needRegion, needTarget, needKind, phase string
	quantity                                                        int
}

// checkArrivalOrder looks at the allocations made in the last step: none may have
// gone to a commitment while an older one of the same phase, still waiting after the
// step, could have taken that need (it lies in its area or among its chosen targets,
// and is divisible or fits what it waits for).
func (h *history) checkArrivalOrder(t *rapid.T) {
	rows, err := h.f.db.R().QueryContext(context.Background(), `SELECT a.id, a.commitment_id, n.id, n.region, n.target_id, n.kind, n.phase_id, a.quantity
		FROM allocations a JOIN needs n ON n.id = a.need_id ORDER BY a.id`)
	if err != nil {
		t.Fatal(err)
	}
	var fresh []allocSeen
	for rows.Next() {
		var a allocSeen
		if err := rows.Scan(&a.id, &a.commitment, &a.needID, &a.needRegion, &a.needTarget, &a.needKind, &a.phase, &a.quantity); err != nil {
			t.Fatal(err)
		}
		if !h.seen[a.id] {
			h.seen[a.id] = true
			fresh = append(fresh, a)
		}
	}
	rows.Close()
	if len(fresh) == 0 {
		return
	}
	order := map[string]int{}
	for i, id := range h.commitments {
		order[id] = i
	}
	for _, a := range fresh {
		for _, older := range h.commitments[:order[a.commitment]] {
			o := h.f.get(older)
			if o.Status == allocate.StatusCancelled || o.Waitlisted == 0 || o.PhaseID != a.phase {
				continue
			}
			inArea := o.Region != "" && strings.HasPrefix(a.needRegion, o.Region) || slices.Contains(o.TargetIDs, a.needTarget)
			fits := a.needKind == "rw" || a.needKind == "institution" || a.quantity <= o.Waitlisted
			if inArea && fits {
				t.Fatalf("allocation %s (%d of need %s, %s in %s) went to commitment %s while the older %s waits for %d",
					a.id, a.quantity, a.needID, a.needKind, a.needRegion, a.commitment, o.ID, o.Waitlisted)
			}
		}
	}
}
