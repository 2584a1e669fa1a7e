package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/tenancy"
)

// Scale of BenchmarkScaleByTenants (issue 19 point 4): the benchmark
// tenant keeps its 1,000 cars and 200,000 past allocations (seedBench);
// the other tenants bring the installation to 100 tenants, 300 stations,
// 10,000 cars and 2,000,000 past allocations.
const (
	scaleTenants      = 99  // besides the benchmark tenant
	scaleStations     = 3   // per other tenant (297 + the benchmark tenant's)
	scaleCars         = 91  // per other tenant (9,009 + 1,000)
	scaleAllocsPerCar = 200 // 99 × 91 × 200 = 1,801,800 (+ 200,000)
)

// BenchmarkScaleByTenants measures the booking API of one tenant alone and
// again after 99 other tenants with their stations, cars and past
// allocations joined the same database: availability p50/p99 and
// bookings/s before and after, and the ratio (issue 19: within 20 %; cost
// independent of other tenants' data). Run:
//
//	go test -run '^$' -bench ScaleByTenants -benchtime 1x -timeout 60m ./api/
func BenchmarkScaleByTenants(b *testing.B) {
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 64
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) {
			e := newEnv(b, d, 1, nil)
			seedBench(b, e)
			settle := func() {
				if d == "postgres" { // (SQLite runs without statistics, as the store keeps it)
					_, err := e.st.DB().Exec(`ANALYZE`)
					must(b, err)
					_, err = e.st.DB().Exec(`CHECKPOINT`)
					must(b, err)
				}
			}
			settle()
			if d == "postgres" {
				testenv.PostgresDurable(b)
			}
			_, err := e.st.DB().Exec(`UPDATE api_clients SET rate_per_minute = 1000000`)
			must(b, err)
			var n atomic.Int64
			// MIETWERK_TEST_PG_STATEMENTS=1: the server's time per
			// availability request by statement, before and after
			diag := func(phase string, f func()) {
				stats := d == "postgres" && resetStatementStats(e)
				f()
				if stats {
					b.Logf("availability, %s:", phase)
					logStatementStats(b, e, 1000, "request")
				}
			}
			var p50a, p99a, p50b, p99b float64
			// the benchmark tenant's own bookings first, so that both
			// availability measurements read the same own data (the
			// first phase's bookings fill the days asked for): what
			// differs between them is the other tenants' alone
			bpsA := bookingRate(b, e, &n, 3)
			diag("1 tenant", func() { p50a, p99a = availLatency(b, e) })
			t0 := time.Now()
			seedTenants(b, e)
			b.Logf("%s: seeded %d tenants, %d stations, %d cars, %d allocations in %s", d, scaleTenants, scaleTenants*scaleStations,
				scaleTenants*scaleCars, scaleTenants*scaleCars*scaleAllocsPerCar, time.Since(t0).Round(time.Second))
			settle()
			diag("100 tenants", func() { p50b, p99b = availLatency(b, e) })
			bpsB := bookingRate(b, e, &n, 50)
			b.ReportMetric(p50a, "avail_p50_ms_1tenant")
			b.ReportMetric(p99a, "avail_p99_ms_1tenant")
			b.ReportMetric(bpsA, "bookings/s_1tenant")
			b.ReportMetric(p50b, "avail_p50_ms_100tenants")
			b.ReportMetric(p99b, "avail_p99_ms_100tenants")
			b.ReportMetric(bpsB, "bookings/s_100tenants")
			b.ReportMetric(p99b/p99a, "avail_p99_ratio")
			b.ReportMetric(bpsB/bpsA, "bookings_ratio")
		})
	}
}

// availLatency asks the availability of the benchmark station 1,000 times
// from one client and returns p50 and p99 in milliseconds.
func availLatency(b *testing.B, e *env) (p50, p99 float64) {
	q := fmt.Sprintf("/api/v1/availability?station=SR&pickup=%s&return=%s", esc2(day(3, 9)), esc2(day(5, 17)))
	lat := make([]time.Duration, 0, 1000)
	for range 1000 {
		st := time.Now()
		req, _ := http.NewRequest("GET", e.srv.URL+q, nil)
		req.Header.Set("Authorization", "Bearer "+e.key)
		res, err := http.DefaultClient.Do(req)
		must(b, err)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("availability: %d", res.StatusCode)
		}
		lat = append(lat, time.Since(st))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(lat[len(lat)/2].Microseconds()) / 1000, float64(lat[len(lat)*99/100].Microseconds()) / 1000
}

