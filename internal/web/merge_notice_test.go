package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// dupPair is an open duplicate pair of two households of kelurahan 31.71.01.1001:
// a (Soekarno Djojo, with his wife Fatmawati, RW 001/RT 001) and b (Sukarno Joyo,
// alone, RW 003/RT 002), with their numbers as imported.
type dupPair struct {
	d          registry.Duplicate
	a, b       registry.Target
	kkA, kkB   string
	niks       []string
	fatma      string // Fatmawati's member id
	village    string
	namesAndAt []string // names and addresses of both households
}

// importPair imports the two households as office (whose client is off) and
// returns the one pair the import queued.
func importPair(t *testing.T, s *apptest.Server, off *apptest.Client, office registry.Importer) dupPair {
	t.Helper()
	k := serial(s)
	p := dupPair{kkA: kkOf("317101", k), kkB: kkOf("317101", k+1), village: "31.71.01.1001",
		niks:       []string{nikOf("317101", "1948-04-17", false, k), nikOf("317101", "1952-06-01", true, k+2), nikOf("317101", "1948-04-17", false, k+1)},
		namesAndAt: []string{"Soekarno", "Fatmawati", "Sukarno", "Tanah Abang", "Abdul Muis"}}
	file := householdHeader +
		hhRow(p.kkA, p.niks[0], "Soekarno Djojo", "1948-04-17", "L", "Kepala Keluarga", p.village, "1", "1", "Jl. Tanah Abang II No. 4", "", "") +
		hhRow(p.kkA, p.niks[1], "Fatmawati", "1952-06-01", "P", "Istri", p.village, "1", "1", "Jl. Tanah Abang II No. 4", "", "") +
		hhRow(p.kkB, p.niks[2], "Sukarno Joyo", "1948-04-17", "L", "Kepala Keluarga", p.village, "3", "2", "Jl. Abdul Muis No. 7", "", "")
	if im := importAs(t, s, office, "pasangan.csv", file); im.Review == 0 {
		t.Fatalf("the import queued no possible duplicate: %+v", im)
	}
	var pairs struct{ Items []registry.Duplicate }
	off.Do(t, "GET", "/api/v1/duplicates?status=open", nil).JSON(t, &pairs)
	if len(pairs.Items) != 1 {
		t.Fatalf("%d open pairs, want 1", len(pairs.Items))
	}
	p.d = pairs.Items[0]
	off.Do(t, "GET", "/api/v1/targets/"+p.d.TargetIDs[0], nil).JSON(t, &p.a)
	off.Do(t, "GET", "/api/v1/targets/"+p.d.TargetIDs[1], nil).JSON(t, &p.b)
	if p.a.Name != "Soekarno Djojo" {
		p.a, p.b = p.b, p.a
	}
	for _, m := range p.a.Members {
		if m.Name == "Fatmawati" {
			p.fatma = m.ID
		}
	}
	if p.fatma == "" || p.a.Size != 2 || p.b.Size != 1 {
		t.Fatalf("the pair as imported: %s has %d (%v), %s has %d", p.a.Name, p.a.Size, p.a.Members, p.b.Name, p.b.Size)
	}
	return p
}

// TestAMergeTellsTheOrganisationsServingTheMergedHousehold is issue 15 item 9's
// notice: an office merges a pair (on the compare page, or by the API) in which
// one organisation serves the household merged away and another the household
// kept. The first organisation's contact address gets one household_merged e-mail
// naming the kept household (masked No. KK, RW/RT, kelurahan) and the program;
// the second, a third organisation serving nothing and the first's own users get
// nothing. The e-mail holds no NIK or No. KK in clear, and nothing of the kept
// household that the first may not see (names, addresses).
func TestAMergeTellsTheOrganisationsServingTheMergedHousehold(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		for _, route := range []string{"page", "api"} {
			t.Run(string(eng)+"/"+route, func(t *testing.T) { mergeNotice(t, eng, route) })
		}
	}
}

