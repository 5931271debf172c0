package web_test

import (
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/storetest"
)

// TestCommitFromWarehouseStockOverTheAPI is the task force's onward
// distribution through POST /api/v1/commitments with "warehouse_id": the whole
// quantity is reserved from the warehouse, more than is available is a
// conflict, another organisation finds no such warehouse, and the commitment
// names its stock in JSON and on its page.
func TestCommitFromWarehouseStockOverTheAPI(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng)
			imp := adminImporter(t, s)
			importKind(t, s, imp, registry.RW, "rw.csv", rwHeader+rwRow("31.71.02.1002", 3, "Ketua Uji", "081311110003", 12, 40))
			p, _ := publishProgram(t, s, program.Input{Name: "Sembako Gugus Tugas", Category: "pangan",
				Item: program.Item{Name: "Paket sembako", Unit: "paket", UnitValue: 200000}, TargetKinds: []string{"rw"},
				Regions: []string{"31.71.02"}, Phases: weeks(1), QuantityRule: program.PerFamily})
			force, forceUser, forcePW := s.Org(t, "Gugus Tugas", true)
			_, otherUser, _ := s.Org(t, "Yayasan Lain", true)
			admin, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
			if err != nil {
				t.Fatal(err)
			}
			adminWho := donate.Who{UserID: admin.ID, Role: account.Admin}
			wh, err := s.App.Donations.CreateWarehouse(s.Ctx(), adminWho, donate.NewWarehouse{Name: "Gudang Pusat", Region: "31.71", OrgID: force.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Donations.Adjust(s.Ctx(), adminWho, wh.ID, donate.Adjustment{Item: "Paket sembako", Quantity: 30,
				ExpiresOn: "2030-01-31", Reason: "stok awal"}); err != nil {
				t.Fatal(err)
			}
			body := func(q int, extra ...string) map[string]any {
				b := map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": q, "region": "31.71.02",
					"deliver_by": futureDate(2), "warehouse_id": wh.ID}
				for i := 0; i+1 < len(extra); i += 2 {
					b[extra[i]] = extra[i+1]
				}
				return b
			}
			reserved := func() int {
				rows, err := s.App.Donations.Stock(s.Ctx(), adminWho, wh.ID)
				if err != nil || len(rows) != 1 {
					t.Fatalf("stock: %+v %v", rows, err)
				}
				return rows[0].Reserved
			}
			c := s.As(t, forceUser.ID)
			r := c.Do(t, "POST", "/api/v1/commitments", body(20))
			if r.Status != 201 {
				t.Fatalf("commit from stock: %d %s", r.Status, r.Body)
			}
			var got struct {
				ID, WarehouseID, Item string
				Allocated, Waitlisted int
			}
			r.JSON(t, &got)
			if !strings.Contains(string(r.Body), `"warehouse_id":"`+wh.ID+`"`) || got.Item != "item-paket-sembako" ||
				got.Allocated != 12 || got.Waitlisted != 8 {
				t.Fatalf("commitment %s", r.Body)
			}
			if n := reserved(); n != 20 {
				t.Fatalf("reserved %d, want the whole 20 (12 allocated, 8 waiting)", n)
			}
			for _, bad := range []struct {
				name string
				c    *apptest.Client
				body map[string]any
				code int
				kind string
			}{
				{"more than is available", c, body(11), 409, "conflict"},
				{"another organisation's warehouse", s.As(t, otherUser.ID), body(1), 404, "not_found"},
				{"an unknown warehouse", c, body(1, "warehouse_id", "no-such-warehouse"), 404, "not_found"},
				{"an item not in the catalogue", c, body(1, "item", "emas batangan"), 400, "invalid"},
				{"an item without a warehouse", c, func() map[string]any { b := body(1, "item", "beras"); delete(b, "warehouse_id"); return b }(), 400, "invalid"},
				{"a warehouse id that is not text", c, func() map[string]any { b := body(1); b["warehouse_id"] = 7; return b }(), 400, "invalid"},
				{"anonymous", s.Client(), body(1), 401, "unauthorized"},
			} {
				r := bad.c.Do(t, "POST", "/api/v1/commitments", bad.body)
				if r.Status != bad.code || r.ErrorCode() != bad.kind {
					t.Errorf("%s: %d %s, want %d %s", bad.name, r.Status, r.Body, bad.code, bad.kind)
				}
			}
			if n := reserved(); n != 20 {
				t.Fatalf("refused commitments changed the reservation to %d", n)
			}
			// The exact remainder is still available.
			if r := c.Do(t, "POST", "/api/v1/commitments", body(10, "item", "Paket sembako")); r.Status != 201 {
				t.Fatalf("committing the 10 left: %d %s", r.Status, r.Body)
			}
			r = c.Do(t, "GET", "/api/v1/commitments/"+got.ID, nil)
			if r.Status != 200 || !strings.Contains(string(r.Body), `"warehouse_id":"`+wh.ID+`"`) {
				t.Fatalf("read back: %d %s", r.Status, r.Body)
			}
			if r := c.Do(t, "POST", "/api/v1/commitments/"+got.ID+"/cancel", nil); r.Status != 200 {
				t.Fatalf("cancel: %d %s", r.Status, r.Body)
			}
			if n := reserved(); n != 10 {
				t.Fatalf("after cancelling the 20: reserved %d, want 10", n)
			}
			// The pages: the form offers the warehouse, the commitment names it.
			page := s.Client()
			page.Login(t, forceUser.Email, forcePW)
			if r := page.Do(t, "GET", "/commitments/new?program="+p.ID, nil); r.Status != 200 || !strings.Contains(string(r.Body), `value="`+wh.ID+`"`) {
				t.Fatalf("the form does not offer the warehouse: %d", r.Status)
			}
			if r := page.Do(t, "GET", "/commitments/"+got.ID, nil); r.Status != 200 || !strings.Contains(string(r.Body), "Gudang Pusat") {
				t.Fatalf("the commitment page does not name its warehouse: %d", r.Status)
			}
		})
	}
}
