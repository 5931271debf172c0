// Package app wires Gotong together: configuration, database, regions, capabilities
// and the web server. The command line and the end-to-end tests start the very same
// App, so what the tests exercise is what runs.
package app

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotong/gotong/data"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/callback"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/demo"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/human"
	"github.com/gotong/gotong/internal/idea"
	"github.com/gotong/gotong/internal/keyrot"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/pledge"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/retention"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/vault"
	"github.com/gotong/gotong/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is everything Gotong can be told at start-up.
type Config struct {
	Data            string         // data folder (SQLite file, keys, uploads)
	DB              string         // database URL; "" means SQLite in Data
	Addr            string         // listen address
	Province        string         // the province this deployment serves
	Demo            bool           // fill an empty database with demo data
	DemoRows        int            // household-member rows of the demo registry (0: demo.HouseholdRows)
	Migrate         bool           // migrate a stale schema instead of refusing it
	CookieSecure    bool           // mark cookies Secure (serve over HTTPS)
	SessionIdle     time.Duration  // sign out after this long without a request
	SessionLifetime time.Duration  // sign out this long after signing in, whatever happens
	LoginLimit      int            // failed (or still checked) sign-ins per client address per minute
	RegisterLimit   int            // registrations per client address per minute
	Instances       int            // processes behind one load balancer: each enforces its share of every rate limit
	TrustedProxies  []netip.Prefix // proxies whose X-Forwarded-For names the client (none: the peer is the client)
	MaxUpload       int64          // largest import file accepted, in bytes
	MaxUploads      int            // uploads received at once; more are answered 429
	ImportLease     time.Duration  // how long a crashed process holds an unfinished import
	ImportBatch     int            // rows per import transaction (0: registry.DefaultBatch)
	DBReadConns     int            // read pool size (0: the engine's default, store.Options)
	DBRead          string         // URL of a PostgreSQL read replica for public pages and dashboards ("": none)
	DBWriteConns    int            // write pool size on PostgreSQL (0: the default; SQLite has one writer)
	EngineTick      time.Duration  // how often allocations past their deadline are expired (default 30s)
	SummaryMaxAge   time.Duration  // how long the public answers are kept (0: 5 s; negative: not kept)
	HeaderTimeout   time.Duration  // how long a client may take to send a request's headers (0: 10 s)
	IdleTimeout     time.Duration  // how long a kept-alive connection may wait for its next request (0: 2 min)
	// PersonalData bounds what reaches one organisation: open units, recipients'
	// contact details revealed per day, and how soon before delivery they are shown.
	PersonalData  allocate.Limits
	AdminEmail    string // first admin, when there is none yet
	AdminPassword string
	// PasswordMemoryKiB lowers argon2id's memory cost; tests use it, production
	// keeps the default (64 MiB).
	PasswordMemoryKiB uint32
	// Messages: where the outbox sends e-mail, SMS and WhatsApp (a channel with no
	// host or URL goes to the log sender), and its worker's pace.
	SMTP     message.SMTPConfig
	SMS      message.GatewayConfig
	WhatsApp message.GatewayConfig
	Messages message.Options
	// HoldMessages leaves the outbox to another process: a one-off command (import)
	// must not send what the server, configured with the real senders, is to send.
	HoldMessages bool
	// RecipientChannel is how recipients are told their code and of a failed
	// delivery: "sms" (default) or "whatsapp".
	RecipientChannel string
	// MapTiles and MapTilesCredit, when set, are the map's tile URL template and the
	// credit its provider asks for (stored as settings at start-up; none: the map
	// draws the boundaries alone and works offline).
	MapTiles, MapTilesCredit string
	// BaseURL is the address the public reaches this server at (links given to
	// couriers start with it); "" means http:// and the address served on.
	BaseURL string
	// RetentionDays, when above 0, purges once a day (and at start) the personal
	// data of programs closed more than that many days ago (package retention).
	RetentionDays int
	// Role is what this process does (RoleAll when empty): serve the pages and the
	// API, run the background work, or both. Any number of web processes and of
	// worker processes may share one database (see StartWorkers).
	Role string
	// ChallengeMax is the largest secret number of the human check's challenges
	// (0: package human's default, 100,000 — about a second on a cheap phone).
	// Tests lower it so that solving takes milliseconds.
	ChallengeMax int64
	// KeyWatch is how often a running server looks for a key rotation begun or
	// finished by gotong key rotate (0: 5 s). KeyRotation opens the App for that
	// command: the key checks are the rotation's own (package keyrot).
	KeyWatch    time.Duration
	KeyRotation bool
}

