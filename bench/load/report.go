package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sample is one request as the client saw it.
type sample struct {
	at      time.Time
	latency time.Duration
	code    int // 0: no answer
	ok      bool
}

type recorder struct {
	start time.Time
	mu    sync.Mutex
	by    map[string][]sample
}

func newRecorder() *recorder { return &recorder{by: map[string][]sample{}} }

func (r *recorder) add(name string, at time.Time, lat time.Duration, code, want int) {
	r.mu.Lock()
	r.by[name] = append(r.by[name], sample{at: at, latency: lat, code: code, ok: code == want})
	r.mu.Unlock()
}

// publicNames are the anonymous visitors' endpoints: the ones the target "no error
// and p99 under 100 ms while a server is killed" is about.
var publicNames = []string{"GET /", "GET /public/programs/{id}", "GET /api/v1/public/summary", "GET /feed.json"}

type endpoint struct {
	Name     string         `json:"name"`
	Requests int            `json:"requests"`
	PerSec   float64        `json:"per_second"`
	Errors   int            `json:"errors"`
	ByStatus map[string]int `json:"by_status"` // "0" is no answer (refused, reset, timeout)
	P50ms    float64        `json:"p50_ms"`
	P99ms    float64        `json:"p99_ms"`
	MaxMs    float64        `json:"max_ms"`
}

type second struct {
	T         int   `json:"t"` // seconds since the start
	Unix      int64 `json:"unix"`
	Requests  int   `json:"requests"`
	Errors    int   `json:"errors"`
	WritesOK  int   `json:"commitments_ok"`
	WritesErr int   `json:"commitments_failed"`
}

type summary struct {
	Base         string        `json:"base"`
	Started      time.Time     `json:"started"`
	DurationS    float64       `json:"duration_s"`
	Rate         float64       `json:"rate"`
	Endpoints    []endpoint    `json:"endpoints"`
	Total        endpoint      `json:"total"`
	Memory       []memSample   `json:"memory"`
	MemoryGrowth []memGrowth   `json:"memory_growth"`
	Faults       []faultReport `json:"faults,omitempty"`
	Timeline     []second      `json:"timeline"`
	Commitments  commitReport  `json:"commitments"`
}

func stats(name string, ss []sample, elapsed time.Duration) endpoint {
	e := endpoint{Name: name, Requests: len(ss), ByStatus: map[string]int{}}
	if elapsed > 0 {
		e.PerSec = float64(len(ss)) / elapsed.Seconds()
	}
	lat := make([]time.Duration, 0, len(ss))
	for _, s := range ss {
		e.ByStatus[strconv.Itoa(s.code)]++
		if !s.ok {
			e.Errors++
		}
		lat = append(lat, s.latency)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if n := len(lat); n > 0 {
		e.P50ms, e.P99ms, e.MaxMs = ms(lat[(n-1)*50/100]), ms(lat[(n-1)*99/100]), ms(lat[n-1])
	}
	return e
}

func (r *recorder) summary(cfg config, elapsed time.Duration, mem []memSample, events []event) *summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &summary{Base: cfg.base, Started: r.start.UTC(), DurationS: elapsed.Seconds(), Rate: cfg.rate, Memory: mem, MemoryGrowth: growth(mem)}
	names := make([]string, 0, len(r.by))
	var all []sample
	for n, ss := range r.by {
		names = append(names, n)
		all = append(all, ss...)
	}
	sort.Strings(names)
	for _, n := range names {
		s.Endpoints = append(s.Endpoints, stats(n, r.by[n], elapsed))
	}
	s.Total = stats("all", all, elapsed)

	secs := int(elapsed/time.Second) + 1
	s.Timeline = make([]second, secs)
	for i := range s.Timeline {
		s.Timeline[i] = second{T: i, Unix: r.start.Unix() + int64(i)}
	}
	for n, ss := range r.by {
		for _, x := range ss {
			i := int(x.at.Sub(r.start) / time.Second)
			if i < 0 || i >= secs {
				continue
			}
			s.Timeline[i].Requests++
			if !x.ok {
				s.Timeline[i].Errors++
			}
			if n == "POST /api/v1/commitments" {
				if x.ok {
					s.Timeline[i].WritesOK++
				} else {
					s.Timeline[i].WritesErr++
				}
			}
		}
	}
	s.Faults = r.faults(events)
	return s
}

// Memory.

type memSample struct {
	When  string             `json:"when"`
	At    time.Time          `json:"at"`
	Procs map[string]procMem `json:"procs"`
}

type procMem struct {
	PID   int     `json:"pid"`
	RSSMB float64 `json:"rss_mib"` // 0: not running
}

type proc struct{ name, spec string }

