package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/web"
)

// BenchmarkPlanningBoard measures the server time of the planning board
// (GET /admin/planning, 14 days) of one station in a tenant with 1,000
// vehicles in 10 stations and 20,000 reservations, and the bytes the page
// transfers (raw and gzip-compressed). Metrics: p50-ms, p99-ms, bytes,
// gzip-bytes. Run: go test -run '^$' -bench PlanningBoard ./web
func BenchmarkPlanningBoard(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { benchPlanning(b, d, 1000, 14) })
	}
}

// BenchmarkPlanningBoardLarge is issue 19's case: the board of a station
// with 300 cars over 31 days (3,000 vehicles in 10 stations, 60,000
// reservations); target p99 ≤ 30 ms. Run:
// go test -run '^$' -bench PlanningBoardLarge ./web
func BenchmarkPlanningBoardLarge(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { benchPlanning(b, d, 3000, 31) })
	}
}

// benchPlanning seeds a tenant with vehicles cars in 10 stations and
// measures the board of the first station over days days.
func benchPlanning(b *testing.B, d store.Dialect, vehicles, days int) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	clk := func() time.Time { return now }
	dsn := filepath.Join(b.TempDir(), "bench.db")
	if d == store.Postgres {
		dsn = testenv.PostgresDSN(b)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{Now: clk})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	root := identity.WithActor(ctx, identity.System())
	tn := tenancy.Tenant{Slug: "bench", Name: "Bench", LegalName: "Bench GmbH"}
	if err := s.CreateTenant(root, &tn); err != nil {
		b.Fatal(err)
	}
	sys := identity.WithActor(ctx, identity.SystemFor(tn.ID))
	var stations []tenancy.Station
	for i := range 10 {
		st := tenancy.Station{Code: fmt.Sprintf("S%d", i), Name: fmt.Sprintf("Station %d", i), Street: "Hauptstr. 1", PostalCode: "93047", City: "Regensburg", Active: true}
		if err := s.CreateStation(sys, &st); err != nil {
			b.Fatal(err)
		}
		stations = append(stations, st)
	}
	var cats []fleet.Category
	for i, code := range []string{"MBMR", "CDMR", "IDAR", "SDAR", "FVMR"} {
		c := fleet.Category{Code: code, NameDE: code, NameEN: code, Transmission: "manual", Seats: 5, Doors: 5, Active: true, SortOrder: i}
		if err := s.CreateCategory(sys, &c); err != nil {
			b.Fatal(err)
		}
		cats = append(cats, c)
	}
	tf := pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, DayCounting: "24h", VATRateBP: 1900, ValidFrom: "2026-01-01", Active: true}
	for _, c := range cats {
		tf.CategoryIDs = append(tf.CategoryIDs, c.ID)
	}
	if err := s.CreateTariff(sys, &tf); err != nil {
		b.Fatal(err)
	}
	bulkSeed(b, s, tn.ID, stations, cats, tf.ID, vehicles)

	ids := identity.NewService(s, identity.Config{}, clk)
	u := identity.User{Email: "bench@example.de", Name: "Bench", Role: identity.RoleStation, Language: "de", StationIDs: []int64{stations[0].ID}}
	if err := ids.CreateUser(sys, &u, "sehr-geheim-123"); err != nil {
		b.Fatal(err)
	}
	h := web.New(web.Deps{Identity: ids, Users: s, Tenancy: s, Now: clk, Bookings: s})
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	res, err := cl.Get(srv.URL + "/admin/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/login", bytes.NewBufferString(url.Values{"csrf": {string(tok[1])},
		"email": {u.Email}, "password": {"sehr-geheim-123"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	if res, err = cl.Do(req); err != nil || res.StatusCode != 200 {
		b.Fatalf("login: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	base, _ := url.Parse(srv.URL + "/admin/planning")
	cookies := jar.Cookies(base)

	path := fmt.Sprintf("/admin/planning?station=%d&from=2026-12-01&days=%d", stations[0].ID, days)
	b.Run("board", func(b *testing.B) { benchBoard(b, h, path, cookies) })
}

// benchBoard requests path b.N times straight through the handler (server
// time only, no network) and reports the percentiles and page size.
func benchBoard(b *testing.B, h http.Handler, path string, cookies []*http.Cookie) {
	var durs []time.Duration
	var size, gz int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, r)
		durs = append(durs, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		if i == 0 {
			size = rec.Body.Len()
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			zw.Write(rec.Body.Bytes())
			zw.Close()
			gz = zb.Len()
		}
	}
	b.StopTimer()
	slices.Sort(durs)
	pct := func(p float64) float64 {
		return float64(durs[min(len(durs)-1, int(float64(len(durs))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(float64(gz), "gzip-bytes")
}

// bulkSeed inserts vehicles cars (spread over the stations, categories
// round robin), 2,000 customers and 20 reservations per car (two days
// each, every 18 days from 2026-09-01) with their allocations, in one
// transaction.
func bulkSeed(b *testing.B, s *store.Store, tenantID int64, stations []tenancy.Station, cats []fleet.Category, tariffID int64, vehicles int) {
	b.Helper()
	tx, err := s.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	const tsf = "2006-01-02T15:04:05.000000Z"
	created := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC).Format(tsf)
	exec := func(q string, a ...any) int64 {
		var id int64
		if err := tx.QueryRow(q+" RETURNING id", a...).Scan(&id); err != nil {
			b.Fatal(err)
		}
		return id
	}
	var custs []int64
	for i := range 2000 {
		custs = append(custs, exec(`INSERT INTO customers (tenant_id, email, email_lower, first_name, last_name, created_at, updated_at)
			VALUES ($1,$2,$2,$3,$4,$5,$5)`, tenantID, fmt.Sprintf("k%d@example.de", i), "Kunde", fmt.Sprintf("Nummer %d", i), created))
	}
	n := 0
	for v := range vehicles {
		st := stations[v%len(stations)]
		vid := exec(`INSERT INTO vehicles (tenant_id, station_id, category_id, plate, vin, make, model, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,'VW','Golf',$6,$6)`, tenantID, st.ID, cats[v%len(cats)].ID, fmt.Sprintf("R-B %d", v+1),
			fmt.Sprintf("WVWZZZ1KZ%08d", v), created)
		for k := range 20 {
			from := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(k*18+v%7) * 24 * time.Hour)
			to := from.Add(48 * time.Hour)
			status := "confirmed"
			if from.Before(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
				status = "completed"
			}
			n++
			rid := exec(`INSERT INTO reservations (tenant_id, station_id, return_station_id, number, customer_id, category_id, vehicle_id,
				tariff_id, pickup_at, return_at, status, created_at, updated_at) VALUES ($1,$2,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11)`,
				tenantID, st.ID, fmt.Sprintf("B26-%06d", n), custs[n%len(custs)], cats[v%len(cats)].ID, vid, tariffID,
				from.Format(tsf), to.Format(tsf), status, created)
			if status == "confirmed" {
				exec(`INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind, reservation_id, created_at)
					VALUES ($1,$2,$3,$4,'booking',$5,$6)`, tenantID, vid, from.Format(tsf), to.Format(tsf), rid, created)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