// The roles of a process (Config.Role).
const (
	// RoleAll serves HTTP and runs the background work: one process does everything.
	RoleAll = "all"
	// RoleWeb serves HTTP and starts no background work: imports it receives wait
	// for a worker.
	RoleWeb = "web"
	// RoleWorker runs the background work and serves only /healthz, /readyz and
	// /metrics, for the load balancer's or the supervisor's checks.
	RoleWorker = "worker"
)

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{Data: "./gotong-data", Addr: "127.0.0.1:8080", Province: "31", Role: RoleAll,
		SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour, LoginLimit: 10, RegisterLimit: 10,
		MaxUpload: 200 << 20, MaxUploads: 4, ImportLease: 2 * time.Minute,
		PersonalData: allocate.Limits{OpenUnits: 5000, RevealsPerDay: 2000, RevealWithin: 72 * time.Hour}}
}

// Pools is the database pool sizes asked for.
func (c Config) Pools() store.Options {
	return store.Options{ReadConns: c.DBReadConns, WriteConns: c.DBWriteConns, Replica: c.DBRead}
}

// DSN is the database to open.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return "sqlite:" + filepath.Join(c.Data, "gotong.db")
}

// App is a running Gotong.
type App struct {
	Cfg      Config
	Log      *slog.Logger
	DB       *store.DB
	Regions  *region.Set
	Accounts *account.Service
	Registry *registry.Service
	// Programs and Allocations are the programs with their needs, and the
	// commitments with the allocation engine.
	Programs    *program.Service
	Allocations *allocate.Service
	Vault       *vault.Vault
	Web         *web.Server
	started     bool
	stopEngine  context.CancelFunc
	engineDone  chan struct{}
	// Messages is the outbox: capabilities enqueue in their transactions, its
	// worker sends.
	Messages     *message.Outbox
	stopMessages context.CancelFunc
	messagesDone chan struct{}

	// Deliveries are runs, couriers' links, proofs and failures.
	Deliveries *deliver.Service
	// Monitor reads the kept counters (dashboards, coverage, the public page) and
	// folds them on PostgreSQL.
	Monitor *monitor.Service
	// Donations runs warehouses, offers of goods, intake and stock (issue 13).
	Donations *donate.Service
	// Retention purges closed programs' personal data (gotong purge, RetentionDays).
	Retention *retention.Purger
	Ideas     *idea.Service // the co-creation forum (issue 14)
	// Pledges are citizens' gifts through aggregators (issue 14).
	Pledges *pledge.Service
	// Help runs help requests, warga bantu warga (issue 14).
	Help   *help.Service
	served atomic.Value // "http://" + the address Serve listens on
	// providers keeps the courier providers' webhook secrets (web's, and a key rotation's).
	providers *deliver.Providers
	stopKey   context.CancelFunc
	keyDone   chan struct{}
}

// SystemContext is the context for changes the program makes by itself (bootstrap,
// demo data, command-line actions), so that they are audited with a named actor.
func SystemContext(ctx context.Context, label string) context.Context {
	return audit.WithActor(ctx, audit.Actor{ID: "system", Label: label, RemoteAddr: "local"})
}

// loadRegions reads the embedded regions once per process; a Set is never changed
// after it is loaded, so every App of the process shares it.
var loadRegions = sync.OnceValues(func() (*region.Set, error) { return region.Load(data.Regions) })

