package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
)

// euro formats cents the German way without the currency sign: 4900 → "49,00".
func euro(cents int64) string {
	return fmt.Sprintf("%d,%02d", cents/100, cents%100)
}

// TestBookingConfirmationArrivesBySMTP wires the services as `serve` does
// with --mail-transport smtp pointed at a real mailpit: a booking through
// the API queues the confirmation; the outbox worker sends it over SMTP; the
// message read back from mailpit carries the booking, an .ics and the
// advance invoice PDF byte-identical to the stored document. The customer
// may type anything: a city "Straubing 😀" (which crashed the PDF library,
// after the card was charged) and a name with an emoji, Hebrew and a
// combining mark book the same way on both databases; the invoice prints
// what its font lacks as a visible "�", the e-mail carries the name as typed.
func TestBookingConfirmationArrivesBySMTP(t *testing.T) {
	for _, c := range []struct {
		dialect, first, last, city, pdfCity string
	}{
		{"sqlite", "Eva", "Huber", "Straubing", "Straubing"},
		{"sqlite", "Eva 👩‍🔧", "Hüber-שלום", "Straubing 😀", "Straubing �"},
		{"postgres", "Eva 👩‍🔧", "Hüber-שלום", "Straubing 😀", "Straubing �"},
	} {
		t.Run(c.dialect+" "+c.city, func(t *testing.T) { bookingBySMTP(t, c.dialect, c.first, c.last, c.city, c.pdfCity) })
	}
}

// seeded is the services wired as serve wires them, on the demo tenant.
type seeded struct {
	cfg   Config
	log   *slog.Logger
	st    *store.Store
	creds demo.Credentials
	svc   *services
	ctx   context.Context // ends with the test
}

// startSeeded wires the services as serve does with the serve options args
// (data directory dir): the store opened and migrated, the demo tenant
// seeded, the background workers running until the test ends.
func startSeeded(t *testing.T, dir string, args []string) seeded {
	t.Helper()
	cfg, err := parseConfig(t, modeServe, args, nil)
	if err != nil {
		t.Fatal(err)
	}
	sd := seeded{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sd.ctx = ctx
	if sd.st, err = openStore(ctx, cfg, sd.log); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sd.st.Close() })
	if sd.creds, err = demo.Seed(ctx, sd.st, identity.NewService(sd.st, identity.Config{}, time.Now), dir); err != nil {
		t.Fatal(err)
	}
	if sd.svc, err = newServices(cfg, sd.log, sd.st); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sd.svc.close)
	t.Cleanup(sd.svc.run(ctx))
	return sd
}

