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
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
)

var proposalRE = regexp.MustCompile(`(?s)<tr data-invoice="(\d+)" data-level="(\d)">[^\n]*\n[^\n]*?data-claimed="(\d+)"`)

// proposal reads the dunning page's proposal: invoice id → level, claimed.
func proposal(t *testing.T, c *client) (map[string][2]string, page) {
	t.Helper()
	p := c.get("/admin/dunning")
	wantStatus(t, p, http.StatusOK)
	out := map[string][2]string{}
	for _, m := range proposalRE.FindAllStringSubmatch(p.body, -1) {
		out[m[1]] = [2]string{m[2], m[3]}
	}
	return out, p
}

// TestPayerDunning (both databases): the tenant's three levels (days and
// fees set on the page; a bad fee is refused and changes nothing); an
// open payer invoice reaches the Zahlungserinnerung 7 days after its due
// date, the 1. Mahnung 14 days later, the 2. Mahnung 14 days after that,
// each level once: the run issues a numbered notice with its PDF (the open
// amount, the fees so far, the new deadline) e-mailed to the payer; a
// second run the same day issues nothing; a partial transfer in between
// lowers what the next level claims; a payer's Mahnsperre and an
// invoice's keep them out until lifted.
func TestPayerDunning(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, _, ct, _ := handedOver(t, d)
		ins, man, _ := coverPayers(t, ce.env)
		ins.Email = "mahnwesen@huk.example"
		must(t, ce.store.UpdatePayer(ce.sys(), &ins))
		svc := contract.NewService(storeContractDeps(ce.store, ce.clk.Now))
		a := issuePayerDoc(t, ce, ct, ins, 10000, 0)
		b := issuePayerDoc(t, ce, ct, ins, 5000, 0)
		cc := issuePayerDoc(t, ce, ct, man, 3000, 0)
		c := ce.client(t)
		c.mustLogin(adminEmail)
		dpath := "/admin/dunning"
		form := url.Values{"csrf": {c.token(dpath)}, "days_1": {"7"}, "days_2": {"14"}, "days_3": {"14"}, "fee_1": {"0"},
			"fee_2": {"-5,00"}, "fee_3": {"10,00"}, "term_days": {"10"}, "text_3": {"Letzte Aufforderung vor dem Mahnbescheid."}}
		p := c.post(dpath+"/settings", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if set, _ := svc.DunningSettingsOf(ce.sys()); set.Levels[2].FeeCents != 1000 || set.Levels[2].Text != "" {
			// the defaults stand: 10,00 € and no own text
			t.Fatalf("a refused form changed the settings: %+v", set)
		}
		form.Set("fee_2", "5,00")
		p = c.post(dpath+"/settings", form)
		wantStatus(t, p, http.StatusOK)
		// Mahnsperren: the VW programme as a payer, invoice b alone
		p = c.post(dpath+"/blocks", url.Values{"csrf": {c.token(dpath)}, "block_payer": {fmt.Sprint(man.ID)}, "block_reason": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, "Grund der Mahnsperre")
		p = c.post(dpath+"/blocks", url.Values{"csrf": {c.token(dpath)}, "block_payer": {fmt.Sprint(man.ID)}, "block_reason": {"Rahmenvertrag: Sammelzahlung"}})
		wantStatus(t, p, http.StatusOK)
		p = c.post(dpath+"/blocks", url.Values{"csrf": {c.token(dpath)}, "block_payer": {fmt.Sprint(ins.ID)},
			"block_invoice": {fmt.Sprint(b.ID)}, "block_reason": {"Rechnung beanstandet"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Rahmenvertrag: Sammelzahlung", "Rechnung beanstandet")

		run := func(wantIssued int) page {
			t.Helper()
			p := c.post(dpath+"/run", url.Values{"csrf": {c.token(dpath)}})
			wantStatus(t, p, http.StatusOK)
			wantContains(t, p, fmt.Sprintf("%d Mahnschreiben erstellt.", wantIssued))
			return p
		}
		if got, _ := proposal(t, c); len(got) != 0 {
			t.Fatalf("due today, proposed already: %v", got)
		}
		ce.clk.Advance(7 * 24 * time.Hour)
		c.mustLogin(adminEmail)
		got, _ := proposal(t, c)
		if len(got) != 1 || got[fmt.Sprint(a.ID)] != [2]string{"1", "10000"} {
			t.Fatalf("day 7: proposal %v, want only invoice %d at level 1 claiming 100,00", got, a.ID)
		}
		run(1)
		run(0) // the same day again: nothing twice
		ce.clk.Advance(24 * time.Hour)
		c.mustLogin(adminEmail)
		must(t, svc.RecordPayerTransfer(ce.sys(), &contract.PayerPayment{InvoiceID: a.ID, AmountCents: 4000,
			ReceivedOn: ce.clk.Now().Format("2006-01-02"), Reference: "HUK Teilzahlung"}))
		ce.clk.Advance(13 * 24 * time.Hour) // 14 days after the reminder
		c.mustLogin(adminEmail)
		got, _ = proposal(t, c)
		if got[fmt.Sprint(a.ID)] != [2]string{"2", "6500"} || len(got) != 1 {
			t.Fatalf("day 21: proposal %v, want level 2 claiming 60,00 + 5,00", got)
		}
		run(1)
		ce.clk.Advance(14 * 24 * time.Hour)
		c.mustLogin(adminEmail)
		got, _ = proposal(t, c)
		if got[fmt.Sprint(a.ID)] != [2]string{"3", "7500"} {
			t.Fatalf("day 35: proposal %v, want level 3 claiming 60,00 + 5,00 + 10,00", got)
		}
		p = run(1)
		wantContains(t, p, "2. Mahnung", "MA-")
		ce.clk.Advance(30 * 24 * time.Hour)
		c.mustLogin(adminEmail)
		if got, _ = proposal(t, c); len(got) != 0 {
			t.Fatalf("after the 2. Mahnung: proposal %v", got)
		}
		notices, err := svc.DunningOverview(ce.sys(), time.UTC)
		must(t, err)
		if len(notices.Notices) != 3 {
			t.Fatalf("%d notices, want 3", len(notices.Notices))
		}
		for i, n := range notices.Notices {
			if n.InvoiceID != a.ID || n.Level != i+1 || n.To != ins.Email {
				t.Errorf("notice %d: %+v", i, n)
			}
		}
		last, err := svc.DunningNoticePDF(ce.sys(), notices.Notices[2].ID)
		must(t, err)
		text := testenv.PDFText(t, last.PDF)
		for _, want := range []string{"2. Mahnung", last.Number, a.Number, "60,00 €", "75,00 €", "Letzte Aufforderung vor dem Mahnbescheid."} {
			if !strings.Contains(text, want) {
				t.Errorf("2. Mahnung PDF lacks %q:\n%s", want, text)
			}
		}
		msgs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 100})
		must(t, err)
		var mails int
		for _, m := range msgs {
			if m.Message.Kind == mail.KindPayerDunning {
				mails++
				if m.Message.To.Email != ins.Email {
					t.Errorf("dunning mail to %s", m.Message.To.Email)
				}
			}
		}
		if mails != 3 {
			t.Errorf("%d dunning mails, want 3 (one per level)", mails)
		}
		// lifting invoice b's block puts it in the proposal
		blocks := regexp.MustCompile(`<tr data-block="(\d+)"><td>HUK`).FindStringSubmatch(c.get(dpath).body)
		if blocks == nil {
			t.Fatal("no block row for HUK")
		}
		wantStatus(t, c.post(dpath+"/blocks/"+blocks[1]+"/lift", url.Values{"csrf": {c.token(dpath)}}), http.StatusOK)
		if got, _ = proposal(t, c); got[fmt.Sprint(b.ID)][0] != "1" || len(got) != 1 {
			t.Errorf("after lifting b's block: proposal %v, want b at level 1 (VW still blocked)", got)
		}
		if _, ok := got[fmt.Sprint(cc.ID)]; ok {
			t.Error("the blocked payer's invoice is proposed")
		}
		// station staff cannot run it
		st := ce.client(t)
		st.mustLogin(stationEmail)
		if p := st.get(dpath); p.status != http.StatusForbidden {
			t.Errorf("station user: %d", p.status)
		}
	})
}

// TestCollectiveInvoiceDunning (both databases): a leasing customer's
// collective invoice (of several rentals, no single contract) is e-mailed
// to it once at issue, is an open item like any payer document and is
// dunned: 7 days after its due date the run issues the
// Zahlungserinnerung, written without a contract.
func TestCollectiveInvoiceDunning(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, ct, fleet := fleetReturned(t, d)
		fleet.Email = "rechnung@ostbayern-leasing.example"
		must(t, ce.store.UpdatePayer(ce.sys(), &fleet))
		a := ce.client(t)
		a.mustLogin(adminEmail)
		link := fmt.Sprintf(`/admin/payers/%d/collective`, fleet.ID)
		m := expectRE.FindStringSubmatch(a.get(link).body)
		if m == nil {
			t.Fatal("no collective preview")
		}
		month := ce.clk.Now().In(time.UTC).Format("2006-01")
		wantStatus(t, a.post(link, url.Values{"csrf": {a.token(link)}, "month": {month}, "expect": {m[1]}}), http.StatusOK)
		on, _, ok, err := ce.store.CollectiveInvoiceOf(ce.sys(), ct.ID)
		must(t, err)
		if !ok {
			t.Fatal("no collective invoice")
		}
		var mailed int
		msgs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 100})
		must(t, err)
		for _, q := range msgs {
			if q.Message.Kind == mail.KindPayerInvoice {
				q, _, err = ce.store.Email(ce.sys(), q.ID)
				must(t, err)
				if q.Message.To.Email != fleet.Email || !strings.Contains(q.Message.Subject, on.Number) || q.ContractID != 0 ||
					len(q.Message.Attachments) == 0 || q.Message.Attachments[0].ContentType != "application/pdf" {
					t.Errorf("collective mail %q to %s, %d attachments", q.Message.Subject, q.Message.To.Email, len(q.Message.Attachments))
				}
				mailed++
			}
		}
		if mailed != 1 {
			t.Errorf("%d collective invoice mails, want 1", mailed)
		}
		p := a.get("/admin/payer-open-items")
		wantContains(t, p, on.Number, "Ostbayern Leasing GmbH")
		ce.clk.Advance(21 * 24 * time.Hour) // 14 days' terms + 7
		a.mustLogin(adminEmail)
		got, _ := proposal(t, a)
		if got[fmt.Sprint(on.ID)][0] != "1" {
			t.Fatalf("proposal %v, want the collective invoice %d at level 1", got, on.ID)
		}
		p = a.post("/admin/dunning/run", url.Values{"csrf": {a.token("/admin/dunning")}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "1 Mahnschreiben erstellt.")
		svc := contract.NewService(storeContractDeps(ce.store, ce.clk.Now))
		run, err := svc.DunningOverview(ce.sys(), time.UTC)
		must(t, err)
		if len(run.Notices) != 1 || run.Notices[0].InvoiceID != on.ID {
			t.Fatalf("notices %+v", run.Notices)
		}
		n, err := svc.DunningNoticePDF(ce.sys(), run.Notices[0].ID)
		must(t, err)
		text := testenv.PDFText(t, n.PDF)
		if !strings.Contains(text, on.Number) || !strings.Contains(text, "Zahlungserinnerung") || strings.Contains(text, "Mietvertrag") {
			t.Errorf("collective reminder:\n%s", text)
		}
	})
}
