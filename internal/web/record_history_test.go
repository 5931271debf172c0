package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/storetest"
)

// TestTheTargetPageShowsDeliveredAndFailedAid extends the target page's aid
// history past "reserved": one organisation's package delivered (its proof, the
// recipient's code, and the day), another's failed at the door (the day it ended,
// no proof), in Indonesian and in English. Another kota's office gets a 404 for
// the page; a collaborator, even the one that delivered, reads no registry page
// (404, as the role table says: registry reads are offices' and the admin's),
// its own commitment but not the other organisation's.
func TestTheTargetPageShowsDeliveredAndFailedAid(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			w := newRecordWorld(t, eng)
			s := w.s
			orgB, userB, _ := s.Org(t, "Yayasan Gagal Antar", true)
			asB := s.As(t, userB.ID)
			courier := s.Client()
			codes := deliver.NewCodes(s.App.Vault.Subkey("recipient code v1"))
			// step sends a run of commitment c's one allocation with the courier,
			// who picks it up and then does what (deliver or fail) with body.
			step := func(c string, asOrg *apptest.Client, what string, body func(alloc string) map[string]string) string {
				f := &deliveryFixture{s: s, collab: asOrg, commitment: c}
				alloc := f.one(t, `SELECT id FROM allocations WHERE commitment_id = $1`, c)
				_, tok := f.run(t, alloc)
				f.do(t, courier, "POST", "/api/v1/courier/"+tok+"/stops/"+alloc+"/pickup", nil, 200)
				f.do(t, courier, "POST", "/api/v1/courier/"+tok+"/stops/"+alloc+"/"+what, body(alloc), 200)
				return alloc
			}
			delivered := w.commit(t, w.collab, w.program(t, "Sembako Tersalur", "Beras"))
			failed := w.commit(t, asB, w.program(t, "Susu Gagal", "Susu"))
			step(delivered, w.collab, "deliver", func(a string) map[string]string {
				return map[string]string{"recipient_code": codes.For(a), "received_by": "Slamet Riyadi"}
			})
			step(failed, asB, "fail", func(string) map[string]string { return map[string]string{"reason": "not_home"} })
			today := time.Now().In(time.FixedZone("WIB", 7*3600))

			row := regexp.MustCompile(`(?s)<tr data-status="(delivered|failed)">(.*?)</tr>`)
			rows := func(lang string) map[string]string {
				t.Helper()
				r := w.office.Do(t, "GET", "/registry/targets/"+w.id, nil)
				if r.Status != http.StatusOK {
					t.Fatalf("the target page in %s: %d", lang, r.Status)
				}
				out := map[string]string{}
				for _, m := range row.FindAllStringSubmatch(string(r.Body), -1) {
					out[m[1]] = strings.Join(strings.Fields(m[2]), " ")
				}
				if len(out) != 2 {
					t.Fatalf("the history in %s has rows %v, want one delivered and one failed", lang, out)
				}
				return out
			}
			for _, c := range []struct {
				lang      string
				delivered []string
				failed    []string
			}{
				{"id", []string{"Sembako Tersalur", "Beras", w.collabOrg.Name, ">tersalurkan</span>", "tersalurkan " + longDay(t, today.Format(time.DateOnly)), "kode penerima"},
					[]string{"Susu Gagal", "Susu", orgB.Name, ">gagal</span>", "berakhir " + longDay(t, today.Format(time.DateOnly)), "—"}},
				{"en", []string{"Sembako Tersalur", w.collabOrg.Name, ">delivered</span>", "delivered on " + today.Format("2 January 2006"), "recipient&#39;s code"},
					[]string{"Susu Gagal", orgB.Name, ">failed</span>", "ended on " + today.Format("2 January 2006"), "—"}},
			} {
				if c.lang == "en" {
					w.office.Do(t, "GET", "/lang/en?next=/", nil)
				}
				got := rows(c.lang)
				for status, wants := range map[string][]string{"delivered": c.delivered, "failed": c.failed} {
					for _, want := range wants {
						if !strings.Contains(got[status], want) {
							t.Errorf("in %s the %s row lacks %q: %s", c.lang, status, want, got[status])
						}
					}
				}
				if strings.Contains(got["failed"], "delivered on") || strings.Contains(got["failed"], "code") || strings.Contains(got["failed"], "kode") {
					t.Errorf("in %s the failed row tells of a delivery: %s", c.lang, got["failed"])
				}
			}

			if r := w.officeY.Do(t, "GET", "/registry/targets/"+w.id, nil); r.Status != http.StatusNotFound {
				t.Errorf("another kota's office reads the target page: %d", r.Status)
			}
			for _, c := range []struct {
				who  string
				as   *apptest.Client
				mine string
				not  string
			}{{"the delivering collaborator", w.collab, delivered, failed}, {"the failing collaborator", asB, failed, delivered}} {
				for _, path := range []string{"/registry/targets/" + w.id, "/api/v1/targets/" + w.id, "/commitments/" + c.not} {
					if r := c.as.Do(t, "GET", path, nil); r.Status != http.StatusNotFound {
						t.Errorf("%s reads %s: %d, want 404", c.who, path, r.Status)
					}
				}
				if r := c.as.Do(t, "GET", "/commitments/"+c.mine, nil); r.Status != http.StatusOK {
					t.Errorf("%s cannot read its own commitment: %d", c.who, r.Status)
				}
			}
		})
	}
}
