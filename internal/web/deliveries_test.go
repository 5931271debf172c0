package web_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// deliveryFixture is a verified collaborator with a commitment of n institutions,
// one allocation each, and the offices of kota X (where they are) and kota Y.
type deliveryFixture struct {
	s              *apptest.Server
	collab         *apptest.Client
	office, officY *apptest.Client
	commitment     string
	program        string
	allocs         []string
	codes          deliver.Codes
	// bodies collects every answer to the collaborator and the courier, to scan
	// for recipient codes.
	bodies []string
	// collabEmail and collabPassword sign the collaborator in on a browser.
	collabEmail, collabPassword string
}

func newDeliveryFixture(t testing.TB, s *apptest.Server, n int) *deliveryFixture {
	t.Helper()
	imp := adminImporter(t, s)
	var rows strings.Builder
	rows.WriteString(instHeader)
	for i := range n {
		rows.WriteString(instRow(fmt.Sprintf("Panti Antar %02d", i), "panti_asuhan", "31.71.02.1002", fmt.Sprintf("Jl. Antar No. %d", i),
			"Pengurus Antar", fmt.Sprintf("0813111120%02d", i), 10))
	}
	importKind(t, s, imp, registry.Institution, "antar.csv", rows.String())
	p, _ := publishProgram(t, s, program.Input{Name: "Antar Uji", Category: "pangan", Item: program.Item{Name: "Sembako", Unit: "paket", UnitValue: 200000},
		TargetKinds: []string{"institution"}, Regions: []string{"31.71.02"}, Phases: weeks(1), QuantityRule: program.PerTarget})
	_, collab, password := s.Org(t, "Yayasan Antar", true)
	f := &deliveryFixture{s: s, collab: s.As(t, collab.ID), codes: deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))}
	f.collabEmail, f.collabPassword = collab.Email, password
	c, err := s.App.Allocations.Commit(s.Ctx(), allocate.Who{UserID: collab.ID, OrgID: collab.OrgID},
		allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: n, Region: "31.71.02.1002", DeliverBy: futureDate(2)})
	if err != nil || c.Allocated != n {
		t.Fatalf("commit: %+v, %v", c, err)
	}
	f.commitment, f.program = c.ID, p.ID
	f.allocs, err = store.All(s.Ctx(), s.App.DB.R(), store.String, `SELECT id FROM allocations WHERE commitment_id = $1 ORDER BY id`, c.ID)
	if err != nil || len(f.allocs) != n {
		t.Fatalf("%d allocations, %v", len(f.allocs), err)
	}
	off, _ := s.User(t, account.Office, "31.71", "")
	offY, _ := s.User(t, account.Office, "31.74", "")
	f.office, f.officY = s.As(t, off.ID), s.As(t, offY.ID)
	return f
}

// do sends a request, checks its status and keeps its body.
func (f *deliveryFixture) do(t testing.TB, c *apptest.Client, method, path string, body any, want int) apptest.Response {
	t.Helper()
	r := c.Do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, want)
	}
	f.bodies = append(f.bodies, string(r.Body))
	return r
}

// one reads one value.
func (f *deliveryFixture) one(t *testing.T, q string, args ...any) string {
	t.Helper()
	var v string
	if err := f.s.App.DB.R().QueryRowContext(f.s.Ctx(), q, args...).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// run creates a run of allocations and returns its id and the courier's token.
func (f *deliveryFixture) run(t testing.TB, ids ...string) (id, token string) {
	t.Helper()
	var out struct {
		ID, Status string
		CourierURL string `json:"courier_url"`
		Stops      int
	}
	f.do(t, f.collab, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": f.commitment, "allocation_ids": ids,
		"courier": map[string]string{"provider": "gosend", "name": "Budi Kurir", "phone": "0812-3456-7890", "plate": "b 1234 xyz", "booking_ref": "GS-1"}}, 201).JSON(t, &out)
	var created map[string]any
	f.do(t, f.collab, "GET", "/api/v1/deliveries/"+out.ID, nil, 200).JSON(t, &created)
	prefix := f.s.URL + "/c/"
	if out.Stops != len(ids) || created["status"] != "assigned" || !strings.HasPrefix(out.CourierURL, prefix) {
		t.Fatalf("run: %+v, want %d stops and a link under %s", out, len(ids), prefix)
	}
	return out.ID, strings.TrimPrefix(out.CourierURL, prefix)
}

// checkNoCode fails when any kept answer holds a recipient code of the fixture's
// allocations, as typed or as read aloud.
func (f *deliveryFixture) checkNoCode(t *testing.T) {
	t.Helper()
	if len(f.bodies) < 10 {
		t.Fatalf("only %d answers kept; the scan would prove little", len(f.bodies))
	}
	for _, id := range f.allocs {
		code := f.codes.For(id)
		for _, b := range f.bodies {
			if strings.Contains(b, code) || strings.Contains(b, deliver.Format(code)) {
				t.Fatalf("an answer holds the code of %s: %s", id, b)
			}
		}
	}
}

// multipartBody is a photo upload with fields.
func multipartBody(t *testing.T, filename string, photo []byte, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if photo != nil {
		fw, err := w.CreateFormFile("photo", filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(photo)
	}
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// postPhoto sends a photo proof as c.
func postPhoto(t *testing.T, s *apptest.Server, c *apptest.Client, path, filename string, photo []byte, fields map[string]string) (int, string) {
	t.Helper()
	ctype, body := multipartBody(t, filename, photo, fields)
	req, err := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{200, 10, 10, 255})
	}
	return img
}

