package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
)

var (
	faultDuration = flag.Duration("fault.duration", 0, "how long TestFaultInjection loads each database (0: 12s)")
	faultSeed     = flag.Uint64("fault.seed", 0, "replay TestFaultInjection with this seed (0: a new seed, printed)")
	faultClients  = flag.Int("fault.clients", 0, "concurrent clients of TestFaultInjection (0: 6)")
)

// TestFaultInjection is issue 20's fault test in the suite: concurrent
// clients book (retrying with the same Idempotency-Key after errors, at
// once and after the key's lock expired), hand over and return through the
// API of real `mietwerk serve` processes — one on SQLite, two on one
// PostgreSQL — while the test kills (SIGKILL) and restarts server
// processes and restarts the gateway simulator (its state kept), and the
// simulator injects every fault kind (decline, 500 after commit, 502,
// timeout, answer lost after processing, late delivery). Then faults stop,
// the processes finish what was left, and the simulator's ledger is
// compared with the database: every gateway transaction has a payment
// record with the same outcome and every approved record a transaction, a
// failed booking leaves no money at the gateway, one key makes at most one
// booking and every answer a client got is true, every confirmed booking
// is paid and invoiced once, every returned contract is billed (or
// payment_open) with its protocol and one final invoice.
//
// The seed is printed; -fault.seed replays a run (the schedule of faults
// and client choices; timing still varies), -fault.duration and
// -fault.clients make long runs:
//
//	go test ./cmd/mietwerk -run TestFaultInjection -fault.duration 10m -v
func TestFaultInjection(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { newFaultRun(t, db).run() })
	}
}

// faultRun is one run of TestFaultInjection on one database.
type faultRun struct {
	t        *testing.T
	db       string
	seed     uint64
	dsn      string
	st       *store.Store
	apiKey   string // secret scope: bookings
	staffKey string // staff scope: handover and return
	sim      *telecashsim.Server
	env      []string

	mu    sync.Mutex
	procs []*proc // nil while a slot restarts
	args  [][]string

	requests    atomic.Int64
	kills       atomic.Int64
	simRestarts atomic.Int64
	statusMu    sync.Mutex
	statuses    map[string]int

	keysMu sync.Mutex
	keys   map[string]*faultKey // by Idempotency-Key of a booking

	started time.Time // odometer readings grow with the time since
}

// odometer is the reading handed over or returned now: it grows with time
// (100 km a second), so a car's readings never go back, whichever client
// hands it over next.
func (f *faultRun) odometer() int {
	return 200000 + int(time.Since(f.started).Milliseconds()/10)
}

// faultKey is what one client saw for one booking key.
type faultKey struct {
	email   string
	answers []faultAnswer
}

type faultAnswer struct {
	status int
	code   string
	number string
	state  string
}

func newFaultRun(t *testing.T, db string) *faultRun {
	seed := *faultSeed
	if seed == 0 {
		seed = rand.Uint64() % 1_000_000_000
	}
	t.Logf("seed %d — replay: go test ./cmd/mietwerk -run 'TestFaultInjection/%s' -fault.seed %d -v", seed, db, seed)
	return &faultRun{t: t, db: db, seed: seed, statuses: map[string]int{}, keys: map[string]*faultKey{}}
}

const (
	faultLock       = 3 * time.Second        // --idempotency-lock (and booking lease)
	faultLateWindow = 5 * time.Second        // --payment-late-window
	faultRecovery   = 500 * time.Millisecond // --recovery-interval
	faultLateDelay  = 1500 * time.Millisecond
	faultTimeoutMS  = 700 // the tenant's gateway timeout
)

