package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// returnedCovered is coveredContract returned and billed through the
// return form: the manufacturer's programme invoiced its share (49,00 €),
// the driver (no card) the rest.
func returnedCovered(t *testing.T, d store.Dialect) (*ctEnv, *client, contract.Contract, payer.Payer) {
	t.Helper()
	ce, c, ct, man := coveredContract(t, d)
	path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
	form := handoverForm(c.token(path), false, "5100")
	p := c.post(path, form)
	token := confirmRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || token == nil {
		t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
	}
	form.Set("confirm", token[1])
	if p = c.post(path, form); p.status != http.StatusOK {
		t.Fatalf("return: %d %s", p.status, p.alert())
	}
	return ce, c, ct, man
}

var resplitTokenRE = regexp.MustCompile(`name="token" value="([0-9a-f]+)"`)

// TestResplitPages: the contract page of a billed covered rental offers to
// change the cover afterwards; the form checks first and lists the
// documents (the programme's invoice cancelled, the driver's share
// invoiced) without changing anything, then issues exactly those; the
// same confirmation sent twice issues nothing more; an invalid choice
// comes back with its field error. Both databases.
func TestResplitPages(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, man := returnedCovered(t, d)
		de := locale.Lang("de")
		payerDoc, _ := payerAndFinal(t, ce, ct.ID, man.ID)
		p := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		wantContains(t, p, `id="cover-resplit"`, "Kostenübernahme nachträglich ändern")
		path := fmt.Sprintf("/admin/contracts/%d/resplit", ct.ID)
		tok := c.token(path)
		// a payer mode without a payer: the field says so
		p = c.post(path, formOf("csrf", tok, "mode", payer.ModePayer, "check", "1"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["payer_id"] == "" {
			t.Errorf("no payer: field errors %v", p.fieldErrors())
		}
		// 10,000 characters with an emoji in the claim: its field says so
		p = c.post(path, formOf("csrf", tok, "mode", payer.ModePayer, "payer_id", fmt.Sprint(man.ID),
			"claim_number", strings.Repeat("😀", 10000), "check", "1"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["claim_number"] == "" {
			t.Errorf("a 10,000-character claim: field errors %v", p.fieldErrors())
		}
		before, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
		must(t, err)
		// check: the plan, nothing issued
		p = c.post(path, formOf("csrf", tok, "mode", payer.ModeDriver, "check", "1"))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="resplit-plan"`, "Gutschrift zu "+payerDoc.Number, "−"+de.Money(payerDoc.Gross),
			"Storno der Rechnung "+payerDoc.Number, "zahlt "+de.Money(payerDoc.Gross)+" mehr")
		m := resplitTokenRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("the plan has no token")
		}
		if now, _ := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID}); len(now) != len(before) {
			t.Fatalf("checking issued %d documents", len(now)-len(before))
		}
		// confirm: issued, back on the contract page
		confirm := formOf("csrf", tok, "mode", payer.ModeDriver, "token", m[1], "confirm", "1")
		p = c.post(path, confirm)
		wantStatus(t, p, http.StatusOK)
		if !strings.HasSuffix(p.url.Path, fmt.Sprintf("/admin/contracts/%d", ct.ID)) {
			t.Fatalf("after the re-split at %s: %s", p.url, p.alert())
		}
		wantContains(t, p, "Abrechnung neu aufgeteilt")
		after, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
		must(t, err)
		var credit, driverInv *invoice.Summary
		for i, d := range after[len(before):] {
			switch {
			case d.Kind == invoice.KindCreditNote && d.PayerID == man.ID:
				credit = &after[len(before)+i]
			case d.Kind == invoice.KindStandalone && d.PayerID == 0:
				driverInv = &after[len(before)+i]
			}
		}
		if len(after)-len(before) != 2 || credit == nil || driverInv == nil || credit.Gross != payerDoc.Gross ||
			driverInv.Gross != payerDoc.Gross || credit.CorrectsID != payerDoc.ID {
			t.Fatalf("issued %+v", after[len(before):])
		}
		wantContains(t, p, credit.Number, driverInv.Number)
		// the billed summary no longer names the cancelled invoice as billed
		if facts := ctExcerpt(p.body, `id="billed-facts"`); strings.Contains(facts, payerDoc.Number) {
			t.Errorf("billed facts name the cancelled %s: %s", payerDoc.Number, facts)
		}
		// the cover card says who pays now; the driver (no card) owes both shares
		wantContains(t, p, "Der Fahrer zahlt alles")
		got, err := ce.store.Contract(ce.sys(), ct.ID)
		must(t, err)
		if got.Status != contract.StatusPaymentOpen {
			t.Errorf("contract %s, want payment_open (no card for the difference)", got.Status)
		}
		// the same confirmation again: refused, nothing more issued
		p = c.post(path, confirm)
		wantStatus(t, p, http.StatusConflict)
		if again, _ := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID}); len(again) != len(after) {
			t.Errorf("a second confirmation issued %d documents", len(again)-len(after))
		}
	})
}

// TestBrowserResplit: staff go from the home screen to the billed
// contract, change its cover afterwards (the programme refused: the driver
// pays everything), check the plan and issue it; the contract page then
// lists the programme's credit note. The form passes axe-core.
func TestBrowserResplit(t *testing.T) {
	ce, _, ct, man := returnedCovered(t, store.SQLite)
	payerDoc, _ := payerAndFinal(t, ce, ct.ID, man.ID)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	fail := testenv.Steps(t, tab, "resplit")
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("contract", chromedp.Do(ctx, append(toContract(ct.ID),
		chromedp.WaitVisible(chromedp.ID("cover-resplit")),
		chromedp.Click(chromedp.ID("cover-resplit")),
		chromedp.WaitVisible(chromedp.ID("resplit-intro")),
		chromedp.Click(chromedp.ID("mode-driver")),
		chromedp.Click(chromedp.ID("resplit-check")),
		chromedp.WaitVisible(chromedp.ID("resplit-plan")),
	)...))
	plan, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("resplit-plan")))
	fail("read plan", err)
	de := locale.Lang("de")
	for _, want := range []string{"Gutschrift zu " + payerDoc.Number, man.Name, "−" + de.Money(payerDoc.Gross)} {
		if !strings.Contains(plan, want) {
			t.Fatalf("plan lacks %q:\n%s", want, plan)
		}
	}
	// the end as prefilled (to the minute) is the recorded one: no correction of it
	if strings.Contains(plan, "Mietende") || strings.Contains(plan, "geändertem Mietende") {
		t.Fatalf("the prefilled end reads as a correction:\n%s", plan)
	}
	testenv.AxeClean(t, ctx, "resplit")
	testenv.Screenshot(t, ctx, "resplit-plan")
	fail("confirm", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("resplit-confirm")),
		chromedp.WaitVisible(chromedp.ID("payer-invoices")),
	))
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	fail("read contract", err)
	docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
	must(t, err)
	var credit string
	for _, d := range docs {
		if d.Kind == invoice.KindCreditNote && d.PayerID == man.ID {
			credit = d.Number
		}
	}
	if credit == "" || !strings.Contains(page, credit) || !strings.Contains(page, "neu aufgeteilt") {
		t.Fatalf("contract page lacks the credit note %q:\n%.2000s", credit, page)
	}
	testenv.Screenshot(t, ctx, "resplit-done")
}

// formOf is a form of key, value pairs.
func formOf(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

// TestCorrectReturnPage: a return recorded too late is corrected from the
// contract page ("Rückgabezeit korrigieren"): a wrong time comes back with
// its field error; the plan names the recorded and the corrected end and
// the documents; confirmed, the contract ends at the corrected time, the
// change is in its history and the driver's money follows. Both databases.
func TestCorrectReturnPage(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, man := returnedCovered(t, d)
		p := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		wantContains(t, p, `id="return-correct"`, "Rückgabezeit korrigieren")
		got, err := ce.store.Contract(ce.sys(), ct.ID)
		must(t, err)
		loc := time.FixedZone("", 0)
		if st, err := ce.store.Station(ce.sys(), got.StationID); err == nil {
			loc = st.Location()
		}
		path := fmt.Sprintf("/admin/contracts/%d/resplit", ct.ID)
		tok := c.token(path)
		base := []string{"csrf", tok, "mode", payer.ModePayer, "payer_id", fmt.Sprint(man.ID), "check", "1"}
		for _, bad := range []string{"gestern", got.Start.Add(-time.Hour).In(loc).Format("2006-01-02T15:04")} {
			p = c.post(path, formOf(append(base, "ended_at", bad)...))
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if p.fieldErrors()["ended_at"] == "" {
				t.Errorf("end %q: field errors %v", bad, p.fieldErrors())
			}
		}
		real := got.Start.Add(6 * time.Hour).In(loc)
		p = c.post(path, formOf(append(base, "ended_at", real.Format("2006-01-02T15:04"))...))
		wantStatus(t, p, http.StatusOK)
		de := locale.Lang("de")
		wantContains(t, p, `id="resplit-end"`, "erfasst "+de.DateTime(got.EndedAt.In(loc)), "korrigiert "+de.DateTime(real))
		m := resplitTokenRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("the plan has no token")
		}
		confirm := formOf("csrf", tok, "mode", payer.ModePayer, "payer_id", fmt.Sprint(man.ID), "ended_at", real.Format("2006-01-02T15:04"),
			"token", m[1], "confirm", "1")
		p = c.post(path, confirm)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Abrechnung neu aufgeteilt", "Rückgabezeit korrigiert")
		got, err = ce.store.Contract(ce.sys(), ct.ID)
		must(t, err)
		if !got.EndedAt.Equal(real) {
			t.Errorf("contract ends %v, want %v", got.EndedAt, real)
		}
		l, _, _, err := ce.svc.Ledger(ce.sys(), ct.ID)
		must(t, err)
		bl, _, err := ce.svc.Billed(ce.sys(), ct.ID)
		must(t, err)
		if bl.Days != 1 {
			t.Errorf("billed %d days after the correction, want 1", bl.Days)
		}
		// one day: the programme covers it all, so the driver's share
		// (owed, no card) is credited and nothing is open any more
		if l.Billed() != 0 || l.Open() != 0 || got.Status != contract.StatusBilled {
			t.Errorf("driver's ledger %+v, contract %s", l, got.Status)
		}
	})
}

// TestResplitWhileBillingUnfinished: a billed rental whose billing run
// stopped before it was marked finished (the process died there) keeps
// its cover until billing has finished: the re-split form says so in the
// reader's language, answers 409 and changes nothing. Both databases.
func TestResplitWhileBillingUnfinished(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, man := returnedCovered(t, d)
		// the state a process leaves that died before billing's last step
		if _, err := ce.store.DB().Exec(`UPDATE contracts SET billed_at = NULL WHERE id = $1`, ct.ID); err != nil {
			t.Fatal(err)
		}
		before, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
		must(t, err)
		path := fmt.Sprintf("/admin/contracts/%d/resplit", ct.ID)
		p := c.post(path, formOf("csrf", c.token(path), "mode", payer.ModeDriver, "check", "1"))
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "Die Abrechnung dieser Miete ist noch nicht abgeschlossen")
		after, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
		must(t, err)
		cv, err := ce.store.Cover(ce.sys(), ct.ReservationID)
		must(t, err)
		if len(after) != len(before) || cv.PayerID != man.ID {
			t.Errorf("refused re-split: %d → %d documents, cover payer %d (want %d)", len(before), len(after), cv.PayerID, man.ID)
		}
	})
}

// TestCoverWhileBillingUnfinishedPage: billing that has started and not
// finished — it waits for the dealer's invoice settings (the contract given
// back to returned, the reservation completed by billing's claim), or the
// process died before marking it finished (billed, not finished) — shows
// on the contract page as the truth in the reader's language: no working
// link to change the cover (neither directly nor after billing), the
// explanation instead (on the reservation's page too). Posting the cover
// form anyway answers 409 with that explanation, not "billed or
// cancelled", and changes nothing. Both databases.
func TestCoverWhileBillingUnfinishedPage(t *testing.T) {
	const explained = "Die Abrechnung dieser Miete wurde begonnen, ist aber noch nicht abgeschlossen; sie wird automatisch fortgesetzt."
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		for _, stop := range []string{"settings missing", "died before finished"} {
			t.Run(stop, func(t *testing.T) {
				var ce *ctEnv
				var c *client
				var ct contract.Contract
				var man payer.Payer
				if stop == "settings missing" {
					// the tenant lacks its supplier address: billing claims the
					// contract, finds it, and gives it back to returned
					ce, c, ct, _ = handedOver(t, d)
					_, man, _ = coverPayers(t, ce.env)
					must(t, ce.store.SetCover(ce.sys(), &payer.Cover{ReservationID: ct.ReservationID, Mode: payer.ModePayer, PayerID: man.ID}))
					ce.clk.Advance(30 * time.Hour)
					c.mustLogin(stationEmail)
					path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
					form := handoverForm(c.token(path), false, "5100")
					token := confirmRE.FindStringSubmatch(c.post(path, form).body)
					if token == nil {
						t.Fatal("no return preview")
					}
					form.Set("confirm", token[1])
					c.post(path, form)
				} else {
					// the state a process leaves that died before billing's last step
					ce, c, ct, man = returnedCovered(t, d)
					if _, err := ce.store.DB().Exec(`UPDATE contracts SET status = 'billed', billed_at = NULL WHERE id = $1`, ct.ID); err != nil {
						t.Fatal(err)
					}
				}
				got, err := ce.store.Contract(ce.sys(), ct.ID)
				must(t, err)
				res, err := ce.store.Reservation(ce.sys(), ct.ReservationID)
				must(t, err)
				if !contract.BillingUnfinished(got.Status, got.BilledAt != nil, res.Status) {
					t.Fatalf("not the state: contract %s (billed at %v), reservation %s", got.Status, got.BilledAt, res.Status)
				}
				p := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
				wantStatus(t, p, http.StatusOK)
				wantContains(t, p, `id="cover-billing-unfinished"`, explained)
				wantLacks(t, p, `id="cover-change"`, `id="cover-resplit"`, `id="return-correct"`,
					fmt.Sprintf(`href="/admin/reservations/%d/cover"`, ct.ReservationID))
				// the reservation's page says the same
				p = c.get(fmt.Sprintf("/admin/reservations/%d", ct.ReservationID))
				wantContains(t, p, `id="cover-billing-unfinished"`, explained)
				wantLacks(t, p, `id="cover-change"`)
				path := fmt.Sprintf("/admin/reservations/%d/cover", ct.ReservationID)
				p = c.post(path, formOf("csrf", c.token(path), "mode", payer.ModeDriver))
				wantStatus(t, p, http.StatusConflict)
				wantContains(t, p, explained)
				wantLacks(t, p, "abgerechnet oder storniert")
				cv, err := ce.store.Cover(ce.sys(), ct.ReservationID)
				must(t, err)
				if cv.PayerID != man.ID {
					t.Errorf("refused change: cover payer %d, want %d", cv.PayerID, man.ID)
				}
			})
		}
	})
}
