package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/program"
)

// seedHelp adds help requests, warga bantu warga (issue 14), in every state: two
// waiting for the office (one asked by a neighbour), one accepted for a person new
// to the registry, one accepted for that same person asked again (found, not
// doubled), and one declined with a reason. They go to a program for persons and
// households of one kecamatan of the first kota, so that the requests the office
// accepts have needs to fill.
func seedHelp(ctx context.Context, d Services, out io.Writer) error {
	if d.Help == nil {
		return nil
	}
	kotas := d.Regions.Children(d.Province)
	if len(kotas) == 0 {
		return nil
	}
	kec := pickArea(d.Regions, kotas[0].Code)
	villages := d.Regions.Villages(kec)
	if len(villages) == 0 {
		return nil
	}
	start, village := time.Now(), villages[0].Code
	p, err := d.Programs.Create(ctx, program.Input{Name: "Warga Bantu Warga: Sembako Darurat", Category: "pangan",
		Description: "Paket sembako darurat untuk warga yang dilaporkan tetangganya dan diperiksa kantor kelurahan.",
		Item:        program.Item{Name: "Paket sembako darurat", Unit: "paket", UnitValue: 150000},
		TargetKinds: []string{"person", "household"}, Regions: []string{kec}, QuantityRule: program.PerTarget, Phases: weeks(start, 2),
		Statement: "Bantuan tidak diperjualbelikan."})
	if err != nil {
		return fmt.Errorf("help program: %w", err)
	}
	if _, _, err := d.Programs.Publish(ctx, p.ID); err != nil {
		return err
	}
	ask := func(name, phone, need, kind, urgency string, onBehalf *help.Requester) (string, error) {
		in := help.NewRequest{Name: name, Phone: phone, Region: village, RW: "3", RT: "5", Address: "Gg. Melati No. 7",
			Need: need, NeedKind: kind, Urgency: urgency, OnBehalf: onBehalf != nil, Requester: onBehalf}
		rec, err := d.Help.Submit(ctx, in)
		if err != nil {
			return "", fmt.Errorf("help request for %s: %w", name, err)
		}
		items, err := d.Help.List(ctx, kec, help.Filter{Status: help.Submitted})
		if err != nil {
			return "", err
		}
		for _, it := range items {
			if it.Reference == rec.Reference {
				return it.ID, nil
			}
		}
		return "", fmt.Errorf("help request %s not listed", rec.Reference)
	}
	if _, err := ask("Mbah Sarinah", "", "Tinggal sendiri, butuh makanan dan obat darah tinggi", "elderly", "high",
		&help.Requester{Name: "Dewi Anggraini", Phone: "0812-5550-0101"}); err != nil {
		return err
	}
	if _, err := ask("Rudi Hartono", "0812-5550-0102", "Sekeluarga isolasi mandiri, tidak bisa belanja", "food", "critical", nil); err != nil {
		return err
	}
	newID, err := ask("Sumarni Wijaya", "0812-5550-0103", "Isolasi mandiri, butuh makanan", "food", "critical", nil)
	if err != nil {
		return err
	}
	if _, err := d.Help.Accept(ctx, kotas[0].Code, newID, p.ID); err != nil {
		return fmt.Errorf("accept a new person: %w", err)
	}
	againID, err := ask("Sumarni Wijaya", "0812-5550-0104", "Masih isolasi, persediaan habis", "food", "high",
		&help.Requester{Name: "Pak RT 05", Phone: "0812-5550-0105"})
	if err != nil {
		return err
	}
	if d2, err := d.Help.Accept(ctx, kotas[0].Code, againID, p.ID); err != nil || !d2.MatchedExisting {
		return fmt.Errorf("accept a known person: %+v %v", d2, err)
	}
	declined, err := ask("Agus Salim", "0812-5550-0106", "Minta bantuan uang sewa", "other", "low", nil)
	if err != nil {
		return err
	}
	if _, err := d.Help.Decline(ctx, kotas[0].Code, declined, "Bantuan uang tunai tidak termasuk program; silakan hubungi kelurahan untuk program lain."); err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo help requests ready in %s (kelurahan %s).\n", time.Since(start).Round(100*time.Millisecond), villages[0].Name)
	return nil
}