func (f *faultRun) run() {
	t := f.t
	f.started = time.Now()
	ctx := context.Background()
	dataDir := t.TempDir()
	if f.db == "sqlite" {
		f.dsn = filepath.Join(dataDir, "mietwerk.db")
	} else {
		f.dsn = testenv.PostgresDSN(t)
	}
	var err error
	f.st, err = store.Open(ctx, f.dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.st.Close() })
	if _, err := f.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	creds, err := demo.Seed(ctx, f.st, identity.NewService(f.st, identity.Config{}, time.Now), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	f.apiKey, f.staffKey = creds.SecretAPIKey, creds.StaffAPIKey
	f.sim, err = telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{StateFile: filepath.Join(t.TempDir(), "sim.json"),
		FaultDelay: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.sim.Close() })
	// every server pays through the test's simulator (tenant set-simulator),
	// with a short gateway timeout; no rate limit for the load
	for _, q := range []struct {
		sql string
		arg any
	}{{`UPDATE tenants SET gateway_simulator_url = $1`, f.sim.URL}, {`UPDATE tenants SET gateway_timeout_ms = $1`, faultTimeoutMS},
		{`UPDATE api_clients SET rate_per_minute = $1`, 1000000}} {
		if _, err := f.st.DB().ExecContext(ctx, q.sql, q.arg); err != nil {
			t.Fatal(err)
		}
	}
	rates := map[telecashsim.Fault]float64{}
	for _, k := range telecashsim.Faults {
		rates[k] = 0.035
	}
	f.sim.Sim.SetFaults(telecashsim.FaultPlan{Seed: f.seed, Rates: rates, LateDelay: faultLateDelay})

	f.env = childEnv("MIETWERK_DATABASE_URL="+f.dsn, "MIETWERK_SECURE_COOKIES=false")
	n := 1
	if f.db == "postgres" {
		n = 2
	}
	f.procs = make([]*proc, n)
	for i := range n {
		f.args = append(f.args, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--mail-transport", "keep",
			"--idempotency-lock", faultLock.String(), "--payment-late-window", faultLateWindow.String(),
			"--recovery-interval", faultRecovery.String()})
		f.procs[i] = start(t, f.env, f.args[i]...)
	}

	dur := *faultDuration
	if dur == 0 {
		dur = 12 * time.Second
	}
	clients := *faultClients
	if clients == 0 {
		clients = 6
	}
	loadCtx, stop := context.WithTimeout(ctx, dur)
	defer stop()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); f.client(loadCtx, i) }()
	}
	chaosDone := make(chan struct{})
	go func() { defer close(chaosDone); f.chaos(loadCtx) }()
	wg.Wait()
	<-chaosDone
	faults := f.sim.Sim.FaultCounts()
	f.sim.Sim.SetFaults(telecashsim.FaultPlan{})
	f.quiesce()
	for i := range f.procs {
		f.kill(i)
	}
	f.check(dur, clients, faults)
}

// url returns the base URL of a running server process (or "").
func (f *faultRun) url(rng *rand.Rand) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var up []string
	for _, p := range f.procs {
		if p != nil {
			up = append(up, p.url)
		}
	}
	if len(up) == 0 {
		return ""
	}
	return up[rng.IntN(len(up))]
}

// call sends one API request to some server; status 0 means no answer.
func (f *faultRun) call(rng *rand.Rand, method, path, key string, body any) (int, map[string]any) {
	base := f.url(rng)
	if base == "" {
		time.Sleep(100 * time.Millisecond)
		return 0, nil
	}
	f.requests.Add(1)
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	apiKey := f.apiKey
	if strings.HasSuffix(path, "/handover") || strings.HasSuffix(path, "/return") {
		apiKey = f.staffKey
	}
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		f.count("no answer")
		return 0, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	code, _ := m["code"].(string)
	f.count(fmt.Sprintf("%d %s", res.StatusCode, code))
	return res.StatusCode, m
}

func (f *faultRun) count(what string) {
	f.statusMu.Lock()
	f.statuses[what]++
	f.statusMu.Unlock()
}

// retryable reports whether an answer is no outcome: the client tries again.
func retryable(status int, body map[string]any) bool {
	code, _ := body["code"].(string)
	return status == 0 || status >= 500 || code == "idempotency_key_in_use" || code == "booking_busy"
}

