// Package demo fills an empty Gotong with a realistic-looking Jakarta for trying it
// out: verified collaborators of every kind, one pending registration, and an office
// account for each kab/kota. Later capabilities add their part here.
package demo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/region"
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

// Seed adds the demo data when no organisation exists yet, and prints every generated
// password once to out. It is a no-op on a database that already has organisations.
func Seed(ctx context.Context, accounts *account.Service, regions *region.Set, province string,
	newPassword func() string, out io.Writer) error {
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
	for i, d := range orgs {
		var in account.Registration
		in.Name, in.Kind, in.ContactName, in.ContactPhone = d.name, d.kind, d.contact, d.phone
		in.ContactEmail = fmt.Sprintf("kontak%d@demo.gotong.local", i+1)
		in.User.Email = fmt.Sprintf("kolaborator%d@demo.gotong.local", i+1)
		in.User.Password = newPassword()
		o, _, err := accounts.Register(ctx, in)
		if err != nil {
			return fmt.Errorf("register %s: %w", d.name, err)
		}
		status := "pending"
		if d.verified {
			if _, err := accounts.DecideOrg(ctx, o.ID, account.OrgVerified, ""); err != nil {
				return err
			}
			status = "verified"
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
	return nil
}
