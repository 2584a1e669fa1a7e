package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
)

// returnCovered returns the covered contract ct (5100 km) through the
// form: the preview, then the confirmation. It returns the payer's
// document.
func returnCovered(t *testing.T, ce *ctEnv, c *client, ct contract.Contract, payerID int64) invoice.Summary {
	t.Helper()
	path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
	form := handoverForm(c.token(path), false, "5100")
	p := c.post(path, form)
	token := confirmRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || token == nil {
		t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
	}
	form.Set("confirm", token[1])
	if p = c.post(path, form); p.status != http.StatusOK || strings.Contains(p.body, `id="f-confirm"`) {
		t.Fatalf("return: %d %s", p.status, p.alert())
	}
	docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
	must(t, err)
	for _, d := range docs {
		if d.PayerID == payerID {
			return d
		}
	}
	t.Fatalf("no document to payer %d in %+v", payerID, docs)
	return invoice.Summary{}
}

// payerMails are the queued messages of kind payer_invoice.
func payerMails(t *testing.T, ce *ctEnv) []mail.Queued {
	t.Helper()
	msgs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 100})
	must(t, err)
	var out []mail.Queued
	for _, m := range msgs {
		if m.Message.Kind == mail.KindPayerInvoice {
			m, _, err = ce.store.Email(ce.sys(), m.ID) // with its attachments
			must(t, err)
			out = append(out, m)
		}
	}
	return out
}

// TestPayerInvoiceMail (both databases): a payer with an e-mail address
// gets its invoice by e-mail exactly once at issue (PDF attached, linked
// to the contract, not to the driver) and the contract page says where it
// went; a payer without one gets nothing, the page says "nicht versandt –
// keine E-Mail-Adresse", and sending it then is refused with the reason
// and queues nothing — until the address is entered: then the button
// sends it, audited on the contract.
func TestPayerInvoiceMail(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		t.Run("with address", func(t *testing.T) {
			ce, c, ct, man := coveredContract(t, d)
			man.Email = "rechnungen@vw-mobil.example"
			must(t, ce.store.UpdatePayer(ce.sys(), &man))
			doc := returnCovered(t, ce, c, ct, man.ID)
			ms := payerMails(t, ce)
			if len(ms) != 1 {
				t.Fatalf("%d payer mails, want 1", len(ms))
			}
			m := ms[0]
			if m.Message.To.Email != man.Email || m.ContractID != ct.ID || m.CustomerID != 0 || m.Message.Lang != "de" {
				t.Errorf("payer mail to %q, links %+v, lang %s", m.Message.To.Email, m.Links, m.Message.Lang)
			}
			var pdfs int
			for _, a := range m.Message.Attachments {
				if a.ContentType == "application/pdf" && a.DocumentID == doc.DocumentID {
					pdfs++
				}
			}
			if pdfs != 1 {
				t.Errorf("payer mail attachments %+v, want the stored PDF %d", m.Message.Attachments, doc.DocumentID)
			}
			p := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
			wantContains(t, p, "versandt an "+man.Email, fmt.Sprintf(`id="payer-send-%d"`, doc.ID), "Erneut an "+man.Email+" senden")
			if strings.Contains(p.body, "nicht versandt") {
				t.Error("a sent invoice reads as not sent")
			}
		})
		t.Run("without address", func(t *testing.T) {
			ce, c, ct, man := coveredContract(t, d)
			doc := returnCovered(t, ce, c, ct, man.ID)
			if ms := payerMails(t, ce); len(ms) != 0 {
				t.Fatalf("%d payer mails without an address", len(ms))
			}
			page := fmt.Sprintf("/admin/contracts/%d", ct.ID)
			p := c.get(page)
			wantContains(t, p, "nicht versandt – keine E-Mail-Adresse")
			if strings.Contains(p.body, fmt.Sprintf(`id="payer-send-%d"`, doc.ID)) {
				t.Error("a send button without an address")
			}
			send := fmt.Sprintf("/admin/contracts/%d/payer-invoices/%d/send", ct.ID, doc.ID)
			p = c.post(send, url.Values{"csrf": {c.token(page)}})
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantContains(t, p, "keine E-Mail-Adresse")
			if ms := payerMails(t, ce); len(ms) != 0 {
				t.Fatalf("%d payer mails after a refused send", len(ms))
			}
			// another contract's document cannot be sent through this one
			p = c.post(fmt.Sprintf("/admin/contracts/%d/payer-invoices/%d/send", ct.ID, doc.ID+1000), url.Values{"csrf": {c.token(page)}})
			wantStatus(t, p, http.StatusNotFound)

			man.Email = "rechnungen@vw-mobil.example"
			must(t, ce.store.UpdatePayer(ce.sys(), &man))
			p = c.get(page)
			wantContains(t, p, "Jetzt an "+man.Email+" senden")
			p = c.post(send, url.Values{"csrf": {c.token(page)}})
			wantStatus(t, p, http.StatusOK)
			wantContains(t, p, "Die Rechnung wurde an den Kostenträger gesendet.", "versandt an "+man.Email,
				"Rechnung "+doc.Number+" an "+man.Email+" gesendet")
			ms := payerMails(t, ce)
			if len(ms) != 1 || ms[0].Message.To.Email != man.Email {
				t.Fatalf("payer mails %+v", ms)
			}
			var pdf bool
			for _, a := range ms[0].Message.Attachments {
				pdf = pdf || a.DocumentID == doc.DocumentID
			}
			if !pdf {
				t.Errorf("the later mail does not carry the stored PDF: %+v", ms[0].Message.Attachments)
			}
		})
	})
}

