package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

// The policy's callers, as the role table of package web knows them.
var principals = []struct {
	name string
	p    account.Principal
}{
	{"admin", account.Principal{UserID: "u1", Role: account.Admin}},
	{"office", account.Principal{UserID: "u2", Role: account.Office, Region: "31.71"}},
	{"collaborator of a verified organisation", account.Principal{UserID: "u3", Role: account.Collaborator, OrgID: "o1", OrgVerified: true}},
	{"collaborator of a pending or rejected organisation", account.Principal{UserID: "u4", Role: account.Collaborator, OrgID: "o2"}},
	{"anonymous", account.Principal{}},
	{"citizen", account.Principal{UserID: "u5", Role: account.Citizen, Region: "31.71.01.1001"}},
}

// grants is the expected answer, written out by hand: one column per principal
// above, in that order (A admin, O office, V verified collaborator, P pending
// collaborator, - anonymous, C citizen). A letter grants; a dot refuses.
var grants = map[account.Permission]string{
	account.ManageOwnAccount:       "AOVP.C",
	account.ReadOrg:                "AOVP..",
	account.ManageUsers:            "A.....",
	account.ReadOrgs:               "A.....",
	account.VerifyOrg:              "A.....",
	account.SetOrgLimits:           "A.....",
	account.ReadAudit:              "A.....",
	account.ReadFlags:              "A.....",
	account.Import:                 "AO....",
	account.ReadRegistry:           "AO....",
	account.CorrectTarget:          "AO....",
	account.ResolveDuplicates:      "AO....",
	account.ManagePrograms:         "A.....",
	account.ReadPrograms:           "AOVP.C",
	account.ReadCoverage:           "AOVP.C",
	account.ReadOpenNeeds:          "A.V...",
	account.ReadFlagged:            "AO....",
	account.Commit:                 "..V...",
	account.ReadCommitments:        "AOV...", // an office: those reaching its region (CommitmentRegion)
	account.CancelCommitment:       "A.V...",
	account.DispatchAllocation:     "A.V...",
	account.FailAllocation:         "A.V...",
	account.ReadRecipients:         "A.V...",
	account.ReadNotifications:      "A.V...",
	account.ManageDeliveries:       "A.V...",
	account.DeliverAllocation:      "A.V...",
	account.ReadRecipientCodes:     "AO....",
	account.ReadDeliveries:         "AO....",
	account.VerifyDeliveries:       "AO....",
	account.ReadConfirmation:       "AO....",
	account.ManageCourierProviders: "A.....",
	account.ReadDashboard:          "AO....",
	account.ExportMonitoring:       "AO....",
	account.ManageBoundaries:       "A.....",
	account.ManageWarehouses:       "A.....",
	account.HandleDonations:        "AO....",
	account.Donate:                 "..V...",
	account.ReadStock:              "AOV...",
	account.TakePart:               "AOVP.C",
	account.OfferToIdea:            "..V...",
	account.GovernIdeas:            "A.....",
	account.ReadSubjectData:        "AO....",
	account.VerifyIndividuals:      "AO....",
	account.Pledge:                 ".....C",
	account.ReadPledges:            "..V...",
	account.HandleHelpRequests:     "AO....",
}

func TestPolicyAnswersEveryPermissionForEveryPrincipal(t *testing.T) {
	if len(grants) != len(account.Permissions()) {
		t.Fatalf("the table has %d permissions, the policy %d: write the new one's row", len(grants), len(account.Permissions()))
	}
	for _, perm := range account.Permissions() {
		row, ok := grants[perm]
		if !ok || len(row) != len(principals) {
			t.Fatalf("permission %s has no row of %d columns in the table", perm, len(principals))
		}
		for i, c := range principals {
			want := row[i] != '.'
			if got := c.p.Can(perm); got != want {
				t.Errorf("%s: Can(%s) = %v, want %v", c.name, perm, got, want)
			}
		}
	}
}

func TestPolicyGrantsNothingWithoutAUser(t *testing.T) {
	// A role or an organisation without a signed-in user grants nothing.
	for _, p := range []account.Principal{
		{Role: account.Admin},
		{Role: account.Collaborator, OrgID: "o1", OrgVerified: true},
		{UserID: "u", Role: "superuser"},
	} {
		for _, perm := range account.Permissions() {
			if p.Can(perm) {
				t.Errorf("%+v may %s", p, perm)
			}
		}
	}
	// A collaborator marked verified but without an organisation commits nothing.
	if (account.Principal{UserID: "u", Role: account.Collaborator, OrgVerified: true}).Can(account.Commit) {
		t.Error("a collaborator without an organisation may commit")
	}
}

