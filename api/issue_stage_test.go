package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/webhook"
)

// TestIssueStageStatements: a booking's issue stage (after both payments
// were approved, until it is confirmed) issues from the payments Book
// recorded, without reading them back, and confirms the reservation
// without reading its status first. On PostgreSQL it sends four
// statements: BEGIN, the invoice number, one chained statement (invoice,
// line, PDF, confirmation with its audit row, e-mail with attachments, the
// request's answer stored with its Idempotency-Key, the deposit's outcome
// the payment stage left to it), COMMIT; and none
// follows it before the client has its answer (the answer's own UPDATE of
// idempotency_keys is gone). On SQLite no transaction commits after the
// issue stage either (the answer's was the last). On both databases the
// answer lists the payments as they are read back afterwards (the deposit
// approved), and the booking is confirmed with its invoice e-mailed.
func TestIssueStageStatements(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var e *env
			var mark0, mark int64
			var issue []int64  // statements of each booking's issue stage
			var answer []int64 // statements after it, until the client has its answer
			var tx0 int64
			var commits []int64 // transactions committed after it (SQLite), likewise
			var tally map[string]int64
			stages := func(stage string) {
				switch stage {
				case booking.StagePayment:
					e.st.TallyStatements(d == "postgres")
					mark0 = e.st.Statements()
				case booking.StageIssue:
					mark, tx0 = e.st.Statements(), e.st.WriteStats().Transactions
					issue = append(issue, mark-mark0)
					tally = e.st.StatementTally()
					e.st.TallyStatements(false)
				}
			}
			e = newEnvWith(t, d, 2, nil, envOptions{stages: stages})
			for i := range 2 { // the first fills the configuration cache
				r := e.do("POST", "/api/v1/bookings", bookingBody(fmt.Sprintf("stufe%d@example.de", i), telecashsim.CardApproveVisa,
					day(3+i, 9), day(4+i, 17)), "Idempotency-Key", fmt.Sprint("stufe", i))
				answer = append(answer, e.st.Statements()-mark)
				commits = append(commits, e.st.WriteStats().Transactions-tx0)
				if r.status != 201 || r.body["status"] != "confirmed" || r.body["invoice_number"] == nil {
					t.Fatalf("book %d: %d %s", i, r.status, r.raw)
				}
				num := r.body["number"].(string)
				g := e.do("GET", "/api/v1/bookings/"+num, nil)
				if g.status != 200 || len(g.body["payments"].([]any)) != 2 || !reflect.DeepEqual(r.body["payments"], g.body["payments"]) {
					t.Fatalf("payments answered %v, read back %d %s", r.body["payments"], g.status, g.raw)
				}
				for _, p := range g.body["payments"].([]any) {
					if p.(map[string]any)["status"] != "approved" {
						t.Fatalf("payments read back %v, want both approved", g.body["payments"])
					}
				}
				var mails, atts, docAtts, audits int
				must(t, e.st.DB().QueryRow(`SELECT count(*) FROM emails m JOIN reservations r ON r.id = m.reservation_id
					WHERE r.number = $1 AND m.kind = 'reservation_confirmation'`, num).Scan(&mails))
				// the invoice's PDF attached as its stored document, no bytes of its own
				must(t, e.st.DB().QueryRow(`SELECT count(*), count(d.id) FROM email_attachments a JOIN emails m ON m.id = a.email_id
					JOIN reservations r ON r.id = m.reservation_id
					LEFT JOIN documents d ON d.id = a.document_id AND d.invoice_id IS NOT NULL AND a.data IS NULL
					WHERE r.number = $1`, num).Scan(&atts, &docAtts))
				must(t, e.st.DB().QueryRow(`SELECT count(*) FROM audit_log l JOIN reservations r ON r.id = l.entity_id
					WHERE l.entity = 'reservation' AND r.number = $1 AND l.action = 'status'
					AND l.before = '{"status":"pending_payment"}' AND l.after = '{"status":"confirmed"}' AND l.station_id = r.station_id`,
					num).Scan(&audits))
				if mails != 1 || atts == 0 || docAtts != 1 || audits != 1 {
					t.Fatalf("booking %s: %d confirmation e-mails, %d attachments (%d the invoice's document), %d status audit rows",
						num, mails, atts, docAtts, audits)
				}
			}
			if d == "sqlite" {
				if !e.st.GroupsCommits() || commits[1] != 0 {
					t.Errorf("%d transactions committed after the issue stage, want none (counted: %v)", commits[1], e.st.GroupsCommits())
				}
				return
			}
			if issue[1] != 4 {
				t.Errorf("the issue stage sent %d statements to PostgreSQL, want 4 (BEGIN, number, chained statement, COMMIT): %v",
					issue[1], tally)
			}
			chained := 0
			for q := range tally {
				if strings.HasPrefix(q, "WITH inv AS") && strings.Contains(q, "UPDATE idempotency_keys SET state = 'done'") &&
					strings.Contains(q, "UPDATE payments SET status=") {
					chained++
				}
			}
			if chained != 1 || answer[1] != 0 {
				t.Errorf("the answer and the deposit's outcome: %d chained statements of the issue store them, %d statements follow "+
					"the issue stage, want 1 and 0: %v", chained, answer[1], tally)
			}
		})
	}
}

