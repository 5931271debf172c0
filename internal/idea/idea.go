// Package idea is the co-creation forum (ide kolaborasi, issue 14): anyone signed
// in proposes an idea for the city, others support it once and comment on it,
// verified collaborators offer what their organisation would contribute, and the
// government moves it through reviewed → adopted (a draft program naming the
// offering organisations) → done, or declines it with a reason. Anyone signed in
// may report an idea; the admin reads the reports and hides what does not belong.
//
// # Tables
//
// The package owns ideas, idea_supports, idea_comments, idea_offers and
// idea_reports. The names the forum shows (an author's display name, an offering
// organisation's name) are copied in when written, so reading the open forum
// never touches users or organisations, whose other columns are not public.
//
// # Who sees what
//
// Reading is public: lists and pages need no sign-in and show authors by display
// name only (never an email or a user id). A hidden idea leaves every list and
// is not found for everyone but the admin, who also reads the reports. Support
// is once per user by the primary key of idea_supports; the count kept on the
// idea grows in the same transaction, so it stays equal to the rows under any
// concurrency (PostgreSQL's row lock on the idea, SQLite's one writer).
package idea

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/invisible"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
)

// Statuses. proposed → reviewed | declined; reviewed → adopted | declined;
// adopted → done.
const (
	Proposed = "proposed"
	Reviewed = "reviewed"
	Adopted  = "adopted"
	Done     = "done"
	Declined = "declined"
)

// moves are the legal status changes; anything else is a conflict.
var moves = map[string][]string{
	Proposed: {Reviewed, Declined},
	Reviewed: {Adopted, Declined},
	Adopted:  {Done},
}

// Statuses lists every status, in the order of an idea's life.
var Statuses = []string{Proposed, Reviewed, Adopted, Done, Declined}

// Categories is the fixed list of categories (the pages name them in Indonesian).
var Categories = []string{"food", "health", "education", "environment", "economy", "other"}

// programCategory is the program category an adopted idea's draft program gets.
var programCategory = map[string]string{"food": "pangan", "health": "kesehatan", "education": "pendidikan",
	"environment": "lingkungan", "economy": "ekonomi", "other": "lainnya"}

// Bounds on texts, in characters.
const (
	MaxTitle   = 140
	MaxBody    = 5000
	MaxNeeds   = 1000
	MaxComment = 2000
	MaxOffer   = 1000
	MaxReason  = 500
)

// Who is the caller as the policy sees it (the zero Principal: anonymous).
type Who = account.Principal

// Idea is an idea as its reader may see it.
type Idea struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Category   string    `json:"category"`
	Region     string    `json:"region"`
	RegionName string    `json:"region_name"`
	Needs      string    `json:"needs"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Author     string    `json:"author"` // display name
	Supports   int       `json:"supports"`
	Supported  bool      `json:"supported"` // whether the caller supports it
	ProgramID  string    `json:"program_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// The admin alone sees these.
	Hidden      bool `json:"hidden,omitempty"`
	ReportCount int  `json:"report_count,omitempty"`

	authorID, chain string
}

// Detail is one idea with its comments and offers, and for the admin its reports.
type Detail struct {
	Idea
	Comments []Comment `json:"comments"`
	Offers   []Offer   `json:"offers"`
	Reports  []Report  `json:"reports,omitempty"`
}

// Comment is one comment, its author by display name.
type Comment struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Offer is what an organisation would contribute.
type Offer struct {
	ID           string    `json:"id"`
	Organization string    `json:"organization"`
	Offer        string    `json:"offer"`
	CreatedAt    time.Time `json:"created_at"`
}

// Report is a report to the admin.
type Report struct {
	ID        string    `json:"id"`
	By        string    `json:"by"` // display name
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// Programs makes the draft program of an adopted idea (program.Service).
type Programs interface {
	Create(ctx context.Context, in program.Input) (program.Program, error)
}

// Names reads who a user or an organisation is (account.Service).
type Names interface {
	User(ctx context.Context, id string) (account.User, error)
	Org(ctx context.Context, id string) (account.Org, error)
}

// Service runs the forum.
type Service struct {
	db       *store.DB
	regions  *region.Set
	province string
	names    Names
	programs Programs
	// Now is the clock.
	Now func() time.Time
}

// New returns the forum's service.
func New(db *store.DB, regions *region.Set, province string, names Names, programs Programs) *Service {
	return &Service{db: db, regions: regions, province: province, names: names, programs: programs, Now: time.Now}
}

// newID is a UUIDv7 without dashes: ids follow insertion order.
func newID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return strings.ReplaceAll(u.String(), "-", "")
}

// chainFor is the audit chain of a region: its kab/kota.
func chainFor(code string) string {
	if len(code) >= 5 {
		return "region:" + code[:5]
	}
	return "region:" + code
}

// line checks one line of text (a title): invisible format characters are
// stripped, characters that reorder text and control characters refused.
func line(field, s string, minLen, maxLen int) (string, error) {
	s, ok := invisible.Clean(s)
	if !ok {
		return "", errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", field)
	}
	s = strings.TrimSpace(s)
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", errs.E(errs.Invalid, "%s contains control characters", field)
	}
	return bounded(field, s, minLen, maxLen)
}

// prose checks free text of several lines (a body, a comment, an offer, a
// reason): line breaks and tabs stay, format characters too (a zero-width
// joiner builds emoji); characters that reorder text and other control
// characters are refused.
func prose(field, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) {
		return "", errs.E(errs.Invalid, "%s is not valid text", field)
	}
	if strings.IndexFunc(s, invisible.IsBidiControl) >= 0 {
		return "", errs.E(errs.Invalid, "%s holds characters that reorder text, such as a right-to-left override", field)
	}
	if strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f }) {
		return "", errs.E(errs.Invalid, "%s contains control characters", field)
	}
	return bounded(field, s, minLen, maxLen)
}

func bounded(field, s string, minLen, maxLen int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errs.E(errs.Invalid, "%s is not valid text", field)
	}
	if n := utf8.RuneCountInString(s); n < minLen || n > maxLen {
		return "", errs.E(errs.Invalid, "%s must be %d to %d characters", field, minLen, maxLen)
	}
	return s, nil
}

// displayName is how the forum shows a person: their name, with any e-mail
// address in it cut to the part before the @ (a name is public here, an e-mail
// address never is).
func displayName(name string) string {
	f := strings.Fields(name)
	for i, w := range f {
		if at := strings.IndexByte(w, '@'); at >= 0 {
			f[i] = w[:at]
		}
	}
	out := strings.TrimSpace(strings.Join(f, " "))
	if out == "" {
		return "Warga"
	}
	return out
}

// whoName is the display name of the caller, read before a write begins.
func (s *Service) whoName(ctx context.Context, who Who) (string, error) {
	u, err := s.names.User(ctx, who.UserID)
	if err != nil {
		return "", errs.E(errs.NotFound, "not found")
	}
	return displayName(u.Name), nil
}

func (s *Service) regionName(code string) string {
	if r, ok := s.regions.Get(code); ok {
		return r.Name
	}
	return code
}
