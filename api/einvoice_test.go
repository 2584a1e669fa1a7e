package api_test

import (
	"bytes"
	"context"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestBusinessBookingGetsEInvoice: a booking by a business customer issues
// the advance invoice with an XRechnung e-invoice as well — kept unchanged
// next to the PDF and attached to the confirmation e-mail — that passes the
// EN 16931/XRechnung check; a consumer's booking gets none; a tenant whose
// data an e-invoice needs is incomplete still books (the invoice without
// one).
func TestBusinessBookingGetsEInvoice(t *testing.T) {
	complete := func(tn *tenancy.Tenant) {
		tn.Phone, tn.Email, tn.IBAN, tn.BIC = "+49 9421 12345", "rechnung@koenig.test", "DE02120300000000202051", "BYLADEM1001"
	}
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Run("business", func(t *testing.T) {
				e := newEnv(t, d, 2, complete)
				body := bookingBody("einkauf@leasing.example", telecashsim.CardApproveVisa, day(4, 9), day(6, 17))
				body["customer"].(map[string]any)["company"] = "Muster Leasing GmbH"
				r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "b2b-1")
				if r.status != 201 {
					t.Fatalf("booking: %d %s", r.status, r.raw)
				}
				stored, mailed := e.einvoice(t)
				if stored == nil || !bytes.Equal(stored, mailed) {
					t.Fatalf("e-invoice stored %d bytes, mailed %d bytes; want the same file", len(stored), len(mailed))
				}
				for _, v := range xrechnung.Check(stored) {
					if v.Severity == xrechnung.Error {
						t.Errorf("e-invoice violates %s", v)
					}
				}
				if !bytes.Contains(stored, []byte("Muster Leasing GmbH")) || !bytes.Contains(stored, []byte(r.body["number"].(string))) {
					t.Fatalf("e-invoice lacks the buyer or the booking number:\n%s", stored)
				}
				if _, err := e.st.DB().Exec(`UPDATE einvoices SET data = $1`, []byte("<x/>")); err == nil {
					t.Fatal("a stored e-invoice could be changed")
				}
			})
			t.Run("consumer", func(t *testing.T) {
				e := newEnv(t, d, 2, complete)
				r := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(4, 9), day(6, 17)),
					"Idempotency-Key", "b2c-1")
				if r.status != 201 {
					t.Fatalf("booking: %d %s", r.status, r.raw)
				}
				if stored, mailed := e.einvoice(t); stored != nil || mailed != nil {
					t.Fatal("a consumer's booking got an e-invoice")
				}
			})
			t.Run("tenant data incomplete", func(t *testing.T) {
				e := newEnv(t, d, 2, nil) // no phone, e-mail, IBAN
				body := bookingBody("einkauf@leasing.example", telecashsim.CardApproveVisa, day(4, 9), day(6, 17))
				body["customer"].(map[string]any)["company"] = "Muster Leasing GmbH"
				if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "b2b-2"); r.status != 201 {
					t.Fatalf("booking: %d %s", r.status, r.raw)
				}
				if stored, mailed := e.einvoice(t); stored != nil || mailed != nil {
					t.Fatal("an e-invoice was issued without the tenant's contact data")
				}
			})
		})
	}
}

// einvoice returns the one stored e-invoice and the XML attached to the one
// queued e-mail (nil when there is none).
func (e *env) einvoice(t *testing.T) (stored, mailed []byte) {
	t.Helper()
	var n int
	must(t, e.st.DB().QueryRow(`SELECT count(*) FROM einvoices`).Scan(&n))
	if n > 1 {
		t.Fatalf("%d e-invoices for one booking", n)
	}
	if n == 1 {
		must(t, e.st.DB().QueryRow(`SELECT data FROM einvoices`).Scan(&stored))
	}
	var id int64
	must(t, e.st.DB().QueryRow(`SELECT id FROM emails`).Scan(&id))
	q, _, err := e.st.Email(identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID)), id)
	must(t, err)
	for _, a := range q.Message.Attachments {
		if a.ContentType == "application/xml" {
			if mailed != nil {
				t.Fatal("two e-invoices attached")
			}
			mailed = a.Data
		}
	}
	return stored, mailed
}
