package web_test

import (
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/registry"
)

// programsConformance calls every program and commitment endpoint in the order they
// are used: an admin creates and publishes a program, a collaborator looks for
// unmet need, previews, commits, reads its recipients, reports a failed delivery and
// cancels, and the admin closes the program.
func programsConformance(t *testing.T, k *oapiChecker, s *apptest.Server, c registryClients) {
	imp := adminImporter(t, s)
	importKind(t, s, imp, registry.RW, "rw-skema.csv", rwHeader+rwRow("31.71.02.1004", 4, "Ketua Skema", "081377770004", 30, 100))
	importKind(t, s, imp, registry.Institution, "lembaga-skema.csv",
		instHeader+instRow("Pesantren Skema", "pesantren", "31.71.02.1004", "Jl. Skema No. 9", "Ustadz Skema", "081377770005", 60))
	var rw, inst string
	for _, x := range []struct {
		name string
		id   *string
	}{{"Ketua Skema", &rw}, {"Pesantren Skema", &inst}} {
		if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT id FROM targets WHERE name = $1`, x.name).Scan(x.id); err != nil {
			t.Fatal(err)
		}
	}
	ph := weeks(2)
	newProgram := map[string]any{"name": "APD Puskesmas Skema", "category": "kesehatan", "description": "Alat pelindung diri.",
		"item": map[string]any{"name": "Paket APD", "unit": "paket", "unit_value": 150000}, "target_kinds": []string{"rw", "institution"},
		"regions": []string{"31.71.02"}, "tags": []string{}, "priority_tags": []string{"isoman"},
		"phases":        []map[string]string{{"name": ph[0].Name, "start": ph[0].Start, "end": ph[0].End}, {"name": ph[1].Name, "start": ph[1].Start, "end": ph[1].End}},
		"quantity_rule": "per_person", "stack_group": "apd", "statement": "Bantuan tidak diperjualbelikan.", "hold_hours": 48}
	var p struct{ ID string }
	k.do(t, apiCall{as: c.admin, method: "POST", path: "/api/v1/programs", body: newProgram, want: 201}).JSON(t, &p)
	programs := "/api/v1/programs"
	one := programs + "/" + p.ID
	without := func(key string) map[string]any {
		out := map[string]any{}
		for k, v := range newProgram {
			if k != key {
				out[k] = v
			}
		}
		return out
	}
	withField := func(key string, v any) map[string]any { out := without(key); out[key] = v; return out }
	commit := func(extra map[string]any) map[string]any {
		b := map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 10, "deliver_by": futureDate(2), "accept_statement": true}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	calls := []apiCall{
		{name: "a program without phases is invalid", as: c.admin, method: "POST", path: programs, body: without("phases"), want: 400, docRejects: true},
		{name: "an unknown quantity rule is invalid", as: c.admin, method: "POST", path: programs, body: withField("quantity_rule", "per_kilo"), want: 400, docRejects: true},
		{name: "an unknown field in a program is invalid", as: c.admin, method: "POST", path: programs, body: withField("budget", 5), want: 400, docRejects: true},
		{name: "overlapping phases are invalid", as: c.admin, method: "POST", path: programs,
			body: withField("phases", []map[string]string{{"name": "A", "start": ph[0].Start, "end": ph[0].End}, {"name": "B", "start": ph[0].Start, "end": ph[0].End}}), want: 400},
		{name: "a collaborator cannot create programs", as: c.collab, method: "POST", path: programs, body: newProgram, want: 404},
		{name: "an anonymous caller cannot create programs", as: c.anon, method: "POST", path: programs, body: newProgram, want: 401},
		{name: "a cross-site browser cannot create programs", as: c.adminCookie, method: "POST", path: programs, body: newProgram, header: c.crossSite, want: 403},

		{name: "an admin lists programs with drafts", as: c.admin, method: "GET", path: programs + "?limit=5", want: 200},
		{name: "an unknown program status is invalid", as: c.collab, method: "GET", path: programs + "?status=open", want: 400, docRejects: true},
		{name: "an admin reads the draft", as: c.admin, method: "GET", path: one, want: 200},
		{name: "to a collaborator the draft does not exist", as: c.collab, method: "GET", path: one, want: 404},
		{name: "a collaborator cannot publish", as: c.collab, method: "POST", path: one + "/publish", want: 404},
		{name: "an admin publishes the program", as: c.admin, method: "POST", path: one + "/publish", want: 200},
		{name: "publishing twice is a conflict", as: c.admin, method: "POST", path: one + "/publish", want: 409},
		{name: "an unknown program cannot be published", as: c.admin, method: "POST", path: programs + "/no-such-program/publish", want: 404},
		{name: "a collaborator lists published programs", as: c.collab, method: "GET", path: programs + "?status=published", want: 200},
		{name: "a collaborator reads the published program", as: c.collab, method: "GET", path: one, want: 200},

		{name: "an admin exempts the program from stacking", as: c.admin, method: "POST", path: one + "/stacking",
			body: map[string]any{"stack_group": "", "exempt": true, "reason": "APD boleh bersamaan dengan program lain"}, want: 200},
		{name: "an admin puts it back in its group", as: c.adminCookie, method: "POST", path: one + "/stacking",
			body: map[string]any{"stack_group": "apd", "exempt": false, "reason": "kembali ke aturan"}, want: 200},
		{name: "a stacking change without a reason is invalid", as: c.admin, method: "POST", path: one + "/stacking", body: map[string]any{"exempt": true}, want: 400, docRejects: true},
		{name: "an office cannot change stacking", as: c.office, method: "POST", path: one + "/stacking", body: map[string]any{"reason": "tidak boleh"}, want: 404},

		{name: "anyone signed in reads the coverage", as: c.collab, method: "GET", path: one + "/coverage", want: 200},
		{name: "coverage of a kelurahan in one phase", as: c.office, method: "GET", path: one + "/coverage?region=31.71.02.1004&phase=Minggu+1", want: 200},
		{name: "coverage of an unknown region is not found", as: c.collab, method: "GET", path: one + "/coverage?region=31.99", want: 404},
		{name: "an anonymous caller gets no coverage", as: c.anon, method: "GET", path: one + "/coverage", want: 401},
		{name: "anyone reads a public program's figures", as: c.anon, method: "GET", path: "/api/v1/public/programs/" + p.ID, want: 200},
		{name: "a public program's figures in a kecamatan", as: c.anon, method: "GET", path: "/api/v1/public/programs/" + p.ID + "?region=31.71.02", want: 200},
		{name: "a public program's figures in an unknown region are not found", as: c.anon, method: "GET", path: "/api/v1/public/programs/" + p.ID + "?region=31.99", want: 404},
		{name: "an unknown public program is not found", as: c.anon, method: "GET", path: "/api/v1/public/programs/nope", want: 404},

		{name: "a collaborator lists unmet needs of a phase", as: c.collab, method: "GET", path: one + "/needs?phase=Minggu+1&region=31.71.02&kind=institution&limit=10", want: 200},
		{name: "open needs without a phase are invalid", as: c.collab, method: "GET", path: one + "/needs", want: 400},
		{name: "an unknown kind of need is invalid", as: c.collab, method: "GET", path: one + "/needs?phase=Minggu+1&kind=household", want: 400, docRejects: true},
		{name: "an office gets no open needs", as: c.office, method: "GET", path: one + "/needs?phase=Minggu+1", want: 404},
		{name: "an admin reads the flagged needs", as: c.admin, method: "GET", path: one + "/flagged", want: 200},
		{name: "an office reads its region's flagged needs", as: c.office, method: "GET", path: one + "/flagged?limit=10", want: 200},
		{name: "a collaborator gets no flagged needs", as: c.collab, method: "GET", path: one + "/flagged", want: 404},

		{name: "a collaborator previews an area commitment", as: c.collab, method: "POST", path: "/api/v1/commitments/preview", body: commit(map[string]any{"region": "31.71.02"}), want: 200},
		{name: "a preview of chosen targets", as: c.collab, method: "POST", path: "/api/v1/commitments/preview", body: commit(map[string]any{"target_ids": []string{inst}}), want: 200},
		{name: "a quantity of 0 is invalid", as: c.collab, method: "POST", path: "/api/v1/commitments", body: commit(map[string]any{"region": "31.71.02", "quantity": 0}), want: 400, docRejects: true},
		{name: "a commitment without a delivery date is invalid", as: c.collab, method: "POST", path: "/api/v1/commitments",
			body: map[string]any{"program_id": p.ID, "phase": "Minggu 1", "quantity": 1, "region": "31.71"}, want: 400, docRejects: true},
		{name: "an admin cannot commit", as: c.admin, method: "POST", path: "/api/v1/commitments", body: commit(map[string]any{"region": "31.71.02"}), want: 404},
		{name: "an anonymous caller cannot commit", as: c.anon, method: "POST", path: "/api/v1/commitments", body: commit(map[string]any{"region": "31.71.02"}), want: 401},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}

	var area, chosen struct {
		ID        string
		Allocated int
	}
	k.do(t, apiCall{as: c.collab, method: "POST", path: "/api/v1/commitments", body: commit(map[string]any{"region": "31.71.02.1004"}), want: 201}).JSON(t, &area)
	k.do(t, apiCall{as: c.collab, method: "POST", path: "/api/v1/commitments", body: commit(map[string]any{"target_ids": []string{rw, inst}, "quantity": 500}), want: 201}).JSON(t, &chosen)
	if area.Allocated != 10 || chosen.Allocated != 160-10 {
		t.Fatalf("allocated %d and %d, want 10 and the 150 left", area.Allocated, chosen.Allocated)
	}
	var as struct{ Items []struct{ ID string } }
	k.do(t, apiCall{as: c.collab, method: "GET", path: "/api/v1/commitments/" + area.ID + "/allocations", want: 200}).JSON(t, &as)
	if len(as.Items) < 2 {
		t.Fatalf("the area commitment has %d allocations, want at least 2", len(as.Items))
	}
	cm := "/api/v1/commitments/" + area.ID
	calls = []apiCall{
		{name: "a collaborator lists its commitments", as: c.collab, method: "GET", path: "/api/v1/commitments?program=" + p.ID + "&limit=1", want: 200},
		{name: "an admin lists all commitments", as: c.admin, method: "GET", path: "/api/v1/commitments", want: 200},
		{name: "an office lists the commitments reaching its region", as: c.office, method: "GET", path: "/api/v1/commitments", want: 200},
		{name: "a collaborator reads its commitment", as: c.collab, method: "GET", path: cm, want: 200},
		{name: "an unknown commitment is not found", as: c.collab, method: "GET", path: "/api/v1/commitments/no-such-commitment", want: 404},
		{name: "an admin reads the recipients", as: c.admin, method: "GET", path: cm + "/allocations?limit=1", want: 200},
		{name: "a package goes on its way before it can fail", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[0].ID + "/dispatch", want: 200},
		{name: "a failed delivery needs a reason", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[0].ID + "/fail", body: map[string]any{}, want: 400, docRejects: true},
		{name: "a collaborator reports a failed delivery", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[0].ID + "/fail", body: map[string]any{"reason": "address_not_found", "note": "gang buntu"}, want: 200},
		{name: "failing it again is a conflict", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[0].ID + "/fail", body: map[string]any{"reason": "not_home"}, want: 409},
		{name: "an unknown allocation is not found", as: c.admin, method: "POST", path: "/api/v1/allocations/no-such-allocation/fail", body: map[string]any{"reason": "moved"}, want: 404},
		{name: "a collaborator marks a package as on its way", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[1].ID + "/dispatch", want: 200},
		{name: "marking it again answers the same", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[1].ID + "/dispatch", want: 200},
		{name: "a failed allocation cannot go on its way", as: c.collab, method: "POST", path: "/api/v1/allocations/" + as.Items[0].ID + "/dispatch", want: 409},
		{name: "an office cannot dispatch", as: c.office, method: "POST", path: "/api/v1/allocations/" + as.Items[1].ID + "/dispatch", want: 404},
		{name: "a collaborator cancels its commitment", as: c.collab, method: "POST", path: cm + "/cancel", want: 200},
		{name: "cancelling again is a conflict", as: c.collab, method: "POST", path: cm + "/cancel", want: 409},
		{name: "a collaborator reads its notifications", as: c.collab, method: "GET", path: "/api/v1/notifications?limit=5", want: 200},
		{name: "an admin has no notifications", as: c.admin, method: "GET", path: "/api/v1/notifications", want: 200},
		{name: "a collaborator marks its notifications read", as: c.collab, method: "POST", path: "/api/v1/notifications/read", want: 204},
		{name: "an admin closes the program", as: c.admin, method: "POST", path: one + "/close", want: 200},
		{name: "closing twice is a conflict", as: c.admin, method: "POST", path: one + "/close", want: 409},
		{name: "a closed program takes no commitments", as: c.collab, method: "POST", path: "/api/v1/commitments", body: commit(map[string]any{"region": "31.71.02"}), want: 409},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) { k.do(t, call) })
	}
}