// jpegWithGPS is a JPEG carrying an EXIF APP1 segment with a GPS marker.
func jpegWithGPS(t *testing.T, marker string) []byte {
	t.Helper()
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00GPSLatitude "), marker...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	b := plain.Bytes()
	out := append([]byte{}, b[:2]...) // SOI
	out = append(out, seg...)
	return append(out, b[2:]...)
}

func TestDeliveryRunFromCreationToTheDoor(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 10)
			a := f.allocs
			runID, tok := f.run(t, a[0], a[1], a[2], a[3], a[6], a[7])

			t.Run("an allocation is in one open run only", func(t *testing.T) {
				r := f.do(t, f.collab, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[0], a[4]},
					"courier": map[string]string{"provider": "volunteer", "name": "Relawan"}}, 409)
				if r.ErrorCode() != "conflict" {
					t.Fatalf("%s", r.Body)
				}
				f.do(t, f.collab, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[4]},
					"courier": map[string]string{"provider": "ojek", "name": "Relawan"}}, 400)
			})

			t.Run("the run lists its stops for the courier, and the reads are audited", func(t *testing.T) {
				before := countAudit(t, s, "delivery.courier.view")
				var cr struct {
					DeliveryID string `json:"delivery_id"`
					Stops      []allocate.Stop
				}
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+tok, nil, 200).JSON(t, &cr)
				if cr.DeliveryID != runID || len(cr.Stops) != 6 || cr.Stops[0].Target.Address == "" || cr.Stops[0].Target.Phone == "" {
					t.Fatalf("courier view: %+v", cr)
				}
				if countAudit(t, s, "delivery.courier.view") != before+1 {
					t.Error("the courier's read of the stops is not audited")
				}
				var list struct{ Items []map[string]any }
				f.do(t, f.collab, "GET", "/api/v1/deliveries?commitment="+f.commitment, nil, 200).JSON(t, &list)
				if len(list.Items) != 1 || list.Items[0]["id"] != runID {
					t.Fatalf("runs of the commitment: %+v", list.Items)
				}
				csv := f.do(t, f.collab, "GET", "/api/v1/deliveries/"+runID+"/list.csv", nil, 200)
				if !strings.HasPrefix(string(csv.Body), "seq,allocation_id,status,name,region,rw,rt,address,phone,quantity\n") ||
					strings.Count(string(csv.Body), "\n") != 7 || countAudit(t, s, "delivery.list.csv") != 1 {
					t.Fatalf("list.csv: %s", csv.Body)
				}
			})

			t.Run("pickup, deliver by code, retry, fail", func(t *testing.T) {
				stop := func(id, action string) string { return "/api/v1/courier/" + tok + "/stops/" + id + "/" + action }
				courier := s.Client()
				f.do(t, courier, "POST", stop(a[0], "deliver"), map[string]string{"recipient_code": f.codes.For(a[0])}, 409) // not picked up
				for _, id := range []string{a[0], a[1], a[2], a[3], a[0]} {                                                  // the last one retried
					if r := f.do(t, courier, "POST", stop(id, "pickup"), nil, 200); !strings.Contains(string(r.Body), `"status":"dispatched"`) {
						t.Fatalf("pickup: %s", r.Body)
					}
				}
				if n := countAudit(t, s, "allocation.dispatch"); n != 4 {
					t.Errorf("%d dispatch entries, want 4 (a retried pickup changes nothing)", n)
				}
				lat, lon := -6.2, 106.8
				r := f.do(t, courier, "POST", stop(a[0], "deliver"), map[string]any{"recipient_code": deliver.Format(f.codes.For(a[0])),
					"received_by": "Ibu Panti", "lat": lat, "lon": lon}, 200)
				if !strings.Contains(string(r.Body), `"status":"delivered"`) || !strings.Contains(string(r.Body), `"proof":"code"`) {
					t.Fatalf("courier deliver: %s", r.Body)
				}
				f.do(t, courier, "POST", stop(a[0], "deliver"), map[string]any{"recipient_code": f.codes.For(a[0])}, 409) // twice
				f.do(t, courier, "POST", stop(a[1], "deliver"), map[string]any{"recipient_code": f.codes.For(a[1]), "lat": 91.0, "lon": 0.0}, 400)
				var got map[string]any
				f.do(t, f.collab, "POST", "/api/v1/allocations/"+a[1]+"/deliver", map[string]any{"recipient_code": f.codes.For(a[1])}, 200).JSON(t, &got)
				if got["status"] != "delivered" || got["proof"] != "code" || got["delivered_at"] == nil {
					t.Fatalf("deliver: %v", got)
				}
				if tg, _ := got["target"].(map[string]any); tg["address"] != "" || tg["phone"] != "" || tg["name"] == "" {
					t.Errorf("a delivered allocation shows its recipient's address or phone, or lost the name: %v", tg)
				}
				f.do(t, courier, "POST", stop(a[2], "fail"), map[string]string{"reason": "received_elsewhere"}, 200)
				f.do(t, courier, "POST", stop(a[2], "fail"), map[string]string{"reason": "received_elsewhere"}, 409)
				f.do(t, courier, "POST", stop(a[6], "fail"), map[string]string{"reason": "not_home"}, 409) // never picked up
				var flags struct{ Items []deliver.Flag }
				f.do(t, f.office, "GET", "/api/v1/delivery-flags", nil, 200).JSON(t, &flags)
				if len(flags.Items) != 1 || flags.Items[0].Kind != deliver.FlagPossibleOverlap || flags.Items[0].AllocationID != a[2] {
					t.Errorf("office X's flags: %+v", flags.Items)
				}
				f.do(t, f.officY, "GET", "/api/v1/delivery-flags", nil, 200).JSON(t, &flags)
				if len(flags.Items) != 0 {
					t.Errorf("office Y sees another region's flags: %+v", flags.Items)
				}
				var run struct {
					Status string
					Stops  []allocate.Stop
				}
				f.do(t, f.collab, "GET", "/api/v1/deliveries/"+runID, nil, 200).JSON(t, &run)
				if run.Status != "in_progress" {
					t.Errorf("run status %s, want in_progress", run.Status)
				}
				for _, st := range run.Stops {
					if ended := st.Status == "delivered" || st.Status == "failed"; ended != (st.Target.Address == "") {
						t.Errorf("stop %s (%s) address %q", st.AllocationID, st.Status, st.Target.Address)
					}
				}
			})

			t.Run("coverage counts what reached the door, and only that", func(t *testing.T) {
				want := atoi(f.one(t, `SELECT COALESCE(SUM(quantity), 0) FROM allocations WHERE commitment_id = $1 AND status = 'delivered'`, f.commitment))
				if want == 0 {
					t.Fatal("nothing was delivered before this check")
				}
				var cov struct{ Allocated, Delivered int }
				f.do(t, f.collab, "GET", "/api/v1/programs/"+f.program+"/coverage?region=31", nil, 200).JSON(t, &cov)
				if cov.Delivered != want || cov.Allocated < want {
					t.Errorf("coverage: %+v, want delivered %d (the delivered allocations' units)", cov, want)
				}
			})

			t.Run("a second failure on one target asks the office to check it", func(t *testing.T) {
				var target string
				if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT target_id FROM allocations WHERE id = $1`, a[2]).Scan(&target); err != nil {
					t.Fatal(err)
				}
				var cm struct{ ID string }
				f.do(t, f.collab, "POST", "/api/v1/commitments", map[string]any{"program_id": f.program, "phase": "Minggu 1", "quantity": 1,
					"target_ids": []string{target}, "deliver_by": futureDate(2)}, 201).JSON(t, &cm)
				again := f.one(t, `SELECT id FROM allocations WHERE commitment_id = $1`, cm.ID)
				f.do(t, f.collab, "POST", "/api/v1/allocations/"+again+"/dispatch", nil, 200)
				f.do(t, f.collab, "POST", "/api/v1/allocations/"+again+"/fail", map[string]string{"reason": "address_not_found"}, 200)
				var flags struct{ Items []deliver.Flag }
				f.do(t, f.office, "GET", "/api/v1/delivery-flags?region=31.71.02", nil, 200).JSON(t, &flags)
				if len(flags.Items) != 2 || flags.Items[0].Kind != deliver.FlagCheckTarget || flags.Items[0].TargetID != target || flags.Items[0].Failures != 2 {
					t.Errorf("office X's flags after a second failure: %+v", flags.Items)
				}
			})

			t.Run("wrong codes are counted, and the sixth is refused even when right", func(t *testing.T) {
				stop := "/api/v1/courier/" + tok + "/stops/" + a[3] + "/deliver"
				wrong := fmt.Sprintf("%08d", (atoi(f.codes.For(a[3]))+1)%100_000_000)
				for i := range 5 {
					if r := f.do(t, s.Client(), "POST", stop, map[string]string{"recipient_code": wrong}, 400); r.ErrorCode() != "invalid" {
						t.Fatalf("wrong code %d: %s", i+1, r.Body)
					}
				}
				f.do(t, s.Client(), "POST", stop, map[string]string{"recipient_code": wrong}, 429)
				f.do(t, s.Client(), "POST", stop, map[string]string{"recipient_code": f.codes.For(a[3])}, 429)
				if n := countRows(t, s, `SELECT COUNT(*) FROM delivery_attempts WHERE allocation_id = $1`, a[3]); n != 5 {
					t.Fatalf("%d wrong codes recorded, want 5", n)
				}
				s.App.Deliveries.Now = func() time.Time { return time.Now().Add(61 * time.Minute) }
				defer func() { s.App.Deliveries.Now = time.Now }()
				f.do(t, f.collab, "POST", "/api/v1/allocations/"+a[3]+"/deliver", map[string]string{"recipient_code": f.codes.For(a[3])}, 200)
			})

			t.Run("photos are sniffed, bounded and stripped of metadata", func(t *testing.T) {
				f.do(t, f.collab, "POST", "/api/v1/allocations/"+a[7]+"/dispatch", nil, 200)
				path := "/api/v1/allocations/" + a[7] + "/deliver"
				var pngBytes bytes.Buffer
				_ = png.Encode(&pngBytes, testImage())
				text := []byte("this is not an image at all, only words about a package")
				huge := append([]byte{}, pngBytes.Bytes()[:16]...)                // signature, IHDR length and type
				ihdr := []byte{0, 0, 0x9c, 0x40, 0, 0, 0x9c, 0x40, 8, 2, 0, 0, 0} // 40,000 × 40,000
				huge = append(huge, ihdr...)
				huge = binary.BigEndian.AppendUint32(huge, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
				for _, c := range []struct {
					name  string
					file  string
					data  []byte
					want  int
					field map[string]string
				}{
					{"a text file", "foto.jpg", text, 400, map[string]string{"received_by": "Ibu Panti"}},
					{"an image of 1.6 billion pixels", "foto.png", huge, 413, map[string]string{"received_by": "Ibu Panti"}},
					{"a photo over 8 MiB", "foto.jpg", append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, 9<<20)...), 413, map[string]string{"received_by": "Ibu Panti"}},
					{"a photo without who received it", "foto.jpg", jpegWithGPS(t, "X"), 400, nil},
				} {
					if st, body := postPhoto(t, s, f.collab, path, c.file, c.data, c.field); st != c.want {
						t.Errorf("%s: %d %s, want %d", c.name, st, body, c.want)
					}
				}
				// A PNG named .jpg is taken for what its bytes are.
				f.do(t, f.collab, "POST", "/api/v1/allocations/"+a[6]+"/dispatch", nil, 200)
				st, body := postPhoto(t, s, f.collab, "/api/v1/allocations/"+a[6]+"/deliver", "foto.jpg", pngBytes.Bytes(), map[string]string{"received_by": "Pak RT"})
				if st != 200 || !strings.Contains(body, `"proof":"photo"`) {
					t.Fatalf("a PNG named .jpg: %d %s", st, body)
				}
				if p, err := s.App.Deliveries.PhotoPath(s.Ctx(), a[6]); err != nil || !strings.HasSuffix(p, ".png") {
					t.Errorf("stored as %q (%v), want a .png", p, err)
				}
				const marker = "GPSMARKER-6.1754S-106.8272E"
				st, body = postPhoto(t, s, f.collab, path, "foto.jpg", jpegWithGPS(t, marker), map[string]string{"received_by": "Ibu Panti", "lat": "-6.2", "lon": "106.8"})
				if st != 200 {
					t.Fatalf("photo with EXIF: %d %s", st, body)
				}
				f.bodies = append(f.bodies, body)
				p, err := s.App.Deliveries.PhotoPath(s.Ctx(), a[7])
				if err != nil {
					t.Fatal(err)
				}
				stored, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := jpeg.Decode(bytes.NewReader(stored)); err != nil {
					t.Fatalf("the stored photo is not a JPEG: %v", err)
				}
				if bytes.Contains(stored, []byte(marker)) || bytes.Contains(stored, []byte("Exif")) {
					t.Error("the stored photo still holds its EXIF/GPS segment")
				}
			})

			t.Run("the courier's link: altered, another run's stop, revoked, expired", func(t *testing.T) {
				otherID, otherTok := f.run(t, a[5])
				_ = otherID
				altered := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(tok, "AA")]
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+altered, nil, 401)
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+strings.Replace(tok, ".1.", ".2.", 1), nil, 401)
				f.do(t, s.Client(), "POST", "/api/v1/courier/"+tok+"/stops/"+a[5]+"/pickup", nil, 404)
				f.do(t, s.Client(), "POST", "/api/v1/courier/"+otherTok+"/stops/"+a[9]+"/pickup", nil, 404) // in no run
				// Every stop of the first run has ended: it is done, and cannot be revoked.
				var first struct{ Status string }
				f.do(t, f.collab, "GET", "/api/v1/deliveries/"+runID, nil, 200).JSON(t, &first)
				if first.Status != "done" {
					t.Errorf("a run whose stops all ended is %s, want done", first.Status)
				}
				f.do(t, f.collab, "POST", "/api/v1/deliveries/"+runID+"/revoke", nil, 409)
				thirdID, thirdTok := f.run(t, a[8])
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+thirdTok, nil, 200)
				f.do(t, f.collab, "POST", "/api/v1/deliveries/"+thirdID+"/revoke", nil, 200)
				f.do(t, f.collab, "POST", "/api/v1/deliveries/"+thirdID+"/revoke", nil, 409)
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+thirdTok, nil, 401)
				f.do(t, s.Client(), "POST", "/api/v1/courier/"+thirdTok+"/stops/"+a[8]+"/pickup", nil, 401)
				f.run(t, a[8]) // revoked, its stop may go into another run
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+otherTok, nil, 200)
				s.App.Deliveries.Now = func() time.Time { return time.Now().Add(49 * time.Hour) }
				defer func() { s.App.Deliveries.Now = time.Now }()
				f.do(t, s.Client(), "GET", "/api/v1/courier/"+otherTok, nil, 401)
				f.do(t, s.Client(), "POST", "/api/v1/courier/"+otherTok+"/stops/"+a[5]+"/pickup", nil, 401)
				// Another organisation's member reaches none of it.
				_, other, _ := s.Org(t, "Yayasan Lain", true)
				oc := s.As(t, other.ID)
				f.do(t, oc, "GET", "/api/v1/deliveries/"+otherID, nil, 404)
				f.do(t, oc, "POST", "/api/v1/allocations/"+a[9]+"/deliver", map[string]string{"recipient_code": f.codes.For(a[9])}, 404)
			})

			t.Run("no answer to the collaborator or the courier holds a code", f.checkNoCode)
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func countAudit(t *testing.T, s *apptest.Server, action string) int {
	t.Helper()
	return countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action)
}

// deliveryPools holds, per role fixture, the RW that the delivery rows' commitments
// take a unit of: its head's name is no secret of the fixture, so that a courier
// (anyone holding the link) may be shown it.
var deliveryPools sync.Map

const deliveryPoolHead = "Ketua Antar Peran"

// deliveryAllocation commits one unit of the delivery pool for organisation A and
// returns the commitment and its allocation, dispatched when asked.
func (f *roleFixture) deliveryAllocation(t *testing.T, dispatched bool) (commitment, allocation string) {
	t.Helper()
	rw, ok := deliveryPools.Load(f)
	if !ok {
		importKind(t, f.s, importer(f.users[officeX]), registry.RW, "rw-antar.csv", rwHeader+rwRow("31.71.02.1002", 7, deliveryPoolHead, "081277770007", 400, 1200))
		f.s.App.FollowRegistry(f.s.Ctx())
		rw = f.one(t, `SELECT id FROM targets WHERE name = $1`, deliveryPoolHead)
		deliveryPools.Store(f, rw)
	}
	who := allocate.Who{UserID: f.users[collabA].ID, OrgID: f.orgA.ID}
	c, err := f.s.App.Allocations.Commit(f.s.Ctx(), who, allocate.Request{ProgramID: f.prog.program, Phase: "Minggu 1", Quantity: 1,
		TargetIDs: []string{rw.(string)}, DeliverBy: futureDate(2)})
	if err != nil || c.Allocated != 1 {
		t.Fatalf("delivery pool commitment: %+v, %v", c, err)
	}
	a := f.one(t, `SELECT id FROM allocations WHERE commitment_id = $1`, c.ID)
	if dispatched {
		if _, err := f.s.App.Allocations.DispatchOne(f.s.Ctx(), who, a); err != nil {
			t.Fatal(err)
		}
	}
	return c.ID, a
}

// deliveryRun gives a fresh allocation of organisation A to a courier; it returns
// the run, the courier's token and the allocation.
func (f *roleFixture) deliveryRun(t *testing.T, dispatched bool) (run, token, allocation string) {
	t.Helper()
	c, a := f.deliveryAllocation(t, false)
	out, err := f.s.App.Deliveries.Create(f.s.Ctx(), allocate.Who{UserID: f.users[collabA].ID, OrgID: f.orgA.ID},
		deliver.CreateInput{CommitmentID: c, AllocationIDs: []string{a}, Courier: deliver.Courier{Provider: "volunteer", Name: "Relawan Peran"}})
	if err != nil {
		t.Fatal(err)
	}
	if dispatched {
		if _, err := f.s.App.Deliveries.Pickup(f.s.Ctx(), out.CourierURL[strings.LastIndex(out.CourierURL, "/")+1:], a); err != nil {
			t.Fatal(err)
		}
	}
	return out.ID, out.CourierURL[strings.LastIndex(out.CourierURL, "/")+1:], a
}

// deliveryRows are the role table's rows for delivery runs, deliveries and the
// courier's link.
func deliveryRows() []roleRow {
	text := func(s ...string) func(*roleFixture, role) []string {
		return func(*roleFixture, role) []string { return s }
	}
	ofA := func(code int) statuses { return statuses{401, code, 404, 404, 404, code} }
	codes := func(f *roleFixture) deliver.Codes { return deliver.NewCodes(f.s.App.Vault.Subkey("recipient code v1")) }
	// allocationIs checks that the row moved the allocation exactly for the roles
	// that may (everyone, for a courier's link).
	allocationIs := func(f *roleFixture, a, status string, everyone bool) func(t *testing.T, r role, _ *apptest.Client) {
		return func(t *testing.T, r role, _ *apptest.Client) {
			n := f.count(t, `SELECT COUNT(*) FROM allocations WHERE id = $1 AND status = $2`, a, status)
			if want := everyone || r == collabA || r == admin; (n == 1) != want {
				t.Errorf("after the request the allocation is %s: %v; want %v", status, n == 1, want)
			}
		}
	}
	newRun := func(t *testing.T, f *roleFixture) freshObjects {
		c, a := f.deliveryAllocation(t, false)
		return freshObjects{body: map[string]any{"commitment_id": c, "allocation_ids": []string{a},
			"courier": map[string]string{"provider": "volunteer", "name": "Relawan Peran"}},
			after: func(t *testing.T, r role, _ *apptest.Client) {
				n := f.count(t, `SELECT COUNT(*) FROM deliveries WHERE commitment_id = $1`, c)
				if want := r == collabA || r == admin; (n == 1) != want {
					t.Errorf("after the request the run exists: %v; want %v", n == 1, want)
				}
			}}
	}
	runOf := func(t *testing.T, f *roleFixture) freshObjects {
		id, _, _ := f.deliveryRun(t, false)
		return freshObjects{id: id}
	}
	commitmentWithRun := func(t *testing.T, f *roleFixture) freshObjects {
		id, _, _ := f.deliveryRun(t, false)
		return freshObjects{id: f.one(t, `SELECT commitment_id FROM deliveries WHERE id = $1`, id)}
	}
	revoke := func(t *testing.T, f *roleFixture) freshObjects {
		id, _, _ := f.deliveryRun(t, false)
		return freshObjects{id: id, after: func(t *testing.T, r role, _ *apptest.Client) {
			n := f.count(t, `SELECT COUNT(*) FROM deliveries WHERE id = $1 AND status = 'revoked'`, id)
			if want := r == collabA || r == admin; (n == 1) != want {
				t.Errorf("after the request the run is revoked: %v; want %v", n == 1, want)
			}
		}}
	}
	deliverOwn := func(t *testing.T, f *roleFixture) freshObjects {
		_, a := f.deliveryAllocation(t, true)
		return freshObjects{id: a, body: map[string]string{"recipient_code": codes(f).For(a)}, after: allocationIs(f, a, "delivered", false)}
	}
	courierView := func(t *testing.T, f *roleFixture) freshObjects {
		_, tok, _ := f.deliveryRun(t, false)
		return freshObjects{id: tok}
	}
	courierStop := func(dispatched bool, status string, body func(f *roleFixture, a string) any) func(t *testing.T, f *roleFixture) freshObjects {
		return func(t *testing.T, f *roleFixture) freshObjects {
			_, tok, a := f.deliveryRun(t, dispatched)
			return freshObjects{id: tok + " " + a, body: body(f, a), after: allocationIs(f, a, status, true)}
		}
	}
	return []roleRow{
		{method: "POST", path: "/api/v1/deliveries", want: ofA(201), show: text(`"status":"assigned"`, `"courier_url":"http`), fresh: newRun},
		{method: "GET", path: "/api/v1/deliveries?commitment={fresh}", want: ofA(200), show: text(`"name":"Relawan Peran"`), fresh: commitmentWithRun},
		{method: "GET", path: "/api/v1/deliveries/{fresh}", want: ofA(200), show: text(deliveryPoolHead, "81277770007"), fresh: runOf},
		{method: "POST", path: "/api/v1/deliveries/{fresh}/revoke", want: ofA(200), show: text(`"status":"revoked"`), fresh: revoke},
		{method: "GET", path: "/api/v1/deliveries/{fresh}/list.csv", want: ofA(200), show: text("seq,allocation_id", deliveryPoolHead), fresh: runOf},
		{method: "POST", path: "/api/v1/allocations/{fresh}/deliver", want: ofA(200), show: text(`"status":"delivered"`, `"proof":"code"`), fresh: deliverOwn},
		{method: "GET", path: "/api/v1/delivery-flags", want: statuses{401, 404, 404, 200, 200, 200}, show: text(`"items":`)},
		// The courier's link is the right, whoever holds it.
		{method: "GET", path: "/api/v1/courier/{fresh}", want: everyone(200), show: text(deliveryPoolHead), fresh: courierView},
		{method: "POST", path: "/api/v1/courier/{fresh}/stops/{stop}/pickup", want: everyone(200), show: text(`"status":"dispatched"`),
			fresh: courierStop(false, "dispatched", func(*roleFixture, string) any { return nil })},
		{method: "POST", path: "/api/v1/courier/{fresh}/stops/{stop}/deliver", want: everyone(200), show: text(`"status":"delivered"`),
			fresh: courierStop(true, "delivered", func(f *roleFixture, a string) any { return map[string]string{"recipient_code": codes(f).For(a)} })},
		{method: "POST", path: "/api/v1/courier/{fresh}/stops/{stop}/fail", want: everyone(200), show: text(`"status":"failed"`),
			fresh: courierStop(true, "failed", func(*roleFixture, string) any { return map[string]string{"reason": "not_home"} })},
	}
}

