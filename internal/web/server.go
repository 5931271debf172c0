// Package web turns HTTP into calls on Gotong's capabilities: server-rendered pages
// (html/template + htmx) and the JSON API under /api/v1, with the middleware every
// response passes through (security headers, sessions, authentication, cross-origin
// protection, rate limits, metrics, logging).
//
// Files are cut by capability and by door: <capability>_api.go holds the JSON
// handlers and <capability>_pages.go the pages of accounts, audit, regions,
// registry, programs, commitments and the public side (public_*: the home page,
// the summary, the OpenAPI document). routes.go is the one table of routes, each
// guarded by a permission of account's policy; middleware.go, respond.go, pages.go
// and i18n.go are what every handler shares (the middleware chain, answers and
// errors, rendering, translation).
package web

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/allocate"
	"github.com/gotong/gotong/internal/boundary"
	"github.com/gotong/gotong/internal/callback"
	"github.com/gotong/gotong/internal/deliver"
	"github.com/gotong/gotong/internal/donate"
	"github.com/gotong/gotong/internal/help"
	"github.com/gotong/gotong/internal/human"
	"github.com/gotong/gotong/internal/idea"
	"github.com/gotong/gotong/internal/monitor"
	"github.com/gotong/gotong/internal/pledge"
	"github.com/gotong/gotong/internal/program"
	"github.com/gotong/gotong/internal/region"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

//go:embed static templates
var assets embed.FS

// Options configure the web layer.
type Options struct {
	Province        string
	CookieSecure    bool
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// LoginLimit is how many failed sign-ins one client address may make per minute;
	// attempts not yet answered count against it too.
	LoginLimit int
	// RegisterLimit is how many registrations one client address may send per minute.
	RegisterLimit int
	// Instances is how many processes serve behind one load balancer: each
	// enforces its share of every rate limit (Server.share). 0 or 1: this one alone.
	Instances int
	Version   string
	// MaxUpload bounds an uploaded import file (default 200 MiB).
	MaxUpload int64
	// MaxUploads bounds the uploads received at once (default 4); more are
	// answered 429 at once.
	MaxUploads int
	// Metrics serves /metrics (nil: not served).
	Metrics http.Handler
	// SummaryMaxAge is how long the public answers (summary, programs, feed) are
	// kept before they are read again, and the max-age proxies are told
	// (0: 5 s; negative: read for every request).
	SummaryMaxAge time.Duration
	// BaseURL is the address the public reaches this server at, for the feed's
	// links (nil: the links are relative).
	BaseURL func() string
	// TrustedProxies are the proxies (load balancers) whose X-Forwarded-For is
	// believed; none: the connection's peer is the client.
	TrustedProxies []netip.Prefix
}

// Server holds what handlers need.
type Server struct {
	opt      Options
	log      *slog.Logger
	db       *store.DB
	regions  *region.Set
	accounts *account.Service
	registry *registry.Service
	programs *program.Service
	allocs   *allocate.Service
	delivery *deliver.Service
	sessions *scs.SessionManager
	pages    *pages
	logins   *loginGate
	// registerLimit is one budget for registrations through the page and the API.
	registerLimit func(http.HandlerFunc) http.HandlerFunc
	metrics       *metrics
	stopStore     func()
	publicCache   publicCache
	// uploads holds a token per upload being received (MaxUploads places).
	uploads chan struct{}
	// guards are the permissions routes ask for (see allow).
	guardsMu sync.Mutex
	guards   map[account.Permission]bool
	// The office's side of deliveries (issue 11).
	callbacks *callback.Service
	providers *deliver.Providers
	// monitor reads the kept counters (issue 12): dashboards, the public page, exports.
	monitor *monitor.Service
	codes   deliver.Codes
	// The map (issue 12): region outlines, kept by the boundary package.
	boundaries *boundary.Service
	// Donations to the task force (issue 13).
	donations *donate.Service
	pledges   *pledge.Service
	// Citizens (issue 14): the human check of public forms.
	human          *human.Checker
	challengeLimit func(http.HandlerFunc) http.HandlerFunc
	ideas          *idea.Service // the co-creation forum
	forumLimit     func(http.HandlerFunc) http.HandlerFunc
	selfLimits     selfCheckLimits // the self-check's, per address and per NIK
	help           *help.Service
}

// Capabilities are the services the web layer translates HTTP into calls of.
type Capabilities struct {
	Accounts    *account.Service
	Registry    *registry.Service
	Programs    *program.Service
	Allocations *allocate.Service
	// The office's side of deliveries (issue 11): call-back checks, courier
	// providers' webhooks, and the recipient codes for the RW heads.
	Callbacks  *callback.Service
	Providers  *deliver.Providers
	Codes      deliver.Codes
	Deliveries *deliver.Service
	// Monitor reads the kept counters of monitoring (issue 12).
	Monitor *monitor.Service
	// Donations runs warehouses, offers of goods, intake and stock (issue 13).
	Donations *donate.Service
	// Pledges are citizens' gifts through aggregators (issue 14).
	Pledges *pledge.Service
	// Human is the human check (ALTCHA) of public forms.
	Human *human.Checker
	// Ideas is the co-creation forum (issue 14).
	Ideas *idea.Service
	// Help runs help requests, warga bantu warga (issue 14).
	Help *help.Service
}

