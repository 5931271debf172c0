package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/region"
)

// hostileUpload is a file sent to a running server and what must become of it.
type hostileUpload struct {
	name  string
	write func(w io.Writer) error
	ext   string
	// refused: the upload itself is answered 400 naming this; else the import
	// must end failed with a reason holding every one of want.
	refused string
	want    []string
	good    int // rows before the break, committed and counted
	copies  int // sent at once (default 1)
}

// TestHostileUploadsFailWithinMemory is findings 2, 4 and 6 against the real program:
// it builds gotong without the race detector (so that its memory is its own), serves,
// and uploads each hostile file over HTTP. Each import must end failed with a reason
// (or the upload be refused at once), while the server's peak resident memory —
// VmHWM, reset before each file — stays under 300 MiB. Before, the 3 MB bomb grew
// the server to 24 GB, the one-line CSV to 1.8 GB (four at once to 6.8 GB), and the
// broken workbook ended done with rows silently lost.
//
// It runs on SQLite only: the database plays no part in what is measured, and the
// registry's tests run the same failures on both engines.
func TestHostileUploadsFailWithinMemory(t *testing.T) {
	const maxRSS = 300 << 20
	regions, err := region.Load(data.Regions)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gotong")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Three good household rows, as CSV and as spreadsheet rows.
	var good bytes.Buffer
	if _, err := gen.New(3, regions, "31").WriteHouseholdsCSV(&good, 3, gen.Damage{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(good.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var sheetRows []string
	for i, r := range recs {
		sheetRows = append(sheetRows, gen.SheetRow(i+1, r...))
	}
	header := recs[0]
	oneLine := func(w io.Writer) error {
		if _, err := w.Write(good.Bytes()); err != nil {
			return err
		}
		_, err := io.Copy(w, io.LimitReader(endless('x'), 190<<20))
		return err
	}
	cases := []hostileUpload{
		{name: "an XLSX bomb: a 3 GiB cell in 3 MB", ext: "xlsx", write: func(w io.Writer) error { return gen.BombXLSX(w, header, 3<<10) },
			want: []string{"unpacks to 3072 MiB, more than the 1024 MiB allowed"}},
		{name: "an XLSX bomb under the size bound: a 1000 MiB cell", ext: "xlsx", write: func(w io.Writer) error { return gen.BombXLSX(w, header, 1000) },
			want: []string{"from row 2 on", "longer than 64 KiB"}},
		{name: "512 MiB of whitespace", ext: "xlsx", write: func(w io.Writer) error {
			return gen.FillerXLSX(w, header, " ", 512, sheetRows[1:]...)
		}, want: []string{"from row 2 on", "longer than 64 KiB"}},
		{name: "2 GiB of empty rows", ext: "xlsx", write: func(w io.Writer) error {
			return gen.FillerXLSX(w, header, "<row/>", 2<<10, sheetRows[1:]...)
		}, want: []string{"unpacks to 2048 MiB"}},
		{name: "1000 MiB of empty rows", ext: "xlsx", write: func(w io.Writer) error {
			return gen.FillerXLSX(w, header, "<row/>", 1000, sheetRows[1:]...)
		}, want: []string{"more than 1048576 rows"}},
		{name: "a workbook whose XML breaks in row 5", ext: "xlsx", write: func(w io.Writer) error {
			return gen.BrokenXLSX(w, recs, 5, recs[1:])
		}, want: []string{"from row 5 on", "XML breaks"}, good: 3},
		{name: "a billion laughs", ext: "xlsx", write: func(w io.Writer) error { return gen.BillionLaughsXLSX(w, header) },
			refused: "DTD"},
		{name: "a CSV whose fifth line is 190 MiB long", ext: "csv", write: oneLine,
			want: []string{"from line 5 on", "longer than 64 KiB"}, good: 3},
		{name: "four such CSVs at once", ext: "csv", write: oneLine, copies: 4,
			want: []string{"from line 5 on", "longer than 64 KiB"}, good: 3},
		{name: "a CSV that is one 190 MiB line", ext: "csv", write: func(w io.Writer) error {
			_, err := io.Copy(w, io.LimitReader(endless('x'), 190<<20))
			return err
		}, refused: "line 1"},
	}

	cleanEnv(t)
	t.Setenv("GOTONG_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	home := t.TempDir()
	where := []string{"--data", home}
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("kata-sandi-kantor-1"), 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, append([]string{"user", "create", "--email", "kantor@x.id", "--name", "Kantor Provinsi", "--role", "admin", "--password-file", pwFile}, where...)...)
	token := strings.TrimSpace(must(t, append([]string{"token", "create", "--email", "kantor@x.id"}, where...)...).stdout)
	srv := startBinary(t, bin, append([]string{"serve", "--addr", freeAddr(t)}, where...)...)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(dir, "serangan."+c.ext)
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.write(f); err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			f.Close()
			defer os.Remove(file)
			srv.resetPeak(t)
			start := time.Now()
			var wg sync.WaitGroup
			for range max(c.copies, 1) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					srv.check(t, c, file, token)
				}()
			}
			wg.Wait()
			took := time.Since(start)
			peak := srv.peak(t)
			t.Logf("%d KiB file: ended in %v; server peak RSS %d MiB", st.Size()>>10, took.Round(10*time.Millisecond), peak>>20)
			if peak > maxRSS {
				t.Errorf("the server's peak RSS was %d MiB, over %d MiB", peak>>20, maxRSS>>20)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(home, "uploads", "*")); len(left) != 0 {
		t.Errorf("uploads left behind: %v", left)
	}
}

// endless is an endless run of one byte.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// binaryServer is a `gotong serve` process.
type binaryServer struct {
	cmd *exec.Cmd
	url string
}

// startBinary runs bin with args and waits until it answers /healthz.
func startBinary(t *testing.T, bin string, args ...string) *binaryServer {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	s := &binaryServer{cmd: cmd}
	addr := make(chan string, 1)
	var log syncBuffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(&log, line)
			if _, a, ok := strings.Cut(line, "addr="); ok && strings.Contains(line, "msg=serving") {
				addr <- strings.Fields(a)[0]
			}
		}
	}()
	select {
	case s.url = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatalf("gotong serve did not start; its log:\n%s", log.String())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	return s
}