// Open opens the database (migrating an empty one), loads the regions and builds the
// capabilities and the web server.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	regions, err := loadRegions()
	if err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	prov, ok := regions.Get(cfg.Province)
	if !ok || prov.Level != region.Province {
		return nil, fmt.Errorf("--province %q is not a province code (DKI Jakarta is 31)", cfg.Province)
	}
	db, err := store.OpenWith(ctx, cfg.DSN(), cfg.Pools())
	if err != nil {
		return nil, err
	}
	if err := db.Prepare(ctx, cfg.Migrate); err != nil {
		db.Close()
		return nil, err
	}
	v, src, err := vault.Load(cfg.Data, os.Getenv)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("personal-data key: %w", err)
	}
	if err := putMapTiles(ctx, db, cfg); err != nil {
		db.Close()
		return nil, err
	}
	if !cfg.KeyRotation {
		if err := checkKey(ctx, db, v, cfg.Data); err != nil {
			db.Close()
			return nil, err
		}
	}
	log.Debug("personal-data key loaded", "source", src, "key_id", v.KeyID())
	db.AuditKey = v.AuditKey()
	a := &App{Cfg: cfg, Log: log, DB: db, Regions: regions, Vault: v}
	a.Accounts = account.New(db, regions, account.Options{Province: cfg.Province, PasswordMemoryKiB: cfg.PasswordMemoryKiB})
	a.Registry = registry.New(db, regions, v, log, registry.Options{Province: cfg.Province, DataDir: cfg.Data, Lease: cfg.ImportLease, Batch: cfg.ImportBatch,
		UserLabel: a.Accounts.UserLabel}) // account owns users
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for i, reason := range []string{"deadlock", "conflict"} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_db_retries_total",
			Help:        "Write transactions run again after a transient database failure, by reason.",
			ConstLabels: prometheus.Labels{"reason": reason}}, func() float64 {
			d, c := db.Retries()
			return float64([]int64{d, c}[i])
		}))
	}
	registerPoolMetrics(reg, db)
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_password_hashes_total",
		Help: "Password hashes (argon2id) computed to set or check a password."}, func() float64 {
		return float64(a.Accounts.PasswordHashes())
	}))
	// allocate owns the needs table; program reaches it through program.Needs.
	a.Programs = program.New(db, regions, cfg.Province, allocate.NewNeeds(db))
	a.Allocations = allocate.New(db, a.Programs, a.Accounts, regions, cfg.Province, log)
	a.Allocations.Limits = cfg.PersonalData
	if a.Messages, err = openMessages(cfg, db, v, log); err != nil {
		db.Close()
		return nil, err
	}
	a.Messages.Register(reg)
	a.Accounts.UseOutbox(a.Messages) // password reset links
	a.Accounts.UseVault(v)           // second factors (sealed secrets, hashed recovery codes)
	a.Deliveries = deliver.New(db, a.Allocations, deliver.NewCodes(v.Subkey("recipient code v1")), v.Subkey("courier link v1"),
		filepath.Join(cfg.Data, "proofs"), a.BaseURL, log)
	a.Deliveries.SetNotifier(deliver.Notifier{Outbox: a.Messages, Channel: cfg.RecipientChannel, Orgs: func(ctx context.Context, q store.Querier, id string) (string, string, error) {
		o, err := a.Accounts.OrgTx(ctx, q, id)
		return o.Name, o.ContactEmail, err
	}})
	// An office merging away a household tells the organisations serving it, in the
	// merge's transaction.
	a.Registry.OnMerged(func(ctx context.Context, tx *store.Tx, m registry.Merged) error {
		return a.Deliveries.TellMerged(ctx, tx, m, func(code string) string {
			if r, ok := regions.Get(code); ok {
				return r.Name
			}
			return code
		})
	})
	// The documents of delivery: labels, handover records and certificates, signed.
	a.Deliveries.UseRecords(deliver.Records{Key: v.Subkey("record signature v1"), Orgs: a.Accounts, Messages: a.Messages})
	a.Monitor = monitor.New(db)
	// Donations to the task force: its stock is what commitments with a
	// warehouse give from.
	a.Donations = donate.New(db, regions, a.Accounts, donate.Options{Province: cfg.Province,
		Key: v.Subkey("donation record v1"), BaseURL: a.BaseURL, Outbox: a.Messages})
	a.Allocations.UseStock(a.Donations)
	a.Retention = &retention.Purger{DB: db, Programs: a.Programs, Registry: a.Registry, Allocations: a.Allocations, Deliveries: a.Deliveries,
		Callbacks: callback.New(db, regions, cfg.Province, a.Allocations, a.Programs, a.Accounts), Messages: a.Messages}
	a.Ideas = idea.New(db, regions, cfg.Province, a.Accounts, a.Programs)
	a.Pledges = pledge.NewService(db, a.Accounts, a.Allocations, a.Messages)
	a.Help = help.New(db, regions, v, a.Registry, a.Programs, allocate.NewNeeds(db), a.Messages)
	a.providers = deliver.NewProviders(db, v, a.Deliveries)
	a.Retention.HelpRequests = a.Help
	a.Web, err = web.New(db, regions, web.Capabilities{Accounts: a.Accounts, Registry: a.Registry, Programs: a.Programs,
		Allocations: a.Allocations, Deliveries: a.Deliveries, Monitor: a.Monitor, Donations: a.Donations, Pledges: a.Pledges,
		Ideas: a.Ideas, Help: a.Help,
		Callbacks: callback.New(db, regions, cfg.Province, a.Allocations, a.Programs, a.Accounts),
		Providers: a.providers,
		Codes:     deliver.NewCodes(v.Subkey("recipient code v1")),
		Human:     human.New(db, v.Subkey("altcha challenge v1"), human.Options{MaxNumber: cfg.ChallengeMax})}, log, reg, web.Options{
		Province: cfg.Province, CookieSecure: cfg.CookieSecure, SessionIdle: cfg.SessionIdle,
		SessionLifetime: cfg.SessionLifetime, LoginLimit: cfg.LoginLimit, RegisterLimit: cfg.RegisterLimit, Instances: cfg.Instances,
		MaxUpload: cfg.MaxUpload, MaxUploads: cfg.MaxUploads, SummaryMaxAge: cfg.SummaryMaxAge,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		BaseURL: a.BaseURL, TrustedProxies: cfg.TrustedProxies,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// registerPoolMetrics exports how busy each database pool is: a write pool that is
// always full with callers waiting says writers queue (the pool is small, or the
// database slow); a read pool that waits says readers do.
func registerPoolMetrics(reg *prometheus.Registry, db *store.DB) {
	for _, pool := range []string{"read", "write"} {
		stats := func() sql.DBStats {
			r, w := db.PoolStats()
			if pool == "read" {
				return r
			}
			return w
		}
		labels := prometheus.Labels{"pool": pool}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gotong_db_pool_max_connections", ConstLabels: labels,
				Help: "Connections the database pool may open."}, func() float64 { return float64(stats().MaxOpenConnections) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gotong_db_pool_in_use_connections", ConstLabels: labels,
				Help: "Connections of the database pool in use."}, func() float64 { return float64(stats().InUse) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_db_pool_waits_total", ConstLabels: labels,
				Help: "Times a caller waited for a connection of the database pool."}, func() float64 { return float64(stats().WaitCount) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gotong_db_pool_wait_seconds_total", ConstLabels: labels,
				Help: "Time callers spent waiting for a connection of the database pool."}, func() float64 { return stats().WaitDuration.Seconds() }),
		)
	}
}

