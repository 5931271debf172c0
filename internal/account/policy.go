package account

import (
	"fmt"

	"github.com/gotong/gotong/internal/errs"
)

// Permission is one right a route, a page or a menu asks the policy for. Each is
// named after what it lets the caller do, not after who has it: the table below
// says who, in one place.
type Permission string

// The permissions. Every one guards at least one route (a test in package web
// checks it), so none is dead.
const (
	ManageOwnAccount   Permission = "manage_own_account" // see oneself, make API tokens
	ReadOrg            Permission = "read_org"           // an organisation: its own members, or all (admin)
	ManageUsers        Permission = "manage_users"
	ReadOrgs           Permission = "read_orgs" // the list of every organisation
	VerifyOrg          Permission = "verify_org"
	SetOrgLimits       Permission = "set_org_limits"
	ReadAudit          Permission = "read_audit"
	ReadFlags          Permission = "read_flags" // organisations flagged for a pattern
	Import             Permission = "import"
	ReadRegistry       Permission = "read_registry"
	CorrectTarget      Permission = "correct_target"
	ResolveDuplicates  Permission = "resolve_duplicates"
	ManagePrograms     Permission = "manage_programs" // create, publish, close, stacking; see drafts
	ReadPrograms       Permission = "read_programs"
	ReadCoverage       Permission = "read_coverage"
	ReadOpenNeeds      Permission = "read_open_needs" // RWs and institutions one may choose
	ReadFlagged        Permission = "read_flagged"    // needs flagged by the registry's checks
	Commit             Permission = "commit"
	ReadCommitments    Permission = "read_commitments"
	CancelCommitment   Permission = "cancel_commitment"
	DispatchAllocation Permission = "dispatch_allocation" // mark an allocation as on its way
	FailAllocation     Permission = "fail_allocation"
	ReadRecipients     Permission = "read_recipients" // a commitment's allocations with their recipients
	ReadNotifications  Permission = "read_notifications"
	// Delivery (issue 11).
	ManageDeliveries       Permission = "manage_deliveries"        // runs of one's commitments: create, read, revoke, their lists, labels and handover records
	DeliverAllocation      Permission = "deliver_allocation"       // record a delivery with the recipient's code or a photo
	ReadRecipientCodes     Permission = "read_recipient_codes"     // the codes, for the RW heads of the office's region
	ReadDeliveries         Permission = "read_deliveries"          // deliveries and failures of a region, to act on
	VerifyDeliveries       Permission = "verify_deliveries"        // draw a call-back sample and record the answers
	ReadConfirmation       Permission = "read_confirmation"        // confirmation rates per organisation
	ManageCourierProviders Permission = "manage_courier_providers" // the providers' webhook secrets
	// Monitoring (issue 12).
	ReadDashboard    Permission = "read_dashboard"    // the government dashboard of a region: figures to RW, overdue, failures, collaborators
	ExportMonitoring Permission = "export_monitoring" // the dashboard's tables and the 3W as CSV and XLSX
	ManageBoundaries Permission = "manage_boundaries" // upload region boundaries (GeoJSON) for the map
	// Donations to the task force (issue 13).
	ManageWarehouses Permission = "manage_warehouses" // warehouses and posts, the organisation that distributes each, the catalogue of goods
	HandleDonations  Permission = "handle_donations"  // for the warehouses of one's region: accept, decline and receive offers, map free text, adjust and transfer stock
	Donate           Permission = "donate"            // offer goods to a warehouse, withdraw an offer, see one's own offers and where they went
	ReadStock        Permission = "read_stock"        // a warehouse's stock and ledger: staff in their region, the organisation that distributes it
	// The co-creation forum (issue 14). Reading it is public.
	TakePart    Permission = "take_part"     // propose an idea, support it once, comment, report
	OfferToIdea Permission = "offer_to_idea" // offer what one's organisation would contribute to an idea
	GovernIdeas Permission = "govern_ideas"  // move ideas through reviewed, adopted, done or declined; hide them; read reports
	// Data-subject rights (issue 14).
	ReadSubjectData Permission = "read_subject_data" // a target's whole record, its aid and its audit history, for the person it is about (UU 27/2022)
	// Citizens who give (issue 14).
	VerifyIndividuals Permission = "verify_individuals" // verify or reject a citizen's request to commit as an individual collaborator (the office of the citizen's region, the admin)
	Pledge            Permission = "pledge"             // a citizen's pledge to a verified aggregator, and reading one's own
	ReadPledges       Permission = "read_pledges"       // an aggregator's pledges, linked to its own commitments (other organisations: none)
	// Help requests, warga bantu warga (issue 14).
	HandleHelpRequests Permission = "handle_help_requests" // help requests of one's region: read them, accept one into a program, decline one
)

// Permissions lists every permission, in the order above.
func Permissions() []Permission {
	return []Permission{ManageOwnAccount, ReadOrg, ManageUsers, ReadOrgs, VerifyOrg, SetOrgLimits, ReadAudit, ReadFlags,
		Import, ReadRegistry, CorrectTarget, ResolveDuplicates, ManagePrograms, ReadPrograms, ReadCoverage, ReadOpenNeeds,
		ReadFlagged, Commit, ReadCommitments, CancelCommitment, DispatchAllocation, FailAllocation, ReadRecipients, ReadNotifications,
		ManageDeliveries, DeliverAllocation, ReadRecipientCodes, ReadDeliveries, VerifyDeliveries, ReadConfirmation, ManageCourierProviders,
		ReadDashboard, ExportMonitoring, ManageBoundaries, ManageWarehouses, HandleDonations, Donate, ReadStock,
		TakePart, OfferToIdea, GovernIdeas, ReadSubjectData, VerifyIndividuals, Pledge, ReadPledges, HandleHelpRequests}
}