// parsePids reads name=PID or name=@PIDFILE pairs (a bare PID names itself).
func parsePids(s string) ([]proc, error) {
	var out []proc
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, spec, ok := strings.Cut(f, "=")
		if !ok {
			spec = name
		}
		if !strings.HasPrefix(spec, "@") {
			if _, err := strconv.Atoi(spec); err != nil {
				return nil, fmt.Errorf("-pids: %q is neither a PID nor @PIDFILE", spec)
			}
		}
		out = append(out, proc{name, spec})
	}
	return out, nil
}

func (p proc) pid() int {
	spec := p.spec
	if strings.HasPrefix(spec, "@") {
		b, err := os.ReadFile(spec[1:])
		if err != nil {
			return 0
		}
		spec, _, _ = strings.Cut(string(b), "\n") // a PostgreSQL postmaster.pid: the PID is its first line
		spec = strings.TrimSpace(spec)
	}
	n, _ := strconv.Atoi(spec)
	return n
}

// rss is VmRSS of /proc/PID/status in MiB; 0 when the process is gone.
func rss(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func sampleMemory(when string, procs []proc) memSample {
	m := memSample{When: when, At: time.Now().UTC(), Procs: map[string]procMem{}}
	for _, p := range procs {
		pid := p.pid()
		m.Procs[p.name] = procMem{PID: pid, RSSMB: rss(pid)}
	}
	return m
}

// sampleEvery measures memory every interval until ctx ends; each sample is named
// by the time since start ("at 12m0s").
func sampleEvery(ctx context.Context, every time.Duration, start time.Time, procs []proc) []memSample {
	var out []memSample
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case <-tick.C:
			out = append(out, sampleMemory("at "+time.Since(start).Round(time.Second).String(), procs))
		}
	}
}

type memGrowth struct {
	Proc    string  `json:"proc"`
	WarmMB  float64 `json:"after_warmup_mib"`
	EndMB   float64 `json:"end_mib"`
	Percent float64 `json:"growth_percent"`
	Over10  bool    `json:"over_10_percent"`
	Note    string  `json:"note,omitempty"` // restarted: another process since warm-up
}

// growth compares the end with the warm-up, for each process still the same one.
func growth(mem []memSample) []memGrowth {
	if len(mem) < 3 {
		return nil
	}
	warm, end := mem[1], mem[len(mem)-1]
	var out []memGrowth
	names := make([]string, 0, len(end.Procs))
	for n := range end.Procs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, e := warm.Procs[n], end.Procs[n]
		g := memGrowth{Proc: n, WarmMB: w.RSSMB, EndMB: e.RSSMB}
		switch {
		case w.PID != e.PID:
			g.Note = "restarted since warm-up: not compared"
		case w.RSSMB == 0 || e.RSSMB == 0:
			g.Note = "not running"
		default:
			g.Percent = (e.RSSMB - w.RSSMB) / w.RSSMB * 100
			g.Over10 = g.Percent > 10
		}
		out = append(out, g)
	}
	return out
}

// Faults.

type event struct {
	At   time.Time
	Name string
}

func readEvents(path string) ([]event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []event
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("events: %q", line)
		}
		out = append(out, event{time.Unix(0, ns), f[1]})
	}
	return out, nil
}

type faultReport struct {
	Fault string `json:"fault"`
	// The public endpoints from the fault until its repair (the killed server back,
	// the standby promoted, the disk's space freed).
	Public *endpoint `json:"public,omitempty"`
	// An outage (the primary killed, the disk full): the failed requests (no
	// answer, 5xx) from the fault until two minutes after its repair, the first
	// commitment acknowledged after the last of them, and the time counted from
	// the fault and from its repair.
	FirstErrorS  float64 `json:"first_error_after_fault_s"`
	LastErrorS   float64 `json:"last_error_after_fault_s"`
	RecoveredS   float64 `json:"recovered_after_fault_s"`
	AfterRepairS float64 `json:"recovered_after_repair_s"`
	Failed       int     `json:"failed_requests"`
	Recovered    bool    `json:"recovered"`
}

// faultKinds are the faults the events file may name: the event that starts one,
// the one that repairs it, and whether the service is expected to stop meanwhile.
var faultKinds = []struct {
	start, repair, name string
	outage              bool
}{
	{"kill_server", "restart_server", "server killed (kill -9) until restarted", false},
	{"kill_primary", "promoted", "primary killed (pg_ctl -m immediate), standby promoted", true},
	{"disk_full", "disk_freed", "SQLite's disk full until space was freed", true},
}

func find(events []event, name string, after time.Time) (time.Time, bool) {
	for _, e := range events {
		if e.Name == name && !e.At.Before(after) {
			return e.At, true
		}
	}
	return time.Time{}, false
}

