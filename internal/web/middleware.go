package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/httprate"
	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/errs"
	"github.com/prometheus/client_golang/prometheus"
)

// securityHeaders sets the headers every response carries. The CSP allows only our
// own scripts and styles: htmx is told (by a meta tag) not to inject inline styles,
// and Pico's inline SVG icons are data: images.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// packStatic compresses the text assets of at least 1 KiB, at their best. Small
// files and images go as they are.
func packStatic(assets fs.FS) map[string][]byte {
	packed := map[string][]byte{}
	_ = fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !slices.Contains([]string{".js", ".css", ".svg", ".json"}, path.Ext(name)) {
			return err
		}
		raw, err := fs.ReadFile(assets, name)
		if err != nil || len(raw) < 1024 {
			return err
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := zw.Write(raw); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		packed[name] = b.Bytes()
		return nil
	})
	return packed
}

// packedStatic is the embedded assets packed, shared by every server of the
// process (they never change while it runs).
var packedStatic = sync.OnceValue(func() map[string][]byte {
	static, _ := fs.Sub(assets, "static")
	return packStatic(static)
})

// gzipStatic serves the embedded assets gzip'd to clients that accept it: they
// never change while the binary runs, so each is compressed once (packedStatic).
// On a phone with a bad connection Chart.js is 71 KB instead of 210 KB.
func gzipStatic(packed map[string][]byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := packed[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Accept-Encoding")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Content-Type", mime.TypeByExtension(path.Ext(r.URL.Path)))
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// cacheStatic lets browsers keep the embedded assets for a day.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gotong_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gotong_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// patternKey holds, in a request's context, where notePattern writes the ServeMux
// pattern the request matched.
type patternKey struct{}

// notePattern wraps the ServeMux. The mux sets r.Pattern on the request it is given,
// which the middleware in between (sessions, authentication) has copied with
// WithContext; observe, outside them, never sees it. So observe leaves a place in the
// context and this, the innermost handler, fills it in once routing is done.
func notePattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(patternKey{}).(*string); ok {
			defer func() { *p = r.Pattern }()
		}
		mux.ServeHTTP(w, r)
	})
}

// observe recovers panics, logs each request and counts it by route pattern (never
// by raw path, so metrics cannot grow without bound: an unknown path matches one of
// the catch-all patterns, "/" or "/api/").
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		pattern := new(string)
		r = r.WithContext(context.WithValue(r.Context(), patternKey{}, pattern))
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
				if sw.code == 0 {
					s.fail(sw, r, errs.Wrap(fmt.Errorf("panic: %v", p), "handler"))
				}
			}
			route := *pattern
			if route == "" {
				route = "unmatched"
			}
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
			if route != "GET /static/" && route != "GET /healthz" && route != "GET /metrics" {
				s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
					slog.String("path", r.URL.Path), slog.Int("status", code), slog.Duration("took", time.Since(start)))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// crossOrigin refuses the state-changing requests a browser sends from another site
// (CSRF), with http.CrossOriginProtection: API clients get the API's JSON error,
// people the error page.
//
// A request to the API with an Authorization header is let through: the protection is
// against credentials a browser attaches on its own (the session cookie), and a
// browser never attaches a bearer token on its own. A page that sends one must already
// hold the token, and gains nothing it could not do directly; a cross-site fetch with
// that header needs a CORS preflight, which Gotong does not grant. And authenticate
// never falls back to the cookie when the header is there: a bad token is refused, so
// the header cannot smuggle the cookie's user in. Pages never take bearer tokens, so
// they stay protected whatever the headers.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// unauthorized: the request's credentials do not count from another site.
		// 403 rather than the kind's 401: signing in would not help.
		s.failStatus(w, r, http.StatusForbidden, errs.E(errs.Unauthorized,
			"this request came from another site; send it from Gotong's own pages, or with an API token"))
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) && r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

type userKey struct{}

// currentUser returns the signed-in user, if any.
func currentUser(r *http.Request) (account.User, bool) {
	u, ok := r.Context().Value(userKey{}).(account.User)
	return u, ok
}