// bookingRate books for 3 seconds from 32 clients, each booking a day of
// its own from day firstDay on (n numbers the bookings across calls), and
// returns the bookings per second; every answer must be 201.
func bookingRate(b *testing.B, e *env, n *atomic.Int64, firstDay int) float64 {
	var ok atomic.Int64
	var bad atomic.Pointer[string]
	runFor(func() {
		k := n.Add(1)
		d := firstDay + int(k%40)
		body := bookingBody(fmt.Sprintf("s%d@example.de", k), telecashsim.CardApproveVisa, day(d, 9), day(d, 17))
		if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", fmt.Sprint("scale", k)); r.status == 201 {
			ok.Add(1)
		} else {
			msg := fmt.Sprintf("booking %d: %d %s", k, r.status, r.raw)
			bad.CompareAndSwap(nil, &msg)
		}
	})
	if m := bad.Load(); m != nil {
		b.Fatal(*m)
	}
	return float64(ok.Load()) / 3
}

// seedTenants adds the other tenants: each with its stations and a
// category through the store, its cars copied by bulk SQL and their past
// allocations (non-overlapping, 48 h every 120 h) in multi-row inserts.
func seedTenants(b *testing.B, e *env) {
	ctx := context.Background()
	root := identity.WithActor(ctx, identity.System())
	past := time.Now().AddDate(-3, 0, 0).UTC()
	const layout = "2006-01-02 15:04:05.999999999+00:00"
	for t := range scaleTenants {
		tn := tenancy.Tenant{Slug: fmt.Sprintf("scale-%d", t), Name: fmt.Sprintf("Autohaus %d", t), LegalName: fmt.Sprintf("Autohaus %d GmbH", t)}
		must(b, e.st.CreateTenant(root, &tn))
		sys := identity.WithActor(ctx, identity.SystemFor(tn.ID))
		var stations []int64
		for s := range scaleStations {
			st := tenancy.Station{Code: fmt.Sprintf("S%d", s), Name: fmt.Sprintf("Filiale %d", s), Street: "Hauptstraße 1", PostalCode: "94315",
				City: "Straubing", Active: true}
			for wd := time.Monday; wd <= time.Saturday; wd++ {
				st.Hours[wd] = []tenancy.Span{{Open: 7 * 60, Close: 19 * 60}}
			}
			must(b, e.st.CreateStation(sys, &st))
			stations = append(stations, st.ID)
		}
		cat := fleet.Category{Code: "CDMR", NameDE: "Kompakt", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
		must(b, e.st.CreateCategory(sys, &cat))
		first := fleet.Vehicle{StationID: stations[0], CategoryID: cat.ID, Plate: "SR-X 1", VIN: vin(900000 + t), Make: "VW", Model: "Golf", OdometerKM: 1000, FuelEighths: 8}
		must(b, e.st.CreateVehicle(sys, &first))
		tx, err := e.st.DB().Begin()
		must(b, err)
		cars := []int64{first.ID}
		for c := 1; c < scaleCars; c++ {
			var id int64
			must(b, tx.QueryRow(`INSERT INTO vehicles (tenant_id, station_id, category_id, plate, vin, make, model, odometer_km, fuel_eighths, status, created_at, updated_at)
				SELECT tenant_id, $1, category_id, $2, $3, make, model, odometer_km, fuel_eighths, status, created_at, updated_at FROM vehicles WHERE id = $4 RETURNING id`,
				stations[c%len(stations)], fmt.Sprintf("SR-X %d", c+1), vin(1_000_000+t*1000+c), first.ID).Scan(&id))
			cars = append(cars, id)
		}
		const batch = 500
		var sb strings.Builder
		args := make([]any, 0, batch*5)
		flush := func() {
			if len(args) == 0 {
				return
			}
			_, err := tx.Exec(`INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind, created_at) VALUES `+sb.String(), args...)
			must(b, err)
			sb.Reset()
			args = args[:0]
		}
		for i := range scaleAllocsPerCar {
			start := past.Add(time.Duration(i) * 120 * time.Hour)
			for _, car := range cars {
				if len(args) > 0 {
					sb.WriteString(",")
				}
				k := len(args)
				fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,'block',$%d)", k+1, k+2, k+3, k+4, k+5)
				args = append(args, tn.ID, car, start.Format(layout), start.Add(48*time.Hour).Format(layout), past.Format(layout))
				if len(args) == batch*5 {
					flush()
				}
			}
		}
		flush()
		must(b, tx.Commit())
	}
}
