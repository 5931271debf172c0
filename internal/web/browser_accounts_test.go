package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserFormIsSentOnce: a form that writes can be sent once. Pressing
// "Create token" disables the button, which then says it is working; a second
// submit of the same form while the first is on its way is refused, so the user
// ends with one token, not two.
func TestBrowserFormIsSentOnce(t *testing.T) {
	exe := browserPath(t)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			browser := launch(t, exe)
			s := apptest.Start(t, eng)
			b := browser(s.URL)
			u, pw := s.User(t, account.Office, "31.71", "")
			b.open("/login")
			b.fill([][2]string{{`input[name="email"]`, u.Email}, {`input[name="password"]`, pw}})
			b.click("#login-submit")
			b.waitText("#logout", "Keluar")
			b.open("/account")
			b.waitText("main h1", "Akun saya")
			// Submit, then a moment later (the request is on its way) look at the
			// button and submit again, as a second tap would.
			var state string
			b.do("send the form twice", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				var err error
				state, err = chromedp.Evaluate[string](`(async () => {
					const f = document.querySelector('form[action="/account/tokens"]');
					const btn = f.querySelector('button[type="submit"]');
					f.requestSubmit(btn);
					await new Promise(r => setTimeout(r, 0));
					const seen = (btn.disabled ? "disabled" : "enabled") + "|" + btn.textContent.trim();
					f.requestSubmit();
					return seen;
				})()`, chromedp.EvalAwaitPromise)(ctx, tg)
				return err
			}))
			if state != "disabled|Memproses…" {
				t.Errorf("while the form is sent its button is %q, want disabled and saying Memproses…", state)
			}
			b.waitText("#new-token", "gtg_")
			var n int
			if err := s.App.DB.R().QueryRowContext(s.Ctx(), `SELECT COUNT(*) FROM api_tokens WHERE user_id = $1`, u.ID).Scan(&n); err != nil || n != 1 {
				t.Errorf("after two submits the user has %d tokens (%v), want 1", n, err)
			}
			b.shot("token-created-once", phoneW)
		})
	}
}
