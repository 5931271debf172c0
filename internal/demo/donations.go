package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// seedDonations adds donations to the task force (issue 13): the task force's
// organisation and a user for it, a warehouse (gudang) in every kab/kota and a
// post (posko), offers from the demo's collaborators in every state — offered,
// accepted, declined, withdrawn, partly received, received, closed — with
// expiry dates and a damaged line, and stock in use: the task force commits
// packages from its warehouse to the sembako program.
func seedDonations(ctx context.Context, d Services, donors []allocate.Who, out io.Writer) error {
	if d.Donations == nil || len(donors) < 4 {
		return nil
	}
	start := time.Now()
	staff := donate.Who{UserID: d.Admin.ID, Role: account.Admin}
	var in account.Registration
	in.Name, in.Kind, in.ContactName, in.ContactPhone = "Gugus Tugas Percepatan Penanganan COVID-19 DKI", "ngo", "Sekretariat Gugus Tugas", "0812-1000-2099"
	in.ContactEmail = "gugus-tugas@demo.gotong.local"
	in.User.Email, in.User.Password = "gugustugas@demo.gotong.local", d.NewPassword()
	force, forceUser, err := d.Accounts.Register(ctx, in)
	if err != nil {
		return fmt.Errorf("register the task force: %w", err)
	}
	if _, err := d.Accounts.DecideOrg(ctx, force.ID, account.OrgVerified, ""); err != nil {
		return err
	}
	fmt.Fprintf(out, "  task force    %-34s %-18s (%s, verified)\n", in.User.Email, in.User.Password, in.Name)

	// A gudang per kab/kota, and a posko in the first kecamatan of the first.
	var gudang []donate.Warehouse
	kotas := d.Regions.Children(d.Province)
	for i, kota := range kotas {
		w, err := d.Donations.CreateWarehouse(ctx, staff, donate.NewWarehouse{Name: "Gudang Gugus Tugas " + kota.Name, Kind: donate.Gudang,
			Region: kota.Code, Address: fmt.Sprintf("Jl. Logistik No. %d, %s", i+1, kota.Name), ContactName: "Koordinator Gudang " + kota.Name,
			ContactPhone: fmt.Sprintf("0812-1000-31%02d", i+1), OrgID: force.ID})
		if err != nil {
			return fmt.Errorf("demo warehouse %s: %w", kota.Code, err)
		}
		gudang = append(gudang, w)
	}
	if len(gudang) == 0 {
		return nil
	}
	kec := d.Regions.Children(kotas[0].Code)[0]
	posko, err := d.Donations.CreateWarehouse(ctx, staff, donate.NewWarehouse{Name: "Posko Gugus Tugas " + kec.Name, Kind: donate.Posko,
		Region: kec.Code, Address: "Kantor Kecamatan " + kec.Name, ContactName: "Relawan Posko", ContactPhone: "0812-1000-3199", OrgID: force.ID})
	if err != nil {
		return fmt.Errorf("demo posko: %w", err)
	}
	fmt.Fprintf(out, "Demo warehouses: %d gudang and a posko in %s\n", len(gudang), kec.Name)

	// Dates in Jakarta, as the donations service checks them: between 17:00 and 24:00 UTC
	// the UTC date is yesterday there, and the arrival "today" was refused as past.
	now := time.Now().In(time.FixedZone("WIB", 7*3600))
	soon := func(months int) string { return now.AddDate(0, months, 0).Format(time.DateOnly) }
	who := func(c allocate.Who) donate.Who {
		return donate.Who{UserID: c.UserID, OrgID: c.OrgID, Role: account.Collaborator, OrgVerified: true}
	}
	type offer struct {
		donor    donate.Who
		wh       donate.Warehouse
		lines    []donate.OfferLine
		note     string
		end      string                // offered, accepted, declined, withdrawn, partly, received, closed
		receipts [][]donate.IntakeLine // deliveries received, in turn
	}
	main := gudang[0]
	offers := []offer{
		// Received in full in two deliveries, with a damaged line: the stock the
		// task force gives onward.
		{who(donors[0]), main, []donate.OfferLine{
			{Item: "Paket sembako", Quantity: 300, UnitValue: 200000, ExpiresOn: soon(6)},
			{Item: "Masker", Quantity: 5000, UnitValue: 2000}}, "Bantuan tahap pertama", "received",
			[][]donate.IntakeLine{
				{{Line: 1, Received: 200, ExpiresOn: soon(4)}, {Line: 2, Received: 3000}},
				{{Line: 1, Received: 90, ExpiresOn: soon(6)}, {Line: 1, Received: 10, Condition: donate.Damaged}, {Line: 2, Received: 2000}}}},
		// Partly received: the rest is still to come.
		{who(donors[1]), main, []donate.OfferLine{
			{Item: "Paket sembako", Quantity: 200, UnitValue: 200000, ExpiresOn: soon(5)},
			{Item: "Hand sanitizer", Quantity: 400, UnitValue: 25000, ExpiresOn: soon(12)}}, "Dikirim bertahap", "partly",
			[][]donate.IntakeLine{{{Line: 1, Received: 120}, {Line: 2, Received: 380}, {Line: 2, Received: 20, Condition: donate.Expired}}}},
		// Received and closed.
		{who(donors[2]), gudang[len(gudang)-1], []donate.OfferLine{
			{Item: "Hazmat", Quantity: 150, UnitValue: 120000}, {Item: "Sarung tangan", Quantity: 1000, UnitValue: 3000}}, "", "closed",
			[][]donate.IntakeLine{{{Line: 1, Received: 150}, {Line: 2, Received: 900}}}},
		{who(donors[3]), posko, []donate.OfferLine{{Item: "Makanan siap saji", Quantity: 500, UnitValue: 25000, ExpiresOn: soon(1)}},
			"Nasi kotak untuk relawan", "accepted", nil},
		{who(donors[3]), main, []donate.OfferLine{{Item: "Vitamin", Quantity: 1000, UnitValue: 15000, ExpiresOn: soon(18)}},
			"", "offered", nil},
		{who(donors[1]), posko, []donate.OfferLine{{Item: "Beras", Quantity: 2000, UnitValue: 12000, ExpiresOn: soon(9)}},
			"", "declined", nil},
		{who(donors[2]), main, []donate.OfferLine{{Item: "Face shield", Quantity: 300, UnitValue: 10000}}, "", "withdrawn", nil},
	}
	for _, o := range offers {
		x, err := d.Donations.Offer(ctx, o.donor, donate.NewOffer{WarehouseID: o.wh.ID, Items: o.lines, Note: o.note, ArriveOn: soon(0)})
		if err != nil {
			return fmt.Errorf("demo offer: %w", err)
		}
		switch o.end {
		case "offered":
		case "declined":
			_, err = d.Donations.Decline(ctx, staff, x.ID, "Gudang posko sudah penuh; mohon dikirim ke gudang kota.")
		case "withdrawn":
			_, err = d.Donations.Withdraw(ctx, o.donor, x.ID)
		default:
			_, err = d.Donations.Accept(ctx, staff, x.ID)
		}
		if err != nil {
			return fmt.Errorf("demo offer %s: %w", o.end, err)
		}
		for i, lines := range o.receipts {
			if _, err := d.Donations.Receive(ctx, staff, x.ID, donate.Intake{Items: lines, ReceiverName: "Petugas Gudang",
				Note: fmt.Sprintf("Pengiriman ke-%d", i+1)}); err != nil {
				return fmt.Errorf("demo receipt: %w", err)
			}
		}
		if o.end == "closed" {
			if _, err := d.Donations.Close(ctx, staff, x.ID, "Sisa tidak jadi dikirim"); err != nil {
				return fmt.Errorf("demo close: %w", err)
			}
		}
	}

	// Stock in use: the task force gives 120 packages from its warehouse to the
	// sembako program, in a kecamatan of its own kota.
	progs, _, err := d.Programs.List(ctx, program.Filter{Limit: 50})
	if err != nil {
		return err
	}
	for _, p := range progs {
		if !strings.HasPrefix(p.Name, "Paket Sembako") || len(p.Phases) == 0 {
			continue
		}
		area := pickArea(d.Regions, main.Region)
		c, err := d.Allocations.Commit(ctx, allocate.Who{UserID: forceUser.ID, OrgID: force.ID, Role: account.Collaborator, OrgVerified: true},
			allocate.Request{ProgramID: p.ID, Phase: p.Phases[0].Name, Quantity: 120, Region: area, WarehouseID: main.ID, Item: "Paket sembako",
				DeliverBy: now.AddDate(0, 0, 5).Format(time.DateOnly), AcceptStatement: true})
		if err != nil {
			return fmt.Errorf("demo commitment from stock: %w", err)
		}
		fmt.Fprintf(out, "Demo task force: %d paket from %s to %s in %s: %d allocated, %d waiting\n",
			c.Requested, main.Name, p.Name, area, c.Allocated, c.Waitlisted)
		break
	}
	fmt.Fprintf(out, "Demo donations ready in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// pickArea is the last kecamatan of a kota: the demo's other commitments start
// from the first ones.
func pickArea(regions *region.Set, kota string) string {
	kecs := regions.Children(kota)
	if len(kecs) == 0 {
		return kota
	}
	return kecs[len(kecs)-1].Code
}
