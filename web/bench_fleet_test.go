package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
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

// Bench sizes: the fleet of a large dealership group.
const (
	benchVehicles     = 1000
	benchReservations = 20000
	benchStations     = 10
)

// serverTimer records how long the handler takes per request (server time,
// without the client and the network).
type serverTimer struct {
	h  http.Handler
	mu sync.Mutex
	d  []time.Duration
}

func (s *serverTimer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.h.ServeHTTP(w, r)
	el := time.Since(start)
	s.mu.Lock()
	s.d = append(s.d, el)
	s.mu.Unlock()
}

func (s *serverTimer) reset() { s.mu.Lock(); s.d = s.d[:0]; s.mu.Unlock() }

// quantile returns the q-quantile of the recorded durations in ms.
func (s *serverTimer) quantile(q float64) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.d) == 0 {
		return 0
	}
	d := slices.Clone(s.d)
	slices.Sort(d)
	i := min(len(d)-1, int(q*float64(len(d))))
	return float64(d[i].Microseconds()) / 1000
}

// BenchmarkFleetPages measures the server time of the vehicle list (plain,
// searched, filtered, sorted, as admin and as station user) and of a vehicle
// page, with 1,000 vehicles and 20,000 reservations, on both databases.
// Run: go test -run '^$' -bench FleetPages -benchtime 300x ./web/
func BenchmarkFleetPages(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			srv, timer, admin, station, vid := benchServer(b, d)
			for _, pg := range []struct {
				name, path string
				cookie     string
			}{
				{"list", "/admin/vehicles", admin},
				{"list-page-20", "/admin/vehicles?page=20", admin},
				{"search", "/admin/vehicles?q=golf+1", admin},
				{"filter-sort", "/admin/vehicles?status=available&sort=odometer&category=0", admin},
				{"list-station-user", "/admin/vehicles", station},
				{"vehicle-page", fmt.Sprintf("/admin/vehicles/%d", vid), admin},
			} {
				b.Run(pg.name, func(b *testing.B) {
					timer.reset()
					var bytes int
					for b.Loop() {
						req, _ := http.NewRequest(http.MethodGet, srv.URL+pg.path, nil)
						req.AddCookie(&http.Cookie{Name: "mw_session", Value: pg.cookie})
						res, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						body, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Fatalf("%s: %d", pg.path, res.StatusCode)
						}
						bytes = len(body)
					}
					b.ReportMetric(timer.quantile(0.5), "p50-ms")
					b.ReportMetric(timer.quantile(0.99), "p99-ms")
					b.ReportMetric(float64(bytes), "bytes/page")
				})
			}
		})
	}
}

