package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"sync/atomic"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
)

// keyCalls counts how the API ends its hold on Idempotency-Keys through
// the idempotency store: an answer stored (FinishIdempotent), the key
// released, the key unlocked.
type keyCalls struct {
	idempotency.Store
	finish, release, unlock atomic.Int32
}

func (c *keyCalls) FinishIdempotent(ctx context.Context, key string, r idempotency.Response) error {
	c.finish.Add(1)
	return c.Store.FinishIdempotent(ctx, key, r)
}

func (c *keyCalls) ReleaseIdempotent(ctx context.Context, key string) error {
	c.release.Add(1)
	return c.Store.ReleaseIdempotent(ctx, key)
}

func (c *keyCalls) UnlockIdempotent(ctx context.Context, key string) error {
	c.unlock.Add(1)
	return c.Store.UnlockIdempotent(ctx, key)
}

// take returns the calls counted since the last take: finish, release,
// unlock.
func (c *keyCalls) take() [3]int32 {
	return [3]int32{c.finish.Swap(0), c.release.Swap(0), c.unlock.Swap(0)}
}

// keyRow is an Idempotency-Key's row as stored (state "" when there is none).
type keyRow struct {
	state       string
	status      int
	contentType string
	body        []byte
}

func (e *env) keyRow(t *testing.T, key string) keyRow {
	t.Helper()
	var k keyRow
	var status sql.NullInt64
	var ctype sql.NullString
	err := e.st.DB().QueryRow(`SELECT state, status_code, content_type, response_body FROM idempotency_keys WHERE key = $1`, key).
		Scan(&k.state, &status, &ctype, &k.body)
	if err != sql.ErrNoRows {
		must(t, err)
	}
	k.status, k.contentType = int(status.Int64), ctype.String
	return k
}

// answeredOnce checks that key's stored answer is exactly the answer r the
// client received first (status, content type, bytes), and that a replay
// of the request sends those bytes again.
func (e *env) answeredOnce(t *testing.T, key string, r resp, method, path string, body any) {
	t.Helper()
	k := e.keyRow(t, key)
	if k.state != "done" || k.status != r.status || k.contentType != r.header.Get("Content-Type") || !bytes.Equal(k.body, r.raw) {
		t.Fatalf("key %s stored %s %d %s %q, the client received %d %s %q", key, k.state, k.status, k.contentType, k.body,
			r.status, r.header.Get("Content-Type"), r.raw)
	}
	rp := e.do(method, path, body, "Idempotency-Key", key)
	if rp.status != r.status || rp.header.Get("Idempotent-Replayed") != "true" || rp.header.Get("Content-Type") != r.header.Get("Content-Type") ||
		!bytes.Equal(rp.raw, r.raw) {
		t.Fatalf("replay of %s: %d %s %q, first answer %d %q", key, rp.status, rp.header.Get("Content-Type"), rp.raw, r.status, r.raw)
	}
}

// TestBookingAnswerStoredWithIssue: a booking confirmed in Book's own pass
// has its answer stored with its Idempotency-Key by the transaction that
// issues its invoice, not by FinishIdempotent (no call of the idempotency
// store ends the request): the key is done with exactly the bytes the
// client received — booking secret and invoice included —, a replay sends
// those bytes again, and the secret is the booking's. (On PostgreSQL no
// statement follows the issue stage: TestIssueStageStatements.)
func TestBookingAnswerStoredWithIssue(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			kc := &keyCalls{}
			e := newEnvWith(t, d, 2, nil, envOptions{keys: func(s idempotency.Store) idempotency.Store { kc.Store = s; return kc }})
			body := bookingBody("antwort@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17))
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "antwort")
			secret, _ := r.body["booking_secret"].(string)
			invoices, _ := r.body["invoices"].([]any)
			if r.status != 201 || r.body["status"] != "confirmed" || r.body["invoice_number"] == nil || len(invoices) != 1 || secret == "" ||
				r.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("book: %d %s", r.status, r.raw)
			}
			if c := kc.take(); c != [3]int32{} {
				t.Fatalf("the idempotency store was called %v times (finish, release, unlock), want none: the answer goes with the issue", c)
			}
			e.answeredOnce(t, "antwort", r, "POST", "/api/v1/bookings", body)
			if c := kc.take(); c != [3]int32{} {
				t.Fatalf("the replay called the idempotency store %v times (finish, release, unlock)", c)
			}
			var hash string
			must(t, e.st.DB().QueryRow(`SELECT secret_hash FROM reservations WHERE number = $1`, r.body["number"]).Scan(&hash))
			if hash != identity.HashToken(secret) {
				t.Fatalf("the answer's secret is not the booking's")
			}
		})
	}
}

