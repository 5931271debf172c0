// Command load puts a realistic mix of Gotong's traffic on a running deployment for
// a set time and reports, per endpoint, requests, throughput, p50/p99 latency and
// errors by status, and the memory of the server processes at the start, after
// warm-up and at the end (issue 16 item 5). scripts/scale.sh runs it against three
// servers behind haproxy while it injects faults; docs/RELIABILITY.md holds figures.
//
// The mix: anonymous visitors on the home page, a program's public page, the public
// summary and the feed; an admin and Jakarta Pusat's office on the dashboard;
// collaborators committing (each with its own Idempotency-Key, so a retry makes one
// commitment), and now and then dispatching and delivering one of their
// allocations with a photo as proof; the office importing a small household file.
//
//	go run ./bench/load -base http://127.0.0.1:8080 -setup -admin-token T -gotong ./gotong \
//	    -duration 60s -rate 40 -pids a=@/tmp/a.pid,b=@/tmp/b.pid -out summary.json
//
// -setup creates the office, the organisations, the registry and the program through
// the API (and the tokens with `gotong token create`, which reads GOTONG_DB); without
// it -state names the file a setup wrote.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type config struct {
	base, adminToken, gotong, statePath, out, acked, events, pids  string
	duration, warmup, memEvery, importEvery, deliverEvery, timeout time.Duration
	rate                                                           float64
	doSetup                                                        bool
	orgs, rows, importRows                                         int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.base, "base", "http://127.0.0.1:8080", "base URL of the deployment (the load balancer)")
	flag.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long the load runs; 0 with -setup: set up only")
	flag.Float64Var(&cfg.rate, "rate", 40, "requests per second of the whole mix (imports and deliveries come on top, see -import-every, -deliver-every)")
	flag.DurationVar(&cfg.warmup, "warmup", 10*time.Second, "memory is measured again this long after the start; growth is counted from here")
	flag.DurationVar(&cfg.memEvery, "mem-every", time.Minute, "after the warm-up, memory is also measured this often, so that a long run shows a plateau or a slope (0: never)")
	flag.BoolVar(&cfg.doSetup, "setup", false, "create the office, organisations, registry and program first (needs -admin-token and -gotong)")
	flag.StringVar(&cfg.adminToken, "admin-token", os.Getenv("GOTONG_LOAD_ADMIN_TOKEN"), "an admin's API token, for -setup (env GOTONG_LOAD_ADMIN_TOKEN)")
	flag.StringVar(&cfg.gotong, "gotong", "gotong", "the gotong binary, for `token create` during -setup (it reads GOTONG_DB)")
	flag.StringVar(&cfg.statePath, "state", "load-state.json", "file the setup writes and a run without -setup reads")
	flag.IntVar(&cfg.orgs, "orgs", 3, "collaborating organisations -setup creates")
	flag.IntVar(&cfg.rows, "rows", 3000, "households -setup imports for the program")
	flag.IntVar(&cfg.importRows, "import-rows", 100, "households of each import during the load")
	flag.DurationVar(&cfg.importEvery, "import-every", 20*time.Second, "the office uploads a household file this often (0: never)")
	flag.DurationVar(&cfg.deliverEvery, "deliver-every", time.Second, "a collaborator dispatches and delivers one allocation this often (0: never)")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "timeout of one request")
	flag.StringVar(&cfg.pids, "pids", "", "server processes to measure: name=PID or name=@PIDFILE (read at each measurement, so a restarted server is followed), comma-separated")
	flag.StringVar(&cfg.out, "out", "load-summary.json", "JSON summary file")
	flag.StringVar(&cfg.acked, "acked", "", "file to write the ids of acknowledged (201) commitments to, one a line")
	flag.StringVar(&cfg.events, "events", "", "file of fault events, lines \"UNIX_NANOS NAME\" (kill_server, restart_server, kill_primary, promoted, disk_full, disk_freed), read at the end to report the load around them")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	hc := &http.Client{Timeout: cfg.timeout}
	c := &client{base: strings.TrimRight(cfg.base, "/"), hc: hc}
	var st *State
	if cfg.doSetup {
		if cfg.adminToken == "" {
			return fmt.Errorf("-setup needs -admin-token")
		}
		t0 := time.Now()
		var err error
		if st, err = setup(ctx, c, cfg.adminToken, cfg.gotong, cfg.orgs, cfg.rows); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		b, _ := json.MarshalIndent(st, "", "  ")
		if err := os.WriteFile(cfg.statePath, b, 0o600); err != nil {
			return err
		}
		fmt.Printf("setup done in %v: program %s, %d organisations, %d households\n", time.Since(t0).Round(time.Millisecond), st.ProgramID, cfg.orgs, cfg.rows)
		if cfg.duration == 0 {
			return nil // setup only: the load comes in another run, with -state
		}
	} else {
		var err error
		if st, err = readState(cfg.statePath); err != nil {
			return fmt.Errorf("no -setup and no state: %w", err)
		}
	}
	procs, err := parsePids(cfg.pids)
	if err != nil {
		return err
	}

	rec := newRecorder()
	l := &load{cfg: cfg, st: st, c: c, rec: rec, run: time.Now().UTC().Format("20060102T150405")}
	mem := []memSample{sampleMemory("start", procs)}
	start := time.Now()
	rec.start = start

	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, a := range l.attacks() {
		wg.Add(1)
		go func() { defer wg.Done(); l.attack(ctx, a) }()
	}
	if cfg.importEvery > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); l.every(ctx, cfg.importEvery, l.importOnce) }()
	}
	if cfg.deliverEvery > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); l.every(ctx, cfg.deliverEvery, l.deliverOnce) }()
	}
	select {
	case <-time.After(cfg.warmup):
		mem = append(mem, sampleMemory("after warm-up", procs))
		if cfg.memEvery > 0 {
			mem = append(mem, sampleEvery(ctx, cfg.memEvery, start, procs)...)
		}
	case <-ctx.Done():
	}
	wg.Wait()
	elapsed := time.Since(start)
	mem = append(mem, sampleMemory("end", procs))

	var events []event
	if cfg.events != "" {
		if events, err = readEvents(cfg.events); err != nil {
			return err
		}
	}
	sum := rec.summary(cfg, elapsed, mem, events)
	sum.Commitments = l.commitReport()
	if cfg.acked != "" {
		if err := os.WriteFile(cfg.acked, []byte(strings.Join(sum.Commitments.AckedIDs, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	b, _ := json.MarshalIndent(sum, "", "  ")
	if err := os.WriteFile(cfg.out, b, 0o644); err != nil {
		return err
	}
	sum.print(os.Stdout)
	return nil
}

// load is one run: its attacks and the state they share.
type load struct {
	cfg config
	st  *State
	c   *client
	rec *recorder
	run string

	seq      atomic.Int64
	imports  atomic.Int64
	mu       sync.Mutex
	acked    []string          // commitment ids answered 201, in order
	owner    map[string]string // commitment id → token of its organisation
	toDel    []string          // acked commitments not yet looked at for a delivery
	unknown  int               // commitments whose outcome the client never learnt (no answer, 5xx)
	refused  int               // commitments answered 4xx
	attempts int
}

// attackSpec is one stream of the mix: a share of -rate and how to make a request.
type attackSpec struct {
	name   string // the endpoint as reported
	share  float64
	target func(*vegeta.Target) error
	token  string // the committing organisation's token, for commitments
}

func (l *load) get(path, token string) func(*vegeta.Target) error {
	return func(t *vegeta.Target) error {
		t.Method, t.URL = "GET", l.c.base+path
		if token != "" {
			t.Header = http.Header{"Authorization": {"Bearer " + token}}
		}
		return nil
	}
}

func (l *load) attacks() []attackSpec {
	p := l.st.ProgramID
	out := []attackSpec{
		{name: "GET /", share: 0.20, target: l.get("/", "")},
		{name: "GET /public/programs/{id}", share: 0.15, target: l.get("/public/programs/"+p, "")},
		{name: "GET /api/v1/public/summary", share: 0.15, target: l.get("/api/v1/public/summary", "")},
		{name: "GET /feed.json", share: 0.10, target: l.get("/feed.json", "")},
		{name: "GET /api/v1/dashboard (admin)", share: 0.08, target: l.get("/api/v1/dashboard?program="+p, l.st.AdminToken)},
		{name: "GET /api/v1/dashboard (office)", share: 0.07, target: l.get("/api/v1/dashboard?program="+p+"&region="+officeRegion, l.st.OfficeToken)},
	}
	const commitShare = 0.25
	for _, tok := range l.st.Collaborators {
		out = append(out, attackSpec{name: "POST /api/v1/commitments", share: commitShare / float64(len(l.st.Collaborators)),
			target: l.commitTarget(tok), token: tok})
	}
	return out
}

// commitTarget makes a commitment of 1–3 households in a random kota, under a key
// of its own.
func (l *load) commitTarget(token string) func(*vegeta.Target) error {
	return func(t *vegeta.Target) error {
		n := l.seq.Add(1)
		body, _ := json.Marshal(map[string]any{"program_id": l.st.ProgramID, "phase": l.st.Phase,
			"quantity": 1 + rand.IntN(3), "region": l.st.Regions[rand.IntN(len(l.st.Regions))],
			"deliver_by": l.st.DeliverBy, "accept_statement": true})
		t.Method, t.URL, t.Body = "POST", l.c.base+"/api/v1/commitments", body
		t.Header = http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"},
			"Idempotency-Key": {fmt.Sprintf("load-%s-%d", l.run, n)}}
		return nil
	}
}

func (l *load) attack(ctx context.Context, a attackSpec) {
	rate := l.cfg.rate * a.share
	if rate <= 0 {
		return
	}
	atk := vegeta.NewAttacker(vegeta.Timeout(l.cfg.timeout), vegeta.KeepAlive(true), vegeta.Redirects(0),
		vegeta.Workers(4), vegeta.MaxWorkers(64), vegeta.MaxBody(1<<20))
	pacer := vegeta.ConstantPacer{Freq: max(1, int(rate*100+0.5)), Per: 100 * time.Second}
	res := atk.Attack(vegeta.Targeter(a.target), pacer, l.cfg.duration, a.name)
	for {
		select {
		case <-ctx.Done():
			atk.Stop()
			for r := range res { // drain what is in flight
				l.result(a, r)
			}
			return
		case r, ok := <-res:
			if !ok {
				return
			}
			l.result(a, r)
		}
	}
}

func (l *load) result(a attackSpec, r *vegeta.Result) {
	want := 200
	if a.token != "" {
		want = 201
		l.commitResult(a.token, r)
	}
	l.rec.add(a.name, r.Timestamp, r.Latency, int(r.Code), want)
}

func (l *load) commitResult(token string, r *vegeta.Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts++
	switch {
	case r.Code == http.StatusCreated:
		var c struct{ ID string }
		if err := json.Unmarshal(r.Body, &c); err != nil || c.ID == "" {
			l.unknown++
			return
		}
		if l.owner == nil {
			l.owner = map[string]string{}
		}
		l.acked = append(l.acked, c.ID)
		l.owner[c.ID] = token
		l.toDel = append(l.toDel, c.ID)
	case r.Code >= 400 && r.Code < 500:
		l.refused++
	default:
		l.unknown++
	}
}

// every calls f every d until ctx ends; f records its own requests. A call under
// way when the run ends is let finish: cut off, its requests would count as
// failures of the server.
func (l *load) every(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(context.WithoutCancel(ctx))
		}
	}
}

