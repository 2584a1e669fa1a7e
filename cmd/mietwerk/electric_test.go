package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
)

// electricJourney is a journey whose only car is an electric VW ID.3 with
// a 58 kWh battery, and whose tariff bills missing charge at 0,59 € per
// kWh; the dealer has the bank and phone details an e-invoice needs.
func electricJourney(t *testing.T, dsn string) *journey {
	t.Helper()
	j := newJourneyOn(t, dsn, 0)
	ctx := j.sys()
	v := fleet.Vehicle{StationID: j.station.ID, CategoryID: j.tariff.CategoryIDs[0], Plate: "SR-E 58E", VIN: "WVWZZZE1ZRZ100001",
		Make: "Volkswagen", Model: "ID.3 Pro", FuelType: fleet.DriveElectric, BatteryKWh: 58, OdometerKM: 1000, FuelEighths: 8}
	jm(t, j.st.CreateVehicle(ctx, &v))
	j.vehicles = append(j.vehicles, v)
	j.tariff.ChargingRule, j.tariff.ChargingPriceCents = "per_kwh", 59
	jm(t, j.st.UpdateTariff(ctx, &j.tariff))
	_, err := j.st.DB().Exec(`UPDATE tenants SET phone = '+49 9421 12345', iban = 'DE02120300000000202051', bic = 'BYLADEM1001'`)
	jm(t, err)
	return j
}

