package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/web"
)

// TestLoginThrottleBehindTrustedProxy: behind a trusted reverse proxy
// (--trusted-proxies) the client address comes from X-Forwarded-For, so an
// attacker's failures from one client do not slow down a colleague's
// sign-in through the same proxy; without the proxy trusted, the header is
// ignored and every client is the proxy. A browser that signed in before
// (device cookie) signs in with the right password even from the
// attacker's address.
func TestLoginThrottleBehindTrustedProxy(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d, nil)
		proxies, err := httpx.ParseProxies("127.0.0.0/8")
		must(t, err)
		e.srv.Close()
		e.srv = httptest.NewServer(web.New(web.Deps{Identity: e.id, Users: e.store, Tenancy: e.store, Now: e.clk.Now,
			TrustedProxies: proxies, Logger: slog.New(slog.NewJSONHandler(e.log, nil))}))
		t.Cleanup(e.srv.Close)

		known := e.client(t)
		known.mustLogin(adminEmail) // this browser now has a device cookie
		attempt := func(c *client, email, pw, xff string) int {
			t.Helper()
			lp := c.get("/admin/login")
			return c.post("/admin/login", url.Values{"csrf": {lp.csrf(t)}, "email": {email}, "password": {pw}}, "X-Forwarded-For", xff).status
		}
		attacker := e.client(t)
		for i := 0; i < 8; i++ {
			attempt(attacker, adminEmail, "wrong password", "203.0.113.5")
		}
		if st := attempt(attacker, adminEmail, password, "203.0.113.5"); st != http.StatusTooManyRequests {
			t.Fatalf("the attacker's address: %d, want 429", st)
		}
		colleague := e.client(t)
		if st := attempt(colleague, adminEmail, password, "198.51.100.7"); st != http.StatusOK {
			t.Errorf("another client through the trusted proxy: %d", st)
		}
		// a forged left-most entry does not help the attacker: the proxy appends the real one
		if st := attempt(e.client(t), adminEmail, password, "198.51.100.7, 203.0.113.5"); st != http.StatusTooManyRequests {
			t.Errorf("forged X-Forwarded-For: %d, want 429", st)
		}
		known.post("/admin/logout", url.Values{"csrf": {known.get("/admin/").csrf(t)}})
		if st := attempt(known, adminEmail, password, "203.0.113.5"); st != http.StatusOK {
			t.Errorf("the known browser from the attacker's address: %d", st)
		}
	})
}

// TestForwardedHeadersIgnoredFromUntrustedPeers: without trusted proxies
// X-Forwarded-For is not believed: an attacker cannot escape throttling by
// sending a new address with each attempt.
func TestForwardedHeadersIgnoredFromUntrustedPeers(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d, nil)
		c := e.client(t)
		for i := 0; i < 8; i++ {
			lp := c.get("/admin/login")
			c.post("/admin/login", url.Values{"csrf": {lp.csrf(t)}, "email": {adminEmail}, "password": {"wrong"}}, "X-Forwarded-For", "192.0.2."+string(rune('1'+i)))
		}
		lp := c.get("/admin/login")
		p := c.post("/admin/login", url.Values{"csrf": {lp.csrf(t)}, "email": {adminEmail}, "password": {password}}, "X-Forwarded-For", "192.0.2.99")
		if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
			t.Errorf("rotating X-Forwarded-For from an untrusted peer: %d, want 429 with Retry-After", p.status)
		}
	})
}
