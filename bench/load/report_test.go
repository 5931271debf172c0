package main

import (
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An outage's figures come from the load's own records: the last failure after the
// fault, then the first commitment acknowledged after it, counted from the fault and
// from its repair; a 4xx is the client's doing and no sign of an outage.
func TestOutageFigures(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	r := newRecorder()
	r.start = t0
	ms := time.Millisecond
	r.add("POST /api/v1/commitments", at(1), 10*ms, 201, 201)  // before the fault
	r.add("POST /api/v1/commitments", at(10.5), 50*ms, 0, 201) // first failure
	r.add("GET /", at(11), 5*ms, 503, 200)
	r.add("GET /", at(12), 5*ms, 200, 200)                       // a read answered during the outage
	r.add("POST /api/v1/commitments", at(13), 1000*ms, 500, 201) // last failure, ends at 14
	r.add("POST /api/v1/commitments", at(13.5), 5*ms, 409, 201)  // refused: not an outage
	r.add("POST /api/v1/commitments", at(15), 200*ms, 201, 201)  // done at 15.2
	r.add("POST /api/v1/commitments", at(14.5), 1000*ms, 201, 201)
	events := []event{{at(10), "kill_primary"}, {at(12), "promoted"}, {at(5), "kill_server"}, {at(8), "restart_server"}}
	fs := r.faults(events)
	if len(fs) != 2 {
		t.Fatalf("%d fault reports, want 2: %+v", len(fs), fs)
	}
	var db, srv faultReport
	for _, f := range fs {
		if f.Fault == faultKinds[1].name {
			db = f
		} else {
			srv = f
		}
	}
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	if db.Failed != 3 || !db.Recovered {
		t.Errorf("failed %d recovered %v, want 3 true", db.Failed, db.Recovered)
	}
	near("first error", db.FirstErrorS, 0.5)
	near("last error", db.LastErrorS, 4)
	near("recovered after the fault", db.RecoveredS, 5.2) // 15.2, not 15.5: the earliest done
	near("recovered after the promotion", db.AfterRepairS, 3.2)
	if db.Public.Requests != 1 || db.Public.Errors != 1 { // GET / at 11; the one at 12 is after the promotion
		t.Errorf("public during the outage: %+v", db.Public)
	}
	if srv.Public.Requests != 0 || srv.Failed != 0 {
		t.Errorf("server kill with no request in its window: %+v", srv)
	}
}

func TestMemoryGrowth(t *testing.T) {
	mem := []memSample{
		{When: "start", Procs: map[string]procMem{"a": {1, 100}, "b": {2, 100}, "c": {3, 100}}},
		{When: "after warm-up", Procs: map[string]procMem{"a": {1, 100}, "b": {2, 100}, "c": {3, 100}}},
		{When: "end", Procs: map[string]procMem{"a": {1, 111}, "b": {2, 109}, "c": {4, 300}}},
	}
	g := growth(mem)
	if len(g) != 3 || !g[0].Over10 || g[1].Over10 || g[2].Over10 || g[2].Note == "" {
		t.Fatalf("growth: %+v", g)
	}
}

// Samples taken between the warm-up and the end (-mem-every) show the curve; growth
// still compares the end with the warm-up.
func TestMemorySampledBetweenWarmUpAndEnd(t *testing.T) {
	procs := []proc{{name: "self", spec: strconv.Itoa(os.Getpid())}}
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	got := sampleEvery(ctx, 60*time.Millisecond, time.Now(), procs)
	if len(got) < 2 || len(got) > 5 {
		t.Fatalf("%d samples in 250 ms at one per 60 ms", len(got))
	}
	for _, m := range got {
		if !strings.HasPrefix(m.When, "at ") || m.Procs["self"].RSSMB <= 0 || m.Procs["self"].PID != os.Getpid() {
			t.Errorf("sample %+v: want a name \"at …\" and this process's RSS", m)
		}
	}
	mem := []memSample{
		{When: "start", Procs: map[string]procMem{"a": {1, 100}}},
		{When: "after warm-up", Procs: map[string]procMem{"a": {1, 100}}},
		{When: "at 2m0s", Procs: map[string]procMem{"a": {1, 500}}},
		{When: "end", Procs: map[string]procMem{"a": {1, 105}}},
	}
	if g := growth(mem); len(g) != 1 || g[0].Over10 || g[0].EndMB != 105 {
		t.Fatalf("growth with a sample between: %+v", g)
	}
}