// evHandover is an API handover of the electric car with the state of
// charge soc (nil: left out) and range rng.
func evHandover(soc, rng any) map[string]any {
	h := map[string]any{"km": 1000, "cleanliness": "clean", "licence_checked": true, "timing_confirmed": true,
		"unsigned_reason": "Kunde telefonisch zugestimmt",
		"drivers": []map[string]any{{"role": "main", "first_name": "Olga", "last_name": "Huber", "birth_date": "1985-04-12", "licence_number": "B072RRE2I55",
			"licence_class": "B", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
	if soc != nil {
		h["state_of_charge_percent"] = soc
	}
	if rng != nil {
		h["range_km"] = rng
	}
	return h
}

// TestElectricCarRental (both databases): an electric car's handover and
// return through the API need the state of charge (0–100 %, range
// optional; 422 naming the field and nothing stored otherwise); it needs
// no fuel level. Coming back with 50 % after 80 % misses 30 % of 58 kWh =
// 17,4 kWh at 0,59 € = 10,27 €: the one "Ladestrom" line and amount the
// return preview shows, the final invoice PDF and its XRechnung carry, and
// the stored card is charged; no refuelling line.
func TestElectricCarRental(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := ""
			if dialect == "postgres" {
				dsn = testenv.PostgresDSN(t)
			}
			j := electricJourney(t, dsn)
			r := j.bookFor("fuhrpark@leasing.example", "4111111111111111", "Muster Leasing GmbH")
			path := "/api/v1/bookings/" + r.Number

			for _, c := range []struct {
				name       string
				soc, rng   any
				field, msg string
			}{
				{"no state of charge", nil, nil, "state_of_charge_percent", "Ladestand in Prozent"},
				{"above 100 %", 101, nil, "state_of_charge_percent", "von 0 bis 100"},
				{"below 0 %", -1, nil, "state_of_charge_percent", "von 0 bis 100"},
				{"range out of bounds", 80, 5000, "range_km", "2.000 km"},
			} {
				status, body := j.api("POST", path+"/handover", evHandover(c.soc, c.rng))
				if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"`+c.field+`"`) || !strings.Contains(body, c.msg) {
					t.Errorf("handover, %s: %d %s; want 422 on %s saying %q", c.name, status, body, c.field, c.msg)
				}
			}
			if res, _ := j.st.Reservation(j.sys(), r.ID); res.Status != booking.StatusConfirmed {
				t.Fatalf("refused handovers changed the booking to %s", res.Status)
			}
			status, body := j.api("POST", path+"/handover", evHandover(80, 310))
			if status != http.StatusCreated || !strings.Contains(body, `"state_of_charge_percent":80`) || !strings.Contains(body, `"range_km":310`) ||
				!strings.Contains(body, `"drive_type":"electric"`) || !strings.Contains(body, `"battery_kwh":58`) {
				t.Fatalf("API handover with 80 %%: %d %s", status, body)
			}
			c, err := j.st.ContractByReservation(j.sys(), r.ID)
			jm(t, err)

			ret := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1050, "cleanliness": "clean"}
			if status, body := j.api("POST", path+"/return", ret); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"state_of_charge_percent"`) {
				t.Fatalf("API return without the state of charge: %d %s", status, body)
			}
			if got, _ := j.st.Contract(j.sys(), c.ID); got.Status != contract.StatusOpen {
				t.Fatalf("a refused return recorded %s", got.Status)
			}

			// what the return form's preview shows for 50 %
			soc, rng := 50, 190
			admin := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: j.tenant.ID, UserID: 1, Name: "Anna Berger", Role: identity.RoleAdmin})
			pv, err := j.svc.contracts.PreviewReturn(admin, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 1050,
				Cleanliness: "clean", FuelMissing: true, ChargePercent: &soc, RangeKM: &rng, UnsignedReason: "Schlüsselkasten"}})
			jm(t, err)
			line, kinds := chargeLine(pv.Bill)
			const want = 1027 // 17,4 kWh × 0,59 € = 10,266 €
			if invoice.LineGross(line) != want || line.QuantityMilli != 17_400 || pv.Settled.Charge != want ||
				strings.Contains(strings.Join(kinds, ","), billing.KindRefuel) {
				t.Fatalf("preview: line %+v (%d cents), charge %d, kinds %v; want one Ladestrom line of %d cents charged, no refuel",
					line, invoice.LineGross(line), pv.Settled.Charge, kinds, want)
			}

			ret["state_of_charge_percent"], ret["range_km"] = soc, rng
			if status, body := j.api("POST", path+"/return", ret); status != http.StatusOK || !strings.Contains(body, `"status":"billed"`) ||
				!strings.Contains(body, `"state_of_charge_percent":50`) {
				t.Fatalf("API return with 50 %%: %d %s", status, body)
			}
			if v, err := j.st.Vehicle(j.sys(), j.vehicles[0].ID); err != nil || v.ChargePercent == nil || *v.ChargePercent != 50 || v.FuelEighths != 8 {
				t.Errorf("the car after the return: charge %v, fuel %d (%v); want 50 %% and its fuel untouched", v.ChargePercent, v.FuelEighths, err)
			}
			// the card: one approved token sale of the previewed amount
			_, recs, docs, open := j.ledger(c.ID)
			var sold int64
			for _, p := range recs {
				if p.Operation == payment.OpTokenSale && p.Purpose == contract.PurposeFinal && p.Status == payment.StatusApproved {
					sold += p.Amount.Cents
				}
			}
			if sold != want || open != 0 {
				t.Fatalf("charged %d (open %d), want %d: %+v", sold, open, want, recs)
			}
			var final string
			for _, d := range docs {
				if d.Kind == invoice.KindFinal {
					final = d.Number
					if d.Due != want {
						t.Errorf("final invoice due %d, want %d", d.Due, want)
					}
				}
			}
			// the invoice PDF and the e-invoice, as the customer receives them
			msgs := j.mails("fuhrpark@leasing.example", 4) // confirmation, handover, return, final invoice
			pdfText := strings.Join(strings.Fields(j.attachmentText(msgs, final)), " ")
			if !strings.Contains(pdfText, "Ladestrom") || !strings.Contains(pdfText, "17,4") || !strings.Contains(pdfText, "10,27") ||
				strings.Contains(pdfText, "Betankung") {
				t.Errorf("final invoice PDF lacks the Ladestrom line of 10,27 €:\n%s", pdfText)
			}
			if txt := strings.Join(strings.Fields(j.attachmentText(msgs, "cknahme")), " "); !strings.Contains(txt, "Ladestand") ||
				!strings.Contains(txt, "80 %") || !strings.Contains(txt, "50 %") || !strings.Contains(txt, "190 km") || strings.Contains(txt, "Tankfüllung") {
				t.Errorf("return protocol PDF does not print the states of charge (and no fuel):\n%s", txt)
			}
			var xml []byte
			jm(t, j.st.DB().QueryRow(`SELECT e.data FROM einvoices e JOIN invoices i ON i.id = e.invoice_id WHERE i.number = $1`, final).Scan(&xml))
			net, _ := invoice.Split(want, 1900)
			for _, w := range []string{"Ladestrom", `unitCode="KWH">17.4`, fmt.Sprintf("<ram:LineTotalAmount>%d.%02d</ram:LineTotalAmount>", net/100, net%100),
				// one day 49,00 (paid in advance) + 10,27 charged to the card
				fmt.Sprintf("<ram:GrandTotalAmount>%d.%02d</ram:GrandTotalAmount>", (4900+want)/100, (4900+want)%100)} {
				if !strings.Contains(string(xml), w) {
					t.Errorf("the e-invoice lacks %s", w)
				}
			}
		})
	}
}

