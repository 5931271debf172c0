package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// Browser tests drive a real Chromium. GOTONG_TEST_BROWSER names its executable;
// without it the tests skip, unless GOTONG_TEST_STRICT asks for every test to run.
const (
	browserEnv = "GOTONG_TEST_BROWSER"
	// shotsEnv optionally names a directory that keeps the screenshots after the
	// test (they go to the test's temp dir otherwise, removed at its end).
	shotsEnv = "GOTONG_TEST_SCREENSHOTS"
	// stepTimeout bounds one wait: a page swap on a loopback server takes
	// milliseconds, so ten seconds only passes when something is wrong.
	stepTimeout = 10 * time.Second
	// phone is the viewport of most screenshots: the platform is used on phones.
	phoneW, phoneH = 390, 844
	desktopW       = 1280
	desktopH       = 900
)

// browserPath returns the Chromium to drive, or skips (fails under strict mode).
func browserPath(t *testing.T) string {
	t.Helper()
	exe := os.Getenv(browserEnv)
	if exe == "" {
		if os.Getenv("GOTONG_TEST_STRICT") != "" {
			t.Fatalf("GOTONG_TEST_STRICT is set but %s is not: the browser test cannot run (set it to e.g. /usr/bin/chromium)", browserEnv)
		}
		t.Skipf("%s is not set: skipping the browser test (set it to a Chromium executable, e.g. /usr/bin/chromium)", browserEnv)
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("%s=%s: %v", browserEnv, exe, err)
	}
	return exe
}

// tab is one Chromium tab bound to a test server. Its helpers fail the test with
// what the page shows, and a screenshot of it, when a wait runs out.
type tab struct {
	t     *testing.T
	ctx   context.Context
	base  string
	dir   string // where screenshots go
	shots int

	mu      sync.Mutex
	console []chromedp.ConsoleMessage // errors and exceptions the page reported
	allowed []string                  // substrings of console errors a step provoked on purpose
}

// launchTries bounds how often a browser that dies while starting is started
// again: on a loaded 2-core machine Chromium now and then crashes before its
// first page ("chrome failed to start"), which says nothing about the site.
const launchTries = 3