// deliveriesConformance calls every delivery endpoint in the order a run goes:
// created, read, listed, picked up, delivered by code and by photo, failed, and a
// second run revoked.
func deliveriesConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	f := newDeliveryFixture(t, s, 6)
	a := f.allocs
	var run struct {
		ID         string
		CourierURL string `json:"courier_url"`
	}
	courier := map[string]string{"provider": "grabexpress", "name": "Sari Kurir", "plate": "B 9 ABC"}
	k.do(t, apiCall{as: f.collab, method: "POST", path: "/api/v1/deliveries", want: 201,
		body: map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[0], a[1], a[3]}, "courier": courier}}).JSON(t, &run)
	tok := run.CourierURL[strings.LastIndex(run.CourierURL, "/")+1:]
	stop := func(id, action string) string { return "/api/v1/courier/" + tok + "/stops/" + id + "/" + action }
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	for _, call := range []apiCall{
		{name: "a run needs a known provider", as: f.collab, method: "POST", path: "/api/v1/deliveries", want: 400, docRejects: true,
			body: map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[2]}, "courier": map[string]string{"provider": "becak", "name": "X"}}},
		{name: "an allocation in an open run is a conflict", as: f.collab, method: "POST", path: "/api/v1/deliveries", want: 409,
			body: map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[0]}, "courier": courier}},
		{name: "the commitment's runs", as: f.collab, method: "GET", path: "/api/v1/deliveries?commitment=" + f.commitment, want: 200},
		{name: "a run with its stops", as: f.collab, method: "GET", path: "/api/v1/deliveries/" + run.ID, want: 200},
		{name: "the stops as CSV", as: f.collab, method: "GET", path: "/api/v1/deliveries/" + run.ID + "/list.csv", want: 200},
		{name: "the courier opens the link", as: c.anon, method: "GET", path: "/api/v1/courier/" + tok, want: 200},
		{name: "an altered link is unauthorized", as: c.anon, method: "GET", path: "/api/v1/courier/" + tok + "x", want: 401},
		{name: "the courier picks up", as: c.anon, method: "POST", path: stop(a[0], "pickup"), want: 200},
		{name: "and another", as: c.anon, method: "POST", path: stop(a[1], "pickup"), want: 200},
		{name: "and a third", as: c.anon, method: "POST", path: stop(a[3], "pickup"), want: 200},
		{name: "a stop of no run of the link is not found", as: c.anon, method: "POST", path: stop(a[2], "pickup"), want: 404},
		{name: "a wrong code is invalid", as: c.anon, method: "POST", path: stop(a[0], "deliver"), want: 400,
			body: map[string]string{"recipient_code": fmt.Sprintf("%08d", (atoi(f.codes.For(a[0]))+7)%100_000_000)}},
		{name: "the courier delivers with the code", as: c.anon, method: "POST", path: stop(a[0], "deliver"), want: 200,
			body: map[string]any{"recipient_code": f.codes.For(a[0]), "received_by": "Ibu Panti", "lat": -6.17, "lon": 106.82}},
		{name: "the courier delivers with a photo", as: c.anon, method: "POST", path: stop(a[3], "deliver"), want: 200,
			form: []formPart{{name: "received_by", content: []byte("Pak Satpam")}, {name: "photo", filename: "bukti.jpg", content: photo.Bytes()}}},
		{name: "the courier could not deliver", as: c.anon, method: "POST", path: stop(a[1], "fail"), want: 200,
			body: map[string]string{"reason": "received_elsewhere"}},
		{name: "the collaborator marks one on its way", as: f.collab, method: "POST", path: "/api/v1/allocations/" + a[2] + "/dispatch", want: 200},
		{name: "the collaborator delivers with the code", as: f.collab, method: "POST", path: "/api/v1/allocations/" + a[2] + "/deliver", want: 200,
			body: map[string]string{"recipient_code": f.codes.For(a[2])}},
		{name: "delivered once only", as: f.collab, method: "POST", path: "/api/v1/allocations/" + a[2] + "/deliver", want: 409,
			body: map[string]string{"recipient_code": f.codes.For(a[2])}},
		{name: "the office reads its flags", as: c.office, method: "GET", path: "/api/v1/delivery-flags", want: 200},
	} {
		t.Run(call.name, func(t *testing.T) { f.bodies = append(f.bodies, string(k.do(t, call).Body)) })
	}
	var second struct{ ID string }
	k.do(t, apiCall{as: f.collab, method: "POST", path: "/api/v1/deliveries", want: 201,
		body: map[string]any{"commitment_id": f.commitment, "allocation_ids": []string{a[4], a[5]}, "courier": courier}}).JSON(t, &second)
	k.do(t, apiCall{as: f.collab, method: "POST", path: "/api/v1/deliveries/" + second.ID + "/revoke", want: 200})
	k.do(t, apiCall{as: f.collab, method: "POST", path: "/api/v1/deliveries/" + second.ID + "/revoke", want: 409})
	f.checkNoCode(t)
}

