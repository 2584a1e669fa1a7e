package api_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/payment"
)

// TestIssueStageStatements: a booking's issue stage (after both payments
// were approved, until it is confirmed) issues from the payments Book
// recorded, without reading them back, and confirms the reservation
// without reading its status first. On PostgreSQL it sends four
// statements: BEGIN, the invoice number, one chained statement (invoice,
// line, PDF, confirmation with its audit row, e-mail with attachments, the
// request's answer stored with its Idempotency-Key), COMMIT; and none
// follows it before the client has its answer (the answer's own UPDATE of
// idempotency_keys is gone). On SQLite no transaction commits after the
// issue stage either (the answer's was the last). On both databases the
// answer lists the payments as they are read back afterwards, and the
// booking is confirmed with its invoice e-mailed.
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
				if strings.HasPrefix(q, "WITH inv AS") && strings.Contains(q, "UPDATE idempotency_keys SET state = 'done'") {
					chained++
				}
			}
			if chained != 1 || answer[1] != 0 {
				t.Errorf("the answer: %d chained statements of the issue store it, %d statements follow the issue stage, want 1 and 0: %v",
					chained, answer[1], tally)
			}
		})
	}
}

// unstoredDeposit is a payment store that cannot store a deposit's
// outcome (the database out of reach just then): the deposit stays pending
// in the store although the gateway approved it.
type unstoredDeposit struct{ payment.Store }

func (s unstoredDeposit) ResolvePayment(ctx context.Context, r *payment.Record) error {
	if r.Purpose == booking.PurposeDeposit {
		return errors.New("test: outcome not stored")
	}
	return s.Store.ResolvePayment(ctx, r)
}

// TestUnstoredOutcomeIsReadBack: Book issues from the payments it recorded
// only when their approved outcomes were stored. A deposit the gateway
// approved whose outcome could not be stored is read back as still open:
// the booking stays pending_payment with no invoice (the reconciler and
// FinishPending finish it), as when every booking read its payments back.
func TestUnstoredOutcomeIsReadBack(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e := newEnvWith(t, d, 2, nil, envOptions{payments: func(s payment.Store) payment.Store { return unstoredDeposit{s} }})
			r := e.do("POST", "/api/v1/bookings", bookingBody("offen@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 17)),
				"Idempotency-Key", "offen")
			var invoices int
			must(t, e.st.DB().QueryRow(`SELECT count(*) FROM invoices`).Scan(&invoices))
			if r.body["status"] != "pending_payment" || invoices != 0 {
				t.Fatalf("booking with its deposit's outcome not stored: %d %s, %d invoices", r.status, r.raw, invoices)
			}
		})
	}
}
