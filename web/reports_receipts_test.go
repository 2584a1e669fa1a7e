package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
)

// counterSection returns the counter payments section of the reports page
// ("" when there is none).
func counterSection(body string) string {
	return span(body, `<section class="card" id="counter-payments">`, "</section>")
}

// stationBlock returns the counter payments of station id in section.
func stationBlock(section string, id int64) string {
	start := fmt.Sprintf(`<div class="counter-station" data-station="%d">`, id)
	i := strings.Index(section, start)
	if i < 0 {
		return ""
	}
	rest := section[i+len(start):]
	if j := strings.Index(rest, `<div class="counter-station"`); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestCounterPaymentsReportPage: on 28.11.2026 the REG walk-in was paid
// 68,00 in cash, a terminal payment of 30,00 from the day before was
// reversed and paid by transfer instead, and 20,00 of a credit note were
// paid out in cash; the MUC walk-in was paid 98,00 in cash. The reports
// page for that day shows REG's sums per method (cash net 48,00) and the
// day's rows with contract link, customer, kind, method, reference, signed
// amount and who entered them, without the terminal payment of the day
// before; the REG station user does not see MUC, the admin does. The CSV
// export has German headings and decimal commas.
func TestCounterPaymentsReportPage(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		cs := returnedWithoutCard(t, ce, "reg", "muc")
		reg, muc := cs["reg"], cs["muc"]
		ce.clk.Advance(time.Hour) // 2026-11-28 12:00 UTC
		s := ce.store
		svc := contract.NewService(storeContractDeps(s, ce.clk.Now))
		user := func(u identity.User) context.Context {
			return identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID, UserID: u.ID,
				Name: u.Name, Role: u.Role, StationIDs: u.StationIDs})
		}
		staff, admin := user(ce.station), user(ce.admin)
		receipt := func(ctx context.Context, id int64, method string, cents int64, ref, on string) contract.Receipt {
			t.Helper()
			r, err := svc.RecordReceipt(ctx, id, contract.Receipt{Method: method, AmountCents: cents, Reference: ref, ReceivedOn: on})
			must(t, err)
			return r
		}
		term := receipt(staff, reg.ID, contract.MethodTerminal, 3000, "T-1", "2026-11-27")
		receipt(staff, reg.ID, contract.MethodCash, 6800, "Kassenbon 17", "2026-11-28")
		_, err := svc.ReverseReceipt(staff, reg.ID, term.ID, "falsches Terminal")
		must(t, err)
		receipt(staff, reg.ID, contract.MethodTransfer, 3000, "SEPA-4711", "2026-11-28")
		docs, err := s.ListInvoices(ce.sys(), invoice.Filter{ReservationID: reg.ReservationID})
		must(t, err)
		var final int64
		for _, d := range docs {
			if d.Kind == invoice.KindFinal {
				final = d.ID
			}
		}
		_, err = svc.Refund(staff, reg.ID, final, 2000, "Kulanz", contract.RefundTo{Method: contract.MethodCash})
		must(t, err)
		receipt(admin, muc.ID, contract.MethodCash, 9800, "Kassenbon 18", "2026-11-28")

		// the REG station user: REG only
		c := ce.client(t)
		c.mustLogin(stationEmail)
		p := c.get("/admin/reports?day=2026-11-28")
		wantStatus(t, p, http.StatusOK)
		sec := counterSection(p.body)
		if sec == "" {
			t.Fatalf("no counter payments section:\n%s", excerpt(p.body))
		}
		blk := stationBlock(sec, ce.reg.ID)
		for _, want := range []string{
			"Zahlungen am Schalter am 28.11.2026", "Bargeld netto (Kasse)", `href="/admin/reports/receipts.csv?day=2026-11-28&amp;`,
		} {
			if !strings.Contains(sec, want) {
				t.Errorf("section lacks %q:\n%s", want, sec)
			}
		}
		for _, want := range []string{
			// sums per method: received, paid out, reversed, net
			`<tr data-method="cash"><td>Bar</td><td class="num">68,00 €</td><td class="num">-20,00 €</td><td class="num">0,00 €</td><td class="num" data-net>48,00 €</td></tr>`,
			`<tr data-method="terminal"><td>EC-/Kartenterminal</td><td class="num">0,00 €</td><td class="num">0,00 €</td><td class="num">-30,00 €</td><td class="num" data-net>-30,00 €</td></tr>`,
			`<tr data-method="transfer"><td>Überweisung</td><td class="num">30,00 €</td><td class="num">0,00 €</td><td class="num">0,00 €</td><td class="num" data-net>30,00 €</td></tr>`,
			`data-cash-net>48,00 €</td>`,
			// the rows
			fmt.Sprintf(`<a href="/admin/contracts/%d">%s</a></td><td>Eva Muster</td>`, reg.ID, reg.Number),
			`<td>Storno</td><td>EC-/Kartenterminal</td><td>T-1 <span class="muted">(falsches Terminal)</span></td><td class="num">-30,00 €</td><td>Stefan Station</td>`,
			`<td>Zahlungseingang</td><td>Bar</td><td>Kassenbon 17</td><td class="num">68,00 €</td><td>Stefan Station</td>`,
			`<td>Auszahlung</td><td>Bar</td>`, `<td class="num">-20,00 €</td>`,
			"28.11.2026, 13:00 Uhr",
		} {
			if !strings.Contains(blk, want) {
				t.Errorf("REG block lacks %q:\n%s", want, blk)
			}
		}
		if strings.Count(blk, "<tr data-receipt=") != 4 || strings.Contains(blk, `data-kind="receipt" data-method="terminal"`) {
			t.Errorf("REG rows: want 4 of that day, without the terminal receipt of the day before:\n%s", blk)
		}
		if stationBlock(sec, ce.muc.ID) != "" || strings.Contains(sec, "Kassenbon 18") {
			t.Errorf("the REG station user sees MUC's counter payments:\n%s", sec)
		}

		// the day before: only the terminal receipt
		p = c.get("/admin/reports?day=2026-11-27")
		blk = stationBlock(counterSection(p.body), ce.reg.ID)
		if strings.Count(blk, "<tr data-receipt=") != 1 || !strings.Contains(blk, `data-kind="receipt" data-method="terminal"`) ||
			!strings.Contains(blk, `data-cash-net>0,00 €</td>`) {
			t.Errorf("REG on the day before:\n%s", blk)
		}

		// CSV: German headings, decimal comma, REG only
		p = c.get("/admin/reports/receipts.csv?day=2026-11-28")
		wantStatus(t, p, http.StatusOK)
		if !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") || !strings.Contains(p.header.Get("Content-Disposition"), "receipts.csv") {
			t.Fatalf("CSV headers %v", p.header)
		}
		for _, line := range []string{
			"\ufeffTag;Station;Zahlungsart;Einnahmen (€);Auszahlungen (€);Stornos (€);Netto (€)\n",
			"\n2026-11-28;Regensburg;Bar;68,00;-20,00;0,00;48,00\n",
			"\n2026-11-28;Regensburg;EC-/Kartenterminal;0,00;0,00;-30,00;-30,00\n",
			"\n2026-11-28;Regensburg;Überweisung;30,00;0,00;0,00;30,00\n",
			"\n2026-11-28;Regensburg;Bargeld netto (Kasse);;;;48,00\n",
			"\n\nTag;Station;Erfasst am;Vertrag;Kunde;Art;Zahlungsart;Referenz;Betrag (€);Erfasst von;Grund\n",
			fmt.Sprintf("\n2026-11-28;Regensburg;2026-11-28 13:00;%s;Eva Muster;Storno;EC-/Kartenterminal;T-1;-30,00;Stefan Station;falsches Terminal\n", reg.Number),
			fmt.Sprintf("\n2026-11-28;Regensburg;2026-11-28 13:00;%s;Eva Muster;Zahlungseingang;Bar;Kassenbon 17;68,00;Stefan Station;\n", reg.Number),
		} {
			if !strings.Contains(p.body, line) {
				t.Errorf("CSV lacks %q:\n%s", line, p.body)
			}
		}
		if strings.Contains(p.body, "München") || strings.Contains(p.body, "T-1;30,00") {
			t.Errorf("station CSV has MUC or the day before:\n%s", p.body)
		}

		// the admin sees both stations
		a := ce.client(t)
		a.mustLogin(adminEmail)
		p = a.get("/admin/reports?day=2026-11-28")
		wantStatus(t, p, http.StatusOK)
		sec = counterSection(p.body)
		if blk := stationBlock(sec, ce.muc.ID); !strings.Contains(blk, `data-cash-net>98,00 €</td>`) ||
			!strings.Contains(blk, `<td>Kassenbon 18</td><td class="num">98,00 €</td><td>Karin König</td>`) {
			t.Errorf("admin: MUC block:\n%s", blk)
		}
		if blk := stationBlock(sec, ce.reg.ID); !strings.Contains(blk, `data-cash-net>48,00 €</td>`) {
			t.Errorf("admin: REG block:\n%s", blk)
		}
		p = a.get("/admin/reports/receipts.csv?day=2026-11-28")
		for _, line := range []string{"\n2026-11-28;München Nord;Bar;98,00;0,00;0,00;98,00\n",
			"\n2026-11-28;Regensburg;Bargeld netto (Kasse);;;;48,00\n"} {
			if !strings.Contains(p.body, line) {
				t.Errorf("admin CSV lacks %q:\n%s", line, p.body)
			}
		}

		// in English
		p = a.post("/admin/lang?l=en", url.Values{"csrf": {p2csrf(t, a)}, "next": {"/admin/reports?day=2026-11-28"}})
		wantStatus(t, p, http.StatusOK)
		sec = counterSection(p.body)
		for _, want := range []string{"Counter payments on 28 Nov 2026", "Cash net (till)", "<td>Reversal</td><td>Card terminal</td>", "-€30.00"} {
			if !strings.Contains(sec, want) {
				t.Errorf("English section lacks %q:\n%s", want, sec)
			}
		}
	})
}

// p2csrf returns a CSRF token of c's session.
func p2csrf(t *testing.T, c *client) string {
	t.Helper()
	return c.get("/admin/").csrf(t)
}