// timed runs one request and records it under name.
func (l *load) timed(name string, want int, f func() (int, error)) (int, error) {
	t0 := time.Now()
	code, err := f()
	l.rec.add(name, t0, time.Since(t0), code, want)
	return code, err
}

// importOnce uploads a file of new households as the office, and records how long
// it took to be imported too.
func (l *load) importOnce(ctx context.Context) {
	file, err := households(1000+l.imports.Add(1), l.cfg.importRows, officeRegion)
	if err != nil {
		return
	}
	var id string
	t0 := time.Now()
	code, err := l.timed("POST /api/v1/imports", http.StatusAccepted, func() (int, error) {
		var code int
		var err error
		id, code, err = l.c.importFile(ctx, l.st.OfficeToken, file)
		return code, err
	})
	if err != nil || code != http.StatusAccepted {
		return
	}
	// The import's own time, upload to done, is its latency here.
	status := 0
	if waitImport(ctx, l.c, l.st.OfficeToken, id, 2*time.Minute) == nil {
		status = http.StatusOK
	}
	l.rec.add("import (upload to done)", t0, time.Since(t0), status, http.StatusOK)
}

// deliverOnce takes the oldest acknowledged commitment not yet looked at and, if
// it holds a reserved allocation, dispatches it and delivers it with a photo.
func (l *load) deliverOnce(ctx context.Context) {
	l.mu.Lock()
	if len(l.toDel) == 0 {
		l.mu.Unlock()
		return
	}
	id := l.toDel[0]
	l.toDel = l.toDel[1:]
	token := l.owner[id]
	l.mu.Unlock()

	var list struct {
		Items []struct{ ID, Status string }
	}
	if _, err := l.timed("GET /api/v1/commitments/{id}/allocations", 200, func() (int, error) {
		return l.c.do(ctx, token, "GET", "/api/v1/commitments/"+id+"/allocations", "", nil, nil, &list)
	}); err != nil {
		return
	}
	for _, a := range list.Items {
		if a.Status != "reserved" {
			continue
		}
		if _, err := l.timed("POST /api/v1/allocations/{id}/dispatch", 200, func() (int, error) {
			return l.c.do(ctx, token, "POST", "/api/v1/allocations/"+a.ID+"/dispatch", "application/json", strings.NewReader("{}"), nil, nil)
		}); err != nil {
			return
		}
		body, ctype := photoForm()
		l.timed("POST /api/v1/allocations/{id}/deliver", 200, func() (int, error) {
			return l.c.do(ctx, token, "POST", "/api/v1/allocations/"+a.ID+"/deliver", ctype, body, nil, nil)
		})
		return
	}
}

// photoForm is a delivery's proof: a small PNG and who received it.
func photoForm() (*bytes.Buffer, string) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(rand.IntN(256)), 255})
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("received_by", "Ibu Penerima")
	fw, _ := mw.CreateFormFile("photo", "bukti.png")
	_ = png.Encode(fw, img)
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// commitReport is what the invariant check compares with the database.
type commitReport struct {
	Attempts int      `json:"attempts"`
	Acked    int      `json:"acknowledged"`
	Refused  int      `json:"refused_4xx"`
	Unknown  int      `json:"outcome_unknown"` // no answer or 5xx: may or may not be in the database
	AckedIDs []string `json:"acked_ids"`
}

func (l *load) commitReport() commitReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	return commitReport{Attempts: l.attempts, Acked: len(l.acked), Refused: l.refused, Unknown: l.unknown, AckedIDs: append([]string(nil), l.acked...)}
}
