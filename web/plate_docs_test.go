package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/web"
)

// TestRedPlateOnDocuments: a test drive on red plate R-06 123 names that
// plate — marked as red, with the car's own registration R-CT 11 beside it
// — on everything of the drive that names a plate: the handover and return
// protocol PDFs (read back with pdftotext), their e-mails (text and HTML),
// the contract PDF and the contract page. The car's own plate is never
// printed as the plate it went on.
func TestRedPlateOnDocuments(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		mt, err := mailtmpl.New()
		must(t, err)
		deps := storeContractDeps(ce.store, ce.clk.Now)
		deps.Mailer = mailtmpl.NewContractMailer(mt, "noreply@koenig.test", ce.clk.Now)
		ce.serve(t, func(d *web.Deps) { d.Contracts = contract.NewService(deps) })
		plate := fleet.DealerPlate{Number: "R-06 123", StationID: ce.reg.ID, ValidFrom: "2026-01-01"}
		must(t, ce.store.CreateDealerPlate(ce.sys(), &plate))
		c := ce.client(t)
		c.login(stationEmail, password)
		reg := ce.res["reg"]
		tf := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(45*time.Minute))
		tf.Set("id_document", "passport")
		tf.Set("id_number", "C01X00T47")
		tf.Set("dealer_plate_id", fmt.Sprint(plate.ID))
		td := startUse(t, ce, c, tf)
		ct := handOverUse(t, ce, c, td.ID, "5000", "Paul")
		ce.clk.Advance(30 * time.Minute)
		if p := returnUse(t, c, ct.ID, "5042", 0); p.status != 200 {
			t.Fatalf("return: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		if p := c.post(fmt.Sprintf("/admin/contracts/%d/send", ct.ID), url.Values{"csrf": {c.token(fmt.Sprintf("/admin/contracts/%d", ct.ID))}}); p.status != 200 {
			t.Fatalf("send contract: %d %s", p.status, p.alert())
		}

		flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
		red, own := "R-06 123 (rotes Kennzeichen)", "amtl. Kennzeichen des Fahrzeugs: R-CT 11"
		docs, err := ce.store.ContractDocuments(ce.sys(), ct.ID)
		must(t, err)
		kinds := map[string]bool{}
		for _, doc := range docs {
			kinds[doc.Kind] = true
			p := c.get(fmt.Sprintf("/admin/contracts/%d/documents/%d", ct.ID, doc.ID))
			wantStatus(t, p, 200)
			text := flat(testenv.PDFText(t, []byte(p.body)))
			if !strings.Contains(text, "Kennzeichen "+red) || !strings.Contains(text, own) {
				t.Errorf("%s PDF does not name the red plate with the car's own beside it:\n%s", doc.Kind, text)
			}
			if strings.Contains(text, "Kennzeichen R-CT 11") {
				t.Errorf("%s PDF names the car's own plate as the plate it went on:\n%s", doc.Kind, text)
			}
		}
		for _, k := range []string{contract.DocHandover, contract.DocReturn, contract.DocContract} {
			if !kinds[k] {
				t.Errorf("no %s document among %v", k, kinds)
			}
		}

		qs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 100})
		must(t, err)
		n := 0
		for _, q := range qs {
			m := q.Message
			if !strings.Contains(m.Subject, "protokoll") {
				continue
			}
			n++
			if !strings.Contains(m.Text, "Kennzeichen: "+red+" – "+own) {
				t.Errorf("e-mail %q (text) lacks the red plate:\n%s", m.Subject, m.Text)
			}
			if !strings.Contains(m.HTML, red+"</strong><br>"+own) {
				t.Errorf("e-mail %q (HTML) lacks the red plate", m.Subject)
			}
		}
		if n != 2 {
			t.Errorf("%d protocol e-mails, want 2", n)
		}

		page := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		inner := func(start string) string { return flat(strings.TrimPrefix(span(page.body, start, "<"), start)) }
		if got := inner(`id="ct-vehicle-plate">`); got != red {
			t.Errorf("contract page names the plate %q, want %q", got, red)
		}
		if got := inner(`id="ct-own-plate">`); got != own {
			t.Errorf("contract page names the car's own plate %q, want %q", got, own)
		}
	})
}
