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
			p := importPair(t, s, off, importer(office))
			d, a, b, fatma := p.d, p.a, p.b, p.fatma
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
			var pairs struct{ Items []registry.Duplicate }
			off.Do(t, "GET", "/api/v1/duplicates?status=open", nil).JSON(t, &pairs)
			if len(pairs.Items) != 0 {
				t.Errorf("the pair is still open after the move")
			}
		})
	}
}
