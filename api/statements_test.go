package api_test

import (
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
)

// TestBookingStatementsByStage counts the statements a booking sends to
// PostgreSQL in the request stage (the API key's lookup with the rate
// counter in one statement, the idempotency claim; the validation reads
// the configuration from the cache, warmed by a first booking), in the car
// stage (five, the rent recorded pending by the reservation's statement),
// in the payment stage (the rent's outcome with the card, the lease
// renewed and the deposit recorded pending in one statement — the
// deposit's approved outcome is stored by the issue, not by a statement
// of its own) and in the issue stage (BEGIN, the invoice number, the
// chained statement, COMMIT). Structural facts of issue 19, not speed.
func TestBookingStatementsByStage(t *testing.T) {
	var mu sync.Mutex
	marks := map[string]int64{}
	var e *env
	e = newEnvWith(t, "postgres", 2, nil, envOptions{stages: func(stage string) {
		mu.Lock()
		marks[stage] = e.st.Statements()
		mu.Unlock()
	}})
	if r := e.do("POST", "/api/v1/bookings", bookingBody("warm@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
		"Idempotency-Key", "k-warm"); r.status != 201 {
		t.Fatalf("first booking: %d %s", r.status, r.raw)
	}
	n0 := e.st.Statements()
	if r := e.do("POST", "/api/v1/bookings", bookingBody("count@example.de", telecashsim.CardApproveVisa, day(5, 9), day(6, 9)),
		"Idempotency-Key", "k-count"); r.status != 201 || r.body["status"] != "confirmed" {
		t.Fatalf("booking: %d %s", r.status, r.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := marks["validate"] - n0; n != 2 {
		t.Errorf("request and validate stages sent %d statements, want 2 (API key with rate counter, idempotency claim)", n)
	}
	if n := marks["car"] - marks["validate"]; n != 5 {
		t.Errorf("car stage sent %d statements, want 5 (BEGIN, customer, [reservation with its number, the customer's audit "+
			"row and the rent recorded pending], [car taken], COMMIT)", n)
	}
	if n := marks["payment"] - marks["car"]; n != 1 {
		t.Errorf("payment stage sent %d statements, want 1 (rent outcome with card, lease and deposit pending; the deposit's "+
			"approved outcome goes with the issue)", n)
	}
	if n := marks["issue"] - marks["payment"]; n != 4 {
		t.Errorf("issue stage sent %d statements, want 4 (BEGIN, number, chained statement with the deposit's outcome, COMMIT)", n)
	}
}

// TestRateLimitCountsKnownKeys: the request over the key's limit (limit+1)
// is answered 429 with Retry-After, and requests with an unknown or a
// revoked key are refused without counting against anyone: the only
// counter is the good key's, at limit+1.
func TestRateLimitCountsKnownKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if s := time.Now().Second(); s >= 50 { // all in one minute's window
			time.Sleep(time.Duration(61-s) * time.Second)
		}
		_, err := e.st.DB().Exec(`UPDATE api_clients SET rate_per_minute = 3`)
		must(t, err)
		_, err = e.st.DB().Exec(`UPDATE api_clients SET revoked_at = created_at WHERE scope = $1`, string(identity.ScopePublic))
		must(t, err)
		for _, key := range []string{e.key + "x", e.keys[identity.ScopePublic]} {
			for range 5 {
				if r := e.do("GET", "/api/v1/stations", nil, "Authorization", "Bearer "+key); r.status != 401 {
					t.Fatalf("unknown or revoked key: %d %s", r.status, r.raw)
				}
			}
		}
		if n := e.countRows(t, `SELECT count(*) FROM rate_buckets`); n != 0 {
			t.Fatalf("%d rate counters after unknown and revoked keys only, want none", n)
		}
		for i := 1; i <= 4; i++ {
			r := e.do("GET", "/api/v1/stations", nil)
			if i <= 3 && r.status != 200 {
				t.Fatalf("request %d within the limit: %d %s", i, r.status, r.raw)
			}
			if i == 4 {
				ra := r.header.Get("Retry-After")
				if r.status != 429 || r.body["code"] != "rate_limited" || ra == "" || ra == "0" || len(ra) > 2 {
					t.Fatalf("request over the limit: %d Retry-After %q %s", r.status, ra, r.raw)
				}
			}
		}
		if n := e.countRows(t, `SELECT count(*) FROM rate_buckets`); n != 1 {
			t.Fatalf("%d rate counters, want the good key's only", n)
		}
		if n := e.countRows(t, `SELECT max(count) FROM rate_buckets`); n != 4 {
			t.Fatalf("the good key's counter is %d, want 4", n)
		}
	})
}
