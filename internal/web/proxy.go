package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted proxies (issue 16, item 6). Behind a load balancer every connection comes
// from the balancer, so rate limits would count the whole city as one client and the
// audit log would name the balancer. The operator lists the proxies it runs
// (--trusted-proxies); only a connection from one of them may say, in
// X-Forwarded-For, whom it forwards. Anyone else's header is ignored: a client
// cannot choose its own address.

// ParseTrustedProxies reads a comma-separated list of CIDR ranges or single
// addresses ("10.0.0.0/8,192.168.1.5"); empty means none.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR range", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// maxForwardedHops bounds how far down X-Forwarded-For the search goes: more
// trusted proxies in a row than this is a header made up, not a deployment.
const maxForwardedHops = 16

// clientKey holds, in a request's context, the client's address as resolved once by
// resolveClient.
type clientKey struct{}

// resolveClient finds the client's address once per request, before anything that
// counts or records it (rate limits, the audit actor, the log).
func (s *Server) resolveClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := forwardedClient(r, s.opt.TrustedProxies)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, addr)))
	})
}

// forwardedClient is the client's address: the connection's peer, unless the peer is
// a trusted proxy; then the right-most address of X-Forwarded-For that is not itself
// a trusted proxy (each proxy appends the address it was reached from, so the
// entries to the left of the last untrusted one were written by the client and
// prove nothing). A malformed entry ends the search at the last trusted hop: the
// proxy that wrote it is then the best-known client.
func forwardedClient(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r)
	ip, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(ip.Unmap(), trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := ip.Unmap()
	for i := len(hops) - 1; i >= 0 && len(hops)-i <= maxForwardedHops; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = hop
		if !isTrusted(hop, trusted) {
			break
		}
	}
	return client.String()
}

// parseHop reads one X-Forwarded-For entry: an address, or an address with a port
// ("192.0.2.1:5000", "[2001:db8::1]:5000"), as some proxies write it.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Zone() == "" {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the connection's other end, without its port.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAddr is the client's address: the connection's peer, or behind a trusted
// proxy the address it forwards (resolveClient). Rate limits and the audit log use
// it, never r.RemoteAddr.
func clientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey{}).(string); ok {
		return a
	}
	return peerAddr(r)
}
