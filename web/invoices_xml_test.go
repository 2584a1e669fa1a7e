package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
)

// issueFor stores an issued invoice (PDF stand-in) as the system of ctx.
func issueFor(t *testing.T, e *env, ctx context.Context, iss *invoice.Issued) {
	t.Helper()
	must(t, e.store.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: func(inv invoice.Invoice) ([]byte, error) {
		return []byte("%PDF-1.4 " + inv.Number), nil
	}}))
}

func xmlInvoice(kind invoice.Kind, from time.Time, recipient string, gross int64) invoice.Invoice {
	return invoice.Invoice{Kind: kind, Currency: "EUR", ServicePeriod: invoice.Period{From: from, To: from.Add(48 * time.Hour)},
		Supplier: invoice.Party{Name: "Autohaus König GmbH", VATID: "DE123456789",
			Address: invoice.Address{Street: "Hauptstraße 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}},
		Recipient: invoice.Party{Name: recipient, Address: invoice.Address{Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}},
		Lines:     []invoice.Line{{Description: "Miete 1 Tag Kompaktklasse, Übergabe Regensburg", QuantityMilli: 1000, Unit: "day", UnitGross: gross, VATRateBP: 1900}},
	}
}

func TestInvoiceXMLDownload(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		ten := e.tenant
		ten.Phone, ten.Email, ten.IBAN, ten.BIC = "+49 941 123456", "rechnung@autohaus-koenig.de", "DE89370400440532013000", "COBADEFFXXX"
		ten.Street, ten.PostalCode, ten.City, ten.Country, ten.VATID = "Hauptstraße 1", "93047", "Regensburg", "DE", "DE123456789"
		must(t, e.store.UpdateTenant(e.sys(), &ten))

		adv := &invoice.Issued{CustomerID: w.anna.ID, ReservationID: w.resReg.ID, StationID: e.reg.ID, Language: "de",
			Invoice: xmlInvoice(invoice.KindAdvance, w.pickup, "Anna Berger", 4999)}
		adv.Invoice.Payment = invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}
		issueFor(t, e, e.sys(), adv)
		_, err := e.store.DB().Exec(`INSERT INTO payments (tenant_id, reservation_id, customer_id, operation, purpose, status, amount_cents,
			merchant_txn_id, order_id, card_brand, card_last4, created_at) VALUES ($1,$2,$3,'sale','rent','approved',4999,'m1','o1','visa','1111',
			'2026-11-27T09:00:00.000000Z')`, e.tenant.ID, w.resReg.ID, w.anna.ID)
		must(t, err)
		cn := &invoice.Issued{CustomerID: w.anna.ID, ReservationID: w.resReg.ID, StationID: e.reg.ID, Language: "de", CorrectsID: adv.ID,
			Invoice: xmlInvoice(invoice.KindCreditNote, w.pickup, "Anna Berger", 1000)}
		cn.Invoice.Corrects = &invoice.Reference{Number: adv.Invoice.Number, IssueDate: adv.Invoice.IssueDate}
		cn.Invoice.Payment = invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}
		issueFor(t, e, e.sys(), cn)
		muc := &invoice.Issued{CustomerID: w.anna.ID, ReservationID: w.resMuc.ID, StationID: e.muc.ID, Language: "en",
			Invoice: xmlInvoice(invoice.KindAdvance, w.pickup, "Anna Berger", 4900)}
		muc.Invoice.Payment = invoice.Payment{Means: invoice.MeansTransfer, Reference: "SEPA 0815"}
		issueFor(t, e, e.sys(), muc)
		// an invoice of the other tenant
		otherCtx := identity.WithActor(context.Background(), identity.SystemFor(e.foreign.TenantID))
		oc := customer.Customer{Email: "fremd@example.de", FirstName: "Fritz", LastName: "Fremd", Street: "Am Rand 1", PostalCode: "94032", City: "Passau"}
		_, _, err = e.store.UpsertCustomer(otherCtx, &oc)
		must(t, err)
		foreign := &invoice.Issued{CustomerID: oc.ID, StationID: e.foreign.ID, Language: "de",
			Invoice: xmlInvoice(invoice.KindStandalone, w.pickup, "Fritz Fremd", 2500)}
		issueFor(t, e, otherCtx, foreign)

		c := e.client(t)
		c.mustLogin(stationEmail)
		// the reservation page links each invoice's XML next to its PDF
		p := c.get(fmt.Sprintf("/admin/reservations/%d", w.resReg.ID))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, fmt.Sprintf(`href="/admin/invoices/%d/xrechnung"`, adv.ID), fmt.Sprintf(`href="/admin/invoices/%d/xrechnung"`, cn.ID), "XRechnung (XML)")

		for _, iss := range []*invoice.Issued{adv, cn} {
			x := c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", iss.ID))
			wantStatus(t, x, http.StatusOK)
			if ct := x.header.Get("Content-Type"); ct != "application/xml" {
				t.Errorf("content type %q", ct)
			}
			if cd := x.header.Get("Content-Disposition"); cd != `attachment; filename="`+iss.Invoice.Number+`.xml"` {
				t.Errorf("disposition %q", cd)
			}
			for _, v := range xrechnung.Check([]byte(x.body)) {
				if v.Severity == xrechnung.Error {
					t.Errorf("%s: %s", iss.Invoice.Number, v)
				}
			}
			wantContains(t, x, "<ram:ID>"+iss.Invoice.Number+"</ram:ID>", "<ram:BuyerReference>"+w.resReg.Number+"</ram:BuyerReference>",
				`<ram:URIID schemeID="EM">anna@example.de</ram:URIID>`, "Übergabe Regensburg", "<ram:GrandTotalAmount>"+
					fmt.Sprintf("%d.%02d", iss.Totals.Gross/100, iss.Totals.Gross%100))
		}
		x := c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", adv.ID))
		wantContains(t, x, "<ram:TypeCode>386</ram:TypeCode>", "<ram:TypeCode>48</ram:TypeCode>", "<ram:ID>1111</ram:ID>",
			"<ram:DuePayableAmount>0.00</ram:DuePayableAmount>")
		x = c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", cn.ID))
		wantContains(t, x, "<ram:TypeCode>381</ram:TypeCode>", "<ram:IssuerAssignedID>"+adv.Invoice.Number+"</ram:IssuerAssignedID>")

		// a final invoice read back from the store deducts the advance as prepaid; the rest is due by transfer
		fin := &invoice.Issued{CustomerID: w.anna.ID, ReservationID: w.resReg.ID, StationID: e.reg.ID, Language: "de",
			Invoice: xmlInvoice(invoice.KindFinal, w.pickup, "Anna Berger", 4999)}
		fin.Invoice.Lines[0].QuantityMilli = 3000
		fin.Invoice.Advances = []invoice.Advance{invoice.AsAdvance(adv.Invoice)}
		fin.Invoice.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: 14}
		issueFor(t, e, e.sys(), fin)
		x = c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", fin.ID))
		wantStatus(t, x, http.StatusOK)
		wantContains(t, x, "<ram:TypeCode>380</ram:TypeCode>", "<ram:GrandTotalAmount>149.97</ram:GrandTotalAmount>",
			"<ram:TotalPrepaidAmount>49.99</ram:TotalPrepaidAmount>", "<ram:DuePayableAmount>99.98</ram:DuePayableAmount>",
			"<ram:TypeCode>58</ram:TypeCode>", "<ram:IBANID>DE89370400440532013000</ram:IBANID>", "Abzüglich Anzahlungsrechnung "+adv.Invoice.Number)
		if vs := xrechnung.Check([]byte(x.body)); len(vs) != 0 {
			t.Errorf("final invoice: %v", vs)
		}

		// an e-invoice issued with the invoice (business customer) is the
		// original: downloaded exactly as stored, not built again
		orig := &invoice.Issued{CustomerID: w.anna.ID, ReservationID: w.resReg.ID, StationID: e.reg.ID, Language: "de",
			Invoice: xmlInvoice(invoice.KindAdvance, w.pickup, "Anna Berger GmbH", 2500)}
		must(t, e.store.IssueInvoice(e.sys(), invoice.IssueRequest{Issued: orig,
			Render: func(inv invoice.Invoice) ([]byte, error) { return []byte("%PDF-1.4 " + inv.Number), nil },
			EInvoice: func(inv invoice.Invoice) (*invoice.EFile, error) {
				return &invoice.EFile{Filename: inv.Number + ".xml", ContentType: "application/xml",
					Data: []byte("<rsm:CrossIndustryInvoice>as issued " + inv.Number + "</rsm:CrossIndustryInvoice>")}, nil
			}}))
		x = c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", orig.ID))
		wantStatus(t, x, http.StatusOK)
		if want := "<rsm:CrossIndustryInvoice>as issued " + orig.Invoice.Number + "</rsm:CrossIndustryInvoice>"; x.body != want {
			t.Fatalf("stored e-invoice downloaded as %q", x.body)
		}

		// isolation: another station's invoice and another tenant's are 404 for the REG user
		wantStatus(t, c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", muc.ID)), http.StatusNotFound)
		wantStatus(t, c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", foreign.ID)), http.StatusNotFound)
		wantStatus(t, c.get("/admin/invoices/999999/xrechnung"), http.StatusNotFound)
		wantStatus(t, c.get("/admin/invoices/abc/xrechnung"), http.StatusNotFound)
		// the admin sees MUC's (paid by transfer: the bank account is named) but not the other tenant's
		ac := e.client(t)
		ac.mustLogin(adminEmail)
		x = ac.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", muc.ID))
		wantStatus(t, x, http.StatusOK)
		wantContains(t, x, "<ram:TypeCode>58</ram:TypeCode>", "<ram:DuePayableAmount>0.00</ram:DuePayableAmount>")
		wantStatus(t, ac.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", foreign.ID)), http.StatusNotFound)

		// a document issued before its payment was stored with it
		// (migration 0013): the download derives the payment as before —
		// here the card of the booking's approved payment
		var legacy int64
		must(t, e.store.DB().QueryRow(`INSERT INTO invoices (tenant_id, station_id, kind, number, reservation_id, contract_id, customer_id,
			corrects_id, issued_at, service_from, service_to, currency, net_cents, vat_cents, gross_cents, deducted_cents, deducted_net_cents,
			due_cents, language, recipient, supplier, note) SELECT tenant_id, station_id, kind, number || '-ALT', reservation_id, contract_id,
			customer_id, corrects_id, issued_at, service_from, service_to, currency, net_cents, vat_cents, gross_cents, deducted_cents,
			deducted_net_cents, due_cents, language, recipient, supplier, note FROM invoices WHERE id = $1 RETURNING id`, adv.ID).Scan(&legacy))
		_, err = e.store.DB().Exec(`INSERT INTO invoice_lines (tenant_id, invoice_id, position, kind, description, quantity_milli, unit,
			unit_gross_cents, vat_rate_bp, net_cents, vat_cents, gross_cents, tax_category) SELECT tenant_id, $1, position, kind, description,
			quantity_milli, unit, unit_gross_cents, vat_rate_bp, net_cents, vat_cents, gross_cents, tax_category FROM invoice_lines
			WHERE invoice_id = $2`, legacy, adv.ID)
		must(t, err)
		x = ac.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", legacy))
		wantStatus(t, x, http.StatusOK)
		wantContains(t, x, "<ram:TypeCode>48</ram:TypeCode>", "<ram:ID>1111</ram:ID>", "<ram:DuePayableAmount>0.00</ram:DuePayableAmount>",
			"Endung 1111 eingezogen")

		// without the company phone the download explains what to complete
		ten.Phone = ""
		must(t, e.store.UpdateTenant(e.sys(), &ten))
		x = ac.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", adv.ID))
		wantStatus(t, x, http.StatusUnprocessableEntity)
		wantContains(t, x, "Telefonnummer des Unternehmens")
		if strings.Contains(x.body, "<rsm:") {
			t.Error("an incomplete e-invoice was sent")
		}
	})
}