// TestPayerTransfers (both databases): transfers from the payer against
// its invoice, partial first: the page's open amount and state follow
// (offen → teilweise bezahlt → überfällig after the due date → bezahlt);
// more than is open, no reference or no reason for a reversal is refused
// with the reason and stores nothing; a mistaken entry is reversed (never
// deleted) and the amount is open again; each entry is audited on the
// contract; the driver's ledger is untouched.
func TestPayerTransfers(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, man := coveredContract(t, d)
		man.PaymentDays = 14
		must(t, ce.store.UpdatePayer(ce.sys(), &man))
		doc := returnCovered(t, ce, c, ct, man.ID)
		if doc.Gross != 4900 {
			t.Fatalf("payer invoiced %d", doc.Gross)
		}
		_, _, _, before := ledgerOf(t, ce, ct.ID)
		path := fmt.Sprintf("/admin/contracts/%d", ct.ID)
		state := func(p page) (open, status string) {
			t.Helper()
			m := regexp.MustCompile(`data-open="` + fmt.Sprint(doc.ID) + `">([^<]*)<`).FindStringSubmatch(p.body)
			s := regexp.MustCompile(`data-status="([a-z]+)"`).FindStringSubmatch(p.body)
			if m == nil || s == nil {
				t.Fatalf("no open amount or state on the page: %s", ctExcerpt(p.body, `id="payer-invoices"`))
			}
			return m[1], s[1]
		}
		p := c.get(path)
		if open, st := state(p); open != "49,00 €" || st != "open" {
			t.Fatalf("after issue: %s %s", open, st)
		}
		wantContains(t, p, `id="payer-payment-form"`, ">offen<")
		today := ce.clk.Now().Format("2006-01-02")
		post := func(amount, on, ref string) page {
			return c.post(path+"/payer-payments", url.Values{"csrf": {c.token(path)}, "payer_invoice": {fmt.Sprint(doc.ID)},
				"payer_amount": {amount}, "payer_received_on": {on}, "payer_reference": {ref}})
		}
		for _, bad := range []struct{ amount, on, ref, want string }{
			{"50,00", today, "SEPA 4711", "Höchstens der offene Betrag von 49,00 €"},
			{"20,00", today, " ", "Bitte die Bankreferenz"},
			{"0", today, "SEPA 4711", "Betrag"},
			{"20,00", "gestern", "SEPA 4711", "Datum des Zahlungseingangs"},
		} {
			p = post(bad.amount, bad.on, bad.ref)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantContains(t, p, bad.want)
		}
		if open, _ := state(c.get(path)); open != "49,00 €" {
			t.Fatalf("a refused transfer changed the open amount to %s", open)
		}
		p = post("20,00", today, "SEPA VW 2026-0815")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Zahlungseingang wurde gespeichert.", "SEPA VW 2026-0815",
			"Überweisung von VW Mobilitätsgarantie über 20,00 € zu "+doc.Number+" erfasst")
		if open, st := state(p); open != "29,00 €" || st != "partial" {
			t.Fatalf("after 20,00: %s %s", open, st)
		}
		wantContains(t, p, ">teilweise bezahlt<")
		// after the due date (14 days) the rest is overdue
		ce.clk.Advance(15 * 24 * time.Hour)
		c.mustLogin(stationEmail)
		p = c.get(path)
		if open, st := state(p); open != "29,00 €" || st != "overdue" {
			t.Fatalf("after the due date: %s %s", open, st)
		}
		// the 20,00 was a mistake: reversed with a reason, open again
		pays, err := ce.store.PayerPayments(ce.sys(), ct.ID)
		must(t, err)
		if len(pays) != 1 {
			t.Fatalf("payments %+v", pays)
		}
		rev := fmt.Sprintf("%s/payer-payments/%d/reverse", path, pays[0].ID)
		p = c.post(rev, url.Values{"csrf": {c.token(path)}, "invoice": {fmt.Sprint(doc.ID)}, "reason": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, "warum der Zahlungseingang storniert wird")
		p = c.post(rev, url.Values{"csrf": {c.token(path)}, "invoice": {fmt.Sprint(doc.ID)}, "reason": {"falscher Kostenträger"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Zahlungseingang wurde storniert", "falscher Kostenträger")
		if open, _ := state(p); open != "49,00 €" {
			t.Fatalf("after the reversal: %s", open)
		}
		p = c.post(rev, url.Values{"csrf": {c.token(path)}, "invoice": {fmt.Sprint(doc.ID)}, "reason": {"noch einmal"}})
		wantStatus(t, p, http.StatusConflict)
		// the whole amount: paid, no form any more
		p = post("49,00", ce.clk.Now().Format("2006-01-02"), "SEPA VW 2026-0999")
		wantStatus(t, p, http.StatusOK)
		if open, st := state(p); open != "0,00 €" || st != "paid" {
			t.Fatalf("after 49,00: %s %s", open, st)
		}
		if strings.Contains(p.body, `id="payer-payment-form"`) {
			t.Error("the transfer form is offered for a paid invoice")
		}
		pays, err = ce.store.PayerPayments(ce.sys(), ct.ID)
		must(t, err)
		if len(pays) != 3 || pays[0].ReversedByID != pays[1].ID {
			t.Fatalf("entries %+v: the mistaken one must stay, reversed", pays)
		}
		if _, _, _, after := ledgerOf(t, ce, ct.ID); after != before {
			t.Errorf("the driver's open amount moved from %d to %d", before, after)
		}
	})
}

// ledgerOf is the driver's ledger of contract id.
func ledgerOf(t *testing.T, ce *ctEnv, id int64) (contract.Contract, int, int, int64) {
	t.Helper()
	c, err := ce.store.Contract(ce.sys(), id)
	must(t, err)
	svc := contract.NewService(storeContractDeps(ce.store, ce.clk.Now))
	l, recs, docs, err := svc.Ledger(ce.sys(), id)
	must(t, err)
	return c, len(recs), len(docs), l.Open()
}
