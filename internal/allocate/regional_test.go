package allocate_test

import (
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// pageAll reads every page of a commitment's allocations as who, forward and then
// back by the Prev links, and checks that each page's Total is the same.
func pageAll(t *testing.T, f *fixture, who allocate.Who, id string, flt allocate.AllocationFilter) []string {
	t.Helper()
	var ids []string
	var cursors []string
	total := -1
	for {
		pg, err := f.alloc.AllocationsPage(f.ctx, who, id, flt)
		if err != nil {
			t.Fatalf("page after %q: %v", flt.Cursor, err)
		}
		if total >= 0 && pg.Total != total {
			t.Fatalf("total changed between pages: %d, then %d", total, pg.Total)
		}
		total = pg.Total
		if pg.HasPrev != (flt.Cursor != "") {
			t.Fatalf("page after %q: HasPrev = %v", flt.Cursor, pg.HasPrev)
		}
		if len(cursors) > 0 && pg.Prev != cursors[len(cursors)-1] {
			t.Fatalf("page after %q: Prev = %q, want %q", flt.Cursor, pg.Prev, cursors[len(cursors)-1])
		}
		for _, a := range pg.Items {
			ids = append(ids, a.ID)
		}
		if pg.Next == "" {
			break
		}
		cursors = append(cursors, flt.Cursor)
		flt.Cursor = pg.Next
	}
	if len(ids) != total {
		t.Fatalf("pages held %d allocations, total says %d", len(ids), total)
	}
	return ids
}

func TestAllocationsPageReachesEveryRecipientWithFiltersAndTotals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 7 {
			f.target("household", kelA, 4, 0)
		}
		for range 5 {
			f.target("household", kelB, 4, 0)
		}
		// A household found only by a member who is not its head.
		h := f.target("household", kelB, 4, 0)
		f.exec(`INSERT INTO members (id, target_id, region, nik_enc, nik_hash, nik_mask, name, name_norm, birth_date, sex, relation, row_hash, created_at, updated_at)
			VALUES ('mbr-siti', $1, $2, 'sealed', $4, '3171********0002', 'Siti Aminah', 'siti aminah', '1990-01-01', 'P', 'Istri', 'h', $3, $3)`,
			h, kelB, f.clock.Now(), fakeHash("mbr-siti"))
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		c := f.commit(f.org(true), allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 13, Region: "31.71.01"})
		if c.Allocated != 13 {
			t.Fatalf("commitment: %+v", c)
		}
		admin := allocate.Who{UserID: "test-admin", Role: account.Admin}
		all := pageAll(t, f, admin, c.ID, allocate.AllocationFilter{Limit: 3})
		seen := map[string]bool{}
		for _, id := range all {
			seen[id] = true
		}
		if len(all) != 13 || len(seen) != 13 {
			t.Fatalf("paging by 3 reached %d allocations (%d distinct), want 13", len(all), len(seen))
		}
		if got := pageAll(t, f, admin, c.ID, allocate.AllocationFilter{Limit: 2, Region: kelB}); len(got) != 6 {
			t.Fatalf("kelurahan filter: %d allocations, want 6", len(got))
		}
		pg, err := f.alloc.AllocationsPage(f.ctx, admin, c.ID, allocate.AllocationFilter{Q: "aminah"})
		if err != nil || pg.Total != 1 || len(pg.Items) != 1 || pg.Items[0].Target.ID != h {
			t.Fatalf("search by a member's name: %+v, %v; want the household %s", pg, err, h)
		}
		pg, err = f.alloc.AllocationsPage(f.ctx, admin, c.ID, allocate.AllocationFilter{RW: 2})
		if err != nil || pg.Total != 0 {
			t.Fatalf("RW filter (every target is in RW 0): %+v, %v", pg, err)
		}
	})
}

func TestAnOfficeSeesTheCommitmentsOfItsRegionByEveryOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for range 3 {
			f.target("household", kelA, 4, 0)
			f.target("household", kelC, 4, 0)
		}
		p := f.program(program.Input{TargetKinds: []string{"household"}})
		orgX, orgY := f.org(true), f.org(true)
		inX := f.commit(orgX, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelA})
		inY := f.commit(orgY, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: kelC})
		// A province-wide commitment reaches both kota.
		both := f.commit(orgY, allocate.Request{ProgramID: p.ID, Phase: "Minggu 1", Quantity: 2, Region: "31"})
		officeX := allocate.Who{UserID: "office-x", Role: account.Office, Region: "31.71"}

		cs, _, err := f.alloc.List(f.ctx, officeX, allocate.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range cs {
			got[c.ID] = c.OrgID
		}
		if _, ok := got[inX.ID]; !ok || got[inX.ID] != orgX.OrgID || len(got) != 1+btoi(f.reaches(both.ID, "31.71")) {
			t.Fatalf("office of 31.71 lists %v; want %s by %s (and the province-wide one if it holds a household there), not %s", got, inX.ID, orgX.OrgID, inY.ID)
		}
		if n, err := f.alloc.Count(f.ctx, officeX, allocate.ListFilter{}); err != nil || n != len(got) {
			t.Fatalf("Count for the office = %d, %v; List gave %d", n, err, len(got))
		}
		if n, err := f.alloc.Count(f.ctx, orgY, allocate.ListFilter{}); err != nil || n != 2 {
			t.Fatalf("Count for an organisation = %d, %v; want its 2", n, err)
		}
		if _, err := f.alloc.Get(f.ctx, officeX, inY.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("office of 31.71 reads a commitment of 31.72: %v", err)
		}
		pg, err := f.alloc.AllocationsPage(f.ctx, officeX, both.ID, allocate.AllocationFilter{})
		if f.reaches(both.ID, "31.71") {
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range pg.Items {
				if a.Target.Region[:5] != "31.71" {
					t.Fatalf("office of 31.71 sees an allocation in %s", a.Target.Region)
				}
			}
		}
		// Reading is all it does.
		if _, err := f.alloc.Cancel(f.ctx, officeX, inX.ID); err == nil {
			t.Fatal("an office cancelled a commitment")
		}
		if _, _, err := f.alloc.Allocations(f.ctx, officeX, inX.ID, "", 50); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the API's allocations (the organisation's own) answer an office: %v", err)
		}
	})
}

// reaches reports whether a commitment holds an allocation in region code.
func (f *fixture) reaches(id, code string) bool {
	return f.count(`SELECT COUNT(*) FROM allocations WHERE commitment_id = $1 AND region LIKE $2`, id, code+"%") > 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
