package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/contract/contracttest"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// env is the API over real HTTP on one database with the simulator over HTTP.
type env struct {
	t        testing.TB
	st       *store.Store
	sim      *telecashsim.Simulator
	pay      *payment.Service
	bookings *booking.Service
	contract *contract.Service
	srv      *httptest.Server
	key      string                    // the secret key: every booking operation
	keys     map[identity.Scope]string // a key of each scope
	tenant   tenancy.Tenant
	station  tenancy.Station
	cat      fleet.Category
	vehicles []fleet.Vehicle
	gw       *switchableGateway
	// testSim is the simulator of test-mode payments (test keys), apart
	// from sim, which stands for the tenant's own gateway.
	testSim *telecashsim.Simulator
	// payClock is how far the payment service's clock runs ahead (ns):
	// settle moves it past the late window, after which a payment the
	// gateway does not know is failed.
	payClock atomic.Int64
	dsn      string // the database (a second process: envOptions.on)
}

// switchableGateway is the real Telecash client whose inquiries can be cut
// off (the gateway unreachable after a payment was sent), so an outcome
// stays unknown until the test lets the reconciler through.
type switchableGateway struct {
	payment.Gateway
	inquiryDown atomic.Bool
}

func (g *switchableGateway) InquireTransaction(ctx context.Context, id string) (payment.Result, error) {
	if g.inquiryDown.Load() {
		return payment.Result{}, errors.New("test: gateway unreachable")
	}
	return g.Gateway.InquireTransaction(ctx, id)
}

func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { fn(t, newEnv(t, d, 2, nil)) })
	}
}

// envOptions change how newEnvWith builds the services (zero: as newEnv).
type envOptions struct {
	lock     time.Duration                         // the Idempotency-Key lock
	lease    time.Duration                         // a booking's lease
	gateway  func(payment.Gateway) payment.Gateway // wraps the gateway the payment service uses
	invoices func(invoice.Store) invoice.Store     // wraps the invoice store of the booking service
	payments func(payment.Store) payment.Store     // wraps the store of the payment service
	// keys wraps the store of Idempotency-Keys the API uses
	keys func(idempotency.Store) idempotency.Store
	// stages, when set, is told the end of each stage of a Book
	// (booking.Deps.Stages)
	stages func(stage string)
	// on, when set, is an environment whose database this one shares: a
	// second process (its own store, pool, cache and server), with the
	// same tenant, station, cars and API keys (nothing is seeded)
	on *env
}

func newEnv(t testing.TB, dialect string, vehicles int, tweak func(*tenancy.Tenant)) *env {
	t.Helper()
	return newEnvWith(t, dialect, vehicles, tweak, envOptions{})
}