// authenticate resolves the caller from a bearer token or the session cookie, and
// puts the user and the audit actor into the request context. A session whose user
// was deleted is destroyed; an invalid bearer token is refused outright.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		actor := audit.Actor{ID: "anonymous", Label: "anonymous", RemoteAddr: clientAddr(r)}
		var user account.User
		var signedIn bool
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				s.fail(w, r, errs.E(errs.Unauthorized, "Authorization must be a Bearer token"))
				return
			}
			u, err := s.accounts.UserByToken(ctx, strings.TrimSpace(token))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			user, signedIn = u, true
		} else if id := s.sessions.GetString(ctx, "user_id"); id != "" {
			u, err := s.accounts.User(ctx, id)
			switch {
			case err == nil && signedOutSince(u, s.sessions.GetInt64(ctx, "since")):
				// Signed out by a deactivation after this session began.
				_ = s.sessions.Destroy(ctx)
			case err == nil:
				switch err := s.seeSession(r, u.ID, actor.RemoteAddr); {
				case err == nil:
					user, signedIn = u, true
				case errs.Is(err, errs.NotFound):
					// Ended by its user or an admin.
					_ = s.sessions.Destroy(ctx)
				default:
					s.fail(w, r, err)
					return
				}
			case errs.Is(err, errs.NotFound):
				_ = s.sessions.Destroy(ctx)
			default:
				s.fail(w, r, err)
				return
			}
		}
		// A session past the password but not the second factor is not signed in:
		// only signing out and the factor's own pages answer it (factorExempt).
		if signedIn && r.Header.Get("Authorization") == "" && user.Role.NeedsFactor() && !s.sessions.GetBool(ctx, "factor_ok") {
			signedIn = false
			ctx = context.WithValue(ctx, pendingKey{}, user)
			if !factorExempt(r) {
				if isAPI(r) {
					// unauthorized, 403: the session is known, its sign-in unfinished.
					s.failStatus(w, r, http.StatusForbidden, errs.E(errs.Unauthorized,
						"second factor required: finish signing in with the code of your authenticator app"))
				} else {
					http.Redirect(w, r, "/login/factor?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
				}
				return
			}
		}
		if signedIn {
			actor.ID, actor.Label = user.ID, user.Email
			ctx = context.WithValue(ctx, userKey{}, user)
		}
		ctx = audit.WithActor(ctx, actor)
		// Password hashes queue per client address (login, registration).
		ctx = account.WithClient(ctx, actor.RemoteAddr)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// pendingKey holds, in a request's context, the user whose session has passed the
// password but not yet the second factor.
type pendingKey struct{}

// pendingUser returns the user half signed in (password only), if any.
func pendingUser(r *http.Request) (account.User, bool) {
	u, ok := r.Context().Value(pendingKey{}).(account.User)
	return u, ok
}

// factorExempt says whether a request is answered for a session that has not yet
// passed the second factor: signing out, signing in again, the factor's pages and
// what they need (static files, the language switch, the probes).
func factorExempt(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/logout" || p == "/login" || p == "/login/factor" || p == "/login/factor/enrol":
		return true
	case strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/lang/"):
		return true
	case p == "/healthz" || p == "/readyz" || p == "/metrics":
		return true
	}
	return false
}

// principal is the caller as the policy sees it (the zero Principal when not
// signed in).
func principal(r *http.Request) account.Principal {
	u, ok := currentUser(r)
	if !ok {
		return account.Principal{}
	}
	return u.Principal()
}

// allow wraps h so that only signed-in callers the policy grants perm
// reach it. A caller not signed in gets unauthorized (API) or is sent to sign in
// (pages); a signed-in caller without the permission gets not_found, so existence
// does not leak. Every permission a route asks for is noted, so that a test can
// find permissions no route uses.
func (s *Server) allow(perm account.Permission, h http.HandlerFunc) http.HandlerFunc {
	s.guardsMu.Lock()
	if s.guards == nil {
		s.guards = map[account.Permission]bool{}
	}
	s.guards[perm] = true
	s.guardsMu.Unlock()
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := currentUser(r); !ok {
			if isAPI(r) {
				s.fail(w, r, errs.E(errs.Unauthorized, "sign in required"))
			} else {
				http.Redirect(w, r, "/login?next="+safeNext(r.URL.RequestURI()), http.StatusSeeOther)
			}
			return
		}
		if p := principal(r); !p.Can(perm) {
			s.fail(w, r, p.Refusal(perm))
			return
		}
		h(w, r)
	}
}

// newLimiter limits each client address to n requests a minute on the handlers it
// wraps; routes that share a limiter share the budget.
func (s *Server) newLimiter(n int) func(http.HandlerFunc) http.HandlerFunc {
	n = s.share(n)
	byAddr := func(r *http.Request) (string, error) { return clientAddr(r), nil }
	l := httprate.NewRateLimiter(n, time.Minute, httprate.WithKeyFuncs(byAddr), httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errs.E(errs.RateLimited, "too many requests; wait a minute and try again"))
	}))
	return func(h http.HandlerFunc) http.HandlerFunc { return l.Handler(h).ServeHTTP }
}

// loginGate admits sign-in attempts per client address before their passwords are
// hashed. The failed attempts of the last minute and the attempts still in flight
// together stay under the limit: counting only finished failures let a burst of 200
// attempts through at once, all hashed before the first failure was counted.
type loginGate struct {
	limit    int
	failed   *httprate.RateLimiter // failed sign-ins per address, sliding minute
	mu       sync.Mutex
	inFlight map[string]int
}

// share is this process's part of a rate limit of n per minute when Instances
// processes serve behind one load balancer: n/Instances, rounded up, at least 1.
// The limits are counted in each process's memory, not in the database (a write
// per counted request, on the paths an attacker floods): a balancer that spreads
// a client's requests over the processes lets it about n in all, one that keeps
// a client on one process lets it less, never more.
func (s *Server) share(n int) int {
	k := max(1, s.opt.Instances)
	return max(1, (n+k-1)/k)
}

func newLoginGate(limit int) *loginGate {
	return &loginGate{limit: limit, failed: httprate.NewRateLimiter(limit, time.Minute), inFlight: map[string]int{}}
}

// enter admits one attempt from addr, or reports false when the address is at its
// limit; an admitted attempt calls leave when it has its answer.
func (g *loginGate) enter(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, failures, _ := g.failed.Status(addr)
	if failures+float64(g.inFlight[addr]) >= float64(g.limit) {
		return false
	}
	g.inFlight[addr]++
	return true
}

// fail counts a failed attempt of an admitted one, before it leaves (so that at no
// moment it is counted neither in flight nor failed), and reports whether the
// address is now over its limit. The failure sets httprate's X-RateLimit headers.
func (g *loginGate) fail(w http.ResponseWriter, r *http.Request, addr string) bool {
	return g.failed.OnLimit(w, r, addr)
}

func (g *loginGate) leave(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inFlight[addr]--; g.inFlight[addr] <= 0 {
		delete(g.inFlight, addr)
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
