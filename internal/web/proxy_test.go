package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gotong/gotong/internal/account"
	"github.com/gotong/gotong/internal/app"
	"github.com/gotong/gotong/internal/app/apptest"
	"github.com/gotong/gotong/internal/audit"
	"github.com/gotong/gotong/internal/storetest"
)

// sendVia sends a request from the connection c with the X-Forwarded-For header xff
// ("" sends none) and, when token is set, as that token's user.
func sendVia(t *testing.T, c *http.Client, method, url, xff, token string, form url.Values) (int, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestTrustedProxy: the server trusts 127.0.0.2 (the load balancer) and nobody else.
// Clients connecting from 127.0.0.1 cannot escape the sign-in limit by making up
// X-Forwarded-For; clients behind the balancer get a bucket each, the right-most
// untrusted address of the chain being the client; and the audit log records the
// forwarded address.
func TestTrustedProxy(t *testing.T) {
	const limit = 3
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			s := apptest.Start(t, eng, func(c *app.Config) {
				c.LoginLimit = limit
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("10.0.0.0/8")}
			})
			victim, _ := s.User(t, account.Office, "31.71", "")
			direct, proxy := fromAddress("127.0.0.1"), fromAddress("127.0.0.2")
			wrong := url.Values{"email": {victim.Email}, "password": {"wrong-password-123"}}
			login := func(c *http.Client, xff string) int {
				code, _ := sendVia(t, c, "POST", s.URL+"/login", xff, "", wrong)
				return code
			}

			t.Run("a spoofed header from an untrusted peer is ignored", func(t *testing.T) {
				for i := range limit {
					if code := login(direct, "203.0.113."+string(rune('1'+i))); code != http.StatusUnauthorized {
						t.Fatalf("attempt %d: %d, want 401", i+1, code)
					}
				}
				if code := login(direct, "198.51.100.77"); code != http.StatusTooManyRequests {
					t.Fatalf("a fresh made-up address from the same peer: %d, want 429", code)
				}
			})

			t.Run("behind the proxy each client has its own bucket", func(t *testing.T) {
				for i := range limit {
					if code := login(proxy, "203.0.113.10"); code != http.StatusUnauthorized {
						t.Fatalf("client A attempt %d: %d, want 401", i+1, code)
					}
				}
				if code := login(proxy, "203.0.113.10"); code != http.StatusTooManyRequests {
					t.Fatalf("client A over its limit: %d, want 429", code)
				}
				if code := login(proxy, "203.0.113.11"); code != http.StatusUnauthorized {
					t.Fatalf("client B behind the same proxy: %d, want 401 (its own bucket)", code)
				}
				// Client A prepending a made-up address is still client A.
				if code := login(proxy, "192.0.2.99, 203.0.113.10"); code != http.StatusTooManyRequests {
					t.Fatalf("client A with a made-up address in front: %d, want 429", code)
				}
				// A chain of trusted proxies: the client is the first untrusted hop from the right.
				if code := login(proxy, "192.0.2.99, 203.0.113.10, 10.1.2.3"); code != http.StatusTooManyRequests {
					t.Fatalf("client A through two proxies: %d, want 429", code)
				}
				// The proxy itself is not limited by its clients.
				if code := login(direct, ""); code != http.StatusTooManyRequests {
					t.Fatalf("the direct peer is still over its own limit: %d", code)
				}
			})

			t.Run("the audit log records the forwarded address", func(t *testing.T) {
				admin := s.Token(t, mustAdminID(t, s))
				for _, c := range []struct {
					name string
					via  *http.Client
					xff  string
					want string
				}{
					{"behind the proxy", proxy, "192.0.2.1, 203.0.113.20", "203.0.113.20"},
					{"through two proxies", proxy, "203.0.113.21, 10.4.4.4", "203.0.113.21"},
					{"a malformed header leaves the proxy", proxy, "not an address", "127.0.0.2"},
					{"directly, with a made-up header", direct, "203.0.113.22", "127.0.0.1"},
				} {
					t.Run(c.name, func(t *testing.T) {
						u, _ := s.User(t, account.Office, "31.71", "")
						if code, body := sendVia(t, c.via, "DELETE", s.URL+"/api/v1/users/"+u.ID, c.xff, admin, nil); code != http.StatusNoContent && code != http.StatusOK {
							t.Fatalf("delete user: %d %s", code, body)
						}
						entries, _, err := audit.List(s.Ctx(), s.App.DB.R(), audit.Filter{Action: "user.delete", ObjectID: u.ID})
						if err != nil {
							t.Fatal(err)
						}
						if len(entries) != 1 || entries[0].RemoteAddr != c.want {
							j, _ := json.Marshal(entries)
							t.Fatalf("audit entries %s; want one from %s", j, c.want)
						}
					})
				}
			})
		})
	}
}

func mustAdminID(t *testing.T, s *apptest.Server) string {
	t.Helper()
	u, err := s.App.Accounts.UserByEmail(s.Ctx(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