// failOnItsWay is an allocation of organisation A on its way (only such a one can
// fail), of the delivery pool: a failed allocation keeps its recipient's name for
// the handover record, and the pool's RW head is no secret of the fixture.
func failOnItsWay(t *testing.T, f *roleFixture) freshObjects {
	_, a := f.deliveryAllocation(t, true)
	return freshObjects{id: a, after: func(t *testing.T, r role, _ *apptest.Client) {
		n := f.count(t, `SELECT COUNT(*) FROM allocations WHERE id = $1 AND status = 'failed'`, a)
		if want := r == collabA || r == admin; (n == 1) != want {
			t.Errorf("after the request the allocation is failed: %v; want %v", n == 1, want)
		}
	}}
}

// TestARunOfAThousandStops creates the largest run and says how long it took
// (issue 11 asks for under 300 ms; the bound here is loose for -race).
func TestARunOfAThousandStops(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 1000)
			start := time.Now()
			var created struct{ ID string }
			f.do(t, f.collab, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": f.commitment, "allocation_ids": f.allocs,
				"courier": map[string]string{"provider": "other", "name": "Truk"}}, 201).JSON(t, &created)
			took := time.Since(start)
			start = time.Now()
			var run struct{ Stops []allocate.Stop }
			f.do(t, f.collab, "GET", "/api/v1/deliveries/"+created.ID, nil, 200).JSON(t, &run)
			t.Logf("%s: a run of %d stops created in %v, read in %v", eng, len(run.Stops), took, time.Since(start))
			if took > 5*time.Second || len(run.Stops) != 1000 {
				t.Errorf("a run of 1,000 stops took %v and has %d", took, len(run.Stops))
			}
			for i := 1; i < len(run.Stops); i++ {
				p, q := run.Stops[i-1].Target, run.Stops[i].Target
				if p.Region > q.Region || (p.Region == q.Region && (p.RW > q.RW || (p.RW == q.RW && (p.RT > q.RT || (p.RT == q.RT && p.Address > q.Address))))) {
					t.Fatalf("stop %d (%+v) comes before %+v: not a driver's order", i, p, q)
				}
			}
			f.do(t, f.collab, "POST", "/api/v1/deliveries", map[string]any{"commitment_id": f.commitment, "allocation_ids": append(f.allocs, "one-too-many"),
				"courier": map[string]string{"provider": "other", "name": "Truk"}}, 400)
		})
	}
}