func newEnvWith(t testing.TB, dialect string, vehicles int, tweak func(*tenancy.Tenant), o envOptions) *env {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "api.db")
	if o.on != nil {
		dsn = o.on.dsn
	} else if dialect == "postgres" {
		dsn = testenv.PostgresDSN(t)
	}
	// MIETWERK_BENCH_PG_POOL: the PostgreSQL pool (store.Options.MaxOpenConns)
	// to measure with; unset, the store's default
	pool, _ := strconv.Atoi(os.Getenv("MIETWERK_BENCH_PG_POOL"))
	st, err := store.Open(context.Background(), dsn, store.Options{MaxOpenConns: pool})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(context.Background())
	must(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{FaultDelay: 600 * time.Millisecond, SlowDelay: 250 * time.Millisecond})
	must(t, err)
	t.Cleanup(func() { sim.Close() })
	gw, err := telecash.New(telecash.Config{BaseURL: sim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, Timeout: 300 * time.Millisecond})
	must(t, err)
	testSim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
	must(t, err)
	t.Cleanup(func() { testSim.Close() })
	testGW, err := telecash.New(telecash.Config{BaseURL: testSim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, Timeout: 300 * time.Millisecond})
	must(t, err)
	e := &env{t: t, st: st, sim: sim.Sim, gw: &switchableGateway{Gateway: gw}, testSim: testSim.Sim, dsn: dsn}
	var pgw payment.Gateway = e.gw
	if o.gateway != nil {
		pgw = o.gateway(e.gw)
	}
	var inv invoice.Store = st
	if o.invoices != nil {
		inv = o.invoices(st)
	}
	var pst payment.Store = st
	if o.payments != nil {
		pst = o.payments(st)
	}
	e.pay = payment.NewService(pst, payment.SingleGateway{G: pgw, Test: testGW}, payment.Config{InquiryDelay: 10 * time.Millisecond, InquiryAttempts: 2},
		func() time.Time { return time.Now().Add(time.Duration(e.payClock.Load())) }, nil, log)
	mt, err := mailtmpl.New()
	must(t, err)
	contracts := contract.NewService(contract.Deps{Store: st, Bookings: st, Vehicles: st, Tariffs: st, Tenancy: st, Customers: st,
		Payments: e.pay, Records: st, Invoices: st, Issued: st, Renderer: pdf.New(), EInvoicer: xrechnung.EInvoicer{},
		Mailer: contracttest.Mailer{}, Log: log, Covers: st, Payers: st})
	e.contract = contracts
	// the confirmations quote the reservation page's split, as wired in cmd
	e.bookings = booking.NewService(booking.Deps{Estimates: contracts, Bookings: st, Changes: st, Customers: st, Tariffs: st, Tenancy: st, Categories: st,
		Payments: e.pay, Records: st, Invoices: inv, Issued: st, Renderer: pdf.New(), EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewBookingMailer(mt, "buchung@koenig.test", ""), Outbox: st, Log: log, Lease: o.lease,
		Stages: func(stage string, d time.Duration) {
			traceStage(stage, d)
			if o.stages != nil {
				o.stages(stage)
			}
		}})
	idsvc := identity.NewService(st, identity.Config{}, nil)
	if o.on != nil {
		e.tenant, e.station, e.cat, e.vehicles, e.keys, e.key = o.on.tenant, o.on.station, o.on.cat, o.on.vehicles, o.on.keys, o.on.key
	} else {
		root := identity.WithActor(context.Background(), identity.System())
		e.tenant = tenancy.Tenant{Slug: "koenig", Name: "Autohaus König", LegalName: "Autohaus König GmbH", Street: "Hauptstr. 1",
			PostalCode: "94315", City: "Straubing", VATID: "DE123456789", CancelFeeCents: 2500, CancelFreeHours: 24}
		if tweak != nil {
			tweak(&e.tenant)
		}
		must(t, st.CreateTenant(root, &e.tenant))
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		e.station = tenancy.Station{Code: "SR", Name: "Straubing", Street: "Landshuter Str. 5", PostalCode: "94315", City: "Straubing", Active: true}
		for d := range 7 {
			e.station.Hours[d] = []tenancy.Span{{Open: 7 * 60, Close: 19 * 60}}
		}
		e.station.Exceptions = []tenancy.Exception{{Date: sunday().Format("2006-01-02"), Closed: true, Note: "Feiertag"}}
		must(t, st.CreateStation(ctx, &e.station))
		e.cat = fleet.Category{Code: "CDMR", NameDE: "Kompaktklasse", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
		must(t, st.CreateCategory(ctx, &e.cat))
		other := fleet.Category{Code: "FWAR", NameDE: "Kombi", NameEN: "Estate", Transmission: "automatic", Seats: 5, Doors: 5, Active: true}
		must(t, st.CreateCategory(ctx, &other))
		tf := pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, IncludedKMPerDay: 250, DepositCents: 30000,
			DayCounting: "24h", GraceMinutes: 59, VATRateBP: 1900, ValidFrom: "2020-01-01", CategoryIDs: []int64{e.cat.ID}, Active: true}
		must(t, st.CreateTariff(ctx, &tf))
		for i := range vehicles {
			v := fleet.Vehicle{StationID: e.station.ID, CategoryID: e.cat.ID, Plate: fmt.Sprintf("SR-K %d", 100+i), VIN: vin(i), Make: "VW",
				Model: "Golf", OdometerKM: 1000 + int64(i), FuelEighths: 8}
			must(t, st.CreateVehicle(ctx, &v))
			e.vehicles = append(e.vehicles, v)
		}
		e.keys = map[identity.Scope]string{}
		for _, sc := range identity.Scopes {
			_, e.keys[sc], err = idsvc.CreateAPIKey(ctx, "key "+string(sc), sc, 1000)
			must(t, err)
		}
		e.key = e.keys[identity.ScopeSecret]
	}
	var keys idempotency.Store = st
	if o.keys != nil {
		keys = o.keys(st)
	}
	e.srv = httptest.NewServer(api.New(api.Deps{Bookings: e.bookings, Contracts: contracts, Auth: idsvc, Idempotency: keys, RateLimit: st,
		Logger: log, AllowedOrigins: []string{"https://www.autohaus-koenig.de"}, IdempotencyLock: o.lock, Payers: st, Covers: st, WorkshopOrders: st}))
	t.Cleanup(e.srv.Close)
	return e
}

// traceStage marks the end of a booking stage among the statements
// MIETWERK_SQL_TRACE=1 writes to stderr (step 1 of issue 19's target 2:
// which stage sends which statement).
func traceStage(stage string, _ time.Duration) {
	if os.Getenv("MIETWERK_SQL_TRACE") != "" {
		fmt.Fprintln(os.Stderr, "-- end of stage", stage)
	}
}

func vin(i int) string { return fmt.Sprintf("WVWZZZ1KZAW%06d", i) }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var berlin, _ = time.LoadLocation("Europe/Berlin")

// day returns hour o'clock Berlin time n days from now — never the Sunday
// the station is closed by exception (sunday()), the day after instead. It
// skipped every Sunday before, which made day(7) and day(8) the same day
// whenever the tests ran on a Sunday; the station is open every day.
func day(n int, hour int) time.Time {
	d := time.Now().In(berlin).AddDate(0, 0, n)
	if d.Format("2006-01-02") == sunday().Format("2006-01-02") {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, berlin)
}

