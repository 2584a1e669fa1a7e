package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

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

var _ = payer.KindInsurer
