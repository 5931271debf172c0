package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
)

// weeks returns n weekly phases starting on the Monday of the week of now.
func weeks(now time.Time, n int) []program.PhaseInput {
	monday := now.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	var out []program.PhaseInput
	for i := range n {
		start := monday.AddDate(0, 0, 7*i)
		out = append(out, program.PhaseInput{Name: fmt.Sprintf("Minggu %d", i+1),
			Start: start.Format(time.DateOnly), End: start.AddDate(0, 0, 6).Format(time.DateOnly)})
	}
	return out
}

// demoPrograms are KSBB-like programs: the weekly sembako package per household, ready
// meals for households in self-isolation, and protective equipment for puskesmas.
func demoPrograms(now time.Time) []program.Input {
	return []program.Input{
		{Name: "Paket Sembako KSBB", Category: "pangan",
			Description: "Paket sembako mingguan untuk keluarga terdampak, satu paket per KK per minggu selama empat minggu.",
			Item:        program.Item{Name: "Paket sembako (beras 10 kg, minyak, gula, mi instan)", Unit: "paket", UnitValue: 200000},
			TargetKinds: []string{"household"}, QuantityRule: program.PerTarget, Phases: weeks(now, 4), HoldHours: 72,
			Statement: "Kami menyalurkan paket sesuai standar program, tanpa memungut biaya atau meminta imbalan dari penerima."},
		{Name: "Makanan Siap Saji untuk Warga Isoman", Category: "pangan", StackGroup: "makanan_isoman",
			Description: "Nasi kotak untuk setiap anggota keluarga yang menjalani isolasi mandiri.",
			Item:        program.Item{Name: "Nasi kotak", Unit: "porsi", UnitValue: 25000},
			TargetKinds: []string{"household"}, Tags: []string{"isoman"}, QuantityRule: program.PerPerson, Phases: weeks(now, 2), HoldHours: 24,
			Statement: "Makanan diantar tanpa kontak langsung dan sesuai protokol kesehatan."},
		{Name: "APD untuk Puskesmas", Category: "kesehatan",
			Description: "Alat pelindung diri (masker, sarung tangan, gaun) untuk tenaga kesehatan puskesmas.",
			Item:        program.Item{Name: "Paket APD", Unit: "paket", UnitValue: 150000},
			TargetKinds: []string{"institution"}, InstitutionKinds: []string{"puskesmas"}, QuantityRule: program.PerResident,
			Phases: weeks(now, 4), HoldHours: 48},
	}
}

// seedPrograms publishes the demo programs and makes some commitments in progress.
func seedPrograms(ctx context.Context, progs *program.Service, allocs *allocate.Service, regions *region.Set, province string,
	committers []allocate.Who, out io.Writer) error {
	start := time.Now()
	now := progs.Now()
	var published []program.Program
	for _, in := range demoPrograms(now) {
		p, err := progs.Create(ctx, in)
		if err != nil {
			return fmt.Errorf("demo program %q: %w", in.Name, err)
		}
		p, n, err := progs.Publish(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("publish %q: %w", in.Name, err)
		}
		published = append(published, p)
		fmt.Fprintf(out, "Demo program: %s (%d needs)\n", p.Name, n)
	}
	if _, err := progs.Create(ctx, program.Input{Name: "Bantuan Perlengkapan Sekolah", Category: "pendidikan",
		Item: program.Item{Name: "Paket alat tulis", Unit: "paket", UnitValue: 100000}, TargetKinds: []string{"household"},
		Tags: []string{"anak"}, QuantityRule: program.PerTarget, Phases: weeks(now, 1)}); err != nil {
		return fmt.Errorf("demo draft program: %w", err)
	}
	if len(committers) < 4 {
		return nil
	}
	// Jakarta Pusat, Jakarta Selatan and a kecamatan of Jakarta Utara when the province
	// is DKI; otherwise the first kab/kota and kecamatan.
	kotas := regions.Children(province)
	pick := func(code string, fallback region.Region) string {
		if _, ok := regions.Get(code); ok {
			return code
		}
		return fallback.Code
	}
	kotaA := pick("31.71", kotas[0])
	kotaB := pick("31.74", kotas[len(kotas)-1])
	kec := regions.Children(pick("31.72", kotas[0]))[0].Code
	deliverBy := now.AddDate(0, 0, 5).Format(time.DateOnly)
	type plan struct {
		who      allocate.Who
		prog     program.Program
		quantity int
		region   string
	}
	plans := []plan{
		{committers[0], published[0], 2500, kotaA},
		{committers[1], published[0], 1200, kotaB},
		{committers[2], published[0], 400, kec},
		{committers[3], published[1], 600, province},
		{committers[1], published[2], 300, province},
	}
	for _, pl := range plans {
		c, err := allocs.Commit(ctx, pl.who, allocate.Request{ProgramID: pl.prog.ID, Phase: pl.prog.Phases[0].Name,
			Quantity: pl.quantity, Region: pl.region, DeliverBy: deliverBy, AcceptStatement: true})
		if err != nil {
			return fmt.Errorf("demo commitment: %w", err)
		}
		fmt.Fprintf(out, "Demo commitment: %s, %d %s in %s: %d allocated, %d waiting\n",
			pl.prog.Name, pl.quantity, pl.prog.Item.Unit, pl.region, c.Allocated, c.Waitlisted)
	}
	fmt.Fprintf(out, "Demo programs ready in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
