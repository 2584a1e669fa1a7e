package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
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
			// the journal's CSV names the payer next to the customer
			p = c.get("/admin/invoices/export.csv")
			wantStatus(t, p, http.StatusOK)
			wantContains(t, p, ";Kunde;Kostenträger;", ";VW Mobilitätsgarantie (Herstellerprogramm);")
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

// issuePayerDoc issues a standalone document of gross cents to payer p for
// contract ct, payable within days, at the clock's time.
func issuePayerDoc(t *testing.T, ce *ctEnv, ct contract.Contract, p payer.Payer, gross int64, days int) invoice.Summary {
	t.Helper()
	now := ce.clk.Now()
	iss := &invoice.Issued{CustomerID: ct.CustomerID, ReservationID: ct.ReservationID, ContractID: ct.ID, StationID: ct.StationID,
		PayerID: p.ID, Language: "de", Invoice: invoice.Invoice{Kind: invoice.KindStandalone, Currency: "EUR",
			ServicePeriod: invoice.Period{From: now.Add(-48 * time.Hour), To: now},
			Supplier: invoice.Party{Name: "Autohaus König GmbH", Address: invoice.Address{Street: "Hauptstr. 1", PostalCode: "93047",
				City: "Regensburg", Country: "DE"}, VATID: "DE123456789"},
			Recipient: invoice.Party{Name: p.Name, Address: invoice.Address{Street: "Bahnhofsplatz 1", PostalCode: "96444", City: "Coburg", Country: "DE"}},
			Lines:     []invoice.Line{{Description: "Ersatzwagen", QuantityMilli: 1000, Unit: "day", UnitGross: gross, VATRateBP: 1900}},
			Payment:   invoice.Payment{Means: invoice.MeansOpen, TermsDays: days}}}
	must(t, ce.store.IssueInvoice(ce.sys(), invoice.IssueRequest{Issued: iss, Loc: time.UTC, Render: func(inv invoice.Invoice) ([]byte, error) {
		return []byte("%PDF-1.4 " + inv.Number), nil
	}}))
	return invoice.Summary{ID: iss.ID, Number: iss.Invoice.Number, Gross: gross}
}

var openRowRE = regexp.MustCompile(`<tr data-invoice="(\d+)" data-open="(\d+)" data-bucket="(\d)">`)

