package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/pledge"
)

// seedCitizens adds citizens who give (issue 14): two citizens, one individual
// collaborator (verified by the office of its kota), and an aggregator whose
// commitment carries the citizens' pledges, linked. Without d.Pledges there are
// none.
func seedCitizens(ctx context.Context, d Services, donors []allocate.Who, out io.Writer) error {
	if d.Pledges == nil || len(donors) == 0 {
		return nil
	}
	citizen := func(i int, name, region string) (account.User, error) {
		email, pw := fmt.Sprintf("warga%d@demo.gotong.local", i), d.NewPassword()
		u, err := d.Accounts.RegisterCitizen(ctx, account.CitizenSignup{Name: name, Email: email, Password: pw, Region: region})
		if err != nil {
			return u, fmt.Errorf("demo citizen %s: %w", email, err)
		}
		fmt.Fprintf(out, "  citizen       %-34s %-18s (%s)\n", email, pw, name)
		return u, nil
	}
	siti, err := citizen(1, "Siti Rahmawati", "31.71.01.1001")
	if err != nil {
		return err
	}
	budi, err := citizen(2, "Budi Santoso", "31.74.01.1001")
	if err != nil {
		return err
	}
	dewi, err := citizen(3, "Dewi Lestari", "31.71.02.1001")
	if err != nil {
		return err
	}
	ind, err := d.Accounts.Collaborate(ctx, dewi.ID, "0812-7000-0303")
	if err != nil {
		return fmt.Errorf("demo individual: %w", err)
	}
	if _, err := d.Accounts.DecideOrg(ctx, ind.ID, account.OrgVerified, ""); err != nil {
		return err
	}
	fmt.Fprintf(out, "  (warga3 is an individual collaborator, verified: at most %d units per commitment, %d open)\n",
		account.IndividualCommitLimit, account.IndividualOpenLimit)

	var in account.Registration
	in.Name, in.Kind, in.ContactName, in.ContactPhone = "Bank Pangan Warga Jakarta", account.KindAggregator, "Rina Agregator", "0812-7000-0404"
	in.ContactEmail = "agregator@demo.gotong.local"
	in.User.Email, in.User.Password = "agregator1@demo.gotong.local", d.NewPassword()
	agg, aggUser, err := d.Accounts.Register(ctx, in)
	if err != nil {
		return fmt.Errorf("register the aggregator: %w", err)
	}
	if _, err := d.Accounts.DecideOrg(ctx, agg.ID, account.OrgVerified, ""); err != nil {
		return err
	}
	fmt.Fprintf(out, "  aggregator    %-34s %-18s (%s, verified)\n", in.User.Email, in.User.Password, in.Name)

	// The aggregator commits to the program and area of the first donor's first
	// area commitment, and links the citizens' pledges to it.
	cs, _, err := d.Allocations.List(ctx, donors[0], allocate.ListFilter{OrgID: donors[0].OrgID})
	if err != nil {
		return err
	}
	var linked string
	for _, c := range cs {
		if c.Region == "" || c.WarehouseID != "" {
			continue
		}
		mine, err := d.Allocations.Commit(ctx, allocate.Who{UserID: aggUser.ID, OrgID: agg.ID}, allocate.Request{ProgramID: c.ProgramID,
			Phase: c.Phase, Quantity: 5, Region: c.Region, DeliverBy: time.Now().AddDate(0, 0, 7).Format(time.DateOnly), AcceptStatement: true})
		if err == nil {
			linked = mine.ID
			break
		}
	}
	aggWho := account.Principal{UserID: aggUser.ID, Role: account.Collaborator, OrgID: agg.ID, OrgVerified: true}
	for i, p := range []struct {
		who  account.User
		what string
		qty  int
		link bool
	}{{siti, "Beras 5 kg", 4, true}, {budi, "Minyak goreng 1 liter", 6, true}, {siti, "Susu UHT", 12, false}} {
		pl, err := d.Pledges.Make(ctx, p.who.Principal(), agg.ID, pledge.New{What: p.what, Quantity: p.qty, Note: "Diantar ke posko RW"})
		if err != nil {
			return fmt.Errorf("demo pledge %d: %w", i+1, err)
		}
		if p.link && linked != "" {
			if _, err := d.Pledges.Link(ctx, aggWho, pl.ID, linked); err != nil {
				return fmt.Errorf("demo pledge link %d: %w", i+1, err)
			}
		}
	}
	return nil
}
