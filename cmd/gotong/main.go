// Command gotong is the Gotong server and its command-line tools.
//
// Usage: gotong serve|migrate|user create|token create|audit verify|backup|restore [flags]
// Every flag can also be set by an environment variable GOTONG_<FLAG> (upper case,
// dashes as underscores); secrets can be read from a file named by GOTONG_<FLAG>_FILE.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/message"
	"github.com/gotong/gotong/internal/registry"
	"github.com/gotong/gotong/internal/retention"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/web"
)

// Exit statuses of API.md.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a bad command line or configuration: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usage = `usage: gotong <command> [flags]

commands:
  serve          run the server (migrates an empty database; --demo adds demo data;
                 --role web|worker splits serving from the background work)
  migrate        bring the database schema up to date
  user create    create a user and print its id
  token create   print a new API token for a user
  import         import a CSV or XLSX file of targets as a user would
  audit verify   check the audit log's hash chain
  counters verify
                 recount every kept counter of monitoring and name the first difference
  purge          remove the personal data of programs closed before a day; keeps every count
  backup FILE    write a consistent copy of a SQLite database, while the server runs
  restore FILE   check a backup (integrity, schema, key, audit chain), then put it in place
  key rotate     move every sealed value and keyed hash to a new personal-data key, while
                 the servers run; stopped, run it again and it goes on

