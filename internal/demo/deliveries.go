package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"slices"
	"strings"

	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/deliver"
)

// demoRun is one run of the demo: how many stops, and what happens to each in turn
// ("" nothing, "pickup", "code", "photo", or a failure reason), then whether the
// run is revoked.
type demoRun struct {
	courier deliver.Courier
	stops   []string
	revoke  bool
}

var demoRuns = []demoRun{
	// done: every stop delivered or failed.
	{deliver.Courier{Provider: "gosend", Name: "Joko Susilo", Phone: "0812-2000-3001", Plate: "B 3456 KJT", BookingRef: "GK-DEMO-1"},
		[]string{"code", "code", "code", "photo", "received_elsewhere", "not_home"}, false},
	// in progress: some delivered or failed, some on the way, some not picked up.
	{deliver.Courier{Provider: "grabexpress", Name: "Rina Wulandari", Phone: "0813-2000-3002", Plate: "B 7788 TRE", BookingRef: "GE-DEMO-2"},
		[]string{"code", "address_not_found", "pickup", "", ""}, false},
	// assigned: given to a volunteer, nothing picked up yet.
	{deliver.Courier{Provider: "volunteer", Name: "Pak RT Slamet"}, []string{"", "", "", ""}, false},
	// revoked: the link was taken back before anything was picked up.
	{deliver.Courier{Provider: "maxim", Name: "Dedi Kurniawan", Plate: "B 1122 MXM"}, []string{"", "", ""}, true},
}

// seedDeliveries gives reserved allocations of the first committer's commitment to
// couriers in runs of every state, delivers by code and by photo, fails with
// reasons (received elsewhere raises the office's flag), and draws a call-back
// sample of the delivered ones with answers. Recipients' messages go to the outbox
// as the runs are created (the log sender unless one is configured).
func seedDeliveries(ctx context.Context, d Services, who allocate.Who, out io.Writer) error {
	if d.Deliveries == nil {
		return nil
	}
	cs, _, err := d.Allocations.List(ctx, who, allocate.ListFilter{OrgID: who.OrgID})
	if err != nil || len(cs) == 0 {
		return err
	}
	c := cs[len(cs)-1] // the first commitment made
	need := 0
	for _, r := range demoRuns {
		need += len(r.stops)
	}
	as, _, err := d.Allocations.Allocations(ctx, who, c.ID, "", need)
	if err != nil {
		return err
	}
	var ids []string
	for _, a := range as {
		if a.Status == allocate.Reserved {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) < need {
		fmt.Fprintf(out, "Demo deliveries: only %d reserved allocations, %d needed; none made.\n", len(ids), need)
		return nil
	}
	photo, err := demoPhoto()
	if err != nil {
		return err
	}
	delivered := 0
	for i, r := range demoRuns {
		stops := ids[:len(r.stops)]
		ids = ids[len(r.stops):]
		run, err := d.Deliveries.Create(ctx, who, deliver.CreateInput{CommitmentID: c.ID, AllocationIDs: stops, Courier: r.courier})
		if err != nil {
			return fmt.Errorf("demo run %d: %w", i+1, err)
		}
		_, tok, _ := strings.Cut(run.CourierURL, "/c/")
		for j, act := range r.stops {
			id := stops[j]
			if act == "" {
				continue
			}
			if _, err := d.Deliveries.Pickup(ctx, tok, id); err != nil {
				return fmt.Errorf("demo pickup: %w", err)
			}
			switch act {
			case "pickup":
			case "code":
				_, err = d.Deliveries.CourierDeliver(ctx, tok, id, deliver.Proof{Code: d.Codes.For(id), ReceivedBy: "Penerima"})
				delivered++
			case "photo":
				_, err = d.Deliveries.CourierDeliver(ctx, tok, id, deliver.Proof{Photo: bytes.NewReader(photo), ReceivedBy: "Istri penerima"})
				delivered++
			default:
				_, err = d.Deliveries.CourierFail(ctx, tok, id, act, "")
			}
			if err != nil {
				return fmt.Errorf("demo stop (%s): %w", act, err)
			}
		}
		if r.revoke {
			if _, err := d.Deliveries.Revoke(ctx, who, run.ID); err != nil {
				return fmt.Errorf("demo revoke: %w", err)
			}
		}
		// Each run with something delivered or failed has its handover record
		// issued, as the collaborator's download would, so the verification page
		// has records to show.
		if !r.revoke && slices.ContainsFunc(r.stops, func(a string) bool { return a != "" && a != "pickup" }) {
			if err := d.Deliveries.WriteBAST(ctx, who, run.ID, io.Discard); err != nil {
				return fmt.Errorf("demo handover record: %w", err)
			}
		}
	}
	fmt.Fprintf(out, "Demo deliveries: %d runs of %s, %d packages delivered.\n", len(demoRuns), c.ProgramName, delivered)
	if d.Callbacks == nil || delivered == 0 {
		return nil
	}
	office := d.Admin.Principal()
	sm, err := d.Callbacks.Draw(ctx, office, c.ProgramID, c.Region, 3)
	if err != nil {
		return fmt.Errorf("demo call-back sample: %w", err)
	}
	for i, it := range sm.Items {
		if err := d.Callbacks.Answer(ctx, office, sm.ID, it.AllocationID, i > 0, []string{"tidak ingat menerima", "", "diterima anaknya"}[i%3]); err != nil {
			return fmt.Errorf("demo call-back answer: %w", err)
		}
	}
	fmt.Fprintf(out, "Demo call-back sample: %d recipients called.\n", len(sm.Items))
	return nil
}

// demoPhoto is a small PNG standing for a photo of a handover.
func demoPhoto() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{uint8(180 + x), uint8(120 + y*3), 60, 255})
		}
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}
