package web_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/web"
)

// feeEnv is a contract test environment whose server issues e-invoices
// to business customers (as production wires it), with its service.
func feeEnv(t *testing.T, d store.Dialect) (*ctEnv, *contract.Service) {
	t.Helper()
	ce := newCtEnv(t, d)
	s := ce.store
	deps := storeContractDeps(s, ce.clk.Now)
	deps.EInvoicer = xrechnung.EInvoicer{}
	svc := contract.NewService(deps)
	ce.srv.Close()
	ce.srv = httptest.NewServer(web.New(web.Deps{Identity: ce.id, Users: s, Tenancy: s, Now: ce.clk.Now,
		Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s, Mail: s, Bookings: s, EInvoicer: xrechnung.EInvoicer{},
		Contracts: svc, ContractData: s, Plates: s, Logger: slog.New(slog.NewJSONHandler(ce.log, nil))}))
	t.Cleanup(ce.srv.Close)
	return ce, svc
}

// setTestDriveFee saves the settings form with the fee per test drive.
func setTestDriveFee(t *testing.T, c *client, fee string) {
	t.Helper()
	form := validSettings(c.token("/admin/settings"))
	form.Set("test_drive_fee", fee)
	form.Set("gateway_mode", "simulator") // this server keeps no secrets
	form.Set("gateway_secret", "")
	if p := c.post("/admin/settings", form); p.status != http.StatusOK || len(p.fieldErrors()) > 0 {
		t.Fatalf("settings: %d %v", p.status, p.fieldErrors())
	}
}

