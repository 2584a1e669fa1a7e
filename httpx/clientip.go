package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies is the list of reverse proxies (CIDRs) whose forwarding headers
// are believed (--trusted-proxies). The zero value trusts none.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of CIDRs or single addresses.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (ps Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer returns the address of the connection's other end.
func peer(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// ClientIP returns the address of the client: the connection's peer, or —
// only when the peer is a trusted proxy — the right-most address in
// Forwarded ("for=") or else X-Forwarded-For that is not itself a trusted
// proxy (entries further left can be forged by the client).
func (ps Proxies) ClientIP(r *http.Request) string {
	a, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if !ps.trusted(a) {
		return a.String()
	}
	hops := forwardedFor(r.Header.Values("Forwarded"))
	if len(hops) == 0 {
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, h := range strings.Split(v, ",") {
				hops = append(hops, strings.TrimSpace(h))
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(hops[i])
		if err != nil {
			return a.String() // garbage: keep the proxy's address
		}
		if h = h.Unmap(); !ps.trusted(h) {
			return h.String()
		}
		a = h
	}
	return a.String()
}

// ViaHTTPS reports whether the client reached us over TLS: directly, or
// through a trusted proxy that says so (X-Forwarded-Proto or Forwarded
// proto=https).
func (ps Proxies) ViaHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	a, ok := peer(r)
	if !ok || !ps.trusted(a) {
		return false
	}
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		return true
	}
	for _, v := range r.Header.Values("Forwarded") {
		for _, el := range strings.Split(v, ",") {
			for _, pair := range strings.Split(el, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(pair), "=")
				if strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(val, `"`), "https") {
					return true
				}
			}
		}
	}
	return false
}

// forwardedFor returns the for= addresses of RFC 7239 Forwarded headers in
// order (ports and brackets removed; "unknown" and obfuscated ids as they
// are, which ClientIP then does not trust).
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for _, el := range strings.Split(v, ",") {
			for _, pair := range strings.Split(el, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				val = strings.Trim(val, `"`)
				if strings.HasPrefix(val, "[") {
					if i := strings.Index(val, "]"); i > 0 {
						val = val[1:i]
					}
				} else if h, _, err := net.SplitHostPort(val); err == nil {
					val = h
				}
				out = append(out, val)
			}
		}
	}
	return out
}

// HSTS sets Strict-Transport-Security (one year) on answers to requests
// that came over HTTPS (see ViaHTTPS): browsers then never use plain HTTP
// for this host again.
func HSTS(ps Proxies) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ps.ViaHTTPS(r) {
				w.Header().Set("Strict-Transport-Security", "max-age=31536000")
			}
			next.ServeHTTP(w, r)
		})
	}
}
