package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// TestMoveAMemberBetweenThePairsKKs is issue 15 item 9's third decision, from the
// compare page: the office moves one person listed in the wrong KK to the other;
// both households' sizes follow, the move is audited and the pair is decided. The
// page marks the digits in which the two No. KK differ.
func TestMoveAMemberBetweenThePairsKKs(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			off, office := asOffice(t, s, "31.71")
			k := serial(s)
			kkA, kkB := kkOf("317101", k), kkOf("317101", k+1)
			file := householdHeader +
				hhRow(kkA, nikOf("317101", "1948-04-17", false, k), "Soekarno Djojo", "1948-04-17", "L", "Kepala Keluarga", "31.71.01.1001", "1", "1", "Jl. Tanah Abang II No. 4", "", "") +
				hhRow(kkA, nikOf("317101", "1952-06-01", true, k+2), "Fatmawati", "1952-06-01", "P", "Istri", "31.71.01.1001", "1", "1", "Jl. Tanah Abang II No. 4", "", "") +
				hhRow(kkB, nikOf("317101", "1948-04-17", false, k+1), "Sukarno Joyo", "1948-04-17", "L", "Kepala Keluarga", "31.71.01.1001", "3", "2", "Jl. Abdul Muis No. 7", "", "")
			if im := importAs(t, s, importer(office), "pasangan.csv", file); im.Review == 0 {
				t.Fatalf("the import queued no possible duplicate: %+v", im)
			}
			var pairs struct{ Items []registry.Duplicate }
			off.Do(t, "GET", "/api/v1/duplicates?status=open", nil).JSON(t, &pairs)
			if len(pairs.Items) != 1 {
				t.Fatalf("%d open pairs, want 1", len(pairs.Items))
			}
			d := pairs.Items[0]
			var a, b registry.Target
			off.Do(t, "GET", "/api/v1/targets/"+d.TargetIDs[0], nil).JSON(t, &a)
			off.Do(t, "GET", "/api/v1/targets/"+d.TargetIDs[1], nil).JSON(t, &b)
			if a.Name != "Soekarno Djojo" {
				a, b = b, a
			}
			var fatma string
			for _, m := range a.Members {
				if m.Name == "Fatmawati" {
					fatma = m.ID
				}
			}
			if fatma == "" || a.Size != 2 || b.Size != 1 {
				t.Fatalf("before the move: %s has %d (%v), %s has %d", a.Name, a.Size, a.Members, b.Name, b.Size)
			}
			page := string(off.Do(t, "GET", "/duplicates/"+d.ID, nil).Body)
			if !strings.Contains(page, `id="move-`+fatma+`"`) || !strings.Contains(page, "<mark>") {
				t.Fatalf("the compare page offers no move for Fatmawati or marks no differing digit")
			}
			r := off.Do(t, "POST", "/duplicates/"+d.ID+"/resolve", url.Values{"decision": {"move"}, "member_id": {fatma}, "to": {b.ID}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("the move: %d %s", r.Status, r.Body)
			}
			var a2, b2 registry.Target
			off.Do(t, "GET", "/api/v1/targets/"+a.ID, nil).JSON(t, &a2)
			off.Do(t, "GET", "/api/v1/targets/"+b.ID, nil).JSON(t, &b2)
			if a2.Size != 1 || b2.Size != 2 {
				t.Errorf("after the move %s has %d members, %s has %d; want 1 and 2", a2.Name, a2.Size, b2.Name, b2.Size)
			}
			if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'duplicate.move'`); n != 1 {
				t.Errorf("%d duplicate.move audit entries, want 1", n)
			}
			off.Do(t, "GET", "/api/v1/duplicates?status=open", nil).JSON(t, &pairs)
			if len(pairs.Items) != 0 {
				t.Errorf("the pair is still open after the move")
			}
		})
	}
}
