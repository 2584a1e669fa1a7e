package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestDatabaseDownAnswers503: with PostgreSQL unreachable (its host goes
// away: connections refused, open ones cut), the API answers 503
// problem+json with Retry-After and code database_unavailable, the admin
// pages (sign-in, a signed-in page) the 503 page with Retry-After, and
// /readyz 503 with the reason — never 500. When it is back, all answer as
// before.
func TestDatabaseDownAnswers503(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	ctx := context.Background()
	direct, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	creds, err := demo.Seed(ctx, direct, identity.NewService(direct, identity.Config{}, time.Now), dir)
	if err != nil {
		t.Fatal(err)
	}
	proxy, viaProxy := testenv.NewPGProxy(t, dsn)
	st, err := store.Open(ctx, viaProxy, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, err := parseConfig(t, modeDemo, []string{"--data-dir", dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc, err := newServices(cfg, log, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.close)
	s := &server{cfg: cfg, log: log, st: st, svc: svc, metrics: httpx.NewMetrics()}
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)

	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path, key string, form url.Values, cookies ...*http.Cookie) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.URL)
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	// sign in while the database is up
	resp, _ := do("GET", "/admin/login", "", nil)
	var pre *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "mw_csrf" {
			pre = c
		}
	}
	login := url.Values{"email": {creds.Admin.Email}, "password": {creds.Admin.Password}, "csrf": {pre.Value}}
	resp, _ = do("POST", "/admin/login", "", login, pre)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	session := resp.Cookies()
	if r, _ := do("GET", "/api/v1/stations", creds.APIKey, nil); r.StatusCode != 200 {
		t.Fatalf("stations while up: %d", r.StatusCode)
	}
	if r, _ := do("GET", "/admin/", "", nil, session...); r.StatusCode != 200 {
		t.Fatalf("dashboard while up: %d", r.StatusCode)
	}

	proxy.Down()
	st.DropIdleConns() // drop the pools' idle connections, as a restarted server's would be
	for _, path := range []string{"/api/v1/stations", "/api/v1/vehicle-categories", "/api/v1/bookings/B26-00001"} {
		r, body := do("GET", path, creds.APIKey, nil)
		var p map[string]any
		json.Unmarshal([]byte(body), &p)
		if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || r.Header.Get("Content-Type") != "application/problem+json" ||
			p["code"] != "database_unavailable" {
			t.Errorf("API %s with the database down: %d Retry-After %q %s", path, r.StatusCode, r.Header.Get("Retry-After"), body)
		}
	}
	resp, _ = do("GET", "/admin/login", "", nil)
	for _, c := range resp.Cookies() {
		if c.Name == "mw_csrf" {
			pre = c
		}
	}
	login.Set("csrf", pre.Value)
	if r, body := do("POST", "/admin/login", "", login, pre); r.StatusCode != 503 || r.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "vorübergehend nicht verfügbar") {
		t.Errorf("sign-in with the database down: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r, _ := do("GET", "/admin/", "", nil, session...); r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
		t.Errorf("dashboard with the database down: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r, body := do("GET", "/readyz", "", nil); r.StatusCode != 503 || !strings.Contains(body, "database_unavailable") {
		t.Errorf("/readyz with the database down: %d %s", r.StatusCode, body)
	}

	proxy.Up()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, body := do("GET", "/readyz", "", nil)
		if r.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after the database is back: %d %s", r.StatusCode, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r, _ := do("GET", "/api/v1/stations", creds.APIKey, nil); r.StatusCode != 200 {
		t.Errorf("stations when the database is back: %d", r.StatusCode)
	}
	if r, _ := do("GET", "/admin/", "", nil, session...); r.StatusCode != 200 {
		t.Errorf("dashboard when the database is back: %d", r.StatusCode)
	}
}

// readyzAnswer returns /readyz's status and body.
func readyzAnswer(t *testing.T, s *server) (int, string) {
	t.Helper()
	rr := httptest.NewRecorder()
	s.handler().ServeHTTP(rr, httptest.NewRequest("GET", "/readyz", nil))
	return rr.Code, rr.Body.String()
}

// TestReadyzChecksThatWritesSucceed: /readyz commits a write. It answers
// 503 with the reason on a full disk (SQLite: less free than it wants) and
// on a read-only PostgreSQL database (a standby, default_transaction_
// read_only), and 200 again when that is over. (A SQLite database on a
// read-only file system cannot be opened at all: serve does not start.)
func TestReadyzChecksThatWritesSucceed(t *testing.T) {
	t.Run("sqlite disk full", func(t *testing.T) {
		s, _ := testServer(t)
		s.minFree = 1 << 62
		if code, body := readyzAnswer(t, s); code != 503 || !strings.Contains(body, "disk_full") {
			t.Errorf("full disk: %d %s", code, body)
		}
		s.minFree = 0
		if code, body := readyzAnswer(t, s); code != 200 {
			t.Errorf("enough space: %d %s", code, body)
		}
	})
	t.Run("postgres read-only", func(t *testing.T) {
		dsn := testenv.PostgresDSN(t)
		st, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, _ := testServer(t)
		s.st = st
		if code, body := readyzAnswer(t, s); code != 200 {
			t.Fatalf("writable: %d %s", code, body)
		}
		var db string
		if err := st.DB().QueryRow(`SELECT current_database()`).Scan(&db); err != nil {
			t.Fatal(err)
		}
		readOnly := func(on string) {
			t.Helper()
			// READ WRITE: switching it off runs in a database that is read-only
			if _, err := st.DB().Exec(`BEGIN READ WRITE; ALTER DATABASE ` + db + ` SET default_transaction_read_only = ` + on + `; COMMIT`); err != nil {
				t.Fatal(err)
			}
			st.DropIdleConns() // new connections take the setting
		}
		readOnly("on")
		if code, body := readyzAnswer(t, s); code != 503 || !strings.Contains(body, "database_read_only") {
			t.Errorf("read-only database: %d %s", code, body)
		}
		readOnly("off")
		if code, body := readyzAnswer(t, s); code != 200 {
			t.Errorf("writable again: %d %s", code, body)
		}
	})
}