// TestOtherAnswersStoredAsBefore: every answer but that of a booking
// confirmed in Book's own pass ends its key through the idempotency store,
// as before: a validation error releases it; a decline and a pending
// booking (202) are stored by FinishIdempotent; a server error unlocks it,
// and the retry that resumes the booking stores its 201 by
// FinishIdempotent; a change of the booking (another endpoint) is stored
// by FinishIdempotent too. Each stored answer is the one the client got,
// and replays.
func TestOtherAnswersStoredAsBefore(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			kc := &keyCalls{}
			var fi *failingInvoices
			e := newEnvWith(t, d, 2, nil, envOptions{keys: func(s idempotency.Store) idempotency.Store { kc.Store = s; return kc },
				invoices: func(s invoice.Store) invoice.Store { fi = &failingInvoices{Store: s}; return fi }})
			const post, path = "POST", "/api/v1/bookings"
			calls := func(what string, want [3]int32) {
				t.Helper()
				if c := kc.take(); c != want {
					t.Fatalf("%s: the idempotency store was called %v times (finish, release, unlock), want %v", what, c, want)
				}
			}

			invalid := bookingBody("keine-adresse", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
			if r := e.do(post, path, invalid, "Idempotency-Key", "falsch"); r.status != 422 {
				t.Fatalf("invalid: %d %s", r.status, r.raw)
			}
			calls("validation error", [3]int32{0, 1, 0})
			if k := e.keyRow(t, "falsch"); k.state != "" {
				t.Fatalf("the key of a request that failed validation is kept: %+v", k)
			}

			declined := bookingBody("abgelehnt@example.de", telecashsim.CardInsufficientFunds, day(3, 9), day(4, 9))
			r := e.do(post, path, declined, "Idempotency-Key", "abgelehnt")
			if r.status != 402 {
				t.Fatalf("decline: %d %s", r.status, r.raw)
			}
			calls("decline", [3]int32{1, 0, 0})
			e.answeredOnce(t, "abgelehnt", r, post, path, declined)

			fi.fail.Store(true)
			disk := bookingBody("platte@example.de", telecashsim.CardApproveVisa, day(5, 9), day(6, 9))
			if r := e.do(post, path, disk, "Idempotency-Key", "platte"); r.status != 500 {
				t.Fatalf("disk full: %d %s", r.status, r.raw)
			}
			calls("server error", [3]int32{0, 0, 1})
			if k := e.keyRow(t, "platte"); k.state != "processing" || k.body != nil {
				t.Fatalf("the key of a server error: %+v, want processing without an answer", k)
			}
			r = e.do(post, path, disk, "Idempotency-Key", "platte")
			if r.status != 201 || r.body["status"] != "confirmed" || r.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("retry: %d %s, want the booking resumed (201)", r.status, r.raw)
			}
			calls("resumed booking", [3]int32{1, 0, 0})
			e.answeredOnce(t, "platte", r, post, path, disk)

			change := map[string]any{"customer": map[string]any{"phone": "+49 9421 12345"}}
			num := r.body["number"].(string)
			r = e.do("PATCH", "/api/v1/bookings/"+num, change, "Idempotency-Key", "aendern")
			if r.status != 200 {
				t.Fatalf("change: %d %s", r.status, r.raw)
			}
			calls("change", [3]int32{1, 0, 0})
			e.answeredOnce(t, "aendern", r, "PATCH", "/api/v1/bookings/"+num, change)

			_, err := e.st.DB().Exec(`UPDATE tariffs SET deposit_cents = 0`)
			must(t, err)
			setDayPrice(t, e, 66600) // the gateway commits, then fails: the outcome stays unknown
			e.gw.inquiryDown.Store(true)
			pending := bookingBody("offen@example.de", telecashsim.CardApproveVisa, day(8, 9), day(9, 9))
			r = e.do(post, path, pending, "Idempotency-Key", "offen")
			if r.status != 202 || r.body["status"] != "pending_payment" {
				t.Fatalf("pending: %d %s", r.status, r.raw)
			}
			calls("pending booking", [3]int32{1, 0, 0})
			e.answeredOnce(t, "offen", r, post, path, pending)
		})
	}
}

// refuseMails makes the database refuse every new e-mail (on) or accept
// them again (off): a failure inside the issue transaction after the
// invoice — and the answer — were written into it.
func refuseMails(t *testing.T, e *env, d string, on bool) {
	t.Helper()
	// an error of no kind the store maps (not the immutability triggers'
	// RAISE, a conflict): a 500
	stmts := map[bool]map[string][]string{
		true: {"sqlite": {`CREATE TRIGGER refuse_mails BEFORE INSERT ON emails BEGIN INSERT INTO counters (tenant_id) VALUES (NULL); END`},
			"postgres": {`CREATE FUNCTION refuse_mails() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'test: e-mails refused' USING ERRCODE = 'XX000'; END $$`,
				`CREATE TRIGGER refuse_mails BEFORE INSERT ON emails FOR EACH ROW EXECUTE FUNCTION refuse_mails()`}},
		false: {"sqlite": {`DROP TRIGGER refuse_mails`},
			"postgres": {`DROP TRIGGER refuse_mails ON emails`, `DROP FUNCTION refuse_mails()`}},
	}
	for _, q := range stmts[on][d] {
		_, err := e.st.DB().Exec(q)
		must(t, err)
	}
}

