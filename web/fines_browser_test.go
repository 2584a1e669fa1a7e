package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/payment"
)

// TestBrowserFineJourney: a letter from the authority arrives weeks after
// the rental. From the home screen a station user goes to the vehicles,
// "Wer fuhr?", types plate and time, records the case on the contract
// found, makes the keeper's answer (both PDFs open), e-mails the letter
// and charges the processing fee to the stored card after confirming the
// amount. Every page of the journey is axe clean.
func TestBrowserFineJourney(t *testing.T) {
	fe := newFineEnv(t, store.SQLite, true)
	when := fe.local(fe.ct.Start.Add(2 * time.Hour))

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
	browserSignIn(t, ctx, fe.env, stationEmail)
	fail("search", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/vehicles"]`)),
		chromedp.WaitVisible(chromedp.ID("fines-link")),
		chromedp.Click(chromedp.ID("fines-link")),
		chromedp.WaitVisible(chromedp.ID("fines-form")),
		chromedp.SendKeys(chromedp.ID("f-plate"), "R-CT 11"),
		chromedp.SetValue(chromedp.ID("f-at"), when),
		chromedp.Click(chromedp.ID("fines-search")),
		chromedp.WaitVisible(chromedp.ID("fines-result")),
	))
	testenv.AxeClean(t, ctx, "fines search result")
	fail("record", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#fines-result a.fines-record`)),
		chromedp.WaitVisible(chromedp.ID("fine-form")),
	))
	testenv.AxeClean(t, ctx, "fine form")
	fail("fill in", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-reference"), "AZ 1234/26"),
		chromedp.SendKeys(chromedp.ID("f-authority_name"), "Stadt Regensburg, Bußgeldstelle"),
		chromedp.SendKeys(chromedp.ID("f-authority_address"), "D.-Martin-Luther-Str. 1\n93047 Regensburg"),
		chromedp.SendKeys(chromedp.ID("f-place"), "Regensburg, Kumpfmühler Str."),
		chromedp.SendKeys(chromedp.ID("f-amount"), "35,00"),
		chromedp.Click(chromedp.ID("fine-save")),
		chromedp.WaitVisible(chromedp.ID("fine-answer-make")),
	))
	testenv.Screenshot(t, ctx, "01-recorded")
	testenv.AxeClean(t, ctx, "fine page")
	fail("answer", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("fine-answer-make")),
		chromedp.WaitVisible(chromedp.ID("fine-answer-pdf")),
	))
	// the documents open: fetched by the signed-in page as the links name them
	for _, id := range []string{"fine-answer-pdf", "fine-letter-pdf"} {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("`+id+`").href).then(r => r.status + " " + r.headers.get("Content-Type"))`,
			chromedp.EvalAwaitPromise))
		fail(id, err)
		if got != "200 application/pdf" {
			t.Fatalf("%s: %s", id, got)
		}
	}
	fail("send", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("fine-send")),
		chromedp.WaitVisible(chromedp.ID("fine-letter-sent")),
		chromedp.Click(chromedp.ID("fine-fee-charge")),
		chromedp.WaitVisible(chromedp.ID("fine-fee-confirm")),
	))
	confirm, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("fine-fee-confirm")))
	fail("confirm text", err)
	if !strings.Contains(confirm, "23,80 €") {
		t.Fatalf("confirmation: %q", confirm)
	}
	testenv.AxeClean(t, ctx, "fee confirmation")
	fail("charge", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("fine-fee-confirm-save")),
		chromedp.WaitVisible(chromedp.ID("fine-fee-done")),
	))
	testenv.Screenshot(t, ctx, "02-fee-charged")
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("fine-status")))
	fail("status", err)
	if status != "Gebühr berechnet" {
		t.Fatalf("status %q", status)
	}
	fs, err := fe.svc.ListFines(fe.ctx, contract.FineFilter{})
	fail("list", err)
	if len(fs) != 1 || fs[0].Reference != "AZ 1234/26" || fs[0].AmountCents != 3500 || fs[0].AnsweredAt == nil || fs[0].LetterSentAt == nil {
		t.Fatalf("fines: %+v", fs)
	}
	recs, err := fe.store.ListPayments(fe.ctx, payment.RecordFilter{ReservationID: fe.ct.ReservationID})
	fail("payments", err)
	n := 0
	for _, r := range recs {
		if r.Purpose == contract.PurposeFineFee && r.Status == payment.StatusApproved && r.Amount.Cents == 2380 {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d fee charges", n)
	}
	fail("list page", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("fines-list-link")),
		chromedp.WaitVisible(chromedp.ID("fines-list")),
	))
	testenv.AxeClean(t, ctx, "fines list")
}
