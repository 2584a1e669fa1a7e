package web_test

import (
	"context"
	"io"
	"log/slog"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/web"
	"mietwerk.dev/mietwerk/webhook"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopChromium()
	testenv.StopPostgres()
	os.Exit(code)
}

// clock is a settable test clock, safe for the server's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects output from concurrent writers.
type syncBuffer = testenv.SyncBuffer

const (
	adminEmail   = "chefin@autohaus-koenig.de"
	stationEmail = "regensburg@autohaus-koenig.de"
	password     = "sehr-geheim-123"
)

// env is a running admin UI on a real store with seeded data: tenant
// "Autohaus König" with stations MUC and REG, an admin, a station user for
// REG, and a second tenant with one station.
type env struct {
	srv      *httptest.Server
	store    *store.Store
	clk      *clock
	log      *syncBuffer
	id       *identity.Service
	keys     *secrets.Keyring // seal the tenants' gateway secrets
	tenant   tenancy.Tenant
	muc, reg tenancy.Station
	foreign  tenancy.Station // of the other tenant
	admin    identity.User
	station  identity.User
	deps     web.Deps // what srv serves
}

// serve restarts the admin UI with the env's dependencies as change
// modifies them (a contract service, a booking flow).
func (e *env) serve(t *testing.T, change func(d *web.Deps)) {
	t.Helper()
	change(&e.deps)
	e.srv.Close()
	e.srv = httptest.NewServer(web.New(e.deps))
	t.Cleanup(e.srv.Close)
}

// testKey is the secret key of the tests' stored secrets.
const testKey = "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// gatewaySecret returns the env's tenant's stored gateway secret, opened.
func (e *env) gatewaySecret(t *testing.T) string {
	t.Helper()
	tn, err := e.store.Tenant(e.sys())
	must(t, err)
	plain, err := e.keys.OpenGatewaySecret(tn)
	must(t, err)
	return plain
}

// sys returns a context acting as the system for the env's tenant.
func (e *env) sys() context.Context {
	return identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
}

// eachDB runs fn as a subtest against the admin UI on a fresh SQLite and a
// fresh PostgreSQL database.
func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, newEnv(t, d, nil))
		})
	}
}