// putMapTiles stores the map's tiles as settings when they were given.
func putMapTiles(ctx context.Context, db *store.DB, cfg Config) error {
	for name, v := range map[string]string{web.TileURLSetting: cfg.MapTiles, web.TileAttributionSetting: cfg.MapTilesCredit} {
		if v == "" {
			continue
		}
		if err := db.PutSetting(ctx, name, v); err != nil {
			return fmt.Errorf("map tiles: %w", err)
		}
	}
	return nil
}

// checkKey makes sure the personal-data key is the one the data was written with: the
// first start records the key's fingerprint, later starts compare. A wrong key would
// otherwise fail silently — every NIK would look new and nothing would decrypt.
//
// During a key rotation the server also needs the next key, so that it seals with it
// what the rotation has already passed (vault.LoadNext): without it, it refuses.
func checkKey(ctx context.Context, db *store.DB, v *vault.Vault, dataDir string) error {
	stored, err := db.Setting(ctx, keyrot.SettingKeyID)
	if errs.Is(err, errs.NotFound) {
		stored, err = db.InitSetting(ctx, keyrot.SettingKeyID, v.KeyID())
	}
	if err != nil {
		return err
	}
	if err := v.Check(stored); err != nil {
		return fmt.Errorf("personal-data key: %w", err)
	}
	next, err := db.Setting(ctx, keyrot.SettingNextID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := vault.LoadNext(v, dataDir, next, os.Getenv); err != nil {
		return fmt.Errorf("personal-data key: a key rotation to %s is under way and this server lacks its next key (%s in the data folder, or %s): %w",
			next, vault.NextKeyFile, vault.EnvKeyNext, err)
	}
	return nil
}

// watchKey follows key rotations while the server runs: when one begins it takes the
// next key (vault.LoadNext), so that what it seals and hashes from then on is under
// the key the rotation moves to; when one finishes it drops the old key. gotong key
// rotate waits longer than one interval before its first batch.
func (a *App) watchKey(ctx context.Context) {
	every := a.Cfg.KeyWatch
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.followKey(ctx)
	}
}