// sunday is the next Sunday at least 10 days ahead (closed by exception).
func sunday() time.Time {
	d := time.Now().In(berlin).AddDate(0, 0, 10)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, berlin)
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (e *env) do(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	validateResponse(e.t, method, path, res, raw)
	return r
}

// --- OpenAPI validation of every response ---

var (
	oaOnce     sync.Once
	oaErr      error
	oaDoc      map[string]any
	oaMu       sync.Mutex // guards oaCompiler and oaSchemas
	oaCompiler *jsonschema.Compiler
	oaSchemas  = map[string]*jsonschema.Schema{}
)

const oaURL = "https://mietwerk.dev/api/v1/openapi.json"

func loadOpenAPI(t testing.TB) {
	oaOnce.Do(func() {
		if oaErr = json.Unmarshal(api.OpenAPI(), &oaDoc); oaErr != nil {
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI()))
		if oaErr = err; err != nil {
			return
		}
		oaCompiler = jsonschema.NewCompiler()
		oaCompiler.DefaultDraft(jsonschema.Draft2020)
		oaCompiler.AssertFormat()
		oaErr = oaCompiler.AddResource(oaURL, doc)
	})
	must(t, oaErr)
}

func esc(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

// templateOf maps a request path to the document's path template.
func templateOf(path string) string {
	path, _, _ = strings.Cut(path, "?")
	if rest, ok := strings.CutPrefix(path, "/api/v1/workshop-orders/"); ok {
		if _, sub, ok := strings.Cut(rest, "/"); ok {
			return "/api/v1/workshop-orders/{ref}/" + sub
		}
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/payer-invoices/"); ok {
		if _, sub, ok := strings.Cut(rest, "/"); ok {
			return "/api/v1/payer-invoices/{number}/" + sub
		}
	}
	if rest, ok := strings.CutPrefix(path, "/api/v1/payers/"); ok {
		if _, sub, ok := strings.Cut(rest, "/"); ok {
			return "/api/v1/payers/{id}/" + sub
		}
		return "/api/v1/payers/{id}"
	}
	rest, ok := strings.CutPrefix(path, "/api/v1/bookings/")
	if !ok {
		return path
	}
	if _, sub, ok := strings.Cut(rest, "/"); ok {
		return "/api/v1/bookings/{number}/" + sub
	}
	return "/api/v1/bookings/{number}"
}

// validateResponse checks res against the operation's documented response
// for its status (status must be documented) and the body against its schema.
func validateResponse(t testing.TB, method, path string, res *http.Response, raw []byte) {
	t.Helper()
	loadOpenAPI(t)
	tpl := templateOf(path)
	item, ok := oaDoc["paths"].(map[string]any)[tpl].(map[string]any)
	if !ok {
		if res.StatusCode == 404 {
			return // unknown route
		}
		t.Fatalf("%s %s: path not documented", method, path)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s: operation not documented", method, path)
	}
	code := fmt.Sprint(res.StatusCode)
	rsp, ok := op["responses"].(map[string]any)[code].(map[string]any)
	if !ok {
		t.Fatalf("%s %s: status %d not documented (body %s)", method, path, res.StatusCode, raw)
	}
	ptr := "#/paths/" + esc(tpl) + "/" + strings.ToLower(method) + "/responses/" + code
	if ref, ok := rsp["$ref"].(string); ok {
		ptr = ref
		name := ref[strings.LastIndex(ref, "/")+1:]
		rsp = oaDoc["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
	}
	ct, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
	if _, ok := rsp["content"].(map[string]any)[ct]; !ok {
		t.Fatalf("%s %s %d: content type %q not documented", method, path, res.StatusCode, ct)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("%s %s: no X-Request-Id", method, path)
	}
	// every header the API sets on purpose is declared on the response it comes with
	declared, _ := rsp["headers"].(map[string]any)
	for _, h := range []string{"X-Request-Id", "Retry-After", "Idempotent-Replayed"} {
		if _, ok := declared[h]; res.Header.Get(h) != "" && !ok {
			t.Fatalf("%s %s %d: header %s sent but not declared in the OpenAPI document", method, path, res.StatusCode, h)
		}
	}
	loc := oaURL + ptr + "/content/" + esc(ct) + "/schema"
	oaMu.Lock() // concurrent requests (the benchmarks, the last-car tests) validate at once; the compiler is not safe for that
	sch, ok := oaSchemas[loc]
	if !ok {
		var err error
		sch, err = oaCompiler.Compile(loc)
		if err != nil {
			oaMu.Unlock()
			must(t, err)
		}
		oaSchemas[loc] = sch
	}
	oaMu.Unlock()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("%s %s %d: body does not match the OpenAPI document: %v\n%s", method, path, res.StatusCode, err, raw)
	}
}

// book books a car for email with the approving test card and returns the
// booking's number; anything but 201 fails the test.
func (e *env) book(t testing.TB, email string, pickup, ret time.Time, key string) string {
	t.Helper()
	r := e.do("POST", "/api/v1/bookings", bookingBody(email, telecashsim.CardApproveVisa, pickup, ret), "Idempotency-Key", key)
	if r.status != 201 {
		t.Fatalf("book: %d %s", r.status, r.raw)
	}
	return r.body["number"].(string)
}
