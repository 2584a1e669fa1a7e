package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
)

// TestRentalPagesAccessible runs axe-core in headless Chromium on the pages
// of the rental flow that TestAccessibility does not reach — a booking,
// its handover form, a running contract, its return form, the walk-in form,
// a customer, an e-mail and the invoice journal — and fails on serious or critical violations.
func TestRentalPagesAccessible(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	s := ce.store
	svc := contract.NewService(storeContractDeps(s, ce.clk.Now))
	running, err := svc.Handover(ce.sys(), &contract.Handover{ReservationID: ce.res["muc"].ID, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
			LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 5000, FuelEighths: 8, Cleanliness: "clean", SignerName: "Eva Muster"}})
	must(t, err)
	qs, _, err := s.ListEmails(ce.sys(), mail.Filter{})
	must(t, err)
	if len(qs) == 0 {
		t.Fatal("no e-mail to show")
	}
	reg := ce.res["reg"]

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	browserSignIn(t, ctx, ce.env, adminEmail)
	var failed []string
	for _, pg := range []struct{ name, path, h1 string }{
		{"reservation", fmt.Sprintf("/admin/reservations/%d", reg.ID), reg.Number},
		{"handover", fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), "Übergabe"},
		{"contract-running", fmt.Sprintf("/admin/contracts/%d", running.ID), running.Number},
		{"return", fmt.Sprintf("/admin/contracts/%d/return", running.ID), "Rücknahme"},
		{"walk-in", "/admin/contracts/new", "Neuer Vertrag"},
		{"new-reservation", "/admin/reservations/new?q=Muster", "Neue Reservierung"},
		{"customer", fmt.Sprintf("/admin/customers/%d", reg.CustomerID), "Muster"},
		{"email", fmt.Sprintf("/admin/emails/%d", qs[0].ID), qs[0].Message.Subject},
		{"invoices", "/admin/invoices", "Rechnungen"},
		{"search", "/admin/search?q=Muster", "Suchergebnisse"},
		{"rental-terms", "/admin/settings/terms", "Mietbedingungen"},
		{"contract-print", fmt.Sprintf("/admin/contracts/%d/print", running.ID), running.Number},
		{"reservation-print", fmt.Sprintf("/admin/reservations/%d/print", reg.ID), reg.Number},
		{"day-list", "/admin/reservations/day-list?day=" + reg.Pickup.Format("2006-01-02"), "Tagesliste"},
		{"vehicle-history", fmt.Sprintf("/admin/vehicles/%d/history", running.VehicleID), "Fahrzeughistorie"},
		{"fines", "/admin/fines?plate=R-CT+12&at=" + running.Start.In(ce.muc.Location()).Add(time.Minute).Format("2006-01-02T15:04"), "Wer fuhr?"},
		{"reports", "/admin/reports", "Berichte"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ce.srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			testenv.Screenshot(t, tab, "failed-"+pg.name)
			t.Fatalf("%s: %v", pg.name, err)
		}
		h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
		if err != nil || !strings.Contains(h1, pg.h1) {
			t.Fatalf("%s: heading %q, want it to name %q (%v)", pg.name, h1, pg.h1, err)
		}
		for _, v := range testenv.Axe(t, ctx) {
			if v.Serious() {
				failed = append(failed, pg.name+": "+v.String())
			}
		}
	}
	if len(failed) > 0 {
		t.Fatalf("serious accessibility violations:\n%s", strings.Join(failed, "\n"))
	}
}