// mergeNotice runs the merge notice's test on eng, the office deciding through
// route: the compare page's form ("page") or the API.
func mergeNotice(t *testing.T, eng store.Engine, route string) {
	mail, port := newInbox(t)
	s := apptest.Start(t, eng, sendsTo(port))
	off, office := asOffice(t, s, "31.71")
	p := importPair(t, s, off, importer(office))
	prog, _ := publishProgram(t, s, program.Input{Name: "Sembako Gabung", Category: "pangan", Item: program.Item{Name: "Beras", Unit: "paket", UnitValue: 100000},
		TargetKinds: []string{"household"}, Regions: []string{p.village}, Phases: weeks(1), QuantityRule: program.PerTarget})
	orgA, userA, _ := s.Org(t, "Yayasan Yang Digabung", true)
	orgB, userB, _ := s.Org(t, "Yayasan Yang Tetap", true)
	orgC, _, _ := s.Org(t, "Yayasan Tanpa Alokasi", true)
	// Households are reached through an area: A takes one of the pair, B the
	// other.
	served := map[string]string{}
	for _, u := range []string{userA.ID, userB.ID} {
		if r := s.As(t, u).Do(t, "POST", "/api/v1/commitments", map[string]any{"program_id": prog.ID, "phase": "Minggu 1", "quantity": 1,
			"region": p.village, "deliver_by": futureDate(2)}); r.Status != http.StatusCreated {
			t.Fatalf("commit: %d %s", r.Status, r.Body)
		}
	}
	for _, o := range []string{orgA.ID, orgB.ID} {
		var target string
		if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT target_id FROM allocations WHERE org_id = $1 AND status = 'reserved'`, o).Scan(&target); err != nil {
			t.Fatalf("the allocation of %s: %v", o, err)
		}
		served[o] = target
	}
	drop, keep, keptAt, keptKK, droppedKK := p.a, p.b, "RW 003/RT 002", p.kkB, p.kkA
	if served[orgA.ID] == p.b.ID {
		drop, keep, keptAt, keptKK, droppedKK = p.b, p.a, "RW 001/RT 001", p.kkA, p.kkB
	}
	if served[orgA.ID] != drop.ID || served[orgB.ID] != keep.ID {
		t.Fatalf("A serves %s and B %s, want one each of %s and %s", served[orgA.ID], served[orgB.ID], p.a.ID, p.b.ID)
	}
	// The office keeps B's household and merges A's into it.
	if route == "page" {
		if r := off.Do(t, "POST", "/duplicates/"+p.d.ID+"/resolve", url.Values{"decision": {"merge"}, "keep": {keep.ID}}); r.Status != http.StatusSeeOther ||
			r.Header.Get("Location") != "/duplicates" {
			t.Fatalf("the merge: %d %s %s", r.Status, r.Header.Get("Location"), off.Do(t, "GET", r.Header.Get("Location"), nil).Body)
		}
	} else if r := off.Do(t, "POST", "/api/v1/duplicates/"+p.d.ID+"/resolve", map[string]string{"decision": "merge", "keep": keep.ID}); r.Status != http.StatusOK {
		t.Fatalf("the merge: %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.App.Messages.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	got := mail.to(orgA.ContactEmail)
	if len(got) != 1 {
		t.Fatalf("%d mails to the organisation serving the merged household, want 1", len(got))
	}
	village, _ := s.App.Regions.Get(p.village)
	for _, want := range []string{"digabung", "Sembako Gabung", "KK " + mask(keptKK) + ", " + keptAt + ", " + village.Name, "KK " + mask(droppedKK), "(1 unit)"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("the notice lacks %q:\n%s", want, got[0])
		}
	}
	for _, secret := range append(append([]string{p.kkA, p.kkB}, p.niks...), p.namesAndAt...) {
		if strings.Contains(got[0], secret) {
			t.Errorf("the notice holds %q:\n%s", secret, got[0])
		}
	}
	for who, addr := range map[string]string{"the organisation serving the kept household": orgB.ContactEmail,
		"an organisation serving neither": orgC.ContactEmail, "A's user": userA.Email, "B's user": userB.Email} {
		if n := len(mail.to(addr)); n != 0 {
			t.Errorf("%s got %d mails, want none", who, n)
		}
	}
	if n := outboxRows(t, s, "household_merged", ""); n != 1 {
		t.Errorf("%d household_merged messages in the outbox, want 1", n)
	}
}
