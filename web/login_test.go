package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const failedMsg = "E-Mail oder Passwort ist falsch."

func TestLogin(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name, email, pw string
			ok              bool
		}{
			{"admin signs in", adminEmail, password, true},
			{"e-mail is case-insensitive", strings.ToUpper(stationEmail), password, true},
			{"wrong password", adminEmail, "falsches-passwort", false},
			{"unknown e-mail", "niemand@autohaus-koenig.de", password, false},
			{"empty form", "", "", false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := e.client(t)
				p := c.login(tc.email, tc.pw)
				if tc.ok {
					wantStatus(t, p, http.StatusOK)
					if p.url.Path != "/admin/" {
						t.Fatalf("landed on %s", p.url)
					}
					wantContains(t, p, "Autohaus König", "Heute", `id="logout"`)
					return
				}
				wantStatus(t, p, http.StatusUnauthorized)
				// The one message for every failure: no user enumeration.
				if got := p.alert(); got != failedMsg {
					t.Fatalf("alert %q, want %q", got, failedMsg)
				}
				if p := c.get("/admin/"); p.url.Path != "/admin/login" {
					t.Fatalf("not signed in, but /admin/ answered at %s", p.url)
				}
			})
		}
	})
}

func TestLoginSessionCookie(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	c := e.client(t)
	lp := c.get("/admin/login")
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p := c.post("/admin/login", url.Values{"csrf": {lp.csrf(t)}, "email": {adminEmail}, "password": {password}})
	wantStatus(t, p, http.StatusSeeOther)
	var cookie *http.Cookie
	for _, ck := range (&http.Response{Header: p.header}).Cookies() {
		if ck.Name == "mw_session" {
			cookie = ck
		}
	}
	if cookie == nil {
		t.Fatal("no mw_session cookie set")
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/admin" || cookie.Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/admin, not Secure (SecureCookies=false)", cookie)
	}
}

func TestLoginThrottled(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		for i := range 5 {
			p := c.login(stationEmail, "falsches-passwort")
			if p.status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status %d", i+1, p.status)
			}
		}
		// Now even the right password is refused until the window passes.
		p := c.login(stationEmail, password)
		wantStatus(t, p, http.StatusTooManyRequests)
		wantContains(t, p, "Zu viele fehlgeschlagene Anmeldeversuche")
		e.clk.Advance(16 * time.Minute)
		c.mustLogin(stationEmail)
	})
}

func TestLogout(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		dash := c.mustLogin(adminEmail)
		stolen := sessionCookie(t, c)
		p := c.post("/admin/logout", url.Values{"csrf": {dash.csrf(t)}})
		wantStatus(t, p, http.StatusOK)
		if p.url.Path != "/admin/login" {
			t.Fatalf("after logout at %s", p.url)
		}
		wantContains(t, p, "Sie wurden abgemeldet.")
		if p := c.get("/admin/stations"); p.url.Path != "/admin/login" {
			t.Fatalf("after logout /admin/stations answered at %s", p.url)
		}
		// The old token is dead on the server, not just removed from the jar.
		other := e.client(t)
		u, _ := url.Parse(e.srv.URL + "/admin/")
		other.http.Jar.SetCookies(u, []*http.Cookie{stolen})
		if p := other.get("/admin/"); p.url.Path != "/admin/login" {
			t.Fatalf("old session cookie still works: %s", p.url)
		}
	})
}

func sessionCookie(t *testing.T, c *client) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(c.e.srv.URL + "/admin/")
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "mw_session" {
			return &http.Cookie{Name: ck.Name, Value: ck.Value, Path: "/admin"}
		}
	}
	t.Fatal("no session cookie in jar")
	return nil
}

func TestIdleTimeout(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		e.clk.Advance(29 * time.Minute)
		if p := c.get("/admin/stations"); p.url.Path != "/admin/stations" {
			t.Fatalf("session ended before the idle timeout: %s", p.url)
		}
		e.clk.Advance(31 * time.Minute)
		p := c.get("/admin/stations?x=1")
		wantStatus(t, p, http.StatusOK)
		if p.url.Path != "/admin/login" || p.url.Query().Get("next") != "/admin/stations?x=1" {
			t.Fatalf("after idle timeout at %s, want the login page with next", p.url)
		}
		if got := p.alert(); got != "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an." {
			t.Fatalf("alert %q", got)
		}
		// Signing in again returns to the requested page.
		back := c.post("/admin/login", url.Values{"csrf": {p.csrf(t)}, "email": {adminEmail}, "password": {password},
			"next": {p.url.Query().Get("next")}})
		wantStatus(t, back, http.StatusOK)
		if back.url.RequestURI() != "/admin/stations?x=1" {
			t.Fatalf("after login at %s, want /admin/stations?x=1", back.url)
		}
	})
}

func TestLoginNextStaysOnSite(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	for _, next := range []string{"https://evil.example/admin/", "//evil.example/admin/", "/\\evil.example", "/adminx", "javascript:alert(1)"} {
		t.Run(next, func(t *testing.T) {
			c := e.client(t)
			lp := c.get("/admin/login")
			p := c.post("/admin/login", url.Values{"csrf": {lp.csrf(t)}, "email": {adminEmail}, "password": {password}, "next": {next}})
			wantStatus(t, p, http.StatusOK)
			if p.url.Host != strings.TrimPrefix(e.srv.URL, "http://") || p.url.Path != "/admin/" {
				t.Fatalf("next %q led to %s", next, p.url)
			}
		})
	}
}