// TestSixteenDeliveriesOfOnePackage: a collaborator and its courier, sixteen
// requests at once with the right code; one delivers, the rest are conflicts, and
// one proof and one audit entry are written.
func TestSixteenDeliveriesOfOnePackage(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 1)
			a := f.allocs[0]
			_, tok := f.run(t, a)
			f.do(t, s.Client(), "POST", "/api/v1/courier/"+tok+"/stops/"+a+"/pickup", nil, 200)
			body := map[string]string{"recipient_code": f.codes.For(a)}
			var wg sync.WaitGroup
			status := make([]int, 16)
			errs := make([]error, 16)
			for i := range status {
				wg.Go(func() {
					c, path := f.collab, "/api/v1/allocations/"+a+"/deliver"
					if i%2 == 1 {
						c, path = s.Client(), "/api/v1/courier/"+tok+"/stops/"+a+"/deliver"
					}
					r, err := c.Try("POST", path, body)
					status[i], errs[i] = r.Status, err
				})
			}
			wg.Wait()
			ok := 0
			for i, st := range status {
				switch {
				case errs[i] != nil:
					t.Fatal(errs[i])
				case st == 200:
					ok++
				case st != 409:
					t.Errorf("request %d: %d, want 200 or 409", i, st)
				}
			}
			if ok != 1 {
				t.Fatalf("%d deliveries succeeded, want 1", ok)
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'allocation.deliver' AND object_id = $1`, a); n != 1 {
				t.Errorf("%d audit entries, want 1", n)
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM delivery_proofs WHERE allocation_id = $1`, a); n != 1 {
				t.Errorf("%d proofs, want 1", n)
			}
		})
	}
}