// resetPeak resets the process's peak resident set size (VmHWM).
func (s *binaryServer) resetPeak(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		t.Fatalf("reset the peak RSS: %v", err)
	}
}

// peak is the process's peak resident set size since the last reset.
func (s *binaryServer) peak(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// check uploads file and follows its import to the end c wants.
func (s *binaryServer) check(t *testing.T, c hostileUpload, file, token string) {
	status, body := s.upload(t, file, token)
	if c.refused != "" {
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal(body, &e)
		if status != http.StatusBadRequest || e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, c.refused) {
			t.Errorf("upload: %d %s, want 400 invalid naming %q", status, body, c.refused)
		}
		return
	}
	if status != http.StatusAccepted {
		t.Errorf("upload: %d %s, want 202", status, body)
		return
	}
	var im struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Error    string `json:"error"`
		RowsDone int    `json:"rows_done"`
		Accepted int    `json:"accepted"`
		Merged   int    `json:"merged"`
		Review   int    `json:"review"`
	}
	if err := json.Unmarshal(body, &im); err != nil {
		t.Error(err)
		return
	}
	deadline := time.Now().Add(2 * time.Minute)
	for im.Status != "failed" && im.Status != "done" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if err := s.get(t, "/api/v1/imports/"+im.ID, token, &im); err != nil {
			t.Error(err)
			return
		}
	}
	if im.Status != "failed" {
		t.Errorf("import %s: %s %q, want failed", im.ID, im.Status, im.Error)
		return
	}
	for _, w := range c.want {
		if !strings.Contains(im.Error, w) {
			t.Errorf("the reason %q does not say %q", im.Error, w)
		}
	}
	if im.RowsDone != c.good || im.Accepted+im.Merged+im.Review != c.good {
		t.Errorf("rows before the break: %+v, want %d", im, c.good)
	}
}

// upload posts file as a household import, streaming it from disk.
func (s *binaryServer) upload(t *testing.T, file, token string) (int, []byte) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(file)
		if err == nil {
			defer f.Close()
			_ = mw.WriteField("kind", "household")
			var fw io.Writer
			if fw, err = mw.CreateFormFile("file", filepath.Base(file)); err == nil {
				_, err = io.Copy(fw, f)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", s.url+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en") // the expected messages are English
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("upload: %v", err)
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (s *binaryServer) get(t *testing.T, path, token string, v any) error {
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en") // the expected messages are English
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