// chargeLine is the bill's charging line and the kinds of all its lines.
func chargeLine(b billing.Bill) (invoice.Line, []string) {
	for i, k := range b.LineKinds {
		if k == billing.KindCharge {
			return b.Lines[i], b.LineKinds
		}
	}
	return invoice.Line{}, b.LineKinds
}

// TestElectricReturnInBrowser: staff return an electric car from the home
// screen (search → contract → Rücknahme): the form asks the state of
// charge with the handover's value beside it and no fuel level, refuses a
// return without it, and the preview shows the Ladestrom line before the
// return is confirmed and charged.
func TestElectricReturnInBrowser(t *testing.T) {
	j := electricJourney(t, "")
	r := j.book("eva@example.de", "4111111111111111")
	if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/handover", evHandover(80, nil)); status != http.StatusCreated {
		t.Fatalf("API handover: %d %s", status, body)
	}
	c, err := j.st.ContractByReservation(j.sys(), r.ID)
	jm(t, err)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed-ev-"+strings.ReplaceAll(step, " ", "-"))
			t.Fatalf("%s: %v", step, err)
		}
	}
	fail("sign in", j.signIn(ctx))
	fail("open the contract", j.openContract(ctx, c.ID))
	fail("open the return", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-link")),
		chromedp.WaitVisible(chromedp.ID("f-soc")),
	))
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`label[for="f-soc"]`)))
	fail("state of charge label", err)
	fuel, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="fuel_eighths"]').length`))
	fail("fuel buttons", err)
	if !strings.Contains(label, "Ladestand") || !strings.Contains(label, "80 %") || fuel != 0 {
		t.Fatalf("return form: label %q, %d fuel buttons; want the state of charge with the handover's 80 %% and no fuel", label, fuel)
	}
	testenv.AxeClean(t, ctx, "return form of an electric car")
	// without the state of charge: the field says what is missing
	fail("return without charge", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-km"), "1050"),
		chromedp.Click(chromedp.CSS(`#clean-clean + span`)),
	))
	fail("sign", testenv.DrawSignature(ctx))
	fail("submit without charge", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.CSS(`p.field-error[data-field="state_of_charge_percent"]`)),
	))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.field-error[data-field="state_of_charge_percent"]`)))
	fail("charge message", err)
	if !strings.Contains(msg, "Ladestand in Prozent") {
		t.Errorf("missing state of charge says %q", msg)
	}
	fail("enter charge", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-soc"), "50"),
		chromedp.SendKeys(chromedp.ID("f-range"), "190"),
	))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#clean-clean + span`))); err != nil {
		fail("cleanliness", err)
	}
	fail("sign again", testenv.DrawSignature(ctx))
	fail("preview", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.CSS("#return-preview h2")),
	))
	preview, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("return-preview")))
	fail("preview text", err)
	testenv.Screenshot(t, ctx, "ev-return-preview")
	if !strings.Contains(preview, "Ladestrom") || !strings.Contains(preview, "17,4 kWh") || !strings.Contains(preview, "10,27") ||
		!strings.Contains(preview, "30 Prozentpunkte Ladestand") {
		t.Fatalf("the preview lacks the Ladestrom line of 10,27 €:\n%s", preview)
	}
	testenv.AxeClean(t, ctx, "return preview of an electric car")
	fail("confirm", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	))
	_, recs, _, open := j.ledger(c.ID)
	var sold int64
	for _, p := range recs {
		if p.Operation == payment.OpTokenSale && p.Purpose == contract.PurposeFinal && p.Status == payment.StatusApproved {
			sold += p.Amount.Cents
		}
	}
	if sold != 1027 || open != 0 {
		t.Fatalf("charged %d, open %d; want the previewed 10,27 €", sold, open)
	}
}