// launch starts a headless Chromium with a fresh profile in the background (it
// takes seconds, as long as booting the server beside it); open waits for it. The
// browser ends with the test. A browser that crashes while starting is started
// again with a new profile, at most launchTries times; every failed start is logged.
func launch(t *testing.T, exe string) func(base string) *tab {
	t.Helper()
	type started struct {
		ctx    context.Context
		cancel func()
		err    error
	}
	var (
		mu       sync.Mutex
		stopped  bool     // the test has ended: start no more browsers
		cancels  []func() // every browser started, ended with the test
		profiles []string // their profile directories, removed after them
	)
	// keep records a browser's cancel (nil: none yet) and says whether the test
	// still runs.
	keep := func(cancel func()) bool {
		mu.Lock()
		defer mu.Unlock()
		if cancel != nil {
			cancels = append(cancels, cancel)
		}
		return !stopped
	}
	start := func() started {
		if !keep(nil) {
			return started{err: context.Canceled}
		}
		// Not t.TempDir: its removal, registered after the cleanup below, would
		// run before the browser using it has stopped.
		profile, err := os.MkdirTemp("", "gotong-chromium-")
		if err != nil {
			return started{err: err}
		}
		mu.Lock()
		profiles = append(profiles, profile)
		mu.Unlock()
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(exe),
			chromedp.UserDataDir(profile),
			chromedp.Headless, // --headless (and hide-scrollbars, mute-audio)
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.WindowSize(phoneW, phoneH),
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelTab := chromedp.NewContext(allocCtx)
		cancel := func() { cancelTab(); cancelAlloc() }
		if !keep(cancel) {
			cancel()
			return started{err: context.Canceled}
		}
		// The first Do starts the browser and binds it to its context, so it gets
		// ctx (no deadline: per-step timeouts end a wait, not the browser).
		return started{ctx, cancel, chromedp.Do(ctx)}
	}
	done := make(chan started, 1)
	var starting sync.WaitGroup
	// The browsers are stopped (a cancel waits for the process to exit) and the
	// starter has returned before their profile directories are removed.
	t.Cleanup(func() {
		mu.Lock()
		stopped = true
		for _, c := range cancels {
			c()
		}
		mu.Unlock()
		starting.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range cancels { // one started meanwhile
			c()
		}
		for _, p := range profiles {
			if err := os.RemoveAll(p); err != nil {
				t.Errorf("remove the browser's profile: %v", err)
			}
		}
	})
	starting.Add(1)
	go func() {
		defer starting.Done()
		var s started
		for try := 1; try <= launchTries; try++ {
			s = start()
			if s.err == nil || !strings.Contains(s.err.Error(), "chrome failed to start") {
				break
			}
			t.Logf("start %s, try %d of %d: %v", exe, try, launchTries, s.err)
		}
		done <- s
	}()
	return func(base string) *tab {
		t.Helper()
		var ctx context.Context
		// A timer guards against a browser that never answers.
		select {
		case s := <-done:
			if s.err != nil {
				t.Fatalf("start %s: %v", exe, s.err)
			}
			ctx = s.ctx
		case <-time.After(time.Duration(launchTries) * 30 * time.Second):
			t.Fatalf("start %s: no answer in %ds", exe, launchTries*30)
		}
		dir := t.TempDir()
		if keep := os.Getenv(shotsEnv); keep != "" {
			dir = filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "-"))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// The site serves no favicon and the browser asks for one on every full load.
		tb := &tab{t: t, ctx: ctx, base: base, dir: dir, allowed: []string{"/favicon.ico"}}
		msgs := chromedp.Console(ctx)
		go func() {
			for m, err := range msgs {
				if err != nil {
					return
				}
				if m.Type == chromedp.ConsoleError || m.IsException() {
					tb.mu.Lock()
					tb.console = append(tb.console, m)
					tb.mu.Unlock()
				}
			}
		}()
		tb.do("set a phone-sized viewport", chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateMobile, chromedp.EmulateTouch))
		return tb
	}
}

// slow logs a step that took more than a second, to tell a slow machine from a
// slow page when the test nears its time limits.
func (b *tab) slow(what string, began time.Time) {
	if d := time.Since(began); d > time.Second {
		b.t.Logf("slow: %s took %s", what, d.Round(time.Millisecond))
	}
}

// in makes the tab report to t, the subtest of the current step.
func (b *tab) in(t *testing.T) { b.t = t }

// do runs actions with the step timeout.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	defer b.slow(what, time.Now())
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// human waits until the human check (the ALTCHA widget, solving by itself from
// the page's load) has put its solution into the form matching sel.
func (b *tab) human(sel string) {
	b.t.Helper()
	waitFor[bool](b, "the human check to be solved", `() => { const i = document.querySelector(`+"`"+sel+` input[name="altcha"]`+"`"+`); return !!(i && i.value) || null; }`)
}

// open loads path as a full page load (as typing the address would).
func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// click clicks the first visible element matching a CSS selector. With hx-boost,
// a click on a link or a submit button swaps the page by AJAX, so callers wait for
// the content they expect next, never for a navigation event.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.settled()
	// On a phone the site's menu is closed behind its button: open it first, as a
	// person does (the checkbox that the button labels).
	waitFor[bool](b, "the menu to open for "+sel, `(sel) => {
		const el = document.querySelector(sel), open = document.querySelector("#menu-open");
		const menu = el && el.closest(".menu-items");
		if (menu && open && !open.checked && getComputedStyle(menu).display === "none") open.click();
		return true;
	}`, sel)
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// settled waits until htmx has no request, swap or settle in flight, so a click
// lands on the page the test saw rather than on one being swapped in.
func (b *tab) settled() {
	b.t.Helper()
	waitFor[bool](b, "htmx to settle", `() => document.readyState === "complete" &&
		!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`)
}

