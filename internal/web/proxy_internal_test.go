package web

import (
	"net/http"
	"testing"
)

// TestForwardedClient walks the header cases one by one: who may name the client,
// which entry of a chain is the client, and what a malformed header leaves.
func TestForwardedClient(t *testing.T) {
	trusted, err := ParseTrustedProxies(" 10.0.0.0/8, 192.168.1.5 ,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"an untrusted peer's header is ignored", "198.51.100.1:4000", []string{"203.0.113.9"}, "198.51.100.1"},
		{"no header from a trusted proxy leaves the proxy", "10.0.0.1:4000", nil, "10.0.0.1"},
		{"a trusted proxy names the client", "10.0.0.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a single trusted address is a range of one", "192.168.1.5:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"an address next to a trusted one is not trusted", "192.168.1.6:4000", []string{"203.0.113.9"}, "192.168.1.6"},
		{"the right-most untrusted entry wins over what the client wrote", "10.0.0.1:4000",
			[]string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"a chain of trusted proxies is walked through", "10.0.0.1:4000",
			[]string{"203.0.113.9, 10.2.2.2, 192.168.1.5"}, "203.0.113.9"},
		{"several header lines are one list", "10.0.0.1:4000", []string{"1.2.3.4", "203.0.113.9, 10.2.2.2"}, "203.0.113.9"},
		{"all trusted: the left-most is the best known", "10.0.0.1:4000", []string{"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
		{"a port after the address is dropped", "10.0.0.1:4000", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"IPv6 in brackets with a port", "10.0.0.1:4000", []string{"[2001:db9::1]:5555"}, "2001:db9::1"},
		{"an IPv4-mapped IPv6 proxy is the IPv4 one", "[::ffff:10.0.0.1]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv6 proxy", "[2001:db8::5]:4000", []string{"2001:db9::1"}, "2001:db9::1"},
		{"garbage from a trusted proxy leaves the proxy", "10.0.0.1:4000", []string{"not-an-address"}, "10.0.0.1"},
		{"garbage deeper in the chain stops at the last trusted hop", "10.0.0.1:4000",
			[]string{"203.0.113.9, <script>, 10.2.2.2"}, "10.2.2.2"},
		{"an empty header leaves the proxy", "10.0.0.1:4000", []string{""}, "10.0.0.1"},
		{"a zone is refused", "10.0.0.1:4000", []string{"fe80::1%eth0"}, "10.0.0.1"},
		{"garbage to the left of the client is never read", "10.0.0.1:4000", []string{"x y z, 203.0.113.9"}, "203.0.113.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := forwardedClient(r, trusted); got != c.want {
				t.Errorf("client = %q, want %q", got, c.want)
			}
		})
	}
	t.Run("with no trusted proxies every header is ignored", func(t *testing.T) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.1:4000"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if got := forwardedClient(r, nil); got != "10.0.0.1" {
			t.Errorf("client = %q, want the peer", got)
		}
	})
	t.Run("a long chain of trusted hops stops at the bound", func(t *testing.T) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.1:4000"
		hops := "203.0.113.9"
		for range maxForwardedHops + 4 {
			hops += ", 10.9.9.9"
		}
		r.Header.Set("X-Forwarded-For", hops)
		if got := forwardedClient(r, trusted); got != "10.9.9.9" {
			t.Errorf("client = %q, want the last trusted hop read", got)
		}
	})
}

func TestParseTrustedProxiesRefusesNonsense(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1-10.0.0.9", "*"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted it", bad)
		}
	}
	if p, err := ParseTrustedProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v, %v; want none", p, err)
	}
}