// client runs one client until ctx ends: new bookings (retried with the
// same key until they come to an outcome), handovers and returns of its
// confirmed bookings.
func (f *faultRun) client(ctx context.Context, id int) {
	rng := rand.New(rand.NewPCG(f.seed, uint64(id)+1))
	stations := []string{"REG", "SR", "LA"}
	cats := []string{"EDMN", "CDMR", "IDAR", "FWAR"}
	var confirmed, open []string
	for n := 0; ctx.Err() == nil; n++ {
		switch x := rng.IntN(10); {
		case x < 3 && len(confirmed) > 0:
			i := rng.IntN(len(confirmed))
			num := confirmed[i]
			confirmed = append(confirmed[:i], confirmed[i+1:]...)
			body := map[string]any{"km": f.odometer(), "fuel_eighths": 8, "cleanliness": "clean", "licence_checked": true, "timing_confirmed": true,
				"unsigned_reason": "Fehlertest: keine Unterschrift",
				"drivers": []map[string]any{{"role": "main", "first_name": "Olga", "last_name": "Huber", "licence_number": "B072RRE2I55",
					"licence_class": "B", "birth_date": "1980-04-12", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
			if st, _ := f.untilOutcome(ctx, rng, "POST", "/api/v1/bookings/"+num+"/handover", "h-"+num, body); st == http.StatusCreated {
				open = append(open, num)
			}
		case x < 6 && len(open) > 0:
			i := rng.IntN(len(open))
			num := open[i]
			open = append(open[:i], open[i+1:]...)
			body := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": f.odometer(), "fuel_eighths": rng.IntN(9), "cleanliness": []string{"clean", "normal", "dirty"}[rng.IntN(3)]}
			f.untilOutcome(ctx, rng, "POST", "/api/v1/bookings/"+num+"/return", "r-"+num, body)
		default:
			key := fmt.Sprintf("s%d-c%d-%d", f.seed, id, n)
			email := key + "@fault.test"
			card := telecashsim.CardApproveVisa
			if rng.IntN(10) == 0 {
				card = telecashsim.CardDecline
			}
			// half of the bookings start on the next weekday: those are
			// handed over (a handover takes the car from now, so a booking
			// further ahead would collide with the car's earlier bookings)
			near := rng.IntN(2) == 0
			pickup := faultWeekday(1, 10)
			if !near {
				pickup = faultWeekday(8+rng.IntN(300), 10)
			}
			ret := pickup.AddDate(0, 0, 1+rng.IntN(3))
			for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
				ret = ret.AddDate(0, 0, 1)
			}
			body := map[string]any{
				"customer": map[string]any{"email": email, "first_name": "Eva", "last_name": "Huber", "street": "Weg 1",
					"postal_code": "94315", "city": "Straubing", "birth_date": "1985-04-12", "language": "de"},
				"station": stations[rng.IntN(len(stations))], "category": cats[rng.IntN(len(cats))],
				"pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
				"payment": map[string]any{"card": map[string]any{"number": card, "exp_month": 12, "exp_year": 2031, "cvv": "123"}}}
			fk := &faultKey{email: email}
			f.keysMu.Lock()
			f.keys[key] = fk
			f.keysMu.Unlock()
			st, m := f.untilOutcomeRecorded(ctx, rng, key, body, fk)
			if st == http.StatusCreated && near {
				confirmed = append(confirmed, m["number"].(string))
			}
		}
	}
}

// untilOutcome sends a request again (same key) while it gets no outcome,
// at once or after a pause up to beyond the key's lock, at most 12 times.
func (f *faultRun) untilOutcome(ctx context.Context, rng *rand.Rand, method, path, key string, body any) (int, map[string]any) {
	var st int
	var m map[string]any
	for range 12 {
		st, m = f.call(rng, method, path, key, body)
		if !retryable(st, m) || ctx.Err() != nil {
			return st, m
		}
		faultPause(ctx, rng)
	}
	return st, m
}

func (f *faultRun) untilOutcomeRecorded(ctx context.Context, rng *rand.Rand, key string, body any, fk *faultKey) (int, map[string]any) {
	var st int
	var m map[string]any
	for range 12 {
		st, m = f.call(rng, "POST", "/api/v1/bookings", key, body)
		a := faultAnswer{status: st}
		a.code, _ = m["code"].(string)
		a.number, _ = m["number"].(string)
		a.state, _ = m["status"].(string)
		f.keysMu.Lock()
		fk.answers = append(fk.answers, a)
		f.keysMu.Unlock()
		if !retryable(st, m) || ctx.Err() != nil {
			return st, m
		}
		faultPause(ctx, rng)
	}
	return st, m
}

// faultPause waits before a retry: at once, briefly, or past the key's lock.
func faultPause(ctx context.Context, rng *rand.Rand) {
	d := []time.Duration{0, 200 * time.Millisecond, time.Second, faultLock + 500*time.Millisecond}[rng.IntN(4)]
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// faultWeekday is hour:00 Berlin time on the first Monday–Friday at least n days ahead.
func faultWeekday(n, hour int) time.Time {
	d := time.Now().In(berlinTZ).AddDate(0, 0, n)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, berlinTZ)
}

// chaos kills a server process (SIGKILL) and starts it again, or restarts
// the simulator (connections cut, state written and read back), every 1–3
// seconds until ctx ends.
func (f *faultRun) chaos(ctx context.Context) {
	rng := rand.New(rand.NewPCG(f.seed, 0))
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second + time.Duration(rng.IntN(2000))*time.Millisecond):
		}
		if rng.IntN(4) == 0 {
			if err := f.sim.Restart(time.Duration(rng.IntN(500)) * time.Millisecond); err != nil {
				f.t.Errorf("simulator restart: %v", err)
				return
			}
			f.simRestarts.Add(1)
			continue
		}
		i := rng.IntN(len(f.procs))
		f.kill(i)
		f.kills.Add(1)
		p, err := launch(f.t, f.env, f.args[i]...)
		if err != nil {
			f.t.Errorf("restart after kill: %v", err)
			return
		}
		f.mu.Lock()
		f.procs[i] = p
		f.mu.Unlock()
	}
}

