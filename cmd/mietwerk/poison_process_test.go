package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// poisonName is the customer name the faultinject build crashes on
// (documents and e-mails), as an emoji once crashed the PDF library.
const poisonName = "Gift Zwerg"

// TestProcessSurvivesPoisonRows starts the real binary (built with the
// faultinject tag) on a database that holds, left behind by a crashed
// process, two bookings waiting for the pending-booking job — one for
// "Straubing 😀" (the city that crashed the PDF library and the process,
// again after every restart) and one whose invoice crashes (the poison
// row) — and an e-mail whose sending crashes. The process stays up and
// serves; the job settles the emoji booking (its invoice prints the city
// with a visible replacement, its confirmation is sent), logs the crash
// with the booking's id and the stack, marks the poison booking for staff
// (shown on its page and the dashboard) and backs off; the outbox marks
// the crashing e-mail failed and sends the others. On both databases.
func TestProcessSurvivesPoisonRows(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { poisonRows(t, d) })
	}
}

func poisonRows(t *testing.T, dialect string) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "mietwerk.db")
	env := childEnv("MIETWERK_SECURE_COOKIES=false", "MIETWERK_FAULT_PANIC="+poisonName)
	if dialect == "postgres" {
		dsn = testenv.PostgresDSN(t)
		env = append(env, "MIETWERK_DATABASE_URL="+dsn)
	}
	// the rows a crashed process left: created two minutes ago
	past := store.Options{Now: func() time.Time { return time.Now().Add(-2 * time.Minute) }}
	st, err := store.Open(ctx, dsn, past)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	creds, err := demo.Seed(ctx, st, identity.NewService(st, identity.Config{}, time.Now), dir)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	tctx := identity.WithActor(ctx, identity.SystemFor(tn.ID))
	emoji := pendingBooking(t, st, tctx, customer.Customer{Email: "eva@example.de", FirstName: "Eva", LastName: "Huber",
		Street: "Weg 1", PostalCode: "94315", City: "Straubing 😀", Country: "DE", Language: "de"}, 4)
	poison := pendingBooking(t, st, tctx, customer.Customer{Email: "gift@example.de", FirstName: "Gift", LastName: "Zwerg",
		Street: "Weg 2", PostalCode: "94315", City: "Straubing", Country: "DE", Language: "de"}, 6)
	for i, to := range []mail.Address{{Name: poisonName, Email: "gift@example.de"}, {Name: "Eva Huber", Email: "eva@example.de"}} {
		q := mail.Queued{Message: mail.Message{Kind: mail.KindPaymentFailed, Lang: "de", To: to,
			From: mail.Address{Name: "Autohaus König", Email: "service@autohaus-koenig.de"}, Subject: fmt.Sprintf("Hinweis %d", i), Text: "Hallo"}}
		if err := st.QueueEmail(tctx, &q); err != nil {
			t.Fatal(err)
		}
	}

	p, err := launchBinary(t, faultBinary(t), env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--mail-transport", "keep")
	if err != nil {
		t.Fatal(err)
	}

	// the job settles the emoji booking despite the poison row
	var r booking.Reservation
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r, err = st.Reservation(tctx, emoji.ID); err != nil {
			t.Fatal(err)
		}
		if r.Status == booking.StatusConfirmed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emoji booking is %s after 60 s, want confirmed\nstderr:\n%s", r.Status, p.stderr.String())
		}
	}
	invs, err := st.ListInvoices(tctx, invoice.Filter{ReservationID: emoji.ID})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices of the emoji booking %v %v, want one", invs, err)
	}
	doc, err := st.Document(tctx, invs[0].DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if text := testenv.PDFText(t, doc.Data); !strings.Contains(text, "Straubing \uFFFD") {
		t.Errorf("invoice text lacks the city with a visible replacement:\n%s", text)
	}

	// the poison booking: still pending, marked for staff, backed off
	if r, _ = st.Reservation(tctx, poison.ID); r.Status != booking.StatusPendingPayment {
		t.Errorf("poison booking is %s, want still pending_payment", r.Status)
	}
	var att job.Attention
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		list, err := st.JobAttention(tctx, []job.Subject{{Kind: job.KindReservation, ID: poison.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 {
			att = list[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no attention record for the poison booking\nstderr:\n%s", p.stderr.String())
		}
	}
	if !att.Panicked || att.Failures != 1 || att.Job != booking.JobFinishPending || time.Until(att.RetryAfter) < 30*time.Second {
		t.Errorf("attention %+v, want one crash of the finish job, retried in about a minute", att)
	}
	logs := p.stderr.String()
	if !strings.Contains(logs, fmt.Sprintf(`"reservation_id":%d`, poison.ID)) || !strings.Contains(logs, `"ref":"`+att.Ref+`"`) ||
		!strings.Contains(logs, "fault injection: rendering a document for "+poisonName) || !strings.Contains(logs, `"stack":"goroutine`) {
		t.Errorf("the log does not name the poison booking with the panic, its reference and the stack:\n%s", logs)
	}

	// the outbox: the crashing e-mail failed with a reference, the others sent
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		counts, err := st.EmailCounts(tctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[string(mail.StatusQueued)] == 0 && counts[string(mail.StatusSent)] >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("e-mails %v after 30 s, want the confirmation and the note sent\nstderr:\n%s", counts, p.stderr.String())
		}
	}
	failed, _, err := st.ListEmails(tctx, mail.Filter{Status: string(mail.StatusFailed)})
	if err != nil || len(failed) != 1 || failed[0].Message.To.Name != poisonName || !strings.Contains(failed[0].LastError, "Referenz") {
		t.Errorf("failed e-mails %+v %v, want the crashing one with a reference", failed, err)
	}

	// the process is up and serves the API and the admin pages; staff see the note
	select {
	case <-p.exited:
		t.Fatalf("the process exited: %v\nstderr:\n%s", p.waitErr, p.stderr.String())
	default:
	}
	req, _ := http.NewRequest("GET", p.url+"/api/v1/stations", nil)
	req.Header.Set("Authorization", "Bearer "+creds.APIKey)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/stations: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	c := signIn(t, p.url, creds.Admin.Email, creds.Admin.Password)
	for _, page := range []string{fmt.Sprintf("/admin/reservations/%d", poison.ID), "/admin/"} {
		resp, body := get(t, c, p.url+page)
		if resp.StatusCode != 200 || !strings.Contains(body, "Braucht Aufmerksamkeit") ||
			!strings.Contains(body, "Die Buchung konnte nicht automatisch abgeschlossen werden") || !strings.Contains(body, att.Ref) ||
			!strings.Contains(body, poison.Number) {
			t.Errorf("%s (status %d) does not show the note with the booking and its reference:\n%.3000s", page, resp.StatusCode, body)
		}
	}
	if resp, body := get(t, c, fmt.Sprintf("%s/admin/reservations/%d", p.url, emoji.ID)); resp.StatusCode != 200 ||
		strings.Contains(body, "Braucht Aufmerksamkeit") {
		t.Errorf("the settled booking's page (status %d) shows a note", resp.StatusCode)
	}
	if n := strings.Count(p.stderr.String(), "fault injection: rendering"); n != 1 {
		t.Errorf("the poison booking crashed %d times, want once (then backed off)", n)
	}
	p.stop()
}

// pendingBooking stores what a process that crashed after taking the money
// leaves: a pending_payment reservation of cust n weekdays ahead at SR
// with its rent charged and its deposit pre-authorised, both approved.
func pendingBooking(t *testing.T, st *store.Store, ctx context.Context, cust customer.Customer, n int) booking.Reservation {
	t.Helper()
	station, err := st.StationByCode(ctx, "SR")
	if err != nil {
		t.Fatal(err)
	}
	tariffs, err := st.ListTariffs(ctx)
	if err != nil || len(tariffs) == 0 {
		t.Fatalf("tariffs %v %v", tariffs, err)
	}
	tf := tariffs[0]
	cats, err := st.ListCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var catID int64
	for _, c := range cats {
		for _, id := range tf.CategoryIDs {
			if c.ID == id && catID == 0 {
				catID = c.ID
			}
		}
	}
	r := booking.Reservation{StationID: station.ID, CategoryID: catID, TariffID: tf.ID, Pickup: weekdayAt(n, 9),
		Return: weekdayAt(n, 9).Add(26 * time.Hour), Status: booking.StatusPendingPayment, Source: "api", Language: "de",
		DayPriceCents: 4900, DepositCents: 30000, EstimatedTotalCents: 4900, Currency: "EUR"}
	if err := st.CreateReservationFor(ctx, &cust, &r); err != nil {
		t.Fatal(err)
	}
	for _, p := range []payment.Record{
		{Links: payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: booking.PurposeRent}, Operation: payment.OpSale,
			Amount: payment.Amount{Cents: 4900, Currency: "EUR"}, OrderID: r.Number},
		{Links: payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: booking.PurposeDeposit}, Operation: payment.OpTokenPreAuth,
			Amount: payment.Amount{Cents: 30000, Currency: "EUR"}, OrderID: r.Number + "-D"},
	} {
		p.Status, p.MerchantTransactionID, p.CreatedAt = payment.StatusApproved, payment.RandomID(), time.Now().Add(-2*time.Minute)
		p.Card = payment.CardInfo{Brand: payment.BrandVisa, Last4: "1111"}
		if err := st.InsertPayment(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	return r
}