// noSessionKey marks a request whose session could not be loaded.
type noSessionKey struct{}

// sessionStore is scs's store on either engine, with its cleanup to stop.
type sessionStore interface {
	scs.Store
	StopCleanup()
}

// New builds the web server.
func New(db *store.DB, regions *region.Set, caps Capabilities, log *slog.Logger, metricsReg prometheus.Registerer, opt Options) (*Server, error) {
	if opt.MaxUpload <= 0 {
		opt.MaxUpload = registry.DefaultMaxUpload
	}
	if opt.MaxUploads <= 0 {
		opt.MaxUploads = 4
	}
	if opt.SessionIdle <= 0 {
		opt.SessionIdle = 30 * time.Minute
	}
	if opt.SessionLifetime <= 0 {
		opt.SessionLifetime = 12 * time.Hour
	}
	if opt.LoginLimit <= 0 {
		opt.LoginLimit = 10
	}
	if opt.RegisterLimit <= 0 {
		opt.RegisterLimit = 10
	}
	p, err := parsePages(template.FuncMap{"mul100": func(f float64) float64 { return f * 100 }, "dict": dict})
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, log: log, db: db, regions: regions, accounts: caps.Accounts, registry: caps.Registry,
		programs: caps.Programs, allocs: caps.Allocations, delivery: caps.Deliveries, pages: p,
		metrics: newMetrics(metricsReg), uploads: make(chan struct{}, opt.MaxUploads)}
	s.logins = newLoginGate(s.share(opt.LoginLimit))
	s.registerLimit = s.newLimiter(opt.RegisterLimit)
	s.callbacks, s.providers, s.codes = caps.Callbacks, caps.Providers, caps.Codes
	s.monitor = caps.Monitor
	s.donations, s.pledges = caps.Donations, caps.Pledges
	s.human, s.help = caps.Human, caps.Help
	s.ideas, s.forumLimit = caps.Ideas, s.perUser(forumWrites)
	s.challengeLimit = s.newLimiter(challengeLimit)
	s.selfLimits = newSelfCheckLimits(s)
	s.boundaries = boundary.New(db, regions, opt.Province)
	s.sessions = scs.New()
	// scs has a store per engine, each speaking its engine's SQL to the sessions
	// table of that engine's migrations.
	newStore := store.Choose(db.Engine,
		func(w *sql.DB) sessionStore { return postgresstore.NewWithCleanupInterval(w, 10*time.Minute) },
		func(w *sql.DB) sessionStore { return sqlite3store.NewWithCleanupInterval(w, 10*time.Minute) })
	st := newStore(db.W())
	s.sessions.IdleTimeout = opt.SessionIdle
	s.sessions.Store, s.stopStore = newLazySessions(st, s.sessions.Codec, opt.SessionIdle), st.StopCleanup
	s.sessions.Lifetime = opt.SessionLifetime
	s.sessions.Cookie.Name = "gotong_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = opt.CookieSecure
	s.sessions.Cookie.Path = "/"
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		// The session did not load (its store, the database, failed): the error
		// page must not read it.
		s.fail(w, r.WithContext(context.WithValue(r.Context(), noSessionKey{}, true)), err)
	}
	return s, nil
}

// dict builds a map from key, value pairs, so a template can hand a partial more
// than one value.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// Close stops background work.
func (s *Server) Close() {
	if s.stopStore != nil {
		s.stopStore()
	}
}

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(gzipStatic(packedStatic(), http.FileServerFS(static)))))

	var h http.Handler = notePattern(mux)
	h = s.refuseBrokenText(h)
	h = s.authenticate(h)
	// Inside the session middleware, so that a refusal can render the error page.
	h = s.crossOrigin(h)
	h = s.sessions.LoadAndSave(h)
	h = s.observe(h)
	h = s.resolveClient(h)
	h = securityHeaders(h)
	return h
}

// HealthHandler serves /healthz, /readyz and /metrics alone: what a worker process
// answers on its address.
func (s *Server) HealthHandler() http.Handler {
	mux := http.NewServeMux()
	s.healthRoutes(mux)
	return securityHeaders(mux)
}

// readyTimeout bounds /readyz's question to the database: a load balancer asks
// often and wants a quick answer, and a database that takes longer is not ready.
const readyTimeout = time.Second

// Ready reports whether the database answers, for /readyz. It asks the read pool,
// which no writer holds (store.DB.Ping).
func (s *Server) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return s.db.Ping(ctx)
}
