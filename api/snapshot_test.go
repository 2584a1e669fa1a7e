package api_test

import (
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestStrangerCannotRewriteCustomer: a booking with an existing customer's
// e-mail and a declined card leaves the customer record as it was; a
// booking that succeeds changes it (audited with its number), and the
// earlier booking's final invoice, its e-invoice and its return protocol
// still print the name and address that booking was made with.
func TestStrangerCannotRewriteCustomer(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { strangerCannotRewriteCustomer(t, d) })
	}
}

func strangerCannotRewriteCustomer(t *testing.T, dialect string) {
	{
		e := newEnv(t, dialect, 2, func(tn *tenancy.Tenant) { // complete for e-invoices
			tn.Phone, tn.Email, tn.IBAN, tn.BIC = "+49 9421 12345", "rechnung@koenig.test", "DE02120300000000202051", "BYLADEM1001"
		})
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		eva := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17))
		eva["customer"].(map[string]any)["company"] = "Huber Logistik GmbH"
		r := e.do("POST", "/api/v1/bookings", eva, "Idempotency-Key", "eva")
		if r.status != 201 {
			t.Fatalf("Eva books: %d %s", r.status, r.raw)
		}
		evaNum := r.body["number"].(string)
		before, err := e.st.CustomerByEmail(ctx, "eva@example.de")
		must(t, err)

		stranger := func(card string) map[string]any {
			b := bookingBody("EVA@example.de", card, day(4, 9), day(6, 17))
			b["customer"] = map[string]any{"email": "EVA@example.de", "company": "Fremd AG", "first_name": "Mallory", "last_name": "Fremd",
				"street": "Am Galgen 13", "postal_code": "12345", "city": "Anderswo", "phone": "+49 30 666666", "birth_date": "1970-01-01",
				"language": "en", "driving_licence": map[string]any{"number": "X999", "class": "B", "issued_on": "1990-01-01", "country": "PL"}}
			return b
		}
		if r := e.do("POST", "/api/v1/bookings", stranger(telecashsim.CardDecline), "Idempotency-Key", "declined"); r.status != 402 {
			t.Fatalf("stranger with a declined card: %d %s", r.status, r.raw)
		}
		after, err := e.st.CustomerByEmail(ctx, "eva@example.de")
		must(t, err)
		if after != before {
			t.Fatalf("a declined booking changed the customer:\nbefore %+v\nafter  %+v", before, after)
		}
		// a booking that is paid changes the record, logged with its number
		r = e.do("POST", "/api/v1/bookings", stranger(telecashsim.CardApproveVisa), "Idempotency-Key", "paid")
		if r.status != 201 || r.body["customer"].(map[string]any)["last_name"] != "Fremd" {
			t.Fatalf("stranger with a good card: %d %s", r.status, r.raw)
		}
		paidNum := r.body["number"].(string)
		now, err := e.st.CustomerByEmail(ctx, "eva@example.de")
		must(t, err)
		if now.LastName != "Fremd" || now.Street != "Am Galgen 13" || now.LicenceCountry != "PL" {
			t.Fatalf("a paid booking did not change the customer: %+v", now)
		}
		f, err := e.st.CustomerFile(ctx, now.ID)
		must(t, err)
		logged := 0
		for _, a := range f.Audit {
			if a.Entity == "customer" && a.Action == customer.ActionBookingUpdate {
				logged++
				if !strings.Contains(a.After, `"booking":"`+paidNum+`"`) || !strings.Contains(a.After, `"after":"Fremd"`) {
					t.Errorf("audit of the booking's change: %s", a.After)
				}
			}
		}
		if logged != 1 {
			t.Fatalf("%d audit entries of changes by bookings, want 1 (the paid booking): %+v", logged, f.Audit)
		}
		for _, x := range f.Reservations {
			if x.Number == evaNum && (x.BookedAs.LastName != "Huber" || x.BookedAs.Company != "Huber Logistik GmbH") {
				t.Errorf("Eva's booking in the GDPR export is booked as %+v", x.BookedAs)
			}
		}

		// Eva's car: handed over and back; her documents print her booking
		staffKey := "Bearer " + e.keys[identity.ScopeStaff]
		hand := handoverBody()
		if r := e.do("POST", "/api/v1/bookings/"+evaNum+"/handover", hand, "Authorization", staffKey); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		ret := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1400, "fuel_eighths": 8, "cleanliness": "clean"}
		if r := e.do("POST", "/api/v1/bookings/"+evaNum+"/return", ret, "Authorization", staffKey); r.status != 200 {
			t.Fatalf("return: %d %s", r.status, r.raw)
		}
		res, err := e.st.ReservationByNumber(ctx, evaNum)
		must(t, err)
		invs, err := e.st.ListInvoices(ctx, invoice.Filter{ReservationID: res.ID})
		must(t, err)
		var final *invoice.Summary
		for i := range invs {
			if invs[i].Kind == invoice.KindFinal {
				final = &invs[i]
			}
		}
		if final == nil {
			t.Fatalf("no final invoice: %+v", invs)
		}
		iss, err := e.st.IssuedInvoice(ctx, final.ID)
		must(t, err)
		if rc := iss.Invoice.Recipient; rc.Name != "Huber Logistik GmbH, Eva Huber" || rc.Address.Street != "Weg 1" {
			t.Errorf("final invoice to %+v; want Eva's booking", rc)
		}
		pdfDoc, err := e.st.Document(ctx, final.DocumentID)
		must(t, err)
		wantBooked := func(what, text string) {
			t.Helper()
			if !strings.Contains(text, "Eva Huber") || strings.Contains(text, "Mallory") || strings.Contains(text, "Am Galgen") || strings.Contains(text, "Fremd") {
				t.Errorf("%s does not print Eva's booking:\n%s", what, text)
			}
		}
		wantBooked("final invoice PDF", testenv.PDFText(t, pdfDoc.Data))
		xml, ok, err := e.st.EInvoiceFile(ctx, final.ID)
		must(t, err)
		if !ok {
			t.Fatal("no e-invoice for the business customer's final invoice")
		}
		wantBooked("e-invoice", string(xml.Data))
		c, err := e.st.ContractByReservation(ctx, res.ID)
		must(t, err)
		docs, err := e.st.ContractDocuments(ctx, c.ID)
		must(t, err)
		protocols := 0
		for _, d := range docs {
			if d.Kind == "return_protocol" || d.Kind == "handover_protocol" {
				protocols++
				doc, err := e.st.Document(ctx, d.ID)
				must(t, err)
				wantBooked(d.Kind, testenv.PDFText(t, doc.Data))
			}
		}
		if protocols != 2 {
			t.Fatalf("%d protocols: %+v", protocols, docs)
		}
	}
}
