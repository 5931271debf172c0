package web_test

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/memtest"
	"github.com/gotong/gotong/internal/store"
)

// streamUpload posts a multipart upload whose file is header followed by size bytes
// of filler, produced while it is sent: the test holds none of it.
func streamUpload(t testing.TB, c *apptest.Client, path, header string, size int64) apptest.Response {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("kind", "household")
		fw, err := mw.CreateFormFile("file", "besar.csv")
		if err == nil {
			_, err = io.Copy(fw, io.MultiReader(strings.NewReader(header), io.LimitReader(filler{}, size)))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return sendUpload(t, c, path, pr, mw.FormDataContentType())
}

func sendUpload(t testing.TB, c *apptest.Client, path string, body io.Reader, ctype string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", c.S.URL+path, body)
	if err != nil {
		t.Error(err)
		return apptest.Response{}
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
		return apptest.Response{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// filler is an endless row of household data.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	const row = "3171010101200001,3171010101800001,Budi,1980-01-01,L,Kepala Keluarga,Gambir,1,1,Jl. A,,,\n"
	for i := range p {
		p[i] = row[i%len(row)]
	}
	return len(p), nil
}

// Finding 6: uploads are streamed to disk, multipart parsing included: a 64 MiB
// upload grows the server's heap by a few MiB, over the API and from the page.
func TestUploadIsStreamedToDisk(t *testing.T) {
	s := apptest.Start(t, store.SQLite)
	office, pw := s.User(t, account.Office, "31.71", "")
	api := s.As(t, office.ID)
	page := s.Client()
	page.Login(t, office.Email, pw)
	for _, c := range []struct {
		name   string
		client *apptest.Client
		path   string
	}{{"API", api, "/api/v1/imports"}, {"page", page, "/imports"}} {
		t.Run(c.name, func(t *testing.T) {
			var r apptest.Response
			// A header without the required columns: the whole file is received and
			// stored, then refused, so no import runs beside the measurement.
			grew := memtest.HeapPeak(func() { r = streamUpload(t, c.client, c.path, "Nama,Alamat\n", 64<<20) })
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; %.300s", r.Status, r.Body)
			}
			if grew > 16<<20 {
				t.Errorf("a 64 MiB upload grew the heap by %d MiB", grew>>20)
			}
			if files := uploadedFiles(t, s); len(files) != 0 {
				t.Errorf("files left: %v", files)
			}
		})
	}
}

// Finding 6: four one-line uploads at once took the server to 6.8 GB. Only so many
// uploads are received at once; one more is answered at once with 429 rate_limited
// and Retry-After, and the slots come back when the uploads end.
func TestConcurrentUploadsAreBounded(t *testing.T) {
	s := apptest.Start(t, store.SQLite, func(c *app.Config) { c.MaxUploads = 2 })
	office, _ := s.User(t, account.Office, "31.71", "")
	api := s.As(t, office.ID)
	const header = "No KK,NIK,Nama,Tanggal Lahir,Jenis Kelamin,Hubungan Keluarga,Kelurahan,RW,RT,Alamat KTP\n"
	// Two uploads that are being received and stay so until released.
	release := make(chan struct{})
	var wg sync.WaitGroup
	held := make([]apptest.Response, 2)
	for i := range held {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			_ = mw.WriteField("kind", "household")
			fw, _ := mw.CreateFormFile("file", fmt.Sprintf("lambat%d.csv", i))
			_, _ = io.WriteString(fw, header)
			<-release
			_ = mw.Close()
			_ = pw.Close()
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			held[i] = sendUpload(t, api, "/api/v1/imports", pr, mw.FormDataContentType())
		}()
	}
	// Each takes its slot before it starts writing its file to the uploads folder:
	// once both files are there, both hold a slot, and a third upload is refused.
	deadline := time.Now().Add(30 * time.Second)
	for len(uploadedFiles(t, s)) < 2 {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("the held uploads did not start: %v", uploadedFiles(t, s))
		}
		time.Sleep(10 * time.Millisecond)
	}
	body, ctype := uploadForm(t, "household", "cepat.csv", []byte(header))
	third := postRaw(t, api, "/api/v1/imports", body, ctype)
	close(release)
	wg.Wait()
	if third.Status != http.StatusTooManyRequests {
		t.Fatalf("a third upload while two are received: status %d, want 429; %.300s", third.Status, third.Body)
	}
	if code, msg := errorOf(t, third); code != "rate_limited" || !strings.Contains(msg, "uploaded at once") {
		t.Errorf("error %s %q, want rate_limited about uploads at once", code, msg)
	}
	if third.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	for i, r := range held {
		if r.Status != http.StatusAccepted {
			t.Errorf("held upload %d: status %d; %.300s", i, r.Status, r.Body)
		}
	}
	body, ctype = uploadForm(t, "household", "sesudah.csv", []byte(header))
	if r := postRaw(t, api, "/api/v1/imports", body, ctype); r.Status != http.StatusAccepted {
		t.Fatalf("an upload after the others ended: status %d; %.300s", r.Status, r.Body)
	}
}