// benchServer seeds a tenant with benchStations stations, benchVehicles
// vehicles and benchReservations reservations (bulk SQL, with their booking
// allocations) and returns the admin UI with session tokens of an admin
// and of a station user, and one vehicle id.
func benchServer(b *testing.B, d store.Dialect) (*httptest.Server, *serverTimer, string, string, int64) {
	b.Helper()
	ctx := context.Background()
	dsn := filepath.Join(b.TempDir(), "bench.db")
	if d == store.Postgres {
		dsn = testenv.PostgresDSN(b)
	}
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	root := identity.WithActor(ctx, identity.System())
	ten := tenancy.Tenant{Slug: "bench", Name: "Autohaus Bench", LegalName: "Bench GmbH"}
	must(b, s.CreateTenant(root, &ten))
	sys := identity.WithActor(ctx, identity.SystemFor(ten.ID))
	var stations []tenancy.Station
	for i := range benchStations {
		st := tenancy.Station{Code: fmt.Sprintf("S%02d", i), Name: fmt.Sprintf("Station %d", i), Street: "Hauptstraße 1",
			PostalCode: "93047", City: "Regensburg", Active: true}
		must(b, s.CreateStation(sys, &st))
		stations = append(stations, st)
	}
	var cats []fleet.Category
	for i, code := range []string{"MBMR", "CDMR", "IDAR", "SFAR"} {
		c := fleet.Category{Code: code, NameDE: code, Transmission: "manual", Seats: 5, Doors: 5, Active: true, SortOrder: i}
		must(b, s.CreateCategory(sys, &c))
		cats = append(cats, c)
	}
	tr := pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4990, DayCounting: "24h", VATRateBP: 1900,
		ValidFrom: "2026-01-01", CategoryIDs: []int64{cats[0].ID, cats[1].ID, cats[2].ID, cats[3].ID}, Active: true}
	must(b, s.CreateTariff(sys, &tr))

	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tsf := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
	db := s.DB()
	bulk := func(fn func(tx *sql.Tx) error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			b.Fatal(err)
		}
		must(b, tx.Commit())
	}
	models := []string{"Golf", "Polo", "Passat", "Tiguan", "Octavia", "Fabia", "A3", "Corsa"}
	vids := make([]int64, 0, benchVehicles)
	bulk(func(tx *sql.Tx) error {
		for i := range benchVehicles {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO vehicles (tenant_id, station_id, category_id, plate, vin, make, model,
				odometer_km, status, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
				ten.ID, stations[i%benchStations].ID, cats[i%len(cats)].ID, fmt.Sprintf("R-BE %d", 1000+i),
				fmt.Sprintf("WVWZZZ1KZBW%06d", i), "VW", fmt.Sprintf("%s %d", models[i%len(models)], i%10), 1000+i*37,
				[]string{"available", "available", "available", "workshop"}[i%4], tsf(now), tsf(now)).Scan(&id)
			if err != nil {
				return err
			}
			vids = append(vids, id)
		}
		return nil
	})
	var custIDs []int64
	bulk(func(tx *sql.Tx) error {
		for i := range 2000 {
			var id int64
			email := fmt.Sprintf("kunde%d@example.de", i)
			if err := tx.QueryRowContext(ctx, `INSERT INTO customers (tenant_id, email, email_lower, first_name, last_name,
				created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, ten.ID, email, email, "Kunde", fmt.Sprint(i),
				tsf(now), tsf(now)).Scan(&id); err != nil {
				return err
			}
			custIDs = append(custIDs, id)
		}
		return nil
	})
	bulk(func(tx *sql.Tx) error {
		for i := range benchReservations {
			vi, k := i%benchVehicles, i/benchVehicles
			start := now.AddDate(0, 0, -40+k*5)
			end := start.AddDate(0, 0, 3)
			status := "confirmed"
			if end.Before(now) {
				status = "completed"
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO reservations (tenant_id, station_id, return_station_id, number,
				customer_id, category_id, vehicle_id, tariff_id, pickup_at, return_at, status, created_at, updated_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id`, ten.ID, stations[vi%benchStations].ID,
				stations[vi%benchStations].ID, fmt.Sprintf("B-%06d", i), custIDs[i%len(custIDs)], cats[vi%len(cats)].ID,
				vids[vi], tr.ID, tsf(start), tsf(end), status, tsf(now), tsf(now)).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind,
				reservation_id, created_at) VALUES ($1,$2,$3,$4,'booking',$5,$6)`, ten.ID, vids[vi], tsf(start), tsf(end), id, tsf(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if d == store.Postgres {
		_, err := db.ExecContext(ctx, `ANALYZE`)
		must(b, err)
	}

	id := identity.NewService(s, identity.Config{}, time.Now)
	adminU := identity.User{Email: "admin@bench.de", Name: "Admin", Role: identity.RoleAdmin, Language: "de"}
	must(b, id.CreateUser(sys, &adminU, password))
	stU := identity.User{Email: "station@bench.de", Name: "Station", Role: identity.RoleStation, Language: "de", StationIDs: []int64{stations[0].ID}}
	must(b, id.CreateUser(sys, &stU, password))
	adminTok, _, _, err := id.Login(ctx, adminU.Email, password, "127.0.0.1", "bench")
	must(b, err)
	stTok, _, _, err := id.Login(ctx, stU.Email, password, "127.0.0.1", "bench")
	must(b, err)

	timer := &serverTimer{h: web.New(web.Deps{Identity: id, Users: s, Tenancy: s, Fleet: s, Damages: s, Categories: s,
		Pricing: s, Tariffs: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})}
	srv := httptest.NewServer(timer)
	b.Cleanup(srv.Close)
	return srv, timer, adminTok, stTok, vids[0]
}