func (a *App) followKey(ctx context.Context) {
	next, err := a.DB.Setting(ctx, keyrot.SettingNextID)
	switch {
	case err == nil:
		if a.Vault.KeyID() == next {
			return
		}
		if err := vault.LoadNext(a.Vault, a.Cfg.Data, next, os.Getenv); err != nil {
			// Sealing with the old key what the rotation may have passed already would
			// leave values that do not open after it: refuse to seal instead.
			a.Vault.Block(fmt.Errorf("a key rotation to %s is under way and this server cannot load its next key: %w", next, err))
			a.Log.Error("a key rotation is under way but this server cannot load its next key: it refuses to seal personal data until it can",
				"next_key", next, "err", err)
		} else {
			a.Log.Info("key rotation: sealing with the next key", "next_key", next)
		}
	case errs.Is(err, errs.NotFound):
		if _, rotating := a.Vault.Rotating(); !rotating {
			return
		}
		if cur, err := a.DB.Setting(ctx, keyrot.SettingKeyID); err == nil && cur == a.Vault.KeyID() {
			a.Vault.FinishRotation()
			a.Log.Info("key rotation finished", "key", cur)
		}
	default:
		if ctx.Err() == nil {
			a.Log.Warn("key rotation: read the settings", "err", err)
		}
	}
}

// KeyTables is every table a key rotation goes through, with its owner's batch.
// Targets come before members, whose natural keys are computed from the household's
// No. KK (either key opens it meanwhile).
func (a *App) KeyTables() []keyrot.Table {
	return []keyrot.Table{
		{Name: "targets", Batch: a.Registry.RekeyTargets},
		{Name: "members", Batch: a.Registry.RekeyMembers},
		{Name: "import_rows", Batch: a.Registry.RekeyImportRows},
		{Name: "help_requests", Batch: a.Help.RekeyBatch},
		{Name: "outbox", Batch: a.Messages.RekeyBatch},
		{Name: "courier_providers", Batch: a.providers.RekeyBatch},
		{Name: "user_factors", Batch: a.Accounts.RekeyFactors},
	}
}

// StartWorkers starts background work (the import worker, which also resumes imports
// a previous process left unfinished). Serve (roles all and worker) and the import
// command call it.
//
// Several processes may run it on one database at once; each kind of work is taken
// by one of them at a time, or is harmless to repeat:
//   - imports: a lease on the import's row (registry), renewed with every batch and
//     taken over once it lapses; every worker looks for unclaimed imports every few
//     seconds, so one queued by a web process, or left by a dead worker, is taken up;
//   - the message outbox: rows claimed with FOR UPDATE SKIP LOCKED and a lease
//     (message), each send fenced by its attempt number;
//   - expiries: FOR UPDATE SKIP LOCKED on the allocations and their commitments;
//     overdue marks and expiry warnings are conditional updates and a unique
//     outbox ref, so a second pass changes nothing;
//   - the engine's fills and the programs' sync: fill locks per phase and inserts
//     ON CONFLICT DO NOTHING;
//   - counter folding: a transaction-level advisory lock (monitor);
//   - retention: every batch nulls or deletes what is still there, and the program
//     is marked purged once.
//
// On SQLite there is one writer at a time, so all of this holds trivially.
func (a *App) StartWorkers(ctx context.Context) error {
	if a.started {
		return nil
	}
	a.started = true
	// The engine first: it registers the registry's change hook, which the import
	// worker calls as soon as it resumes an import a previous process left.
	a.startEngine(SystemContext(ctx, "allocation engine"))
	if err := a.Registry.Start(SystemContext(ctx, "worker")); err != nil {
		return err
	}
	if !a.Cfg.HoldMessages {
		a.startMessages(SystemContext(ctx, "message worker"))
	}
	kctx, cancel := context.WithCancel(ctx)
	a.stopKey, a.keyDone = cancel, make(chan struct{})
	go func() {
		defer close(a.keyDone)
		a.watchKey(kctx)
	}()
	return nil
}