func TestPolicyScopes(t *testing.T) {
	admin, office, collab := principals[0].p, principals[1].p, principals[2].p
	if got := office.RegionScope("31"); got != "31.71" {
		t.Errorf("an office's region scope is %q, want its own region", got)
	}
	if got := admin.RegionScope("31"); got != "31" {
		t.Errorf("the admin's region scope is %q, want the province", got)
	}
	if org, all := admin.OrgScope(); !all || org != "" {
		t.Errorf("the admin reads commitments of (%q, all=%v), want all", org, all)
	}
	if org, all := collab.OrgScope(); all || org != "o1" {
		t.Errorf("a collaborator reads commitments of (%q, all=%v), want its own", org, all)
	}
	if org, all := office.OrgScope(); all || org != "" {
		t.Errorf("an office reads commitments of (%q, all=%v), want none", org, all)
	}
	if !office.SeesNIKs() || admin.SeesNIKs() || collab.SeesNIKs() {
		t.Error("only offices see NIKs unmasked")
	}
	if !office.SeesFineFigures() || !admin.SeesFineFigures() || collab.SeesFineFigures() {
		t.Error("only staff see a sensitive program's fine figures")
	}
}

func TestRefusalTellsAPendingCollaboratorWhy(t *testing.T) {
	pending, office := principals[3].p, principals[1].p
	if err := pending.Refusal(account.Commit); !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), "verified") {
		t.Errorf("a pending collaborator refused commit hears %v", err)
	}
	if err := office.Refusal(account.Commit); !errs.Is(err, errs.NotFound) || strings.Contains(err.Error(), "verified") {
		t.Errorf("an office refused commit hears %v", err)
	}
	if err := pending.Refusal(account.ManageUsers); strings.Contains(err.Error(), "verified") {
		t.Errorf("a pending collaborator refused user management hears %v", err)
	}
}

func TestParsePermission(t *testing.T) {
	for _, perm := range account.Permissions() {
		if got, err := account.ParsePermission(string(perm)); err != nil || got != perm {
			t.Errorf("ParsePermission(%q) = %q, %v", perm, got, err)
		}
	}
	if _, err := account.ParsePermission("comit"); err == nil {
		t.Error("a misspelt permission parses")
	}
}

// CheckCommitter is what the commit's transaction asks: only a verified
// organisation passes; a missing or undecided one is not found; any other failure
// of the database keeps its own kind instead of passing for "not found".
func TestCheckCommitter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, ctx := newService(t, db)
		org := registerOrg(t, svc, ctx, "PT Berbagi")
		if err := svc.CheckCommitter(ctx, db.R(), org.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a pending organisation: %v, want not_found", err)
		}
		if err := svc.CheckCommitter(ctx, db.R(), "missing"); !errs.Is(err, errs.NotFound) {
			t.Errorf("a missing organisation: %v, want not_found", err)
		}
		if err := svc.CheckCommitter(ctx, db.R(), ""); !errs.Is(err, errs.NotFound) {
			t.Errorf("no organisation: %v, want not_found", err)
		}
		if _, err := svc.DecideOrg(ctx, org.ID, account.OrgVerified, ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.CheckCommitter(ctx, db.R(), org.ID); err != nil {
			t.Errorf("a verified organisation: %v", err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := svc.CheckCommitter(cancelled, db.R(), org.ID); err == nil || errs.Is(err, errs.NotFound) {
			t.Errorf("a failed read: %v, want an error that is not not_found", err)
		}
		if _, err := svc.DecideOrg(ctx, org.ID, account.OrgRejected, "suspended"); err != nil {
			t.Fatal(err)
		}
		if err := svc.CheckCommitter(ctx, db.R(), org.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a rejected organisation: %v, want not_found", err)
		}
		names, err := svc.OrgNames(ctx, []string{org.ID, "missing"})
		if err != nil || len(names) != 1 || names[org.ID] != "PT Berbagi" {
			t.Errorf("OrgNames = %v, %v", names, err)
		}
	})
}

// registerOrg registers a pending organisation called name, with its first user.
func registerOrg(t *testing.T, svc *account.Service, ctx context.Context, name string) account.Org {
	t.Helper()
	var reg account.Registration
	reg.Name, reg.Kind, reg.ContactName, reg.ContactEmail, reg.ContactPhone = name, "company", "Andi", "andi@berbagi.id", "+62 811 2222 3333"
	reg.User.Email, reg.User.Password = "andi@berbagi.id", "kopi-tubruk-pagi-7"
	org, _, err := svc.Register(ctx, reg)
	if err != nil {
		t.Fatal(err)
	}
	return org
}
