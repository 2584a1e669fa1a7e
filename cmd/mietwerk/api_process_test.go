package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// apiCall sends one booking API request with the key and decodes the answer.
func apiCall(t *testing.T, method, u, key string, body any, hdr ...string) (int, http.Header, map[string]any, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return res.StatusCode, res.Header, nil, fmt.Errorf("%s %s: %d, body not JSON: %s", method, u, res.StatusCode, raw)
	}
	return res.StatusCode, res.Header, m, nil
}

var berlinTZ, _ = time.LoadLocation("Europe/Berlin")

// weekdayAt is hour:00 Berlin time on the first Monday–Friday at least n days ahead.
func weekdayAt(n, hour int) time.Time {
	d := time.Now().In(berlinTZ).AddDate(0, 0, n)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, berlinTZ)
}

// demoPostgres is a fresh PostgreSQL database with the demo tenant, for
// server processes to share: its DSN, the store on it and the demo logins.
func demoPostgres(t *testing.T) (string, *store.Store, demo.Credentials) {
	t.Helper()
	dsn := testenv.PostgresDSN(t)
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	creds, err := demo.Seed(ctx, st, identity.NewService(st, identity.Config{}, time.Now), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return dsn, st, creds
}

// TestProcessLastVehicleRaceTwoServers: two `mietwerk serve` processes on
// one PostgreSQL database with the demo tenant; every vehicle of a category
// at a station but one is blocked; 30 concurrent bookings for it, spread
// over both processes → exactly one 201, the rest 409 problem+json, and the
// payments table holds money only for the winning booking.
func TestProcessLastVehicleRaceTwoServers(t *testing.T) {
	ctx := context.Background()
	dsn, st, creds := demoPostgres(t)
	env := childEnv("MIETWERK_DATABASE_URL="+dsn, "MIETWERK_SECURE_COOKIES=false")
	procs := make([]*proc, 2)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		dataDir := t.TempDir()
		go func() {
			defer wg.Done()
			p, err := launch(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--mail-transport", "keep")
			if err != nil {
				t.Error(err)
			}
			procs[i] = p
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// a station, category and period with at least two free vehicles
	const stationCode = "SR"
	pickup, ret := weekdayAt(5, 10), weekdayAt(5, 10).AddDate(0, 0, 2).Add(6*time.Hour)
	for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
		ret = ret.AddDate(0, 0, 1)
	}
	q := url.Values{"station": {stationCode}, "pickup": {pickup.Format(time.RFC3339)}, "return": {ret.Format(time.RFC3339)}}
	status, _, body, err := apiCall(t, "GET", procs[0].url+"/api/v1/availability?"+q.Encode(), creds.APIKey, nil)
	if err != nil || status != 200 {
		t.Fatalf("availability: %d %v %v", status, body, err)
	}
	var catCode string
	for _, o := range body["offers"].([]any) {
		o := o.(map[string]any)
		if o["available"] == true && o["free"].(float64) >= 2 {
			catCode = o["category"].(map[string]any)["code"].(string)
			break
		}
	}
	if catCode == "" {
		t.Fatalf("no category with two free vehicles at %s: %v", stationCode, body)
	}

	// block every vehicle of it there but one
	tctx := identity.WithActor(ctx, identity.System())
	tenants, err := st.ListTenants(tctx)
	if err != nil || len(tenants) != 1 {
		t.Fatalf("tenants: %v %v", tenants, err)
	}
	tctx = identity.WithActor(ctx, identity.SystemFor(tenants[0].ID))
	station, err := st.StationByCode(tctx, stationCode)
	if err != nil {
		t.Fatal(err)
	}
	cats, err := st.ListCategories(tctx)
	if err != nil {
		t.Fatal(err)
	}
	var catID int64
	for _, c := range cats {
		if c.Code == catCode {
			catID = c.ID
		}
	}
	vs, _, err := st.ListVehicles(tctx, fleet.VehicleFilter{StationID: station.ID, CategoryID: catID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// keep the first vehicle that is free in the period; block the others
	// there (the demo's sample bookings may already take some of them)
	kept := false
	for _, v := range vs {
		if v.Status != fleet.StatusAvailable {
			continue
		}
		if !kept {
			taken, err := st.ListAllocations(tctx, v.ID, pickup, ret)
			if err != nil {
				t.Fatal(err)
			}
			if kept = len(taken) == 0; kept {
				continue
			}
		}
		al := fleet.Allocation{VehicleID: v.ID, Start: pickup, End: ret, Kind: fleet.AllocBlock, Note: "test: workshop"}
		if err := st.Allocate(tctx, &al); err != nil && !errs.Is(err, errs.KindConflict) {
			t.Fatal(err)
		}
	}
	q.Set("category", catCode)
	if status, _, body, err = apiCall(t, "GET", procs[1].url+"/api/v1/availability?"+q.Encode(), creds.APIKey, nil); err != nil ||
		status != 200 || body["offers"].([]any)[0].(map[string]any)["free"].(float64) != 1 {
		t.Fatalf("after blocking, want one free vehicle: %d %v %v", status, body, err)
	}

	// the race
	const n = 30
	type result struct {
		status int
		ct     string
		body   map[string]any
		err    error
	}
	results := make([]result, n)
	startGate := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGate
			req := map[string]any{
				"customer": map[string]any{"email": fmt.Sprintf("race%02d@example.de", i), "first_name": "Eva", "last_name": "Huber",
					"street": "Weg 1", "postal_code": "94315", "city": "Straubing", "phone": "+49 9421 55555", "birth_date": "1985-04-12"},
				"station": stationCode, "category": catCode, "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
				"payment": map[string]any{"card": map[string]any{"number": "4111111111111111", "exp_month": 12, "exp_year": 2030, "cvv": "123"}},
			}
			s, h, b, err := apiCall(t, "POST", procs[i%2].url+"/api/v1/bookings", creds.APIKey, req, "Idempotency-Key", fmt.Sprintf("race-%d", i))
			results[i] = result{s, h.Get("Content-Type"), b, err}
		}()
	}
	close(startGate)
	wg.Wait()
	var winner string
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("request %d: %v", i, r.err)
		case r.status == 201:
			if winner != "" {
				t.Errorf("two bookings got the last vehicle: %s and %v", winner, r.body["number"])
			}
			winner, _ = r.body["number"].(string)
		case r.status == 409:
			if r.ct != "application/problem+json" || r.body["code"] != "nothing_free" || r.body["status"].(float64) != 409 {
				t.Errorf("request %d: 409 %s %v, want problem+json with code nothing_free", i, r.ct, r.body)
			}
		default:
			t.Errorf("request %d: %d %v", i, r.status, r.body)
		}
	}
	if winner == "" {
		t.Fatal("no booking succeeded")
	}

	// money only for the winner; nothing left open
	rows, err := st.DB().Query(`SELECT r.number, r.status, p.operation, p.status, p.purpose, p.amount_cents, COALESCE(p.parent_id, 0)
		FROM payments p LEFT JOIN reservations r ON r.id = p.reservation_id ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	charged := map[string]int64{}
	for rows.Next() {
		var number, rstatus, op, pstatus, purpose string
		var amount, parent int64
		if err := rows.Scan(&number, &rstatus, &op, &pstatus, &purpose, &amount, &parent); err != nil {
			t.Fatal(err)
		}
		if number != winner {
			t.Errorf("payment for %s (%s): %s %s %s %d", number, rstatus, op, pstatus, purpose, amount)
		}
		if pstatus != "approved" {
			t.Errorf("payment of %s not approved: %s %s", number, op, pstatus)
		}
		if parent == 0 && purpose == "rent" {
			charged[number] += amount
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if charged[winner] <= 0 {
		t.Errorf("the winning booking %s has no approved rent charge: %v", winner, charged)
	}
	var reservations, confirmed int
	// only API bookings: the demo's sample bookings were made at the counter
	if err := st.DB().QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'confirmed') FROM reservations WHERE source = 'api'`).Scan(&reservations, &confirmed); err != nil {
		t.Fatal(err)
	}
	if confirmed != 1 {
		t.Errorf("%d confirmed reservations (of %d), want exactly 1", confirmed, reservations)
	}
	var invoices int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM invoices i JOIN reservations r ON r.id = i.reservation_id WHERE r.number = $1`, winner).
		Scan(&invoices); err != nil || invoices != 1 {
		t.Errorf("advance invoices of the winner: %d %v, want 1", invoices, err)
	}
	// serve never hands out a key on the example page
	res, err := http.Get(procs[0].url + "/demo/booking")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(string(page), "<mietwerk-booking") || !strings.Contains(string(page), "mwk_public_") ||
		strings.Contains(string(page), creds.APIKey) {
		t.Errorf("serve's /demo/booking must not carry an API key: %d", res.StatusCode)
	}
	for _, p := range procs {
		if strings.Contains(p.stderr.String(), `"level":"ERROR"`) {
			t.Errorf("%s logged errors:\n%s", p.url, p.stderr.String())
		}
		p.stop()
	}
}