// kill ends server process i with SIGKILL.
func (f *faultRun) kill(i int) {
	f.mu.Lock()
	p := f.procs[i]
	f.procs[i] = nil
	f.mu.Unlock()
	if p != nil {
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// quiesce waits until the processes have finished everything the load
// left: no payment outcome open, no booking pending, no billing or
// cancellation unfinished, no money of a failed booking kept.
func (f *faultRun) quiesce() {
	t := f.t
	deadline := time.Now().Add(2*time.Minute + 4*faultLateWindow)
	sys := identity.WithActor(context.Background(), identity.System())
	var last string
	for {
		var open, pending, billing, cancels int
		err := f.st.DB().QueryRow(`SELECT
			(SELECT count(*) FROM payments WHERE status IN ('pending','unknown')),
			(SELECT count(*) FROM reservations WHERE status = 'pending_payment'),
			(SELECT count(*) FROM contracts WHERE status = 'returned' OR (status = 'billed' AND billed_at IS NULL)),
			(SELECT count(*) FROM reservations WHERE status = 'cancelled' AND settled_at IS NULL)`).Scan(&open, &pending, &billing, &cancels)
		if err != nil {
			t.Fatal(err)
		}
		stray, err := f.st.ReservationsWithStrayMoney(sys, 1000, 1000)
		if err != nil {
			t.Fatal(err)
		}
		last = fmt.Sprintf("%d payments open, %d bookings pending, %d billings unfinished, %d cancellations unfinished, %d failed bookings with money",
			open, pending, billing, cancels, len(stray))
		if open+pending+billing+cancels+len(stray) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("not settled after the load: %s", last)
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// check compares the simulator's ledger with the database and the answers
// the clients got; it logs the figures of the run.
func (f *faultRun) check(dur time.Duration, clients int, faults map[telecashsim.Fault]int) {
	t := f.t
	db := f.st.DB()
	var violations []string
	violate := func(format string, a ...any) { violations = append(violations, fmt.Sprintf(format, a...)) }

	// the test's bookings: reservations of @fault.test customers
	type res struct {
		id           int64
		number, mail string
		status       string
		dayPrice     int64
	}
	byNumber := map[string]*res{}
	byMail := map[string][]*res{}
	rows, err := db.Query(`SELECT r.id, r.number, c.email, r.status, r.day_price_cents FROM reservations r
		JOIN customers c ON c.id = r.customer_id WHERE c.email LIKE '%@fault.test'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		r := &res{}
		if err := rows.Scan(&r.id, &r.number, &r.mail, &r.status, &r.dayPrice); err != nil {
			t.Fatal(err)
		}
		byNumber[r.number] = r
		byMail[r.mail] = append(byMail[r.mail], r)
	}
	rows.Close()

	// every gateway transaction has a payment record with the same outcome,
	// every approved or declined record a transaction
	type rec struct{ status, op, number string }
	recs := map[string]rec{}
	rows, err = db.Query(`SELECT p.merchant_txn_id, p.status, p.operation, COALESCE(r.number, '') FROM payments p
		LEFT JOIN reservations r ON r.id = p.reservation_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var r rec
		if err := rows.Scan(&id, &r.status, &r.op, &r.number); err != nil {
			t.Fatal(err)
		}
		recs[id] = r
	}
	rows.Close()
	txns := f.sim.Sim.Transactions()
	atGateway := map[string]bool{}
	want := map[string]string{"APPROVED": "approved", "DECLINED": "declined", "WAITING": "declined"}
	for _, x := range txns {
		atGateway[x.MerchantTransactionID] = true
		r, ok := recs[x.MerchantTransactionID]
		switch {
		case !ok:
			violate("gateway transaction %s (%s %s %d, order %s) has no payment record", x.MerchantTransactionID, x.Type, x.Result, x.Cents, x.OrderID)
		case r.status != want[x.Result]:
			violate("gateway transaction %s (%s, order %s) is %s, its record %s", x.MerchantTransactionID, x.Type, x.OrderID, x.Result, r.status)
		}
	}
	for id, r := range recs {
		if (r.status == "approved" || r.status == "declined") && !atGateway[id] {
			violate("payment record %s (%s %s, booking %s) has no gateway transaction", id, r.op, r.status, r.number)
		}
		if r.status == "pending" || r.status == "unknown" {
			violate("payment record %s (%s, booking %s) still %s", id, r.op, r.number, r.status)
		}
	}

	// money per booking at the gateway
	ledger := f.sim.Sim.Ledger()
	money := map[string]telecashsim.Balance{}
	for order, b := range ledger {
		num := order
		if i := strings.Index(order, "-D"); i > 0 {
			num = order[:i]
		}
		m := money[num]
		m.Authorized += b.Authorized
		m.Captured += b.Captured
		m.Refunded += b.Refunded
		money[num] = m
	}
	counts := map[string]int{}
	for num, r := range byNumber {
		counts[r.status]++
		m := money[num]
		switch r.status {
		case "failed":
			if m.Net() != 0 || m.Authorized != 0 {
				violate("failed booking %s: the gateway keeps %+v; records: %s", num, m, f.recordsOf(r.id))
			}
		case "confirmed", "active", "completed":
			if m.Net() < r.dayPrice || ledger[num].Net() != r.dayPrice {
				violate("booking %s (%s): rent %d, the gateway holds %+v (rent order %+v)", num, r.status, r.dayPrice, m, ledger[num])
			}
		case "pending_payment":
			violate("booking %s still pending", num)
		}
	}
	var advances, confirmations int
	for num, r := range byNumber {
		if r.status != "confirmed" && r.status != "active" && r.status != "completed" {
			continue
		}
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM invoices WHERE reservation_id = $1 AND kind = 'advance'),
			(SELECT count(*) FROM emails WHERE reservation_id = $1 AND kind = 'reservation_confirmation')`, r.id).Scan(&advances, &confirmations); err != nil {
			t.Fatal(err)
		}
		if advances != 1 || confirmations != 1 {
			violate("booking %s: %d advance invoices, %d confirmations", num, advances, confirmations)
		}
	}

	// one key, one booking; every answer a client got is true
	f.keysMu.Lock()
	keys := f.keys
	f.keysMu.Unlock()
	answered := 0
	for key, k := range keys {
		live := 0
		for _, r := range byMail[k.email] {
			if r.status != "failed" {
				live++
			}
		}
		if live > 1 {
			violate("key %s made %d bookings", key, live)
		}
		numbers := map[string]bool{}
		answered202 := map[string]bool{} // bookings the key was answered 202 with
		for _, a := range k.answers {
			if a.status == 0 || retryable(a.status, map[string]any{"code": a.code}) {
				continue
			}
			answered++
			switch a.status {
			case http.StatusCreated:
				numbers[a.number] = true
				if r := byNumber[a.number]; r == nil || r.status == "failed" {
					violate("key %s was answered 201 %s, the booking is %v", key, a.number, r)
				}
			case http.StatusAccepted:
				numbers[a.number] = true
				answered202[a.number] = true
			case http.StatusPaymentRequired:
				for _, r := range byMail[k.email] {
					if r.status != "failed" {
						violate("key %s was answered 402, its booking %s is %s", key, r.number, r.status)
					}
				}
			case http.StatusConflict:
				if a.code == "nothing_free" && len(byMail[k.email]) > 0 && byMail[k.email][0].status != "failed" {
					violate("key %s was answered nothing_free, it holds booking %s", key, byMail[k.email][0].number)
				}
			}
		}
		if len(numbers) > 1 {
			violate("key %s was answered with bookings %v", key, numbers)
		}
		// a key may hold a booking that failed before any money moved (answered
		// at once) and the one it booked anew: only one answered 202 that failed
		// later must have told the customer
		for _, r := range byMail[k.email] {
			if answered202[r.number] {
				var notices int
				if err := db.QueryRow(`SELECT count(*) FROM emails WHERE reservation_id = $1 AND kind = 'booking_failed'`, r.id).Scan(&notices); err != nil {
					t.Fatal(err)
				}
				if r.status == "failed" && notices != 1 {
					violate("booking %s answered 202 then failed: %d failure e-mails", r.number, notices)
				}
			}
		}
	}

	// every returned contract billed, with its protocol and one final invoice
	var contracts, billed, paymentOpen int
	rows, err = db.Query(`SELECT k.id, k.number, k.status, k.billed_at IS NOT NULL,
		(SELECT count(*) FROM invoices i WHERE i.contract_id = k.id AND i.kind = 'final'),
		(SELECT count(*) FROM documents d WHERE d.contract_id = k.id AND d.kind = 'return_protocol')
		FROM contracts k JOIN customers c ON c.id = k.customer_id WHERE c.email LIKE '%@fault.test' AND k.status <> 'open'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var num, status string
		var done bool
		var finals, protocols int
		if err := rows.Scan(&id, &num, &status, &done, &finals, &protocols); err != nil {
			t.Fatal(err)
		}
		contracts++
		switch {
		case status == "billed" && done:
			billed++
		case status == "payment_open" && done:
			paymentOpen++
		default:
			violate("returned contract %s is %s (billing finished: %v)", num, status, done)
		}
		if finals != 1 || protocols != 1 {
			violate("contract %s: %d final invoices, %d return protocols", num, finals, protocols)
		}
	}
	rows.Close()

	sort.Strings(violations)
	f.statusMu.Lock()
	var answers []string
	for s, n := range f.statuses {
		answers = append(answers, fmt.Sprintf("%s: %d", s, n))
	}
	f.statusMu.Unlock()
	sort.Strings(answers)
	var fs []string
	total := 0
	for _, k := range telecashsim.Faults {
		fs = append(fs, fmt.Sprintf("%s %d", k, faults[k]))
		total += faults[k]
	}
	t.Logf("FAULT RUN %s seed %d: %s load, %d clients, %d server kills, %d simulator restarts, %d requests, %d keys (%d answered with an outcome), "+
		"%d gateway transactions, faults %d (%s); bookings %v; %d contracts returned (%d billed, %d payment_open); violations %d",
		f.db, f.seed, dur, clients, f.kills.Load(), f.simRestarts.Load(), f.requests.Load(), len(keys), answered, len(txns), total,
		strings.Join(fs, ", "), counts, contracts, billed, paymentOpen, len(violations))
	t.Logf("answers: %s", strings.Join(answers, "; "))
	for _, v := range violations {
		t.Errorf("violation: %s", v)
	}
	if f.kills.Load() == 0 || total == 0 || len(byNumber) < 5 || counts["confirmed"]+counts["active"]+counts["completed"] == 0 {
		t.Errorf("the run tested too little: %d kills, %d faults, %d bookings %v", f.kills.Load(), total, len(byNumber), counts)
	}
}

// recordsOf describes the payment records of a booking, for a violation.
func (f *faultRun) recordsOf(reservationID int64) string {
	rows, err := f.st.DB().Query(`SELECT id, COALESCE(parent_id, 0), operation, purpose, status, reason_code, order_id, amount_cents
		FROM payments WHERE reservation_id = $1 ORDER BY id`, reservationID)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, cents int64
		var op, purpose, status, reason, order string
		if err := rows.Scan(&id, &parent, &op, &purpose, &status, &reason, &order, &cents); err != nil {
			return err.Error()
		}
		out = append(out, fmt.Sprintf("#%d(parent %d) %s %s %s/%s %s %d", id, parent, purpose, op, status, reason, order, cents))
	}
	return strings.Join(out, "; ")
}