// TestAStopEndedByTheEngineLeavesItsRun: cancelling a commitment cancels its
// reserved allocations; their stops leave the run (the run no longer waits for
// them), the package on its way stays, and the run is done once that one ends.
func TestAStopEndedByTheEngineLeavesItsRun(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 3)
			a := f.allocs
			runID, tok := f.run(t, a[0], a[1])
			f.do(t, s.Client(), "POST", "/api/v1/courier/"+tok+"/stops/"+a[0]+"/pickup", nil, 200)
			f.do(t, f.collab, "POST", "/api/v1/commitments/"+f.commitment+"/cancel", nil, 200)
			open := func() string {
				return f.one(t, `SELECT COUNT(*) FROM delivery_stops WHERE delivery_id = $1 AND open = 1`, runID)
			}
			if st := f.one(t, `SELECT status FROM allocations WHERE id = $1`, a[1]); st != "cancelled" || open() != "1" {
				t.Fatalf("after the cancel: allocation %s, %s open stops; want cancelled and 1 (the package on its way)", st, open())
			}
			if st := f.one(t, `SELECT status FROM deliveries WHERE id = $1`, runID); st != "in_progress" {
				t.Fatalf("run %s, want in_progress while a package is on its way", st)
			}
			f.do(t, s.Client(), "POST", "/api/v1/courier/"+tok+"/stops/"+a[0]+"/deliver", map[string]string{"recipient_code": f.codes.For(a[0])}, 200)
			if st := f.one(t, `SELECT status FROM deliveries WHERE id = $1`, runID); st != "done" || open() != "0" {
				t.Fatalf("run %s with %s open stops after its last package; want done and 0", st, open())
			}
		})
	}
}

