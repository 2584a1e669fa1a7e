package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func TestCSRFRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		path := fmt.Sprintf("/admin/stations/%d", e.reg.ID)
		good := c.token(path)
		form := func(token string) url.Values {
			v := url.Values{"code": {"REG"}, "name": {"Gehackt"}, "street": {"Hauptstraße 1"}, "postal_code": {"93047"},
				"city": {"Regensburg"}, "country": {"DE"}, "time_zone": {"Europe/Berlin"}}
			if token != "" {
				v.Set("csrf", token)
			}
			return v
		}
		tests := []struct {
			name    string
			form    url.Values
			headers []string
		}{
			{"missing token", form(""), nil},
			{"wrong token", form(flip(good)), nil},
			{"token of another session", form(otherSessionToken(t, e)), nil},
			{"cross-origin with valid token", form(good), []string{"Origin", "https://evil.example"}},
			{"cross-site fetch metadata", form(good), []string{"Sec-Fetch-Site", "cross-site"}},
			{"no origin and foreign referer", form(good), []string{"Origin", "", "Referer", "https://evil.example/form"}},
			{"neither origin nor referer", form(good), []string{"Origin", ""}},
			{"htmx header wrong", form(""), []string{"X-CSRF-Token", "nope"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p := c.post(path, tc.form, tc.headers...)
				wantStatus(t, p, http.StatusForbidden)
				wantContains(t, p, "Es wurde nichts geändert.")
				st, err := e.store.Station(e.sys(), e.reg.ID)
				must(t, err)
				if st.Name != "Regensburg" {
					t.Fatalf("station changed to %q", st.Name)
				}
			})
		}
		// The same request with the token (field or htmx header) and same origin goes through.
		t.Run("valid token via header", func(t *testing.T) {
			p := c.post(path, form(""), "X-CSRF-Token", good)
			wantStatus(t, p, http.StatusOK)
			st, err := e.store.Station(e.sys(), e.reg.ID)
			must(t, err)
			if st.Name != "Gehackt" {
				t.Fatalf("valid request did not save: %q", st.Name)
			}
		})
	})
}

// flip returns tok with its first character changed.
func flip(tok string) string {
	if tok[0] == 'A' {
		return "B" + tok[1:]
	}
	return "A" + tok[1:]
}

// otherSessionToken signs in another client and returns its CSRF token.
func otherSessionToken(t *testing.T, e *env) string {
	t.Helper()
	o := e.client(t)
	return o.mustLogin(stationEmail).csrf(t)
}

func TestLoginCSRF(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name    string
			token   func(c *client) string
			headers []string
		}{
			{"no pre-session cookie", func(c *client) string { return "abc" }, nil},
			{"token does not match cookie", func(c *client) string { c.get("/admin/login"); return "wrong-token-wrong-token-wrong-token" }, nil},
			{"cross-origin", func(c *client) string { return c.get("/admin/login").csrf(t) }, []string{"Origin", "https://evil.example"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := e.client(t)
				tok := tc.token(c)
				p := c.post("/admin/login", url.Values{"csrf": {tok}, "email": {adminEmail}, "password": {password}}, tc.headers...)
				wantStatus(t, p, http.StatusForbidden)
				if p := c.get("/admin/"); p.url.Path != "/admin/login" {
					t.Fatalf("signed in despite refused login: %s", p.url)
				}
			})
		}
	})
}

func TestLogoutNeedsToken(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	c := e.client(t)
	c.mustLogin(adminEmail)
	wantStatus(t, c.post("/admin/logout", url.Values{}), http.StatusForbidden)
	if p := c.get("/admin/"); p.url.Path != "/admin/" {
		t.Fatalf("refused logout ended the session: %s", p.url)
	}
}