// fill empties each form field named by its selector (a form shown again after an
// error keeps what was typed), focuses it and enters its value as one text input
// (as a paste or an on-screen keyboard does; key by key is ten times slower), then
// checks the field holds exactly that value: the browser's autofill may write into
// a field meanwhile, so a mismatch is entered again once before the test fails.
func (b *tab) fill(fields [][2]string) {
	b.t.Helper()
	for _, f := range fields {
		sel := chromedp.CSS(f[0])
		for try := 1; ; try++ {
			b.do("type into "+f[0], chromedp.Clear(sel, chromedp.NodeVisible), chromedp.Focus(sel, chromedp.NodeVisible),
				chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: f[1]})
					return err
				}))
			got := waitFor[string](b, "the value of "+f[0], `(sel) => { const el = document.querySelector(sel); return el ? "=" + el.value : null; }`, f[0])
			if got == "="+f[1] {
				break
			}
			if try == 2 {
				b.fail("%s holds %q after typing %q", f[0], got[1:], f[1])
			}
			b.t.Logf("%s held %q after typing %q; typing again", f[0], got[1:], f[1])
		}
	}
}

// waitFor waits until the JavaScript function fn, called with args, returns a
// truthy value and returns that value. A wait survives a full page load: when the
// document it polls goes away, it polls again in the new one.
func waitFor[T any](b *tab, what, fn string, args ...any) T {
	b.t.Helper()
	defer b.slow("waiting for "+what, time.Now())
	deadline := time.Now().Add(stepTimeout)
	ctx, cancel := context.WithDeadline(b.ctx, deadline)
	defer cancel()
	var zero T
	for {
		v, err := chromedp.Run(ctx, chromedp.PollFunction[T](fn,
			chromedp.WithPollingArgs(args...),
			chromedp.WithPollingInterval(20*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline))))
		var exc *chromedp.ExceptionError
		switch {
		case err == nil:
			return v
		case errors.As(err, &exc):
			b.fail("waiting for %s: the check threw: %v", what, err)
			return zero
		case errors.Is(err, chromedp.ErrPollingTimeout) || ctx.Err() != nil:
			b.fail("waiting for %s: not there after %s (%v)", what, stepTimeout, err)
			return zero
		}
		// The document went away while polling (a full page load): poll the new one
		// once it has a moment to exist.
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitText waits until the element sel exists and its text contains want.
func (b *tab) waitText(sel, want string) {
	b.t.Helper()
	waitFor[bool](b, fmt.Sprintf("%s to show %q", sel, want), `(sel, want) => {
		const el = document.querySelector(sel);
		return !!el && el.textContent.replace(/\s+/g, " ").includes(want);
	}`, sel, want)
}

// waitExact waits until the element sel exists and its text, trimmed, is want.
func (b *tab) waitExact(sel, want string) {
	b.t.Helper()
	waitFor[bool](b, fmt.Sprintf("%s to read %q", sel, want), `(sel, want) => {
		const el = document.querySelector(sel);
		return !!el && el.textContent.replace(/\s+/g, " ").trim() === want;
	}`, sel, want)
}

// waitGone waits until no element matches sel.
func (b *tab) waitGone(sel string) {
	b.t.Helper()
	waitFor[bool](b, sel+" to disappear", `(sel) => document.readyState !== "loading" && !document.querySelector(sel)`, sel)
}

// waitLang waits until <html lang> is lang.
func (b *tab) waitLang(lang string) {
	b.t.Helper()
	waitFor[bool](b, fmt.Sprintf(`<html lang=%q>`, lang), `(lang) => document.documentElement.lang === lang`, lang)
}

// text returns the whitespace-normalised text of the first element matching sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return waitFor[string](b, sel, `(sel) => {
		const el = document.querySelector(sel);
		return el ? (el.textContent.replace(/\s+/g, " ").trim() || " ") : null;
	}`, sel)
}

// signIn fills the sign-in form shown and sends it; an admin or office then
// passes the second factor (passFactor).
func (b *tab) signIn(s *apptest.Server, email, password string) {
	b.t.Helper()
	b.fill([][2]string{{`input[name="email"]`, email}, {`input[name="password"]`, password}})
	b.click("#login-submit")
	u, err := s.App.Accounts.UserByEmail(s.Ctx(), email)
	if err == nil && u.Role.NeedsFactor() {
		b.passFactor(s, email)
	}
}

// passFactor waits for the second factor's page after the password and passes
// it as a person would: the first time it reads the key off the page (as one
// types it into an app), confirms with a code and goes on past the recovery
// codes; later it types the code of the moment.
func (b *tab) passFactor(s *apptest.Server, email string) {
	b.t.Helper()
	secret := waitFor[string](b, "the second factor's page", `() => {
		if (!document.querySelector("#factor-code")) return null;
		const k = document.querySelector("#factor-secret");
		return k ? "=" + k.textContent : "=";
	}`)[1:]
	if secret != "" {
		s.LearnSecret(email, secret)
		b.shot("factor-enrol", b.viewportWidth()) // and fails if the page scrolls sideways
	}
	b.fill([][2]string{{"#factor-code", s.Code(b.t, email)}})
	b.click("#factor-submit")
	if secret != "" {
		waitFor[bool](b, "the recovery codes", `() => !!document.querySelector("#recovery-codes li") || null`)
		b.shot("factor-recovery-codes", b.viewportWidth())
		b.click("#factor-continue")
	}
}

// viewportWidth is the width of the window the page is laid out in.
func (b *tab) viewportWidth() int {
	b.t.Helper()
	return waitFor[int](b, "the viewport's width", `() => window.innerWidth`)
}

// location returns the path (and query) the address bar shows.
func (b *tab) location() string {
	b.t.Helper()
	return waitFor[string](b, "the location", `() => location.pathname + location.search`)
}

// fail reports a failed step with what the page shows and a screenshot of it.
func (b *tab) fail(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" +
		(document.querySelector("main") || document.body || document.documentElement).innerText.slice(0, 1500) +
		[...document.querySelectorAll("main input:not([type=hidden])")].map(i =>
			"\n[" + i.name + "] " + (i.type === "password" ? i.value.length + " characters" : JSON.stringify(i.value))).join("")`))
	if png, err := chromedp.Run(ctx, fullPage()); err == nil {
		p := filepath.Join(b.dir, "failure.png")
		if os.WriteFile(p, png, 0o644) == nil {
			state += "\nscreenshot: " + p
		}
	}
	b.t.Fatalf(format+"\npage: %s", append(args, state)...)
}