// TestACommitmentCompletedByItsCancelIsThanked: the last open allocation of a
// commitment that delivered something is cancelled: the commitment has nothing
// left to do, so its certificate is issued and its organisation told, once.
func TestACommitmentCompletedByItsCancelIsThanked(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			f := newDeliveryFixture(t, s, 2)
			a := f.allocs
			_, tok := f.run(t, a[0])
			f.do(t, s.Client(), "POST", "/api/v1/courier/"+tok+"/stops/"+a[0]+"/pickup", nil, 200)
			f.do(t, s.Client(), "POST", "/api/v1/courier/"+tok+"/stops/"+a[0]+"/deliver", map[string]string{"recipient_code": f.codes.For(a[0])}, 200)
			f.do(t, f.collab, "GET", "/api/v1/commitments/"+f.commitment+"/certificate.pdf", nil, 409) // a[1] is still reserved
			f.do(t, f.collab, "POST", "/api/v1/commitments/"+f.commitment+"/cancel", nil, 200)
			certs := f.one(t, `SELECT COUNT(*) FROM document_records WHERE kind = 'certificate' AND commitment_id = $1`, f.commitment)
			msgs := f.one(t, `SELECT COUNT(*) FROM outbox WHERE kind = 'commitment_complete'`)
			if certs != "1" || msgs != "1" {
				t.Fatalf("after the cancel that completed the commitment: %s certificates, %s messages; want 1 and 1", certs, msgs)
			}
			f.do(t, f.collab, "GET", "/api/v1/commitments/"+f.commitment+"/certificate.pdf", nil, 200)
			if n := f.one(t, `SELECT COUNT(*) FROM document_records WHERE kind = 'certificate' AND commitment_id = $1`, f.commitment); n != "1" {
				t.Errorf("%s certificates after the download, want the one issued", n)
			}
		})
	}
}