// TestPayerOpenItems (both databases): the open-items page groups the
// payers' open documents by payer and age (nicht fällig, 1–30, 31–60, >60
// Tage überfällig); each payer's total is the sum of its documents' open
// amounts (a partial transfer counted, a paid document gone), the grand
// total theirs; the CSV has one line per open document. Reached from the
// navigation.
func TestPayerOpenItems(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		ins, man, _ := coverPayers(t, ce.env)
		svc := contract.NewService(storeContractDeps(ce.store, ce.clk.Now))
		a := issuePayerDoc(t, ce, ct, ins, 10000, 30) // day 0, due day 30
		dd := issuePayerDoc(t, ce, ct, ins, 7000, 0)  // day 0, due at once
		ce.clk.Advance(40 * 24 * time.Hour)
		b := issuePayerDoc(t, ce, ct, ins, 20000, 30) // day 40, due day 70
		cc := issuePayerDoc(t, ce, ct, man, 5000, 0)  // day 40, due day 40
		paid := issuePayerDoc(t, ce, ct, man, 3000, 0)
		ce.clk.Advance(25 * 24 * time.Hour) // day 65
		on := ce.clk.Now().Format("2006-01-02")
		must(t, svc.RecordPayerTransfer(ce.sys(), &contract.PayerPayment{InvoiceID: a.ID, AmountCents: 3000, ReceivedOn: on, Reference: "HUK 1"}))
		must(t, svc.RecordPayerTransfer(ce.sys(), &contract.PayerPayment{InvoiceID: paid.ID, AmountCents: 3000, ReceivedOn: on, Reference: "VW 1"}))
		c.mustLogin(stationEmail)
		p := c.get("/admin/")
		wantContains(t, p, `href="/admin/payer-open-items"`) // in the Verwaltung menu
		p = c.get("/admin/payer-open-items")
		wantStatus(t, p, http.StatusOK)
		want := map[int64][2]int64{a.ID: {7000, contract.Bucket31to60}, dd.ID: {7000, contract.BucketOver60},
			b.ID: {20000, contract.BucketNotDue}, cc.ID: {5000, contract.Bucket1to30}}
		rows := openRowRE.FindAllStringSubmatch(p.body, -1)
		if len(rows) != len(want) {
			t.Fatalf("%d open rows, want %d: %s", len(rows), len(want), ctExcerpt(p.body, `id="open-items-summary"`))
		}
		for _, r := range rows {
			id, _ := strconv.ParseInt(r[1], 10, 64)
			open, _ := strconv.ParseInt(r[2], 10, 64)
			bucket, _ := strconv.ParseInt(r[3], 10, 64)
			if w, ok := want[id]; !ok || w[0] != open || w[1] != bucket {
				t.Errorf("row %d: open %d bucket %d, want %v", id, open, bucket, w)
			}
		}
		// the payers' totals: each the sum of its documents' open amounts
		totals := regexp.MustCompile(`<tr data-payer="(\d+)">.*?data-total="(\d+)"`).FindAllStringSubmatch(p.body, -1)
		got := map[string]string{}
		for _, m := range totals {
			got[m[1]] = m[2]
		}
		if got[fmt.Sprint(ins.ID)] != "34000" || got[fmt.Sprint(man.ID)] != "5000" || len(got) != 2 {
			t.Errorf("payer totals %v, want HUK 34000 and VW 5000", got)
		}
		wantContains(t, p, "340,00 €", "390,00 €", "31–60 Tage überfällig", "&gt;60 Tage überfällig", "nicht fällig", "1–30 Tage überfällig")
		if strings.Contains(p.body, paid.Number) {
			t.Error("a paid document is listed as open")
		}
		// each document's dunning level and block: a dunning run reaches
		// level 1 for the overdue ones; a block on one document shows
		if strings.Contains(p.body, `data-blocked="true"`) || strings.Contains(p.body, `data-level="1"`) {
			t.Fatal("a dunning level or block before any run or block")
		}
		if _, err := svc.IssueDunning(ce.sys(), time.UTC); err != nil {
			t.Fatal(err)
		}
		must(t, svc.SetDunningBlock(ce.sys(), ins.ID, dd.ID, "Zahlung zugesagt"))
		p = c.get("/admin/payer-open-items")
		levels := regexp.MustCompile(`(?s)<tr data-invoice="(\d+)"[^>]*>.*?data-level="(\d)" data-blocked="(true|false)"`).FindAllStringSubmatch(p.body, -1)
		lv := map[string]string{}
		for _, m := range levels {
			lv[m[1]] = m[2] + "/" + m[3]
		}
		if lv[fmt.Sprint(a.ID)] != "1/false" || lv[fmt.Sprint(dd.ID)] != "1/true" || lv[fmt.Sprint(b.ID)] != "0/false" {
			t.Errorf("dunning levels/blocks %v (a %d, dd %d, b %d)", lv, a.ID, dd.ID, b.ID)
		}
		wantContains(t, p, "Zahlungserinnerung", "Mahnsperre")
		if csv := c.get("/admin/payer-open-items.csv"); !strings.Contains(csv.body, dd.Number+";") || !strings.Contains(csv.body, ";Zahlungserinnerung;Mahnsperre") {
			t.Errorf("CSV without the dunning level and block:\n%s", csv.body)
		}
		csv := c.get("/admin/payer-open-items.csv")
		wantStatus(t, csv, http.StatusOK)
		lines := strings.Split(strings.TrimSpace(csv.body), "\n")
		if len(lines) != 5 || !strings.Contains(csv.body, a.Number) || !strings.Contains(csv.body, "HUK-COBURG;") ||
			!strings.Contains(csv.body, ";70,00;35;31–60 Tage überfällig") {
			t.Errorf("CSV:\n%s", csv.body)
		}
	})
}
