package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/storetest"
)

// TestBrowserFormIsSentOnce: a form that writes can be sent once, whether htmx
// sends it (signing in) or the browser (a new API token). Pressing its button
// disables it, which then says it is working; a second
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
			// sendTwice submits the form, then at once (the request on its way)
			// reads its button and submits again, as a second tap would.
			sendTwice := func(form string) string {
				var state string
				b.do("send "+form+" twice", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					var err error
					state, err = chromedp.Evaluate[string](`(async () => {
						const f = document.querySelector('`+form+`');
						const btn = f.querySelector('button[type="submit"]');
						f.requestSubmit(btn);
						await new Promise(r => setTimeout(r, 0));
						const seen = (btn.disabled ? "disabled" : "enabled") + "|" + btn.textContent.trim();
						f.requestSubmit();
						return seen;
					})()`, chromedp.EvalAwaitPromise)(ctx, tg)
					return err
				}))
				return state
			}
			// The sign-in form is sent by htmx (hx-boost).
			b.open("/login")
			b.fill([][2]string{{`input[name="email"]`, u.Email}, {`input[name="password"]`, pw}})
			if state := sendTwice(`form[action="/login"]`); state != "disabled|Memproses…" {
				t.Errorf("while signing in the button is %q, want disabled and saying Memproses…", state)
			}
			b.passFactor(s, u.Email)
			b.waitText("#logout", "Keluar")
			// The token form is sent by the browser itself (hx-boost off).
			b.open("/account")
			b.waitText("main h1", "Akun saya")
			if state := sendTwice(`form[action="/account/tokens"]`); state != "disabled|Memproses…" {
				t.Errorf("while the token form is sent its button is %q, want disabled and saying Memproses…", state)
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
