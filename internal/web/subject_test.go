package web_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/storetest"
)

func TestSubjectAccessGivesTheOfficeEverythingAboutOneTarget(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			w := newSelfWorld(t, s, 0)
			alloc := w.commit(t)
			w.move(t, alloc, "dispatch", nil)
			w.move(t, alloc, "deliver", map[string]any{"recipient_code": deliver.NewCodes(s.App.Vault.Subkey("recipient code v1")).For(alloc),
				"received_by": "Sri"})
			// A correction through the office: audited, and so in the download.
			if r := w.officeX.Do(t, "PATCH", "/api/v1/targets/"+w.hh, map[string]any{"address": "Jl. Cek Baru No. 7"}); r.Status != 200 {
				t.Fatalf("correction: %d %s", r.Status, r.Body)
			}
			path := "/api/v1/targets/" + w.hh + "/subject-access"
			const q = `SELECT COUNT(*) FROM audit_log WHERE action = 'target.subject_access' AND object_id = $1`
			entries := func() int { return countRows(t, s, q, w.hh) }

			for _, c := range []struct {
				who    string
				client *apptest.Client
				want   int
			}{{"the office of another kota", w.officeY, 404}, {"a collaborator", w.collab, 404}, {"an anonymous caller", w.anon, 401}} {
				if r := c.client.Do(t, "GET", path, nil); r.Status != c.want || bytes.Contains(r.Body, []byte(w.headName)) {
					t.Errorf("%s: %d %.200s, want %d", c.who, r.Status, r.Body, c.want)
				}
			}
			if n := entries(); n != 0 {
				t.Errorf("%d subject_access entries after refusals, want 0", n)
			}
			if r := w.officeX.Do(t, "GET", "/api/v1/targets/no-such-target/subject-access", nil); r.Status != 404 {
				t.Errorf("an unknown target: %d", r.Status)
			}

			r := w.officeX.Do(t, "GET", path, nil)
			if r.Status != 200 {
				t.Fatalf("the office of the region: %d %s", r.Status, r.Body)
			}
			if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) {
				t.Errorf("Content-Disposition %q, want an attachment", cd)
			}
			if n := entries(); n != 1 {
				t.Errorf("%d subject_access entries after the download, want 1", n)
			}
			var got struct {
				Record struct {
					Target struct {
						Address string
						KK      string `json:"kk"`
						Members []struct{ Name, NIK string }
					}
				}
				Aid []struct {
					Program     string
					Allocations []struct{ ID, Status string }
				}
				Deliveries []struct {
					AllocationID string `json:"allocation_id"`
					Proof        *struct {
						Kind       string
						ReceivedBy string `json:"received_by"`
					}
				}
				Audit []struct {
					Action, ActorID string
				}
			}
			r.JSON(t, &got)
			tg := got.Record.Target
			if tg.Address != "Jl. Cek Baru No. 7" || len(tg.Members) != 2 || tg.Members[0].NIK != w.head || tg.Members[1].NIK != w.wife || tg.KK == "" {
				t.Errorf("the record: %+v, want the corrected address and both members' NIKs in clear", tg)
			}
			if len(got.Aid) != 1 || got.Aid[0].Program != w.prog.Name || len(got.Aid[0].Allocations) != 1 ||
				got.Aid[0].Allocations[0].ID != alloc || got.Aid[0].Allocations[0].Status != "delivered" {
				t.Errorf("the aid: %+v", got.Aid)
			}
			if len(got.Deliveries) != 1 || got.Deliveries[0].Proof == nil || got.Deliveries[0].Proof.Kind != "code" || got.Deliveries[0].Proof.ReceivedBy != "Sri" {
				t.Errorf("the deliveries: %+v", got.Deliveries)
			}
			actions := map[string]bool{}
			for _, e := range got.Audit {
				actions[e.Action] = true
			}
			for _, a := range []string{"target.correct", "target.subject_access", "target.view_personal_data", "allocation.dispatch", "allocation.deliver"} {
				if !actions[a] {
					t.Errorf("no %s entry in the history: %v", a, actions)
				}
			}
			for _, secret := range []string{w.nbName, w.neighbourNIK, apptest.AdminEmail} {
				if bytes.Contains(r.Body, []byte(secret)) {
					t.Errorf("the download shows %q", secret)
				}
			}
			var raw map[string]json.RawMessage
			r.JSON(t, &raw)
			for _, k := range []string{"record", "aid", "deliveries", "audit", "generated_at"} {
				if _, ok := raw[k]; !ok {
					t.Errorf("no %q in the download", k)
				}
			}

			// The admin holds the right province-wide but, as in every admin read,
			// sees NIK and No. KK masked.
			a := w.admin.Do(t, "GET", path, nil)
			if a.Status != 200 || bytes.Contains(a.Body, []byte(w.head)) || !bytes.Contains(a.Body, []byte(mask(w.head))) {
				t.Errorf("the admin: %d, clear NIK shown: %v", a.Status, bytes.Contains(a.Body, []byte(w.head)))
			}
			if n := entries(); n != 2 {
				t.Errorf("%d subject_access entries after the admin's download, want 2", n)
			}
		})
	}
}