// fullPage captures the whole page, not only the viewport, as a PNG.
func fullPage() chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if m.CSSContentSize == nil {
			return nil, errors.New("no content size in the layout metrics")
		}
		clip := page.Viewport{Width: math.Ceil(m.CSSContentSize.Width), Height: math.Ceil(m.CSSContentSize.Height), Scale: 1}
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &clip,
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
		})
		return res.Data, err
	}
}

// shot saves a full-page PNG of what the tab shows, checks it decodes and is at
// least as wide as the viewport, and checks the page does not scroll sideways (on a
// phone a wide table must scroll inside its .table-wrap, not the whole page).
func (b *tab) shot(name string, width int) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	// Scrollbars are hidden (headless), so scrollWidth > clientWidth means overflow.
	over, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		b.fail("measure %s: %v", name, err)
	}
	if over > 0 {
		b.t.Errorf("%s: the page is %dpx wider than the %dpx viewport (it scrolls sideways)", name, over, width)
	}
	buf, err := chromedp.Run(ctx, fullPage())
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	if len(buf) == 0 {
		b.t.Fatalf("screenshot %s is empty", name)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		b.t.Fatalf("screenshot %s does not decode as PNG: %v", name, err)
	}
	if r := img.Bounds(); r.Dx() < width || r.Dy() < 100 {
		b.t.Errorf("screenshot %s is %dx%d, want at least %d wide", name, r.Dx(), r.Dy(), width)
	}
	b.shots++
	p := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shots, name))
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%dx%d, %d bytes)", p, img.Bounds().Dx(), img.Bounds().Dy(), len(buf))
}

// allow marks console errors containing substr as expected (a step provokes them).
func (b *tab) allow(substr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed = append(b.allowed, substr)
}