// TestFailedIssueStoresNoAnswer: when the issue transaction fails after
// the answer was written into it (the confirmation e-mail refused by the
// database, after the answer's statement on SQLite, in the same statement
// on PostgreSQL), nothing of the answer is stored: the client gets a 500,
// the key stays processing without an answer and unlocked, no invoice
// exists, and the deposit's approved outcome — which the issue's
// transaction was to store — is stored (approved) all the same; the retry resumes the booking and its 201 is stored as on every
// resumed booking, and replays.
func TestFailedIssueStoresNoAnswer(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			kc := &keyCalls{}
			e := newEnvWith(t, d, 2, nil, envOptions{keys: func(s idempotency.Store) idempotency.Store { kc.Store = s; return kc }})
			body := bookingBody("abbruch@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
			refuseMails(t, e, d, true)
			if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "abbruch"); r.status != 500 {
				t.Fatalf("issue failing: %d %s, want 500", r.status, r.raw)
			}
			if k := e.keyRow(t, "abbruch"); k.state != "processing" || k.status != 0 || k.body != nil {
				t.Fatalf("the key after a failed issue: %+v, want processing without an answer", k)
			}
			if c := kc.take(); c != [3]int32{0, 0, 1} {
				t.Fatalf("the idempotency store was called %v times (finish, release, unlock), want the key unlocked", c)
			}
			if n := e.countRows(t, `SELECT count(*) FROM invoices`); n != 0 {
				t.Fatalf("%d invoices after a failed issue", n)
			}
			// the deposit's outcome, which the issue was to store, is stored all the same
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'deposit' AND status = 'approved'
				AND resolved_at IS NOT NULL`); n != 1 {
				t.Fatalf("%d approved deposits after a failed issue, want its outcome stored", n)
			}
			refuseMails(t, e, d, false)
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "abbruch")
			if r.status != 201 || r.body["status"] != "confirmed" || r.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("retry: %d %s, want the booking resumed (201)", r.status, r.raw)
			}
			if c := kc.take(); c != [3]int32{1, 0, 0} {
				t.Fatalf("the resumed booking called the idempotency store %v times (finish, release, unlock), want its answer stored", c)
			}
			e.answeredOnce(t, "abbruch", r, "POST", "/api/v1/bookings", body)
			checkLedger(t, e)
		})
	}
}

// TestCrashAfterIssueReplaysAnswer: a process that dies right after the
// issue transaction committed, before it answered, leaves the key done
// with the answer: the retry, at once, has it replayed — the booking with
// its invoice and its secret, which is the booking's — where before it was
// told 409 until the key's lock expired; nothing is booked, charged,
// issued or mailed twice.
func TestCrashAfterIssueReplaysAnswer(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var armed atomic.Bool
			e := newEnvWith(t, d, 1, nil, envOptions{stages: func(stage string) {
				if stage == booking.StageIssue && armed.CompareAndSwap(true, false) {
					panic(http.ErrAbortHandler) // the process dies: no answer
				}
			}})
			body := bookingBody("absturz@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
			armed.Store(true)
			if s := e.rawPost(t, body, "absturz"); s != 0 {
				t.Fatalf("the killed request was answered %d", s)
			}
			k := e.keyRow(t, "absturz")
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "absturz")
			if r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" || r.body["status"] != "confirmed" ||
				r.body["invoice_number"] == nil || !bytes.Equal(r.raw, k.body) {
				t.Fatalf("retry at once: %d %s, want the stored answer %q replayed", r.status, r.raw, k.body)
			}
			var hash string
			must(t, e.st.DB().QueryRow(`SELECT secret_hash FROM reservations WHERE number = $1`, r.body["number"]).Scan(&hash))
			if secret, _ := r.body["booking_secret"].(string); secret == "" || hash != identity.HashToken(secret) {
				t.Fatalf("the replayed secret %q is not the booking's", secret)
			}
			for q, want := range map[string]int{`SELECT count(*) FROM reservations`: 1, `SELECT count(*) FROM invoices`: 1,
				`SELECT count(*) FROM emails WHERE kind = 'reservation_confirmation'`: 1} {
				if n := e.countRows(t, q); n != want {
					t.Fatalf("%s: %d, want %d", q, n, want)
				}
			}
			checkLedger(t, e)
		})
	}
}