// TestTestDriveFee: a tenant's fee per test drive. Without a fee (the
// default) a test drive closes at its return with no invoice. With 25,00 €
// the start form and the handover say what is due and the agreement (page
// and protocol PDF) names it; the handover keeps the fee in the contract's
// terms (a later change of the setting does not reprice it). A return
// while the company data invoices need is missing is recorded and billed by
// the resume job once it is complete; the red plate the car went on is free
// for the next test drive meanwhile; internal use stays unbilled. Billing
// issues exactly one invoice to the customer — standalone, one line
// "Probefahrt {plate} am {date}" at the tenant's VAT rate, open — whose PDF,
// the contract page and the ledger say the same amount, with the XRechnung
// of a business customer; the contract is payment_open and on the home
// screen's money list until a cash receipt at the counter settles it. A
// repeated return, a repeated billing call and the resume job after a
// stopped run (billed without billed_at, or back at returned with the
// invoice issued) issue nothing twice.
func TestTestDriveFee(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, svc := feeEnv(t, d)
		c := ce.client(t)
		c.mustLogin(adminEmail)
		reg := ce.res["reg"] // its car is booked from in an hour
		plate := fleet.DealerPlate{Number: "R-06 123", StationID: ce.reg.ID, ValidFrom: "2026-01-01"}
		must(t, ce.store.CreateDealerPlate(ce.sys(), &plate))
		drive := func(km0, km1 string) (contract.Contract, page) {
			t.Helper()
			form := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(20*time.Minute))
			form.Set("id_document", "id_card")
			form.Set("id_number", "L01X00T47")
			r := startUse(t, ce, c, form)
			ct := handOverUse(t, ce, c, r.ID, km0, "Paul")
			ce.clk.Advance(10 * time.Minute)
			return ct, returnUse(t, c, ct.ID, km1, 0)
		}

		// no fee: closed at the return, nothing invoiced
		free, p := drive("5000", "5010")
		wantStatus(t, p, http.StatusOK)
		if got, _ := ce.store.Contract(ce.sys(), free.ID); got.Status != contract.StatusClosed || got.Terms.TestDriveFeeCents != 0 {
			t.Fatalf("free test drive after return: %s, fee %d", got.Status, got.Terms.TestDriveFeeCents)
		}
		if docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ReservationID: free.ReservationID}); err != nil || len(docs) != 0 {
			t.Fatalf("free test drive invoiced: %v %v", docs, err)
		}
		wantLacks(t, c.get("/admin/uses/new?kind=test_drive"), `id="test-drive-fee"`)

		// a fee of 25,00 €: shown at the start and the handover, named in the agreement
		setTestDriveFee(t, c, "25,00")
		wantContains(t, c.get("/admin/uses/new?kind=test_drive"), `id="test-drive-fee"`, "Probefahrt: 25,00 €, zahlbar bei Rückgabe")
		wantLacks(t, c.get("/admin/uses/new?kind=transfer"), `id="test-drive-fee"`)
		form := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(20*time.Minute))
		form.Set("id_document", "id_card")
		form.Set("id_number", "L01X00T47")
		form.Set("dealer_plate_id", fmt.Sprint(plate.ID)) // a new car on the red plate
		r := startUse(t, ce, c, form)
		cu, err := ce.store.Customer(ce.sys(), r.CustomerID)
		must(t, err)
		cu.Company, cu.VATID = "Probe Logistik GmbH", "DE811907980"
		must(t, ce.store.UpdateCustomer(ce.sys(), &cu))
		hp := c.get(fmt.Sprintf("/admin/reservations/%d/handover", r.ID))
		wantContains(t, hp, `id="test-drive-fee"`, "Probefahrt: 25,00 €, zahlbar bei Rückgabe", "gegen eine Gebühr von 25,00 €, zahlbar bei Rückgabe")
		ct := handOverUse(t, ce, c, r.ID, "5010", "Paul")
		if ct.Terms.TestDriveFeeCents != 2500 {
			t.Fatalf("terms after handover: fee %d", ct.Terms.TestDriveFeeCents)
		}
		wantContains(t, c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID)), `id="terms-test-drive-fee"`)
		// the signed agreement on the handover protocol names the fee
		hdocs, err := ce.store.ContractDocuments(ce.sys(), ct.ID)
		must(t, err)
		if len(hdocs) == 0 || hdocs[0].Kind != contract.DocHandover {
			t.Fatalf("test drive's documents after handover: %+v", hdocs)
		}
		hpdf := c.get(fmt.Sprintf("/admin/contracts/%d/documents/%d", ct.ID, hdocs[0].ID))
		if text := strings.Join(strings.Fields(testenv.PDFText(t, []byte(hpdf.body))), " "); !strings.Contains(text, "gegen eine Gebühr von 25,00 €, zahlbar bei Rückgabe") {
			t.Fatalf("handover protocol without the fee:\n%s", text)
		}
		setTestDriveFee(t, c, "30,00") // the agreement signed keeps its 25,00 €
		ce.clk.Advance(10 * time.Minute)
		rp := c.get(fmt.Sprintf("/admin/contracts/%d/return", ct.ID))
		wantContains(t, rp, "Gebühr von 25,00 € in Rechnung gestellt")
		// the company data invoices need is missing (as on a tenant set up
		// before it was required): the return is recorded, billing waits
		_, err = ce.store.DB().Exec(`UPDATE tenants SET vat_id = '', tax_number = '' WHERE id = $1`, ce.tenant.ID)
		must(t, err)
		p = returnUse(t, c, ct.ID, "5030", 0)
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.url.String(), "done=return_billing_setup") {
			t.Fatalf("after the return: %s", p.url)
		}
		if got, _ := ce.store.Contract(ce.sys(), ct.ID); got.Status != contract.StatusReturned {
			t.Fatalf("test drive waiting for billing: %s", got.Status)
		}

		// internal use is never billed, whatever the fee
		iu := useForm("internal", reg.VehicleID, reg.StationID, ce.clk.Now().Add(20*time.Minute))
		iu.Set("purpose", "Zum Lackierer")
		iu.Set("cost_centre", "4711")
		ir := startUse(t, ce, c, iu)
		ic := handOverUse(t, ce, c, ir.ID, "5030", "Ines")
		ce.clk.Advance(5 * time.Minute)
		wantStatus(t, returnUse(t, c, ic.ID, "5040", 0), http.StatusOK)
		if got, _ := ce.store.Contract(ce.sys(), ic.ID); got.Status != contract.StatusClosed || got.Terms.TestDriveFeeCents != 0 {
			t.Fatalf("internal use after return: %s, fee %d", got.Status, got.Terms.TestDriveFeeCents)
		}
		if docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ReservationID: ir.ID}); err != nil || len(docs) != 0 {
			t.Fatalf("internal use invoiced: %v %v", docs, err)
		}

		// the red plate is back with the car, though its billing waits —
		// even when a process stopped before billing started (the booking
		// still active): the next test drive may go on it
		_, err = ce.store.DB().Exec(`UPDATE reservations SET status = 'active' WHERE id = $1`, r.ID)
		must(t, err)
		next := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(20*time.Minute))
		next.Set("email", "petra.probe@example.de")
		next.Set("id_document", "passport")
		next.Set("id_number", "C01X00T47")
		next.Set("dealer_plate_id", fmt.Sprint(plate.ID))
		if nr := startUse(t, ce, c, next); nr.Use.DealerPlateID != plate.ID {
			t.Fatalf("next test drive: plate %d", nr.Use.DealerPlateID)
		}

		// the company data complete, the resume job bills it
		_, err = ce.store.DB().Exec(`UPDATE tenants SET vat_id = 'DE123456789' WHERE id = $1`, ce.tenant.ID)
		must(t, err)
		ce.clk.Advance(time.Minute)
		if n, err := svc.ResumeBilling(ce.sys(), 0); err != nil || n != 1 {
			t.Fatalf("resume after the settings: %d %v", n, err)
		}

		// exactly one invoice, the fee, open
		docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ReservationID: r.ID})
		must(t, err)
		if len(docs) != 1 || docs[0].Kind != invoice.KindStandalone || docs[0].Gross != 2500 || docs[0].VAT != 399 ||
			docs[0].Payment.Means != invoice.MeansOpen || docs[0].ContractID != ct.ID {
			t.Fatalf("invoices of the test drive: %+v", docs)
		}
		inv := docs[0]
		iss, err := ce.store.IssuedInvoice(ce.sys(), inv.ID)
		must(t, err)
		day := ct.Start.In(berlinLoc).Format("02.01.2006")
		line := "Probefahrt R-06 123 am " + day // the plate it went on
		if len(iss.Invoice.Lines) != 1 || iss.Invoice.Lines[0].Description != line || iss.Invoice.Lines[0].VATRateBP != 1900 {
			t.Fatalf("invoice lines %+v", iss.Invoice.Lines)
		}
		got, err := ce.store.Contract(ce.sys(), ct.ID)
		must(t, err)
		if got.Status != contract.StatusPaymentOpen || got.BilledAt == nil {
			t.Fatalf("test drive after return: %s", got.Status)
		}
		// PDF = page = ledger
		pdf := c.get(fmt.Sprintf("/admin/contracts/%d/documents/%d", ct.ID, inv.DocumentID))
		wantStatus(t, pdf, http.StatusOK)
		text := strings.Join(strings.Fields(testenv.PDFText(t, []byte(pdf.body))), " ")
		for _, want := range []string{inv.Number, line, "25,00 €", "Probe Logistik GmbH"} {
			if !strings.Contains(text, want) {
				t.Fatalf("invoice PDF lacks %q:\n%s", want, text)
			}
		}
		// the customer's page: the booking and its invoice's link name the test drive
		wantContains(t, c.get(fmt.Sprintf("/admin/customers/%d", r.CustomerID)),
			fmt.Sprintf(`<a href="/admin/reservations/%d">%s</a> <span class="badge kind-test_drive">Probefahrt</span>`, r.ID, r.Number),
			fmt.Sprintf(`<td>25,00 €</td><td><a href="/admin/reservations/%d">Probefahrt</a>`, r.ID))
		page := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		wantContains(t, page, inv.Number, `id="sum-billed">25,00`, `id="sum-open" class="alert-text">25,00`, `id="receipt-form"`)
		led, _, _, err := svc.Ledger(ce.sys(), ct.ID)
		must(t, err)
		if led.Billed() != 2500 || led.Open() != 2500 {
			t.Fatalf("ledger billed %d open %d", led.Billed(), led.Open())
		}
		xml := c.get(fmt.Sprintf("/admin/invoices/%d/xrechnung", inv.ID))
		wantStatus(t, xml, http.StatusOK)
		wantContains(t, xml, "<ram:DuePayableAmount>25.00</ram:DuePayableAmount>", line)

		// a retried return and billing call, the resume job after a stopped run: nothing twice
		if _, _, err := svc.Return(ce.sys(), &contract.Return{ContractID: ct.ID}); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second return: %v", err)
		}
		if _, err := svc.Bill(ce.sys(), ct.ID); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second billing: %v", err)
		}
		for _, stopped := range []string{`status = 'billed', billed_at = NULL`, `status = 'returned', billed_at = NULL`} {
			_, err := ce.store.DB().Exec(`UPDATE contracts SET `+stopped+` WHERE id = $1`, ct.ID)
			must(t, err)
			ce.clk.Advance(time.Hour)
			if _, err := svc.ResumeBilling(ce.sys(), time.Minute); err != nil {
				t.Fatalf("resume (%s): %v", stopped, err)
			}
			docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ReservationID: r.ID})
			must(t, err)
			got, err := ce.store.Contract(ce.sys(), ct.ID)
			must(t, err)
			if len(docs) != 1 || got.Status != contract.StatusPaymentOpen || got.BilledAt == nil {
				t.Fatalf("resumed after %s: %d invoices, status %s", stopped, len(docs), got.Status)
			}
		}

		// on the home screen's money list until paid; a cash receipt settles it
		c.mustLogin(adminEmail) // the session ran out while the clock moved on
		home := fmt.Sprintf("/admin/?station=%d", reg.StationID)
		wantContains(t, c.get(home), `id="home-money"`, fmt.Sprintf(`data-contract="%d"`, ct.ID))
		path := fmt.Sprintf("/admin/contracts/%d", ct.ID)
		p = c.post(path+"/receipts", url.Values{"csrf": {c.token(path)}, "receipt_method": {"cash"}, "receipt_amount": {"25,00"},
			"receipt_reference": {""}, "receipt_received_on": {ce.clk.Now().In(berlinLoc).Format("2006-01-02")}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="sum-open" class="">0,00`)
		wantLacks(t, p, `id="receipt-form"`)
		if got, _ := ce.store.Contract(ce.sys(), ct.ID); got.Status != contract.StatusBilled {
			t.Fatalf("after the receipt: %s", got.Status)
		}
		wantLacks(t, c.get(home), fmt.Sprintf(`data-contract="%d"`, ct.ID))
	})
}
