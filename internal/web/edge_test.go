package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/store"
)

// Hardening at the edge of the server: what reaches the metrics, the cross-origin
// refusal's shape, and input no database should see.

// routeLabels reads /metrics and returns, per route label of
// gotong_http_requests_total, the sum of its counts.
func routeLabels(t *testing.T, s *apptest.Server) map[string]int {
	t.Helper()
	r, err := send(s, "GET", "/metrics", nil, nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", r.Status, err)
	}
	line := regexp.MustCompile(`^gotong_http_requests_total\{code="\d+",route="([^"]*)"\} (\d+)$`)
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			var n int
			fmt.Sscan(m[2], &n)
			out[m[1]] += n
		}
	}
	return out
}

func TestMetricsLabelRequestsByRoutePattern(t *testing.T) {
	s := apptest.Start(t, store.SQLite) // the label does not depend on the engine
	hits := []struct{ path, pattern string }{
		{"/api/v1/regions", "GET /api/v1/regions"},
		{"/api/v1/regions/31.71", "GET /api/v1/regions/{code}"},
		{"/regions/31.71", "GET /regions/{code}"},
		{"/healthz", "GET /healthz"},
	}
	for _, h := range hits {
		for range 3 {
			if r, err := send(s, "GET", h.path, nil, nil); err != nil || r.Status != http.StatusOK {
				t.Fatalf("GET %s: %d %v", h.path, r.Status, err)
			}
		}
	}
	before := routeLabels(t, s)
	for _, h := range hits {
		if before[h.pattern] < 3 {
			t.Errorf("route %q counted %d times, want at least 3; labels %v", h.pattern, before[h.pattern], before)
		}
	}

	const unknown = 60
	for i := range unknown {
		for _, p := range []string{"/no-such-page-%d", "/api/v1/no-such-endpoint-%d", "/api/v1/regions/%d/x", "/static/missing-%d.css"} {
			if _, err := send(s, "GET", fmt.Sprintf(p, i), nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := routeLabels(t, s)
	for label := range after {
		if regexp.MustCompile(`no-such|missing-|/\d+/x`).MatchString(label) {
			t.Errorf("a raw path became a route label: %q", label)
		}
	}
	if grew := len(after) - len(before); grew > 4 {
		t.Errorf("%d unknown paths added %d route labels; want a bounded few (the catch-all patterns)", 4*unknown, grew)
	}
}

// TestCrossOriginRefusals: the cross-origin protection guards what a browser sends
// with the session cookie; it answers API clients in the API's JSON, and lets bearer
// requests through, since a bearer token is never sent by a browser on its own.
func TestCrossOriginRefusals(t *testing.T) {
	s := apptest.Start(t, store.SQLite) // the protection runs before any database work
	adminUser, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	token := s.Token(t, adminUser.ID)
	_, session := login(t, s, apptest.AdminEmail, apptest.AdminPassword, "")
	cookie := (&http.Cookie{Name: sessionCookieName, Value: session}).String()
	foreign := func(extra ...string) http.Header {
		h := http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"application/json"}}
		for i := 0; i+1 < len(extra); i += 2 {
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	tokens := func() int {
		return countRows(t, s, `SELECT COUNT(*) FROM api_tokens WHERE user_id = $1`, adminUser.ID)
	}
	label := []byte(`{"label":"cross-origin"}`)

	t.Run("an API request with the session cookie from another site is refused in JSON", func(t *testing.T) {
		before := tokens()
		for _, h := range []http.Header{foreign("Cookie", cookie), foreign("Cookie", cookie, "Sec-Fetch-Site", "")} {
			r, err := send(s, "POST", "/api/v1/tokens", h, label)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d, Content-Type %q; want 403 JSON; body %.200s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if code, msg := errorOf(t, r); code != "unauthorized" || !strings.Contains(msg, "another site") {
				t.Errorf("error %q %q; want unauthorized saying the request came from another site", code, msg)
			}
		}
		if tokens() != before {
			t.Error("a refused request created a token")
		}
	})
	t.Run("an anonymous API request from another site is refused in JSON", func(t *testing.T) {
		r, err := send(s, "POST", "/api/v1/organizations", foreign(), mustJSON(t, registrationBody("Yayasan Asing", "asing@asing.example", "kata-sandi-rahasia")))
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := errorOf(t, r); r.Status != http.StatusForbidden || code != "unauthorized" {
			t.Errorf("%d %q, want 403 unauthorized", r.Status, code)
		}
		if countOrgs(t, s, "Yayasan Asing") != 0 {
			t.Error("the refused registration was stored")
		}
	})
	t.Run("a page form from another site is refused with the error page", func(t *testing.T) {
		h := foreign("Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
		r, err := send(s, "POST", "/login", h, []byte("email=a%40b.example&password=x"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%d %q, want 403 text/html", r.Status, r.Header.Get("Content-Type"))
		}
	})
	t.Run("a bearer API request from another site acts as the token's user", func(t *testing.T) {
		before := tokens()
		r, err := send(s, "POST", "/api/v1/tokens", foreign("Authorization", "Bearer "+token), label)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %.200s", r.Status, r.Body)
		}
		if tokens() != before+1 {
			t.Error("no token was created")
		}
	})
	t.Run("a bad bearer token beside the cookie from another site is refused, never the cookie's user", func(t *testing.T) {
		before := tokens()
		r, err := send(s, "POST", "/api/v1/tokens", foreign("Authorization", "Bearer gtg_forged", "Cookie", cookie), label)
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := errorOf(t, r); r.Status != http.StatusUnauthorized || code != "unauthorized" {
			t.Errorf("%d %q, want 401 unauthorized", r.Status, code)
		}
		if tokens() != before {
			t.Error("the request created a token as the cookie's user")
		}
	})
	t.Run("a bearer header does not open the pages to another site", func(t *testing.T) {
		h := foreign("Authorization", "Bearer "+token, "Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded")
		r, err := send(s, "POST", "/account/tokens", h, []byte("label=x"))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusForbidden {
			t.Errorf("status %d, want 403", r.Status)
		}
		if strings.Contains(string(r.Body), "gtg_") {
			t.Error("the page showed a new token")
		}
	})
}