Run "gotong <command> -h" for the flags of a command.`

// run executes one command and returns the exit status; errors are one line on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	fmt.Fprintln(stderr, "gotong: "+oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFail
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "user" || cmd == "token" || cmd == "audit" || cmd == "counters" || cmd == "key") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "user create":
		return cmdUserCreate(ctx, rest, stdout, stderr)
	case "token create":
		return cmdTokenCreate(ctx, rest, stdout, stderr)
	case "audit verify":
		return cmdAuditVerify(ctx, rest, stdout, stderr)
	case "counters verify":
		return cmdCountersVerify(ctx, rest, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, stdout, stderr)
	case "purge":
		return cmdPurge(ctx, rest, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, rest, stdout, stderr)
	case "key rotate":
		return cmdKeyRotate(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return usagef("unknown command %q", cmd)
}

// flagSet makes a flag set with the flags every command shares.
func flagSet(name string, stderr io.Writer, cfg *app.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("gotong "+name, flag.ContinueOnError)
	// The flag package would print its error and the whole usage; errors are one
	// line here (run prints it), and the usage is printed only for -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data folder: SQLite file gotong.db, keys and uploads (env GOTONG_DATA)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database URL, postgres://… or sqlite:PATH; overrides --data for the database (env GOTONG_DB or GOTONG_DB_FILE)")
	fs.StringVar(&cfg.Province, "province", cfg.Province, "code of the province this deployment serves (env GOTONG_PROVINCE)")
	fs.BoolVar(&cfg.Migrate, "migrate", cfg.Migrate, "migrate an out-of-date schema instead of refusing to start (env GOTONG_MIGRATE)")
	fs.IntVar(&cfg.ImportBatch, "import-batch", cfg.ImportBatch, "rows per import transaction; 0: 10,000 (fewer: less memory, and on SQLite shorter waits for other writes) (env GOTONG_IMPORT_BATCH)")
	fs.DurationVar(&cfg.ImportLease, "import-lease", cfg.ImportLease, "how long an import whose process died waits before another process resumes it (env GOTONG_IMPORT_LEASE)")
	fs.IntVar(&cfg.DBReadConns, "db-read-conns", cfg.DBReadConns, "connections of the read pool; 0: 16 on PostgreSQL, max(4, 2×CPUs) on SQLite (env GOTONG_DB_READ_CONNS)")
	fs.IntVar(&cfg.DBWriteConns, "db-write-conns", cfg.DBWriteConns, "connections of the write pool on PostgreSQL; 0: 16 (SQLite has one writer) (env GOTONG_DB_WRITE_CONNS)")
	return fs
}

// secretFlags may be given as GOTONG_<NAME>_FILE, the path of a file holding the value.
var secretFlags = map[string]bool{"db": true, "db-read": true}

// parse parses args, then fills every flag not given on the command line from its
// environment variable. A bad value is a usage error naming the flag or variable.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	return parseArgs(fs, args, stderr, 0)
}

// parseArgs is parse for commands that take positional arguments after the flags.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer, positional int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "usage: %s [flags]\n", fs.Name())
			fs.PrintDefaults()
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > positional {
		return usagef("unexpected argument %q", fs.Arg(positional))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := "GOTONG_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		val, ok := os.LookupEnv(env)
		if !ok && secretFlags[f.Name] {
			if path, fok := os.LookupEnv(env + "_FILE"); fok {
				b, rerr := os.ReadFile(path)
				if rerr != nil {
					err = usagef("%s_FILE: %v", env, rerr)
					return
				}
				val, ok, env = strings.TrimSpace(string(b)), true, env+"_FILE"
			}
		}
		if ok {
			if serr := fs.Set(f.Name, val); serr != nil {
				err = usagef("%s=%q: %v", env, val, serr)
			}
		}
	})
	return err
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format %q: use text or json", format)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("serve", stderr, &cfg)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (env GOTONG_ADDR)")
	fs.StringVar(&cfg.DBRead, "db-read", "", "URL of a PostgreSQL read replica: the public pages and the dashboards read from it, the rest from --db; the dashboard shows how far behind it is (env GOTONG_DB_READ or GOTONG_DB_READ_FILE)")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "address the public reaches this server at, such as https://gotong.example.org; couriers' links start with it (env GOTONG_BASE_URL)")
	fs.BoolVar(&cfg.Demo, "demo", false, "fill an empty database with demo data (env GOTONG_DEMO)")
	fs.StringVar(&cfg.Role, "role", cfg.Role, "all: serve and run the background work; web: serve only; worker: run the background work, serving only /healthz, /readyz and /metrics (env GOTONG_ROLE)")
	fs.StringVar(&cfg.MapTiles, "map-tiles", "", "tile URL template of the map, such as https://tile.example.org/{z}/{x}/{y}.png; none: the map shows the uploaded boundaries alone (env GOTONG_MAP_TILES)")
	fs.StringVar(&cfg.MapTilesCredit, "map-tiles-credit", "", "the credit the tiles' provider asks to be shown, such as © OpenStreetMap contributors (env GOTONG_MAP_TILES_CREDIT)")
	fs.BoolVar(&cfg.CookieSecure, "cookie-secure", false, "send cookies only over HTTPS; set it when serving behind TLS (env GOTONG_COOKIE_SECURE)")
	fs.DurationVar(&cfg.SessionIdle, "session-idle", cfg.SessionIdle, "sign a user out after this long without activity (env GOTONG_SESSION_IDLE)")
	fs.DurationVar(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "sign a user out this long after signing in (env GOTONG_SESSION_LIFETIME)")
	fs.IntVar(&cfg.LoginLimit, "login-limit", cfg.LoginLimit, "failed sign-ins allowed per client address per minute, counting those still being checked (env GOTONG_LOGIN_LIMIT)")
	proxies := fs.String("trusted-proxies", "", "comma-separated CIDR ranges or addresses of the proxies (load balancers) in front of Gotong; only a connection from one of them may name the client in X-Forwarded-For, for rate limits and the audit log; default none (env GOTONG_TRUSTED_PROXIES)")
	fs.IntVar(&cfg.Instances, "instances", 1, "how many gotong serve processes share the load behind one balancer: each enforces its share of every rate limit (env GOTONG_INSTANCES)")
	fs.IntVar(&cfg.RegisterLimit, "register-limit", cfg.RegisterLimit, "registrations allowed per client address per minute (env GOTONG_REGISTER_LIMIT)")
	fs.IntVar(&cfg.PersonalData.OpenUnits, "org-open-units", cfg.PersonalData.OpenUnits, "units one organisation may hold allocated or waiting and not yet delivered; the admin may set another per organisation; 0: no limit (env GOTONG_ORG_OPEN_UNITS)")
	fs.IntVar(&cfg.PersonalData.RevealsPerDay, "org-reveals-per-day", cfg.PersonalData.RevealsPerDay, "recipients whose address and phone one organisation is shown per day; the admin may set another per organisation; 0: no limit (env GOTONG_ORG_REVEALS_PER_DAY)")
	fs.DurationVar(&cfg.PersonalData.RevealWithin, "reveal-within", cfg.PersonalData.RevealWithin, "show a recipient's address and phone only when the delivery is due within this; 0: always (env GOTONG_REVEAL_WITHIN)")
	fs.IntVar(&cfg.RetentionDays, "retention-days", 0, "once a day, remove the personal data of programs closed more than this many days ago, as gotong purge does; 0: never (env GOTONG_RETENTION_DAYS)")
	maxUpload := fs.Int64("max-upload-mib", cfg.MaxUpload>>20, "largest import file accepted, in MiB (env GOTONG_MAX_UPLOAD_MIB)")
	fs.IntVar(&cfg.MaxUploads, "max-uploads", cfg.MaxUploads, "uploads received at once; more are answered 429 (env GOTONG_MAX_UPLOADS)")
	level := fs.String("log-level", "info", "debug, info, warn or error (env GOTONG_LOG_LEVEL)")
	format := fs.String("log-format", "text", "text or json (env GOTONG_LOG_FORMAT)")
	messageFlags(fs, &cfg)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if err := checkMessageFlags(cfg); err != nil {
		return err
	}
	if cfg.SessionIdle <= 0 || cfg.SessionLifetime <= 0 || cfg.SessionIdle > cfg.SessionLifetime {
		return usagef("--session-idle and --session-lifetime must be positive, idle at most lifetime")
	}
	var err error
	if cfg.TrustedProxies, err = web.ParseTrustedProxies(*proxies); err != nil {
		return usagef("--trusted-proxies: %v", err)
	}
	if cfg.LoginLimit < 1 || cfg.RegisterLimit < 1 {
		return usagef("--login-limit and --register-limit must be at least 1")
	}
	if cfg.Instances < 1 {
		return usagef("--instances must be at least 1")
	}
	if cfg.PersonalData.OpenUnits < 0 || cfg.PersonalData.RevealsPerDay < 0 || cfg.PersonalData.RevealWithin < 0 {
		return usagef("--org-open-units, --org-reveals-per-day and --reveal-within must not be negative")
	}
	switch cfg.Role {
	case app.RoleAll, app.RoleWeb, app.RoleWorker:
	default:
		return usagef("--role %q: use all, web or worker", cfg.Role)
	}
	if cfg.Demo && cfg.Role != app.RoleAll {
		return usagef("--demo needs --role all: the demo registry is imported by the worker of the same process")
	}
	if cfg.RetentionDays < 0 {
		return usagef("--retention-days must not be negative (0: never purge)")
	}
	if *maxUpload < 1 || *maxUpload > 1<<20 {
		return usagef("--max-upload-mib must be from 1 to 1048576")
	}
	if cfg.MaxUploads < 1 || cfg.MaxUploads > 1000 {
		return usagef("--max-uploads must be from 1 to 1000")
	}
	cfg.MaxUpload = *maxUpload << 20
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return usagef("--addr %q: %v", cfg.Addr, err)
	}
	cfg.AdminEmail = os.Getenv("GOTONG_ADMIN_EMAIL")
	cfg.AdminPassword = os.Getenv("GOTONG_ADMIN_PASSWORD")
	if path := os.Getenv("GOTONG_ADMIN_PASSWORD_FILE"); path != "" && cfg.AdminPassword == "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return usagef("GOTONG_ADMIN_PASSWORD_FILE: %v", err)
		}
		cfg.AdminPassword = strings.TrimSpace(string(b))
	}
	log, err := newLogger(stderr, *level, *format)
	if err != nil {
		return err
	}
	// Bind before anything is created: a port in use must fail before the first
	// start makes the database and prints the first admin's password, which would
	// otherwise be lost with nothing to sign in to.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another program using it? choose another with --addr): %w", cfg.Addr, err)
	}
	defer ln.Close()
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return configOr(err)
	}
	defer a.Close()
	if err := a.Bootstrap(ctx, stdout); err != nil {
		return err
	}
	if cfg.Role != app.RoleWeb {
		if err := a.StartWorkers(ctx); err != nil {
			return err
		}
	}
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "role", cfg.Role, "engine", a.DB.Engine, "province", cfg.Province)
	return a.Serve(ctx, ln)
}

// configOr turns errors that come from a bad setting into usage errors.
func configOr(err error) error {
	if errors.Is(err, store.ErrPoolSize) {
		return usagef("--db-read-conns, --db-write-conns: %v", err)
	}
	if strings.Contains(err.Error(), "--province") || strings.Contains(err.Error(), "unsupported database URL") {
		return usageError{err.Error()}
	}
	return err
}

// openApp opens the app for a one-shot command, with a quiet logger.
func openApp(ctx context.Context, cfg app.Config, stderr io.Writer) (*app.App, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.HoldMessages = true // the server sends them, with its senders
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return nil, configOr(err)
	}
	return a, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("migrate", stderr, &cfg)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	db, err := store.OpenWith(ctx, cfg.DSN(), cfg.Pools())
	if err != nil {
		return configOr(err)
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	v, _, err := db.SchemaState(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (%d migrations applied now)\n", v, n)
	return nil
}

func cmdUserCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("user create", stderr, &cfg)
	var in account.NewUser
	fs.StringVar(&in.Email, "email", "", "email address (required)")
	fs.StringVar(&in.Name, "name", "", "full name (required)")
	fs.StringVar(&in.Role, "role", "", "admin, office, collaborator or citizen (required; an office or a citizen needs --region)")
	fs.StringVar(&in.Region, "region", "", "region code of an office user, e.g. 31.71")
	fs.StringVar(&in.OrgID, "org", "", "organisation id of a collaborator")
	pwFile := fs.String("password-file", "", "file holding the password; without it a password is generated and printed on stderr")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if in.Email == "" || in.Name == "" || in.Role == "" {
		return usagef("--email, --name and --role are required")
	}
	generated := false
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return usagef("--password-file: %v", err)
		}
		in.Password = strings.TrimRight(string(b), "\r\n")
	} else {
		in.Password, generated = app.NewPassword(), true
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.CreateUser(app.SystemContext(ctx, "cli"), in)
	if err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stderr, "password for %s (shown only this once): %s\n", u.Email, in.Password)
	}
	fmt.Fprintln(stdout, u.ID)
	return nil
}

func cmdTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("token create", stderr, &cfg)
	email := fs.String("email", "", "the user the token acts as (required)")
	label := fs.String("label", "", "what the token is for")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *email == "" {
		return usagef("--email is required")
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no user with email %s", *email)
	}
	secret, _, err := a.Accounts.CreateToken(app.SystemContext(ctx, "cli"), u.ID, *label)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("audit verify", stderr, &cfg)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	// The chain is keyed with the deployment's key, so verify needs the same key
	// (GOTONG_KEY, GOTONG_KEY_FILE or the data folder's gotong.key) as the server.
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	p, n, err := audit.Verify(ctx, a.DB.R(), a.DB.AuditKey)
	if err != nil {
		return fmt.Errorf("cannot check the audit log: %w", err)
	}
	if p != nil {
		return p
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries checked in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdCountersVerify recounts the monitoring counters from the tables they count;
// it exits 1 naming the first difference.
func cmdCountersVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("counters verify", stderr, &cfg)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	d, n, err := a.Monitor.Verify(ctx)
	if err != nil {
		return fmt.Errorf("cannot recount the counters: %w", err)
	}
	if d != nil {
		return fmt.Errorf("counters differ from a recount: %s", d)
	}
	fmt.Fprintf(stdout, "counters equal a recount: %d rows checked in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdPurge removes the personal data of the programs closed before a day (package
// retention) and prints a one-line summary.
func cmdPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("purge", stderr, &cfg)
	day := fs.String("closed-before", "", "YYYY-MM-DD: purge the programs closed before this day (00:00 WIB) (required)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *day == "" {
		return usagef("--closed-before YYYY-MM-DD is required")
	}
	before, err := retention.DayStart(*day)
	if err != nil {
		return usagef("--closed-before: %v", err)
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Retention.Purge(app.SystemContext(ctx, "cli purge"), before)
	if err != nil {
		return fmt.Errorf("purge stopped (run it again to finish): %w", err)
	}
	fmt.Fprintln(stdout, n.String())
	return nil
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flagSet("import", stderr, &cfg)
	as := fs.String("as", "", "email of the office or admin user the import is made as (required)")
	kindName := fs.String("kind", "", "household, person, rw or institution (required)")
	quiet := fs.Bool("quiet", false, "do not print progress on stderr")
	if err := parseArgs(fs, args, stderr, 1); err != nil {
		return err
	}
	if *as == "" || *kindName == "" || fs.NArg() != 1 {
		return usagef("usage: gotong import --as EMAIL --kind household|person|rw|institution FILE")
	}
	kind, err := registry.ParseKind(*kindName)
	if err != nil {
		return usagef("--kind: %v", err)
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByEmail(ctx, *as)
	if err != nil {
		return fmt.Errorf("no user with email %s", *as)
	}
	who := registry.Importer{UserID: u.ID, Email: u.Email}
	switch u.Role {
	case account.Office:
		who.Scope = u.Region
	case account.Admin:
		who.Scope = cfg.Province
	default:
		return fmt.Errorf("%s is a %s; only office and admin users import", u.Email, u.Role)
	}
	actx := audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, RemoteAddr: "cli"})
	im, err := a.Registry.CreateImport(actx, who, kind, path, f, cfg.MaxUpload)
	if err != nil {
		return err
	}
	if err := a.StartWorkers(ctx); err != nil {
		return err
	}
	stop := make(chan struct{})
	defer close(stop)
	if !*quiet {
		go func() {
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					cur, err := a.Registry.Import(ctx, im.ID, "")
					if err == nil && cur.Status == registry.StatusRunning {
						fmt.Fprintf(stderr, "import %s: %d rows, %.0f%%\n", im.ID[:8], cur.RowsDone, cur.Progress()*100)
					}
				}
			}
		}()
	}
	done, err := a.Registry.Wait(ctx, im.ID)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(done); err != nil {
		return err
	}
	if done.Status == registry.StatusFailed {
		return fmt.Errorf("import failed: %s", done.Error)
	}
	if !*quiet {
		fmt.Fprintf(stderr, "import %s: done: %d rows, %d accepted, %d updated, %d merged, %d for review, %d rejected\n",
			im.ID[:8], done.RowsDone, done.Accepted, done.Updated, done.Merged, done.Review, done.Rejected)
	}
	return nil
}

// The secrets of the message senders may be given as GOTONG_<NAME>_FILE too.
func init() {
	for _, name := range []string{"smtp-password", "sms-auth", "whatsapp-auth"} {
		secretFlags[name] = true
	}
}

// messageFlags are where the outbox sends e-mail, SMS and WhatsApp (README,
// "Messages"); a channel left unset goes to the log.
func messageFlags(fs *flag.FlagSet, cfg *app.Config) {
	fs.StringVar(&cfg.SMTP.Host, "smtp-host", "", "SMTP server for e-mail; empty: e-mail goes to the log (env GOTONG_SMTP_HOST)")
	fs.IntVar(&cfg.SMTP.Port, "smtp-port", 587, "SMTP port (env GOTONG_SMTP_PORT)")
	fs.StringVar(&cfg.SMTP.User, "smtp-user", "", "SMTP user; empty: no authentication (env GOTONG_SMTP_USER)")
	fs.StringVar(&cfg.SMTP.Password, "smtp-password", "", "SMTP password (env GOTONG_SMTP_PASSWORD or GOTONG_SMTP_PASSWORD_FILE)")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", "", "sender address of e-mail, e.g. \"Gotong <noreply@example.id>\" (env GOTONG_SMTP_FROM)")
	fs.StringVar(&cfg.SMTP.TLS, "smtp-tls", "mandatory", "mandatory (STARTTLS required), opportunistic or none (env GOTONG_SMTP_TLS)")
	for _, ch := range []struct {
		name string
		gw   *message.GatewayConfig
	}{{"sms", &cfg.SMS}, {"whatsapp", &cfg.WhatsApp}} {
		env := "GOTONG_" + strings.ToUpper(ch.name)
		fs.StringVar(&ch.gw.URL, ch.name+"-url", "", fmt.Sprintf("HTTP gateway for %s messages; empty: they go to the log (env %s_URL)", ch.name, env))
		fs.StringVar(&ch.gw.Auth, ch.name+"-auth", "", fmt.Sprintf("Authorization header value for the %s gateway (env %s_AUTH or %s_AUTH_FILE)", ch.name, env, env))
		fs.StringVar(&ch.gw.Body, ch.name+"-body", message.DefaultGatewayBody, fmt.Sprintf("JSON body template of a %s request; {{json .To}} {{json .Text}} {{json .Key}} (env %s_BODY)", ch.name, env))
	}
	fs.StringVar(&cfg.RecipientChannel, "recipient-channel", "sms", "how recipients get their code and news of their delivery: sms or whatsapp (env GOTONG_RECIPIENT_CHANNEL)")
	fs.IntVar(&cfg.Messages.Attempts, "message-attempts", 8, "attempts to send a message before it is given up (env GOTONG_MESSAGE_ATTEMPTS)")
	fs.DurationVar(&cfg.Messages.Backoff, "message-backoff", 30*time.Second, "wait before a message's second attempt, doubled for each further one up to an hour (env GOTONG_MESSAGE_BACKOFF)")
}

// checkMessageFlags builds each configured sender once, so a bad setting stops
// serve at start with a usage error instead of failing every message later.
func checkMessageFlags(cfg app.Config) error {
	if cfg.SMTP.Host != "" {
		if _, err := message.NewSMTP(cfg.SMTP); err != nil {
			return usagef("--smtp-*: %v", err)
		}
	}
	for name, gw := range map[string]message.GatewayConfig{"sms": cfg.SMS, "whatsapp": cfg.WhatsApp} {
		if gw.URL == "" {
			continue
		}
		if _, err := message.NewGateway(gw); err != nil {
			return usagef("--%s-*: %v", name, err)
		}
	}
	if cfg.RecipientChannel != "sms" && cfg.RecipientChannel != "whatsapp" {
		return usagef("--recipient-channel must be sms or whatsapp")
	}
	if cfg.Messages.Attempts < 1 || cfg.Messages.Backoff <= 0 {
		return usagef("--message-attempts must be at least 1 and --message-backoff positive")
	}
	return nil
}