// losingDeposit is a payment store that, while lose is set, cannot store
// a deposit's outcome: the process's writes after the gateway's answer
// are lost, as when it dies.
type losingDeposit struct {
	payment.Store
	lose *atomic.Bool
}

func (s losingDeposit) ResolvePayment(ctx context.Context, r *payment.Record) error {
	if r.Purpose == booking.PurposeDeposit && s.lose.Load() {
		return errors.New("test: outcome lost")
	}
	return s.Store.ResolvePayment(ctx, r)
}

// TestCrashBeforeIssueLeavesDepositPending: the process dies after the
// gateway approved the deposit and before the issue that stores the
// deposit's outcome (a panic at the end of the payment stage, every write
// of the deposit's outcome lost). Nothing is answered, the deposit stays
// pending and nothing is issued; the payment reconciler asks the gateway
// (approved) and FinishPending confirms the booking exactly once: one
// invoice, one confirmation, one rent charge, one deposit hold, the
// deposit recorded once.
func TestCrashBeforeIssueLeavesDepositPending(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var armed, lose atomic.Bool
			e := newEnvWith(t, d, 1, nil, envOptions{
				payments: func(s payment.Store) payment.Store { return losingDeposit{Store: s, lose: &lose} },
				stages: func(stage string) {
					if stage == booking.StagePayment && armed.CompareAndSwap(true, false) {
						panic(http.ErrAbortHandler) // the process dies: no answer, no issue
					}
				}})
			armed.Store(true)
			lose.Store(true)
			if s := e.rawPost(t, bookingBody("absturz@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 17)), "absturz"); s != 0 {
				t.Fatalf("the killed request was answered %d", s)
			}
			lose.Store(false)
			var num string
			must(t, e.st.DB().QueryRow(`SELECT number FROM reservations`).Scan(&num))
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'deposit' AND status = 'pending'`); n != 1 {
				t.Fatalf("%d deposits pending after the crash, want 1", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM invoices`); n != 0 {
				t.Fatalf("%d invoices after the crash", n)
			}
			e.settle(t)
			if g := e.do("GET", "/api/v1/bookings/"+num, nil); g.body["status"] != "confirmed" {
				t.Fatalf("after the reconciler and the finisher: %s", g.raw)
			}
			for q, want := range map[string]int{`SELECT count(*) FROM invoices`: 1,
				`SELECT count(*) FROM emails WHERE kind = 'reservation_confirmation'`:             1,
				`SELECT count(*) FROM payments WHERE purpose = 'deposit'`:                         1,
				`SELECT count(*) FROM payments WHERE purpose = 'deposit' AND status = 'approved'`: 1} {
				if n := e.countRows(t, q); n != want {
					t.Fatalf("%s: %d, want %d", q, n, want)
				}
			}
			if l := e.sim.Ledger(); l[num].Captured != 4900 || l[num+"-D"].Authorized != 30000 || len(l) != 2 {
				t.Fatalf("gateway ledger %+v: want one rent charge and one deposit hold", l)
			}
			checkLedger(t, e)
		})
	}
}