// ParsePermission checks a permission name (templates name them as strings).
func ParsePermission(s string) (Permission, error) {
	for _, p := range Permissions() {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("no permission %q", s)
}

// Principal is the caller as the policy sees it. The zero Principal is nobody
// (not signed in) and may do nothing.
type Principal struct {
	UserID string
	Role   Role
	// Region is an office's region; its reads of the registry are limited to it.
	Region string
	// OrgID is a collaborator's organisation ("" for staff).
	OrgID string
	// OrgVerified is whether the organisation was verified when the principal was
	// read (once per request). Committing checks it again in its transaction.
	OrgVerified bool
}

// Principal is the policy's view of the user.
func (u User) Principal() Principal {
	return Principal{UserID: u.ID, Role: u.Role, Region: u.Region, OrgID: u.OrgID, OrgVerified: u.OrgStatus == OrgVerified}
}

// The grants. Staff (admin and offices) keep the registry; the admin runs
// programs, organisations and users, and reads every organisation's commitments
// (without making any: the government does not give through its own platform);
// an organisation's members commit and follow their commitments only once the
// organisation is verified — until then commitments do not exist for them.
var (
	everyone = []Permission{ManageOwnAccount, ReadOrg, ReadPrograms, ReadCoverage, TakePart}
	staff    = []Permission{Import, ReadRegistry, CorrectTarget, ResolveDuplicates, ReadFlagged,
		ReadRecipientCodes, ReadDeliveries, VerifyDeliveries, ReadConfirmation, ReadDashboard, ExportMonitoring,
		HandleDonations, ReadStock, ReadSubjectData, VerifyIndividuals, HandleHelpRequests}
	follow = []Permission{ReadOpenNeeds, ReadCommitments, CancelCommitment, DispatchAllocation, FailAllocation, ReadRecipients, ReadNotifications,
		ManageDeliveries, DeliverAllocation}
	grants = map[Role]map[Permission]bool{
		Admin: set(everyone, staff, follow, []Permission{ManageUsers, ReadOrgs, VerifyOrg, SetOrgLimits, ReadAudit, ReadFlags, ManagePrograms,
			ManageCourierProviders, ManageBoundaries, ManageWarehouses, GovernIdeas}),
		// An office reads the commitments reaching its region (CommitmentRegion), to
		// see who serves whom; it makes, cancels and dispatches none.
		Office:       set(everyone, staff, []Permission{ReadCommitments}),
		Collaborator: set(everyone),
		// A citizen has no organisation: ReadOrg (its own members) means nothing to them.
		Citizen: set([]Permission{ManageOwnAccount, ReadPrograms, ReadCoverage, TakePart, Pledge}),
	}
	verifiedCollaborator = set(everyone, follow, []Permission{Commit, Donate, ReadStock, OfferToIdea, ReadPledges})
)

func set(lists ...[]Permission) map[Permission]bool {
	m := map[Permission]bool{}
	for _, l := range lists {
		for _, p := range l {
			m[p] = true
		}
	}
	return m
}

// Can answers whether the principal has the permission. It is the one place
// that says who may do what; routes, pages, menus and capabilities ask it.
func (p Principal) Can(perm Permission) bool {
	if p.UserID == "" {
		return false
	}
	if p.Role == Collaborator && p.OrgVerified && p.OrgID != "" {
		return verifiedCollaborator[perm]
	}
	return grants[p.Role][perm]
}

// RegionScope is the region the principal's reads of the registry and of
// flagged needs are limited to: an office's own, the whole province otherwise
// (only staff reach those reads).
func (p Principal) RegionScope(province string) string {
	if p.Role == Office {
		return p.Region
	}
	return province
}

// SeesNIKs reports whether the principal sees NIKs unmasked in its region (an
// office: it checks people at the door; every such read is audited). The admin
// sees the province masked.
func (p Principal) SeesNIKs() bool { return p.Role == Office }

// SeesFineFigures reports whether the principal sees the figures below kecamatan
// of a sensitive (health) program: government staff do, collaborators and the
// public see them coarsened.
func (p Principal) SeesFineFigures() bool { return p.Role == Admin || p.Role == Office }

// OrgScope is whose commitments, allocations and notifications the principal
// reads: all organisations' (all is true: the admin), or those of org. A
// principal with neither reads nothing. Capabilities put it into their WHERE
// clause, so what is not the caller's is simply not found.
func (p Principal) OrgScope() (org string, all bool) {
	if p.Role == Admin {
		return "", true
	}
	return p.OrgID, false
}

// CommitmentRegion is the region whose commitments and allocations the principal
// reads besides OrgScope's, by any organisation: an office's own ("" for anyone
// else). It is for reading only: cancelling, dispatching and delivering stay
// with OrgScope, so an office acts on none of them.
func (p Principal) CommitmentRegion() string {
	if p.Role == Office {
		return p.Region
	}
	return ""
}

// Refusal is the error for a signed-in principal without perm: not_found, so that
// what it may not reach does not seem to exist. A member of an organisation not
// (or no longer) verified is told why, for what verification would give it.
func (p Principal) Refusal(perm Permission) error {
	if p.Role == Collaborator && !p.Can(perm) && verifiedCollaborator[perm] {
		return errNotCommitter()
	}
	return errs.E(errs.NotFound, "not found")
}