// openMessages builds the outbox with the configured senders. A recipient's code
// is derived from the allocation id when its message is sent, never stored.
func openMessages(cfg Config, db *store.DB, v *vault.Vault, log *slog.Logger) (*message.Outbox, error) {
	senders := map[string]message.Sender{}
	if cfg.SMTP.Host != "" {
		s, err := message.NewSMTP(cfg.SMTP)
		if err != nil {
			return nil, err
		}
		senders[message.Email] = s
	}
	for ch, gw := range map[string]message.GatewayConfig{message.SMS: cfg.SMS, message.WhatsApp: cfg.WhatsApp} {
		if gw.URL == "" {
			continue
		}
		g, err := message.NewGateway(gw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ch, err)
		}
		senders[ch] = g
	}
	o := message.New(db, v, log, senders, cfg.Messages)
	codes := deliver.NewCodes(v.Subkey("recipient code v1"))
	o.Derive("code", func(allocationID string) string { return deliver.Format(codes.For(allocationID)) })
	return o, nil
}

// startMessages runs the outbox's worker until Close.
func (a *App) startMessages(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	a.stopMessages = cancel
	a.messagesDone = make(chan struct{})
	go func() {
		defer close(a.messagesDone)
		a.Messages.Run(ctx)
	}()
}

// startEngine runs the allocation engine's background work: allocations past their
// dispatch deadline expire and waiting commitments get a pass (every EngineTick), and when the registry changes
// the programs' needs follow it and waiting commitments are filled.
func (a *App) startEngine(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	a.stopEngine = cancel
	changed := make(chan struct{}, 1)
	a.Registry.OnChange(func() {
		select {
		case changed <- struct{}{}:
		default: // a sync is already due
		}
	})
	tick := a.Cfg.EngineTick
	if tick <= 0 {
		tick = 30 * time.Second
	}
	a.engineDone = make(chan struct{})
	go func() {
		defer close(a.engineDone)
		// The counters' fold runs beside the engine, every two seconds: readers
		// add what is not folded, so its pace bounds their work, not their truth.
		folded := make(chan struct{})
		go func() { defer close(folded); a.Monitor.Run(ctx, 2*time.Second, a.Log) }()
		defer func() { <-folded }()
		if days := a.Cfg.RetentionDays; days > 0 {
			purged := make(chan struct{})
			go func() { defer close(purged); a.Retention.Every(SystemContext(ctx, "retention"), days, a.Log) }()
			defer func() { <-purged }()
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := a.Allocations.Expire(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("expire allocations", "err", err)
				}
				if _, err := a.Deliveries.WarnExpiring(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("warn of expiring allocations", "err", err)
				}
				if _, err := a.Allocations.MarkOverdue(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("mark overdue allocations", "err", err)
				}
				// A safety net: registry changes made by another process (`gotong
				// import` on the command line) and whatever a trigger missed (a fill
				// that failed and was only logged) are taken up within one tick.
				a.FollowRegistry(ctx)
				if _, err := a.Allocations.FillAllWaiting(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("fill waiting commitments", "err", err)
				}
			case <-changed:
				a.FollowRegistry(ctx)
			}
		}
	}()
}

// FollowRegistry brings every published program's needs in step with the registry
// and fills the commitments waiting for new needs.
func (a *App) FollowRegistry(ctx context.Context) {
	if _, err := a.Programs.SyncThen(ctx, a.Allocations.AfterSync); err != nil && ctx.Err() == nil {
		a.Log.Error("sync program needs", "err", err)
	}
}