// faults reports the load around each fault of the events file.
func (r *recorder) faults(events []event) []faultReport {
	var out []faultReport
	for _, e := range events {
		for _, k := range faultKinds {
			if e.Name != k.start {
				continue
			}
			repair, ok := find(events, k.repair, e.At)
			if !ok {
				repair = time.Now()
			}
			var ss []sample
			for _, n := range publicNames {
				for _, x := range r.by[n] {
					if !x.at.Before(e.At) && x.at.Before(repair) {
						ss = append(ss, x)
					}
				}
			}
			st := stats("public endpoints, fault to repair", ss, repair.Sub(e.At))
			fr := faultReport{Fault: k.name, Public: &st, Recovered: true}
			if k.outage {
				r.outage(&fr, e.At, repair)
			}
			out = append(out, fr)
		}
	}
	return out
}

// outage fills in how long requests failed after a fault at start repaired at repair.
func (r *recorder) outage(fr *faultReport, start, repair time.Time) {
	limit := repair.Add(2 * time.Minute)
	var last time.Time
	for _, ss := range r.by {
		for _, x := range ss {
			if x.ok || x.at.Before(start) || x.at.After(limit) || (x.code >= 400 && x.code < 500) {
				continue
			}
			fr.Failed++
			if end := x.at.Add(x.latency); end.After(last) {
				last = end
			}
			if d := x.at.Sub(start).Seconds(); fr.FirstErrorS == 0 || d < fr.FirstErrorS {
				fr.FirstErrorS = d
			}
		}
	}
	back := start
	if !last.IsZero() {
		fr.LastErrorS = last.Sub(start).Seconds()
		back = last
	}
	var first time.Time
	for _, x := range r.by["POST /api/v1/commitments"] {
		if done := x.at.Add(x.latency); x.ok && !x.at.Before(back) && (first.IsZero() || done.Before(first)) {
			first = done
		}
	}
	fr.Recovered = !first.IsZero()
	if fr.Recovered {
		fr.RecoveredS = first.Sub(start).Seconds()
		fr.AfterRepairS = first.Sub(repair).Seconds()
	}
}

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "load: %s for %.0fs at %.0f req/s (+ imports and deliveries)\n\n", s.Base, s.DurationS, s.Rate)
	fmt.Fprintf(w, "%-42s %7s %7s %8s %8s %8s %6s  %s\n", "endpoint", "reqs", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "by status")
	for _, e := range append(s.Endpoints, s.Total) {
		fmt.Fprintf(w, "%-42s %7d %7.1f %8.1f %8.1f %8.1f %6d  %s\n", e.Name, e.Requests, e.PerSec, e.P50ms, e.P99ms, e.MaxMs, e.Errors, statuses(e.ByStatus))
	}
	fmt.Fprintln(w, "\nmemory (RSS MiB):")
	for _, m := range s.Memory {
		fmt.Fprintf(w, "  %-14s", m.When)
		names := make([]string, 0, len(m.Procs))
		for n := range m.Procs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %s=%.1f (pid %d)", n, m.Procs[n].RSSMB, m.Procs[n].PID)
		}
		fmt.Fprintln(w)
	}
	for _, g := range s.MemoryGrowth {
		flag := "ok"
		if g.Over10 {
			flag = "GROWTH OVER 10%"
		}
		if g.Note != "" {
			flag = g.Note
		}
		fmt.Fprintf(w, "  %s: %.1f → %.1f MiB after warm-up (%+.1f%%): %s\n", g.Proc, g.WarmMB, g.EndMB, g.Percent, flag)
	}
	for _, f := range s.Faults {
		fmt.Fprintf(w, "\nfault: %s\n", f.Fault)
		fmt.Fprintf(w, "  public endpoints until the repair: %d requests, %d errors, p50 %.1f ms, p99 %.1f ms, max %.1f ms  %s\n",
			f.Public.Requests, f.Public.Errors, f.Public.P50ms, f.Public.P99ms, f.Public.MaxMs, statuses(f.Public.ByStatus))
		if f.Failed > 0 || f.RecoveredS > 0 {
			fmt.Fprintf(w, "  %d failed requests (no answer or 5xx); first %.1fs, last %.1fs after the fault; writes back: %v, %.1fs after the fault, %.1fs after the repair\n",
				f.Failed, f.FirstErrorS, f.LastErrorS, f.Recovered, f.RecoveredS, f.AfterRepairS)
		}
	}
	c := s.Commitments
	fmt.Fprintf(w, "\ncommitments: %d sent, %d acknowledged (201), %d refused (4xx), %d outcome unknown (no answer or 5xx)\n", c.Attempts, c.Acked, c.Refused, c.Unknown)
}

func statuses(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%d ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}
