package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	c := e.client(t)
	for _, path := range []string{"/admin/login", "/admin/", "/admin/nope", "/admin/static/app.css", "/admin/static/htmx.min.js"} {
		t.Run(path, func(t *testing.T) {
			p := c.get(path)
			for h, want := range map[string]string{
				"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
			} {
				if got := p.header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			csp := p.header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("CSP %q lacks %q", csp, d)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline/eval: %q", csp)
			}
		})
	}
}

func TestLanguageSwitch(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		// On the login page (no session) a GET sets the cookie only.
		p := c.get("/admin/lang?l=en&next=" + url.QueryEscape("/admin/login?next=/admin/stations"))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Sign in", `lang="en"`, `name="next" value="/admin/stations"`)
		if p := c.login(adminEmail, "falsch-falsch"); p.alert() != "E-mail or password is wrong." {
			t.Fatalf("english failure message %q", p.alert())
		}
		dash := c.mustLogin(adminEmail)
		wantContains(t, dash, "Sign out", "Stations", "Users", "API keys")

		// Signed in, the switch is a POST that also saves the user's language.
		p = c.post("/admin/lang?l=de", url.Values{"csrf": {dash.csrf(t)}, "next": {"/admin/stations"}})
		wantStatus(t, p, http.StatusOK)
		if p.url.Path != "/admin/stations" {
			t.Fatalf("after switch at %s", p.url)
		}
		wantContains(t, p, "Abmelden", "Öffnungszeiten")
		p = c.post("/admin/lang?l=en", url.Values{"csrf": {p.csrf(t)}, "next": {"https://evil.example/"}})
		if p.url.Path != "/admin/" || !strings.Contains(p.body, "Sign out") {
			t.Fatalf("after switch at %s", p.url)
		}
		u, err := e.store.User(e.sys(), e.admin.ID)
		must(t, err)
		if u.Language != "en" {
			t.Fatalf("user language %q", u.Language)
		}
		// A fresh browser of that user gets its language without a cookie.
		if p := e.client(t).mustLogin(adminEmail); !strings.Contains(p.body, "Sign out") {
			t.Fatal("saved language not used")
		}
		wantStatus(t, c.get("/admin/lang?l=fr"), http.StatusBadRequest)
	})
}

// failingStations makes ListStations fail with an internal error.
type failingStations struct{ tenancy.Store }

func (failingStations) ListStations(context.Context) ([]tenancy.Station, error) {
	return nil, errors.New("pq: connection to 10.1.2.3 refused (secret detail)")
}

func TestUnexpectedErrorPage(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, storeDialect(d), func(_ *store.Store, s tenancy.Store) tenancy.Store { return failingStations{s} })
			c := e.client(t)
			c.login(adminEmail, password)
			p := c.get("/admin/stations")
			wantStatus(t, p, http.StatusInternalServerError)
			wantContains(t, p, "Ein unerwarteter Fehler ist aufgetreten.")
			wantLacks(t, p, "secret detail", "10.1.2.3")
			m := refRE.FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("no reference on the error page:\n%s", excerpt(p.body))
			}
			log := e.log.String()
			if !strings.Contains(log, `"request_id":"`+m[1]+`"`) || !strings.Contains(log, "secret detail") {
				t.Fatalf("error not logged with request id %s:\n%s", m[1], log)
			}
		})
	}
}
