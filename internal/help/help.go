// Package help is warga bantu warga (issue 14): a resident asks for help for
// themselves or a neighbour, or reports that a registered household was missed,
// without an account; the office of the kelurahan's region accepts the request
// into a published program or declines it with a reason; the person who asked
// follows it with a reference and the last four digits of their phone, and gets an
// SMS at each step.
//
// A request creates no target by itself. Accepting it asks the registry for the
// one target it is (registry.Service.IntakeTx: the import's exact and fuzzy
// matching, so a person already registered is found and not doubled), then asks
// the needs' owner for the program's needs of that target (program.Needs.Add, the
// statement that gives targets added after publishing their needs).
//
// # Tables
//
// The package owns help_requests. Personal data (names, NIK, phones, address, the
// need in words) is sealed with the vault, bound to the row; the status lookup
// compares a keyed hash and opens nothing.
package help

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Needs is what accepting asks of the needs' owner (allocate.Needs implements it).
type Needs interface {
	Add(ctx context.Context, tx *store.Tx, p program.Program, today string, since *time.Time) (int, error)
	TargetNeeds(ctx context.Context, tx *store.Tx, programID, targetID string) ([]string, error)
}

// Service is the help-request capability.
type Service struct {
	db       *store.DB
	regions  *region.Set
	vault    *vault.Vault
	registry *registry.Service
	programs *program.Service
	needs    Needs
	outbox   *message.Outbox
	// Now is the clock (tests may set it).
	Now func() time.Time
}

// New returns the service.
func New(db *store.DB, regions *region.Set, v *vault.Vault, reg *registry.Service, programs *program.Service, needs Needs, outbox *message.Outbox) *Service {
	return &Service{db: db, regions: regions, vault: v, registry: reg, programs: programs, needs: needs, outbox: outbox, Now: time.Now}
}

// Statuses of a request.
const (
	Submitted = "submitted"
	Accepted  = "accepted"
	Declined  = "declined"
)

// Kinds of request: help for someone, or a registered household that was missed (aduan).
const (
	KindHelp   = "help"
	KindMissed = "missed"
)

// NeedKinds are what a request may be about.
var NeedKinds = []string{"food", "elderly", "medicine", "other"}

// Urgencies of a request, least urgent first.
var Urgencies = []string{"low", "high", "critical"}

// refAlphabet has no 0/O, 1/I/L: a reference is read aloud over the phone.
const refAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newReference is "BW-" and 8 random characters of refAlphabet (39 bits): too
// many to guess one among the requests, short enough to write down.
func newReference() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	out := []byte("BW-")
	for _, c := range b {
		// 248 = 8 × 31: values from 248 up would favour the first characters.
		for c >= 248 {
			var one [1]byte
			_, _ = rand.Read(one[:])
			c = one[0]
		}
		out = append(out, refAlphabet[int(c)%len(refAlphabet)])
	}
	return string(out)
}

func newID() string { return uuid.NewString() }

// Labels name codes in English words; the web layer translates them as catalogue
// keys (the database keeps the codes).
var (
	needLabels    = map[string]string{"food": "food during self-isolation", "elderly": "an elderly neighbour's needs", "medicine": "medicine", "other": "another need"}
	urgencyLabels = map[string]string{"low": "not urgent", "high": "urgent", "critical": "very urgent (today)"}
	statusLabels  = map[string]string{Submitted: "waiting for the office", Accepted: "accepted", Declined: "declined"}
)

// NeedLabel names a kind of need.
func NeedLabel(code string) string { return needLabels[code] }

// UrgencyLabel names an urgency.
func UrgencyLabel(code string) string { return urgencyLabels[code] }

// StatusLabel names a request's status.
func StatusLabel(code string) string { return statusLabels[code] }