// Close releases everything Open took.
func (a *App) Close() error {
	if a.stopKey != nil {
		a.stopKey()
		<-a.keyDone
	}
	if a.stopEngine != nil {
		a.stopEngine()
		<-a.engineDone
	}
	if a.stopMessages != nil {
		a.stopMessages()
		<-a.messagesDone
	}
	a.Registry.Close()
	a.Web.Close()
	return a.DB.Close()
}

// Bootstrap creates the first admin when there is none and, with Demo, fills an empty
// database with demo data. Credentials it generates are written to out, once.
func (a *App) Bootstrap(ctx context.Context, out io.Writer) error {
	ctx = SystemContext(ctx, "bootstrap")
	has, err := a.Accounts.HasAdmin(ctx)
	if err != nil {
		return err
	}
	if !has {
		email, password, generated := a.Cfg.AdminEmail, a.Cfg.AdminPassword, false
		if email == "" || password == "" {
			email, password, generated = "admin@gotong.local", NewPassword(), true
		}
		_, err := a.Accounts.CreateUser(ctx, account.NewUser{Email: email, Name: "Administrator", Role: "admin", Password: password})
		if err != nil {
			// Processes started together on a new database each see no admin;
			// the first to create one wins, and the others go on without.
			if has, herr := a.Accounts.HasAdmin(ctx); !errs.Is(err, errs.Conflict) || herr != nil || !has {
				return fmt.Errorf("create first admin: %w", err)
			}
		} else if generated {
			fmt.Fprintf(out, "First admin account (the password is shown only this once):\n  email:    %s\n  password: %s\n", email, password)
		} else {
			fmt.Fprintf(out, "First admin account created: %s\n", email)
		}
	}
	if a.Cfg.Demo {
		admins, _, err := a.Accounts.ListUsers(ctx, account.UserFilter{Role: account.Admin, Limit: 1})
		if err != nil || len(admins) == 0 {
			return fmt.Errorf("demo data: no admin to import as: %v", err)
		}
		// The demo registry goes through the import worker.
		if err := a.StartWorkers(ctx); err != nil {
			return err
		}
		if err := demo.Seed(ctx, demo.Services{Accounts: a.Accounts, Registry: a.Registry, Programs: a.Programs,
			Allocations: a.Allocations, Regions: a.Regions, Province: a.Cfg.Province, Admin: admins[0],
			NewPassword: NewPassword, HouseholdRows: a.Cfg.DemoRows, Deliveries: a.Deliveries,
			Callbacks: callback.New(a.DB, a.Regions, a.Cfg.Province, a.Allocations, a.Programs, a.Accounts),
			Codes:     deliver.NewCodes(a.Vault.Subkey("recipient code v1")), Donations: a.Donations, Ideas: a.Ideas, Pledges: a.Pledges, Help: a.Help}, out); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	return nil
}

// NewPassword returns a random password (account.NewPassword).
func NewPassword() string { return account.NewPassword() }

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully: new requests
// are refused and those in flight get up to 15 seconds to finish.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	a.served.Store("http://" + ln.Addr().String())
	h := a.Web.Handler()
	if a.Cfg.Role == RoleWorker {
		h = a.Web.HealthHandler()
	}
	srv := &http.Server{
		Handler: h,
		// A slow client (a phone on a bad connection, or one holding connections
		// on purpose) gets this long for its headers and between requests; the
		// body of an upload may take minutes, and uploads at once are bounded
		// (MaxUploads).
		ReadHeaderTimeout: cmp.Or(a.Cfg.HeaderTimeout, 10*time.Second),
		ReadTimeout:       5 * time.Minute, // large uploads on slow connections
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       cmp.Or(a.Cfg.IdleTimeout, 2*time.Minute),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// BaseURL is the address links to this server start with: Config.BaseURL, or the
// address it serves on.
func (a *App) BaseURL() string {
	if a.Cfg.BaseURL != "" {
		return strings.TrimRight(a.Cfg.BaseURL, "/")
	}
	if u, ok := a.served.Load().(string); ok {
		return u
	}
	return "http://" + a.Cfg.Addr
}
