// Package demo fills an empty Gotong with a realistic-looking Jakarta for trying it
// out: verified collaborators of every kind, one pending registration, and an office
// account for each kab/kota. Later capabilities add their part here.
package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/callback"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/gen"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/idea"
	"github.com/gotong/gotong/internal/pledge"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
)

type demoOrg struct {
	name, kind, contact, phone string
	verified                   bool
}

var orgs = []demoOrg{
	{"Yayasan Pangan Sejahtera", "ngo", "Siti Rahmawati", "0812-1000-2001", true},
	{"PT Logistik Nusantara Jaya", "company", "Budi Santoso", "0813-1000-2002", true},
	{"Komunitas Berbagi Jakarta", "community", "Dewi Lestari", "0857-1000-2003", true},
	{"Kitabisa Kolaborasi (agregator)", "aggregator", "Andi Pratama", "0811-1000-2004", true},
	{"Rumah Zakat Peduli Warga", "ngo", "Ahmad Fauzi", "0821-1000-2005", true},
	{"Warung Nasi Bu Ratna", "individual", "Ratna Sari", "0878-1000-2006", false},
}

// Registry is what the demo needs of the registry: an import it can wait for.
type Registry interface {
	CreateImport(ctx context.Context, who registry.Importer, kind registry.Kind, filename string, body io.Reader, maxBytes int64) (registry.Import, error)
	Wait(ctx context.Context, id string) (registry.Import, error)
}

// Services are what the demo fills, and how.
type Services struct {
	Accounts    *account.Service
	Registry    Registry
	Programs    *program.Service
	Allocations *allocate.Service
	Regions     *region.Set
	Province    string
	Admin       account.User // the registry is imported as this admin
	NewPassword func() string
	// HouseholdRows overrides the size of the demo registry (tests make it small).
	HouseholdRows int
	// Deliveries, Callbacks and Codes make the demo's delivery runs and call-back
	// sample (deliveries.go); without Deliveries there are none.
	Deliveries *deliver.Service
	Callbacks  *callback.Service
	Codes      deliver.Codes
	// Donations makes the task force's warehouses, offers and stock
	// (donations.go); without it there are none.
	Donations *donate.Service
	// Ideas fills the co-creation forum (ideas.go); without it there are none.
	Ideas *idea.Service
	// Pledges makes citizens, an individual collaborator and an aggregator's
	// pledges (citizens.go); without it there are none.
	Pledges *pledge.Service
	// Help makes help requests in every state (help.go); without it there are none.
	Help *help.Service
}

// HouseholdRows is how many household-member rows the demo registry holds: about
// 20,000 households (a household has 3.6 members on average).
const HouseholdRows = 72000

// Seed adds the demo data when no organisation exists yet, and prints every generated
// password once to out. It is a no-op on a database that already has organisations.
// The registry is filled through the same import an office uses, as the admin.
func Seed(ctx context.Context, d Services, out io.Writer) error {
	accounts, reg, regions, province, newPassword := d.Accounts, d.Registry, d.Regions, d.Province, d.NewPassword
	if d.HouseholdRows <= 0 {
		d.HouseholdRows = HouseholdRows
	}
	n := 0
	for _, st := range []string{account.OrgPending, account.OrgVerified, account.OrgRejected} {
		c, err := accounts.CountOrgs(ctx, st)
		if err != nil {
			return err
		}
		n += c
	}
	if n > 0 {
		fmt.Fprintln(out, "Demo: the database already has organisations; no demo data added.")
		return nil
	}
	fmt.Fprintln(out, "Demo accounts (passwords are shown only this once):")
	var committers []allocate.Who
	for i, d := range orgs {
		var in account.Registration
		in.Name, in.Kind, in.ContactName, in.ContactPhone = d.name, d.kind, d.contact, d.phone
		in.ContactEmail = fmt.Sprintf("kontak%d@demo.gotong.local", i+1)
		in.User.Email = fmt.Sprintf("kolaborator%d@demo.gotong.local", i+1)
		in.User.Password = newPassword()
		o, u, err := accounts.Register(ctx, in)
		if err != nil {
			return fmt.Errorf("register %s: %w", d.name, err)
		}
		status := "pending"
		if d.verified {
			if _, err := accounts.DecideOrg(ctx, o.ID, account.OrgVerified, ""); err != nil {
				return err
			}
			status = "verified"
			committers = append(committers, allocate.Who{UserID: u.ID, OrgID: o.ID})
		}
		fmt.Fprintf(out, "  collaborator  %-34s %-18s (%s, %s)\n", in.User.Email, in.User.Password, d.name, status)
	}
	for _, kota := range regions.Children(province) {
		email := "kantor-" + strings.ReplaceAll(kota.Code, ".", "") + "@demo.gotong.local"
		pw := newPassword()
		if _, err := accounts.CreateUser(ctx, account.NewUser{Email: email, Name: "Kantor " + kota.Name,
			Role: string(account.Office), Region: kota.Code, Password: pw}); err != nil {
			return fmt.Errorf("office %s: %w", kota.Code, err)
		}
		fmt.Fprintf(out, "  office        %-34s %-18s (%s)\n", email, pw, kota.Name)
	}
	if err := seedRegistry(ctx, reg, regions, province, d.Admin, d.HouseholdRows, out); err != nil {
		return err
	}
	if err := seedPrograms(ctx, d.Programs, d.Allocations, regions, province, committers, out); err != nil || len(committers) < 4 {
		return err
	}
	if err := seedDeliveries(ctx, d, committers[0], out); err != nil {
		return err
	}
	if err := seedDonations(ctx, d, committers, out); err != nil {
		return err
	}
	if err := seedIdeas(ctx, d, committers, out); err != nil {
		return err
	}
	if err := seedCitizens(ctx, d, committers, out); err != nil {
		return err
	}
	return seedHelp(ctx, d, out)
}

// seedRegistry imports a generated Jakarta: households, RWs and institutions.
func seedRegistry(ctx context.Context, reg Registry, regions *region.Set, province string, admin account.User, rows int, out io.Writer) error {
	g := gen.New(1, regions, province)
	who := registry.Importer{UserID: admin.ID, Email: admin.Email, Scope: province}
	start := time.Now()
	files := []struct {
		kind  registry.Kind
		name  string
		write func(io.Writer) error
	}{
		{registry.Household, "demo-rumah-tangga.csv", func(w io.Writer) error {
			_, err := g.WriteHouseholdsCSV(w, rows, gen.Damage{})
			return err
		}},
		{registry.RW, "demo-rw.csv", func(w io.Writer) error { _, err := g.WriteRWsCSV(w); return err }},
		{registry.Institution, "demo-lembaga.csv", func(w io.Writer) error { _, err := g.WriteInstitutionsCSV(w); return err }},
	}
	for _, f := range files {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(f.write(pw)) }()
		im, err := reg.CreateImport(ctx, who, f.kind, f.name, pr, 0)
		pr.Close()
		if err != nil {
			return fmt.Errorf("demo %s: %w", f.kind, err)
		}
		done, err := reg.Wait(ctx, im.ID)
		if err != nil {
			return err
		}
		if done.Status != registry.StatusDone {
			return fmt.Errorf("demo %s import: %s %s", f.kind, done.Status, done.Error)
		}
		fmt.Fprintf(out, "Demo registry: %s: %d rows (%d new, %d to review, %d rejected)\n", f.kind, done.RowsDone, done.Accepted, done.Review, done.Rejected)
	}
	fmt.Fprintf(out, "Demo registry ready in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