// TestDepositEventWithIssue: for a tenant with a webhook endpoint, the
// deposit's outcome stored with the issue still queues its
// payment.succeeded event, in the order as before: the rent's, the
// deposit's, then booking.confirmed and invoice.issued.
func TestDepositEventWithIssue(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		must(t, e.st.CreateEndpoint(ctx, &webhook.Endpoint{URL: "http://127.0.0.1:9/hooks", Secret: webhook.NewSecret()}))
		r := e.do("POST", "/api/v1/bookings", bookingBody("ereignis@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 17)),
			"Idempotency-Key", "ereignis")
		if r.status != 201 {
			t.Fatalf("book: %d %s", r.status, r.raw)
		}
		rows, err := e.st.DB().Query(`SELECT ev.type, COALESCE(p.purpose, '') FROM webhook_events ev
			LEFT JOIN payments p ON p.id = ev.payment_id ORDER BY ev.id`)
		must(t, err)
		defer rows.Close()
		var got []string
		for rows.Next() {
			var typ, purpose string
			must(t, rows.Scan(&typ, &purpose))
			got = append(got, strings.TrimSuffix(typ+" "+purpose, " "))
		}
		must(t, rows.Err())
		want := []string{"payment.succeeded rent", "payment.succeeded deposit", "booking.confirmed", "invoice.issued"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
	})
}

// resolvingGateway calls resolve with a deposit's merchant transaction id
// right after the gateway approved it (before its outcome is stored).
type resolvingGateway struct {
	payment.Gateway
	resolve func(merchantTxnID string)
}

func (g resolvingGateway) TokenPreAuth(ctx context.Context, p payment.TokenPayment) (payment.Result, error) {
	r, err := g.Gateway.TokenPreAuth(ctx, p)
	g.resolve(p.MerchantTransactionID)
	return r, err
}

// TestDeferredOutcomeMeetsAnother: when the deposit's record was resolved
// differently (declined) before the issue that was to store its approved
// outcome, the issue is refused and the booking is decided on the stored
// records, as when the outcome could not be stored: declined (402), the
// booking failed, nothing issued, the stored outcome kept.
func TestDeferredOutcomeMeetsAnother(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var e *env
			var resolveErr error
			declined := func(id string) { // an outcome stored meanwhile by someone else
				_, resolveErr = e.st.DB().Exec(`UPDATE payments SET status = 'declined', reason_code = 'declined',
					resolved_at = created_at WHERE merchant_txn_id = $1`, id)
			}
			e = newEnvWith(t, d, 1, nil, envOptions{gateway: func(g payment.Gateway) payment.Gateway {
				return resolvingGateway{Gateway: g, resolve: declined}
			}})
			r := e.do("POST", "/api/v1/bookings", bookingBody("anders@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 17)),
				"Idempotency-Key", "anders")
			must(t, resolveErr)
			if r.status != 402 {
				t.Fatalf("booking whose deposit was resolved declined meanwhile: %d %s, want 402", r.status, r.raw)
			}
			for q, want := range map[string]int{`SELECT count(*) FROM invoices`: 0,
				`SELECT count(*) FROM reservations WHERE status = 'failed'`:                       1,
				`SELECT count(*) FROM payments WHERE purpose = 'deposit' AND status = 'declined'`: 1} {
				if n := e.countRows(t, q); n != want {
					t.Fatalf("%s: %d, want %d", q, n, want)
				}
			}
		})
	}
}