// pageErrors returns the unexpected errors and exceptions the pages reported.
func (b *tab) pageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
next:
	for _, m := range b.console {
		line := fmt.Sprintf("%s %s:%d: %s", m.Type, m.URL, m.Line+1, m.Text)
		for _, a := range b.allowed {
			if strings.Contains(line, a) {
				continue next
			}
		}
		out = append(out, line)
	}
	return out
}

// TestBrowserRegisterVerifyAndSwitchLanguage walks the collaborator onboarding in
// Chromium, as people do it on a phone: an organisation registers, the provincial
// admin verifies it, its user sees the verified status, then switches to English.
func TestBrowserRegisterVerifyAndSwitchLanguage(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			began := time.Now()
			browser := launch(t, exe)
			// The home page's figures are read right after the verification that
			// moves them; public answers are otherwise kept for 5 s.
			s := apptest.Start(t, eng, func(c *app.Config) { c.SummaryMaxAge = -1 })
			b := browser(s.URL)

			org := s.Unique("Yayasan Peduli Browser ")
			contact := "Siti Rahma"
			contactEmail := s.Unique("kontak") + "@test.gotong.local"
			userName := "Budi Santoso"
			userEmail := s.Unique("budi") + "@test.gotong.local"
			userPassword := "kata-sandi-budi-42"

			if !t.Run("the home page is in Indonesian by default", func(t *testing.T) {
				b.in(t)
				b.open("/")
				b.waitLang("id")
				b.waitText("#nav-login", "Masuk")
				b.waitText("main h1", "bergotong royong")
				b.waitExact("#fig-collaborators", "0")
				b.shot("home-id", phoneW)
			}) {
				return
			}

			if !t.Run("an organisation registers and is thanked in Indonesian", func(t *testing.T) {
				b.in(t)
				b.click(`.site-nav a[href="/register"]`)
				b.waitText("main h1", "Daftar sebagai kolaborator")
				b.fill([][2]string{
					{`input[name="name"]`, org},
					{`input[name="contact_name"]`, contact},
					{`input[name="contact_email"]`, contactEmail},
					{`input[name="contact_phone"]`, "0812-3456-7890"},
					{`input[name="user_name"]`, userName},
					{`input[name="user_email"]`, userEmail},
					{`input[name="user_password"]`, userPassword},
				})
				b.do("choose the kind", chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), "ngo"))
				b.human(`form[action="/register"]`)
				b.shot("register-filled", phoneW)
				b.click("#register-submit")
				b.waitText("main h1", "Terima kasih telah mendaftar")
				b.waitText("main article", org)
				b.shot("register-done", phoneW)
			}) {
				return
			}

			if !t.Run("the admin verifies the new organisation", func(t *testing.T) {
				b.in(t)
				b.click("#nav-login")
				b.waitText("main h1", "Masuk")
				// A wrong password is answered 401 with the form and an alert, which
				// htmx must swap in (by default it ignores 4xx responses).
				b.allow("/login:1: Failed to load resource: the server responded with a status of 401")
				b.fill([][2]string{{`input[name="email"]`, apptest.AdminEmail}, {`input[name="password"]`, "not-the-password"}})
				b.click("#login-submit")
				b.waitText(`main [role="alert"]`, "email atau kata sandi salah")
				b.shot("login-wrong-password", phoneW)
				b.signIn(s, apptest.AdminEmail, apptest.AdminPassword)
				b.waitText("#logout", "Keluar")
				b.click(`.site-nav a[href="/admin/organizations"]`)
				b.waitText("main h1", "Organisasi")
				rowID := waitFor[string](b, "a pending row for "+org, `(name) => {
					const tr = [...document.querySelectorAll('tbody tr[id^="org-"]')]
						.find(tr => tr.cells[0].textContent.trim() === name);
					return tr ? tr.id : null;
				}`, org)
				row := b.text("#" + rowID)
				for _, want := range []string{contact, contactEmail, "LSM / organisasi nirlaba", "menunggu verifikasi"} {
					if !strings.Contains(row, want) {
						t.Errorf("pending row %q does not show %q", row, want)
					}
				}
				b.shot("admin-orgs-pending", phoneW)
				b.do("widen to a desktop", chromedp.EmulateViewport(desktopW, desktopH))
				b.shot("admin-orgs-pending-desktop", desktopW)
				b.do("back to a phone", chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateMobile, chromedp.EmulateTouch))

				// Verifying is a step of its own: the first press only asks.
				b.click("#" + rowID + " .verify-step summary")
				b.click("#" + rowID + " button.verify")
				b.waitText(".flash-ok", "Organisasi telah diverifikasi.")
				b.waitGone("#" + rowID)
				if o, err := s.App.Accounts.Org(s.Ctx(), strings.TrimPrefix(rowID, "org-")); err != nil || o.Status != account.OrgVerified {
					t.Errorf("the page says verified; the database has %q (%v)", o.Status, err)
				}
				if loc := b.location(); loc != "/admin/organizations" {
					t.Errorf("after verifying, the address bar shows %s, want /admin/organizations", loc)
				}
				b.shot("admin-orgs-verified-flash", phoneW)

				b.click(`main a[href="/admin/organizations?status=verified"]`)
				b.waitExact("#"+rowID+" .badge-verified", "terverifikasi")
				b.waitGone(".flash-ok") // a flash shows once
				b.shot("admin-orgs-verified-list", phoneW)
			}) {
				return
			}

			if !t.Run("the organisation's user sees it verified on the account page", func(t *testing.T) {
				b.in(t)
				b.click("#logout")
				b.waitText("#nav-login", "Masuk")
				b.shot("home-after-logout", phoneW)
				b.click("#nav-login")
				b.waitText("main h1", "Masuk")
				b.signIn(s, userEmail, userPassword)
				b.waitExact("#org-status", "terverifikasi")
				b.waitText("main h1", "Akun saya")
				b.waitText("#account-name", userName)
				b.waitExact("#account-role", "Kolaborator")
				b.waitText("main h2", org)
				if strings.Contains(b.text("main"), "menunggu verifikasi") {
					t.Error("the account page still says the organisation is waiting for verification")
				}
				if loc := b.location(); loc != "/account" {
					t.Errorf("after signing in, the address bar shows %s, want /account", loc)
				}
				b.shot("account-id", phoneW)
			}) {
				return
			}

			if !t.Run("switching to English is remembered across pages", func(t *testing.T) {
				b.in(t)
				b.click("#lang-en")
				b.waitLang("en")
				b.waitText("#logout", "Log out")
				b.waitText(`.site-nav a[href="/account"]`, "My account")
				b.waitText("main h1", "My account")
				b.waitExact("#org-status", "verified")
				b.waitExact("#account-role", "Collaborator")
				b.shot("account-en", phoneW)

				// A boosted (AJAX) page change keeps English...
				b.click(`.site-nav a[href="/regions"]`)
				b.waitText("main nav.breadcrumb", "Regions")
				b.waitText("#region-children th", "Code")
				b.waitText("#logout", "Log out")
				b.shot("regions-en", phoneW)

				// ...and so does a full page load, from the cookie.
				b.open("/")
				b.waitLang("en")
				b.waitText("main h1", "working together")
				b.waitExact("#fig-collaborators", "1") // the organisation verified above
				b.waitText(`.site-nav a[href="/account"]`, "My account")
				b.shot("home-en", phoneW)
			}) {
				return
			}

			if errs := b.pageErrors(); len(errs) > 0 {
				t.Errorf("the pages reported errors:\n%s", strings.Join(errs, "\n"))
			}
			t.Logf("%s: browser scenario took %s", eng, time.Since(began).Round(time.Millisecond))
		})
	}
}

// longTest marks one of the package's five longest tests (the accessibility crawl,
// the role table, the browser walks, the phone menu and the OpenAPI conformance):
// they run two at a time, after every other test of the package. Alone, one of them
// keeps less than one of the machine's two cores busy (the browser and the server
// wait on each other: 72 s of CPU in 95 s for the walks), and internal/web, the last
// package to finish, sets the length of the test command. The timing-sensitive
// tests (the login burst) are not marked, so they never share the machine with
// these. The crawl's record of untranslated texts is global, so its two engines
// still run one after the other.
func longTest(t *testing.T) { t.Parallel() }