func bookingBySMTP(t *testing.T, dialect, first, last, city, pdfCity string) {
	mp := testenv.StartMailpit(t)
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--mail-transport", "smtp", "--smtp-host", mp.SMTPHost,
		"--smtp-port", strconv.Itoa(mp.SMTPPort), "--smtp-tls", "none"}
	if dialect == "postgres" {
		args = append(args, "--database-url", testenv.PostgresDSN(t))
	}
	sd := startSeeded(t, dir, args)
	ctx, st, creds, svc := sd.ctx, sd.st, sd.creds, sd.svc
	srv := httptest.NewServer(newAPIHandler(sd.svc, sd.log))
	t.Cleanup(srv.Close)

	pickup := weekdayAt(4, 9)
	ret := weekdayAt(4, 9).AddDate(0, 0, 1).Add(8 * time.Hour)
	for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
		ret = ret.AddDate(0, 0, 1)
	}
	q := url.Values{"station": {"SR"}, "pickup": {pickup.Format(time.RFC3339)}, "return": {ret.Format(time.RFC3339)}}
	status, _, avail, err := apiCall(t, "GET", srv.URL+"/api/v1/availability?"+q.Encode(), creds.APIKey, nil)
	if err != nil || status != 200 {
		t.Fatalf("availability: %d %v %v", status, avail, err)
	}
	var cat string
	for _, o := range avail["offers"].([]any) {
		if o := o.(map[string]any); o["available"] == true {
			cat = o["category"].(map[string]any)["code"].(string)
			break
		}
	}
	const email = "eva.huber@example.de"
	req := map[string]any{
		"customer": map[string]any{"email": email, "first_name": first, "last_name": last, "street": "Weg 1", "postal_code": "94315",
			"city": city, "phone": "+49 9421 55555", "birth_date": "1985-04-12", "language": "de"},
		"station": "SR", "category": cat, "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
		"payment": map[string]any{"card": map[string]any{"number": "4111111111111111", "exp_month": 12, "exp_year": 2030, "cvv": "123"}},
	}
	status, _, b, err := apiCall(t, "POST", srv.URL+"/api/v1/bookings", creds.APIKey, req, "Idempotency-Key", "mail-1")
	if err != nil || status != 201 {
		t.Fatalf("book: %d %v %v", status, b, err)
	}
	number := b["number"].(string)
	invNumber := b["invoice_number"].(string)
	charged := int64(b["price"].(map[string]any)["charged_now_cents"].(float64))
	svc.outbox.Wake()

	msgs := mp.WaitForMessages(1, 30*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("%d messages at the SMTP server, want 1", len(msgs))
	}
	m := mp.Message(msgs[0].ID)
	if !strings.Contains(m.Subject, "Ihre Reservierung "+number) {
		t.Errorf("subject %q, want the booking number %s", m.Subject, number)
	}
	if name := first + " " + last; len(m.To) != 1 || m.To[0].Address != email || m.To[0].Name != name {
		t.Errorf("to %+v, want %s <%s>", m.To, name, email)
	}
	if !strings.Contains(m.Text, number) || !strings.Contains(m.Text, invNumber) {
		t.Errorf("text does not name booking %s and invoice %s:\n%s", number, invNumber, m.Text)
	}
	if raw := mp.Raw(m.ID); bytes.Contains(raw, []byte("4111111111111111")) || bytes.Contains(raw, []byte("1111 1111")) {
		t.Error("the e-mail contains the card number")
	}
	var pdfPart, icsPart string
	for _, a := range append(m.Attachments, m.Inline...) {
		switch {
		case strings.HasSuffix(a.FileName, ".pdf") && a.ContentType == "application/pdf":
			pdfPart = a.PartID
		case strings.HasSuffix(a.FileName, ".ics") && strings.HasPrefix(a.ContentType, "text/calendar"):
			icsPart = a.PartID
		}
	}
	if pdfPart == "" || icsPart == "" {
		t.Fatalf("attachments %+v, want the invoice PDF and an .ics", m.Attachments)
	}
	ics := string(mp.Part(m.ID, icsPart))
	if !strings.Contains(ics, "BEGIN:VEVENT") || !strings.Contains(ics, number) ||
		!strings.Contains(ics, "DTSTART:"+pickup.UTC().Format("20060102T150405Z")) {
		t.Errorf("ics does not hold the pickup of %s:\n%s", number, ics)
	}

	// the PDF is the stored, issued document
	tctx := identity.WithActor(ctx, identity.System())
	tenants, err := st.ListTenants(tctx)
	if err != nil {
		t.Fatal(err)
	}
	tctx = identity.WithActor(ctx, identity.SystemFor(tenants[0].ID))
	r, err := st.ReservationByNumber(tctx, number)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := st.ListInvoices(tctx, invoice.Filter{ReservationID: r.ID})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices %v %v, want one", invs, err)
	}
	doc, err := st.Document(tctx, invs[0].DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	sent := mp.Part(m.ID, pdfPart)
	if !bytes.Equal(sent, doc.Data) {
		t.Fatalf("the attached PDF (%d bytes) differs from the stored document (%d bytes)", len(sent), len(doc.Data))
	}
	text := testenv.PDFText(t, sent)
	for _, want := range []string{"Anzahlungsrechnung", invNumber, number, euro(charged), euro(invs[0].Gross), "94315 " + pdfCity} {
		if !strings.Contains(text, want) {
			t.Errorf("invoice PDF text lacks %q:\n%s", want, text)
		}
	}
	if invs[0].Gross != charged || invs[0].Number != invNumber {
		t.Errorf("invoice %s over %d, want %s over the charged %d", invs[0].Number, invs[0].Gross, invNumber, charged)
	}
}
