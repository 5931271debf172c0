// Package registry holds the government's "who needs help, where": targets of four
// kinds (household, person, RW, institution) imported from city offices' CSV and XLSX
// files, validated with reasons an office understands, de-duplicated exactly (by
// keyed hashes of NIK and No. KK) and fuzzily (by Indonesian names within a block of
// kelurahan and birth date), reviewed, and protected: NIK and No. KK are encrypted at
// rest and shown masked except to the office of their region.
//
// # Tables
//
// The package owns targets, members, imports, import_errors and duplicates. Other
// capabilities read targets and members only through shared.go; it learns who
// started an import from package account (Options.UserLabel), which owns users.
package registry

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
)

// Service is the registry capability.
type Service struct {
	db       *store.DB
	regions  *region.Set
	vault    *vault.Vault
	province string
	uploads  string
	log      *slog.Logger
	// batch is how many rows one import transaction holds.
	batch int
	// lease is how long a process holds an import without committing a batch
	// before another process may take it over.
	lease time.Duration
	// poll is how often the worker looks for imports no process holds.
	poll time.Duration
	// limits bound what reading one file may hold or do.
	limits Limits

	queue chan string
	// running is set once Start has run: only then does enqueue hand an import to
	// this process's worker.
	running atomic.Bool
	wg      sync.WaitGroup
	stop    context.CancelFunc
	mu      sync.Mutex
	subs    map[string][]chan struct{}
	// afterBatch, when set (by tests), runs after each committed batch.
	afterBatch func()
	// userLabel names an importer (Options.UserLabel).
	userLabel func(ctx context.Context, userID string) (string, error)
	// onChange, when set, is told that targets changed (an import finished, a pair
	// was merged, a target corrected), so programs can bring their needs in step.
	onChange func()
	// onMerged, when set, runs in the transaction of a merge an office decides.
	onMerged func(ctx context.Context, tx *store.Tx, m Merged) error
}

// OnChange registers fn to be called after the registry's targets change. fn must
// not block: it is called on the path of the change. Register it before Start:
// the worker reads it without a lock.
func (s *Service) OnChange(fn func()) { s.onChange = fn }

func (s *Service) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}

// Options configure the registry.
type Options struct {
	Province string
	DataDir  string // uploads are kept in DataDir/uploads
	Batch    int    // rows per import transaction (default DefaultBatch)
	// Lease is how long an import stays with the process running it after its last
	// committed batch (default 2 minutes); after a crash another process resumes it
	// once the lease has lapsed.
	Lease time.Duration
	// Poll is how often the worker looks in the database for imports no process
	// holds (default 2 seconds): queued by a web process, or left by a dead one.
	Poll time.Duration
	// Limits bound what reading one file may hold in memory or make the worker do
	// (zero fields: DefaultLimits).
	Limits Limits
	// UserLabel names the user who started an import, for the audit entries the
	// import writes on their behalf (account.Service.UserLabel: account owns users).
	// Nil: imports are audited with the user's id only.
	UserLabel func(ctx context.Context, userID string) (string, error)
}

// DefaultBatch is how many rows one import transaction holds unless told otherwise.
// Every commit writes each page it dirtied, and the pages of the hash indexes a batch
// touches grow more slowly than the batch: 10,000 rows import 1.3–1.6× as fast as
// 2,000 on SQLite at 300k rows (docs/PERFORMANCE.md), for about 30 MiB more peak
// memory. The price is on SQLite, which has one writer: other writes wait for a batch
// to commit, about one second at this size.
const DefaultBatch = 10000

// New returns the registry service. Start runs its import worker.
func New(db *store.DB, regions *region.Set, v *vault.Vault, log *slog.Logger, opt Options) *Service {
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if opt.Poll <= 0 {
		opt.Poll = 2 * time.Second
	}
	return &Service{db: db, regions: regions, vault: v, province: opt.Province, log: log, batch: opt.Batch, lease: opt.Lease, poll: opt.Poll, limits: opt.Limits.orDefault(), userLabel: opt.UserLabel,
		uploads: filepath.Join(opt.DataDir, "uploads"), queue: make(chan string, 1024), subs: map[string][]chan struct{}{}}
}

// newID names a registry row (target, member, pair, import). The ids are UUIDv7:
// they follow the order rows are made in, so an import's inserts append to the
// primary key's index instead of landing on a random page of it (a random v4 id
// touches a different leaf for every row once the table outgrows the cache). The
// text form is unchanged, a UUID with dashes, which is what the upload folder's
// clean-up (worker.go) parses; no code reads the version.
func newID() string {
	u, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return u.String()
}