// newEnv starts the admin UI on a fresh database of dialect d. wrap, when
// set, may replace the tenancy store the UI uses (ten: the store s sealing
// gateway secrets with e.keys), to inject failures.
func newEnv(t *testing.T, d store.Dialect, wrap func(s *store.Store, ten tenancy.Store) tenancy.Store) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	var dsn string
	if d == store.SQLite {
		dsn = filepath.Join(t.TempDir(), "mietwerk.db")
	} else {
		dsn = testenv.PostgresDSN(t)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{store: s, clk: clk, log: &syncBuffer{}}
	e.id = identity.NewService(s, identity.Config{}, clk.Now)
	e.seed(t)
	if e.keys, err = secrets.NewKeyring(testKey, nil); err != nil {
		t.Fatal(err)
	}
	ten := secrets.Tenants(s, e.keys)
	if wrap != nil {
		ten = wrap(s, ten)
	}
	e.deps = web.Deps{
		Identity: e.id, Users: s, Tenancy: ten, Now: clk.Now,
		Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s,
		Mail:        s,
		Bookings:    s,
		Attention:   s,
		EInvoicer:   xrechnung.EInvoicer{},
		Logger:      slog.New(slog.NewJSONHandler(e.log, nil)),
		Webhooks:    webhook.NewService(s, webhook.Policy{AllowPrivate: true}),
		TestData:    s,
		Search:      s,
		RentalTerms: s,
		Payers:      s,
		Covers:      s,
	}
	e.srv = httptest.NewServer(web.New(e.deps))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) seed(t *testing.T) {
	t.Helper()
	root := identity.WithActor(context.Background(), identity.System())
	e.tenant = tenancy.Tenant{Slug: "koenig", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
	must(t, e.store.CreateTenant(root, &e.tenant))
	other := tenancy.Tenant{Slug: "other", Name: "Autohaus Fremd", LegalName: "Fremd GmbH"}
	must(t, e.store.CreateTenant(root, &other))

	mk := func(ctx context.Context, code, name, city, zip string) tenancy.Station {
		st := tenancy.Station{Code: code, Name: name, Street: "Hauptstraße 1", PostalCode: zip, City: city, Active: true}
		st.Hours[time.Monday] = []tenancy.Span{{Open: 8 * 60, Close: 18 * 60}}
		must(t, e.store.CreateStation(ctx, &st))
		return st
	}
	e.muc = mk(e.sys(), "MUC", "München Nord", "München", "80807")
	e.reg = mk(e.sys(), "REG", "Regensburg", "Regensburg", "93047")
	e.foreign = mk(identity.WithActor(context.Background(), identity.SystemFor(other.ID)), "XYZ", "Fremdstation", "Passau", "94032")

	e.admin = identity.User{Email: adminEmail, Name: "Karin König", Role: identity.RoleAdmin, Language: "de"}
	must(t, e.id.CreateUser(e.sys(), &e.admin, password))
	e.station = identity.User{Email: stationEmail, Name: "Stefan Station", Role: identity.RoleStation, Language: "de",
		StationIDs: []int64{e.reg.ID}}
	must(t, e.id.CreateUser(e.sys(), &e.station, password))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is a browser-like HTTP client with a cookie jar that sends the
// server's own Origin on every POST, as a browser does.
type client struct {
	t    *testing.T
	e    *env
	http *http.Client
}

func (e *env) client(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// page is one answered request.
type page struct {
	status int
	body   string
	url    *url.URL // after redirects
	header http.Header
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{status: res.StatusCode, body: string(b), url: res.Request.URL, header: res.Header}
}

// get fetches path, following redirects.
func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends form to path with this server's Origin; headers may override
// or remove (empty value) headers.
func (c *client) post(path string, form url.Values, headers ...string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of a page's forms.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf token in page %s", p.url)
	}
	return m[1]
}

// login signs in and returns the page it lands on.
func (c *client) login(email, pw string) page {
	c.t.Helper()
	lp := c.get("/admin/login")
	return c.post("/admin/login", url.Values{"csrf": {lp.csrf(c.t)}, "email": {email}, "password": {pw}})
}

// mustLogin signs in and fails the test unless it lands on the dashboard.
func (c *client) mustLogin(email string) page {
	c.t.Helper()
	p := c.login(email, password)
	if p.status != http.StatusOK || p.url.Path != "/admin/" {
		c.t.Fatalf("login %s: status %d at %s", email, p.status, p.url)
	}
	return p
}

// form returns the CSRF token of the page at path, fetched first.
func (c *client) token(path string) string {
	c.t.Helper()
	p := c.get(path)
	if p.status != http.StatusOK {
		c.t.Fatalf("GET %s: %d", path, p.status)
	}
	return p.csrf(c.t)
}

// alertRE finds the alert messages of a page.
var alertRE = regexp.MustCompile(`<p class="alert" role="alert">([^<]*)</p>`)

func (p page) alert() string {
	m := alertRE.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

var fieldErrRE = regexp.MustCompile(`class="field-error"[^>]*data-field="([^"]+)">([^<]+)<`)

// fieldErrors returns the field error messages of a page by field.
func (p page) fieldErrors() map[string]string {
	out := map[string]string{}
	for _, m := range fieldErrRE.FindAllStringSubmatch(p.body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func wantStatus(t *testing.T, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("%s: status %d, want %d; body:\n%s", p.url, p.status, want, excerpt(p.body))
	}
}

func wantContains(t *testing.T, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: page lacks %q; body:\n%s", p.url, s, excerpt(p.body))
		}
	}
}

func wantLacks(t *testing.T, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(p.body, s) {
			t.Errorf("%s: page must not contain %q", p.url, s)
		}
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}

var refRE = regexp.MustCompile(`Referenz: ([0-9a-f]+)`)

func storeDialect(s string) store.Dialect { return store.Dialect(s) }

// span is the part of body from the first start up to the next end after
// it (to the end of body when there is none; "" when start is not there).
func span(body, start, end string) string {
	i := strings.Index(body, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], end)
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}
