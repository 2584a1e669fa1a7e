package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/web"
)

// journalEnv is a contract env whose service issues e-invoices: the REG
// booking's customer is a business (final invoice with XRechnung), MUC's a
// consumer; the foreign tenant's contract is billed too. In November 2026
// REG has its final invoice, a credit note on it (7 %) and an advance
// invoice; MUC its final invoice; one more REG invoice is from December.
type journalEnv struct {
	*ctEnv
	cs                        map[string]contract.Contract
	regFinal, mucFinal, cn    invoice.Summary
	adv, december, foreignFin invoice.Summary
}

func newJournalEnv(t *testing.T, d store.Dialect) *journalEnv {
	t.Helper()
	ce := newCtEnv(t, d)
	s := ce.store
	deps := storeContractDeps(s, ce.clk.Now)
	deps.EInvoicer = xrechnung.EInvoicer{}
	svc := contract.NewService(deps)
	ce.srv.Close()
	ce.srv = httptest.NewServer(web.New(web.Deps{Identity: ce.id, Users: s, Tenancy: s, Now: ce.clk.Now,
		Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s, Mail: s, Bookings: s, EInvoicer: xrechnung.EInvoicer{},
		Contracts: svc, ContractData: s, Logger: slog.New(slog.NewJSONHandler(ce.log, nil))}))
	t.Cleanup(ce.srv.Close)
	ctx := ce.sys()
	tn, err := s.Tenant(ctx)
	must(t, err)
	tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE", "DE123456789"
	tn.IBAN, tn.BIC, tn.Phone, tn.Email = "DE02120300000000202051", "BYLADEM1001", "+49 941 123456", "info@autohaus-koenig.de"
	must(t, s.UpdateTenant(ctx, &tn))
	biz, err := s.Customer(ctx, ce.res["reg"].CustomerID)
	must(t, err)
	biz.Company, biz.VATID = "Zoe Flotten GmbH", "DE811111111"
	must(t, s.UpdateCustomer(ctx, &biz))

	je := &journalEnv{ctEnv: ce, cs: returnedThrough(t, ce, svc, "reg", "muc", "foreign")}
	summary := func(ctx context.Context, contractID int64, k invoice.Kind) invoice.Summary {
		t.Helper()
		invs, err := s.ListInvoices(ctx, invoice.Filter{ContractID: contractID})
		must(t, err)
		for _, x := range invs {
			if x.Kind == k {
				return x
			}
		}
		t.Fatalf("contract %d has no %s", contractID, k)
		return invoice.Summary{}
	}
	je.regFinal = summary(ctx, je.cs["reg"].ID, invoice.KindFinal)
	je.mucFinal = summary(ctx, je.cs["muc"].ID, invoice.KindFinal)
	je.foreignFin = summary(ce.foreign, je.cs["foreign"].ID, invoice.KindFinal)
	reg := je.cs["reg"]
	pickup := ce.res["reg"].Pickup

	ce.clk.Advance(time.Hour)
	cn := &invoice.Issued{CustomerID: reg.CustomerID, ReservationID: reg.ReservationID, ContractID: reg.ID, StationID: ce.reg.ID,
		CorrectsID: je.regFinal.ID, Language: "de", Invoice: xmlInvoice(invoice.KindCreditNote, pickup, "Zoe Flotten GmbH, Eva Muster", 1070)}
	cn.Invoice.Lines[0].VATRateBP = 700
	cn.Invoice.Corrects = &invoice.Reference{Number: je.regFinal.Number, IssueDate: je.regFinal.IssuedAt}
	issueFor(t, ce.env, ctx, cn)
	ce.clk.Advance(time.Hour)
	adv := &invoice.Issued{CustomerID: reg.CustomerID, ReservationID: reg.ReservationID, StationID: ce.reg.ID, Language: "de",
		Invoice: xmlInvoice(invoice.KindAdvance, pickup, "Zoe Flotten GmbH, Eva Muster", 4999)}
	issueFor(t, ce.env, ctx, adv)
	je.cn = summary(ctx, reg.ID, invoice.KindCreditNote)
	invs, err := s.ListInvoices(ctx, invoice.Filter{ReservationID: reg.ReservationID})
	must(t, err)
	je.adv = invs[len(invs)-1]

	back := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC).Sub(ce.clk.Now())
	ce.clk.Advance(back)
	dec := &invoice.Issued{CustomerID: reg.CustomerID, StationID: ce.reg.ID, Language: "de",
		Invoice: xmlInvoice(invoice.KindStandalone, pickup, "Zoe Flotten GmbH, Eva Muster", 2500)}
	issueFor(t, ce.env, ctx, dec)
	je.december = invoice.Summary{ID: dec.ID, Number: dec.Invoice.Number}
	ce.clk.Advance(-back) // back in November: the default period
	return je
}

// returnedThrough is returnedWithoutCard with the service svc: hands the
// bookings keys over and returns them 26 hours later, which bills them
// (final invoice of 98,00, open without a card).
func returnedThrough(t *testing.T, ce *ctEnv, svc *contract.Service, keys ...string) map[string]contract.Contract {
	t.Helper()
	ctxOf := func(key string) context.Context {
		if key == "foreign" {
			return ce.foreign
		}
		return ce.sys()
	}
	out := map[string]contract.Contract{}
	for _, key := range keys {
		ctx := ctxOf(key)
		tn, err := ce.store.Tenant(ctx)
		must(t, err)
		if tn.Street == "" { // invoices need the supplier's address and tax id
			tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE", "DE123456789"
			must(t, ce.store.UpdateTenant(ctx, &tn))
		}
		c, err := svc.Handover(ctx, &contract.Handover{ReservationID: ce.res[key].ID, LicenceChecked: true, TimingConfirmed: true,
			Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
				LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
			Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 5000, FuelEighths: 8, Cleanliness: "clean"}})
		must(t, err)
		out[key] = c
	}
	ce.clk.Advance(26 * time.Hour)
	for _, key := range keys {
		c := out[key]
		_, res, err := svc.Return(ctxOf(key), &contract.Return{ContractID: c.ID,
			Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 5100, FuelEighths: 8, Cleanliness: "clean"}})
		must(t, err)
		c.Status = res.Status
		out[key] = c
	}
	return out
}

// storedSHA returns the stored SHA-256 of an invoice's PDF and XML ("" if none).
func storedSHA(t *testing.T, s *store.Store, number string) (pdfSum, xmlSum string) {
	t.Helper()
	must(t, s.DB().QueryRow(`SELECT d.sha256, COALESCE(e.sha256, '') FROM invoices i JOIN documents d ON d.invoice_id = i.id
		LEFT JOIN einvoices e ON e.invoice_id = i.id WHERE i.number = $1 AND i.tenant_id = (SELECT id FROM tenants WHERE slug = 'koenig')`,
		number).Scan(&pdfSum, &xmlSum))
	return pdfSum, xmlSum
}

// TestInvoiceListPage: the "Rechnungen" page lists the period's invoices
// and credit notes the user may see, newest first, with links to the PDF,
// booking, contract and stored XRechnung, and the period's totals (credit
// notes negative); a station user sees only its station's, nobody another
// tenant's; the filters select by kind, station, search and period.
func TestInvoiceListPage(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		je := newJournalEnv(t, d)
		s := je.store
		row := func(x invoice.Summary) string { return fmt.Sprintf(`data-invoice="%d"`, x.ID) }

		ac := je.client(t)
		p := ac.mustLogin(adminEmail)
		wantContains(t, p, `href="/admin/invoices"`, ">Rechnungen</a>")
		p = ac.get("/admin/invoices")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, row(je.adv), row(je.cn), row(je.regFinal), row(je.mucFinal),
			`value="2026-11-01"`, `value="2026-11-30"`, "Anzahlungsrechnung", "Gutschrift", "Schlussrechnung",
			fmt.Sprintf(`<a href="/admin/invoices/%d/pdf">%s</a>`, je.regFinal.ID, je.regFinal.Number),
			fmt.Sprintf(`<a href="/admin/reservations/%d">%s</a>`, je.res["reg"].ID, je.res["reg"].Number),
			fmt.Sprintf(`<a href="/admin/contracts/%d">%s</a>`, je.cs["reg"].ID, je.cs["reg"].Number),
			fmt.Sprintf(`<a href="/admin/invoices/%d/xrechnung" class="muted">XRechnung</a>`, je.regFinal.ID),
			"Zoe Flotten GmbH, Eva Muster", "DE811111111", "zu "+je.regFinal.Number,
			`<td class="num">-10,00 €</td>`, `<td class="num">-0,70 €</td>`,
			// totals: 19 % 206,71 net and 39,28 VAT, 7 % −10,00 and −0,70; gross 49,99 + 98 + 98 − 10,70
			"Summe des Zeitraums (Belege: 4)", `<td class="num">196,71 €</td><td class="num">38,58 €</td><td class="num">235,29 €</td>`)
		wantLacks(t, p, row(je.foreignFin), row(je.december), fmt.Sprintf(`/admin/invoices/%d/xrechnung`, je.mucFinal.ID))
		// newest first
		if i, j := strings.Index(p.body, row(je.adv)), strings.Index(p.body, row(je.regFinal)); i > j {
			t.Error("the advance (newest) is not listed before the final invoice")
		}

		sc := je.client(t)
		p = sc.mustLogin(stationEmail)
		wantContains(t, p, `href="/admin/invoices"`)
		p = sc.get("/admin/invoices")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, row(je.adv), row(je.cn), row(je.regFinal), "Summe des Zeitraums (Belege: 3)",
			`<td class="num">137,29 €</td>`)
		wantLacks(t, p, row(je.mucFinal), row(je.foreignFin), row(je.december), "München Nord")

		cases := []struct {
			name        string
			query       string
			want, lacks []invoice.Summary
		}{
			{"credit notes", "kind=credit_note", []invoice.Summary{je.cn}, []invoice.Summary{je.adv, je.regFinal, je.mucFinal}},
			{"finals", "kind=final", []invoice.Summary{je.regFinal, je.mucFinal}, []invoice.Summary{je.adv, je.cn}},
			{"station MUC", fmt.Sprintf("station=%d", je.muc.ID), []invoice.Summary{je.mucFinal}, []invoice.Summary{je.adv, je.cn, je.regFinal}},
			{"search customer", "q=flotten", []invoice.Summary{je.adv, je.cn, je.regFinal}, []invoice.Summary{je.mucFinal}},
			{"search number", "q=" + url.QueryEscape(je.mucFinal.Number), []invoice.Summary{je.mucFinal}, []invoice.Summary{je.cn, je.adv}},
			{"december", "from=2026-12-01&to=2026-12-31", []invoice.Summary{je.december}, []invoice.Summary{je.adv, je.regFinal, je.mucFinal}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := ac.get("/admin/invoices?" + tc.query)
				wantStatus(t, p, http.StatusOK)
				for _, x := range tc.want {
					wantContains(t, p, row(x))
				}
				for _, x := range tc.lacks {
					wantLacks(t, p, row(x))
				}
			})
		}
		// the station user asking for MUC gets nothing of MUC's
		p = sc.get(fmt.Sprintf("/admin/invoices?station=%d", je.muc.ID))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="inv-none"`)
		wantStatus(t, ac.get("/admin/invoices?kind=bogus"), http.StatusBadRequest)
		p = ac.get("/admin/invoices?from=2026-11-10&to=2026-11-01")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, "Der Zeitraum endet vor seinem Beginn.")

		// the PDF link sends the stored bytes; another station's is 404
		x := ac.get(fmt.Sprintf("/admin/invoices/%d/pdf", je.regFinal.ID))
		wantStatus(t, x, http.StatusOK)
		sum := sha256.Sum256([]byte(x.body))
		if want, _ := storedSHA(t, s, je.regFinal.Number); hex.EncodeToString(sum[:]) != want || !strings.HasPrefix(x.body, "%PDF") {
			t.Errorf("PDF download differs from the stored document")
		}
		wantStatus(t, sc.get(fmt.Sprintf("/admin/invoices/%d/pdf", je.mucFinal.ID)), http.StatusNotFound)
		wantStatus(t, ac.get(fmt.Sprintf("/admin/invoices/%d/pdf", je.foreignFin.ID)), http.StatusNotFound)
	})
}

// TestInvoiceJournalCSV: the journal export is UTF-8 with BOM, semicolon
// separated, decimal comma; one line per document with the stored amounts
// per VAT rate (final invoices as billed, credit notes negative) and a
// totals line; a station user's holds only its station's documents; a
// period over 400 days is refused.
func TestInvoiceJournalCSV(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		je := newJournalEnv(t, d)
		ac := je.client(t)
		ac.mustLogin(adminEmail)
		p := ac.get("/admin/invoices/export.csv?from=2026-11-01&to=2026-11-30")
		wantStatus(t, p, http.StatusOK)
		if ct := p.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		if cd := p.header.Get("Content-Disposition"); cd != `attachment; filename="Rechnungsausgangsbuch-2026-11-01-2026-11-30.csv"` {
			t.Errorf("disposition %q", cd)
		}
		if !strings.HasPrefix(p.body, "\ufeff") {
			t.Fatal("no byte order mark")
		}
		regRes, mucRes := je.res["reg"].Number, je.res["muc"].Number
		regCt, mucCt := je.cs["reg"].Number, je.cs["muc"].Number
		want := []string{
			"Rechnungsnummer;Datum;Belegart;Kunde;Kostenträger;USt-IdNr. Kunde;Station;Buchungsnummer;Vertragsnummer;Bezug (korrigierte Rechnung);" +
				"Netto 19 %;USt 19 %;Netto 7 %;USt 7 %;Brutto;Abgezogene Anzahlungen (brutto)",
			je.adv.Number + ";28.11.2026;Anzahlungsrechnung;Zoe Flotten GmbH, Eva Muster;;;Regensburg;" + regRes + ";;;42,01;7,98;0,00;0,00;49,99;",
			je.cn.Number + ";28.11.2026;Gutschrift;Zoe Flotten GmbH, Eva Muster;;;Regensburg;" + regRes + ";" + regCt + ";" + je.regFinal.Number +
				";0,00;0,00;-10,00;-0,70;-10,70;",
			je.mucFinal.Number + ";28.11.2026;Schlussrechnung;Eva Muster;;;München Nord;" + mucRes + ";" + mucCt + ";;82,35;15,65;0,00;0,00;98,00;0,00",
			je.regFinal.Number + ";28.11.2026;Schlussrechnung;Zoe Flotten GmbH, Eva Muster;;DE811111111;Regensburg;" + regRes + ";" + regCt +
				";;82,35;15,65;0,00;0,00;98,00;0,00",
			"Summe (Belege: 4);;;;;;;;;;206,71;39,28;-10,00;-0,70;235,29;0,00",
		}
		got := strings.Split(strings.TrimSuffix(strings.TrimPrefix(p.body, "\ufeff"), "\r\n"), "\r\n")
		if len(got) != len(want) {
			t.Fatalf("%d lines, want %d:\n%s", len(got), len(want), p.body)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("line %d:\n got %q\nwant %q", i+1, got[i], want[i])
			}
		}

		// the station user's journal: REG only, and only the rates it has
		sc := je.client(t)
		sc.mustLogin(stationEmail)
		p = sc.get("/admin/invoices/export.csv")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, je.adv.Number, je.regFinal.Number, "Summe (Belege: 3);;;;;;;;;;124,36;23,63;-10,00;-0,70;137,29;0,00")
		wantLacks(t, p, je.mucFinal.Number, "München Nord")
		// only credit notes: negative, one rate
		p = ac.get("/admin/invoices/export.csv?kind=credit_note")
		wantContains(t, p, ";Netto 7 %;USt 7 %;Brutto;", "Summe (Belege: 1);;;;;;;;;;-10,00;-0,70;-10,70;0,00")
		wantLacks(t, p, "Netto 19 %")

		// over 400 days: refused with a message
		p = ac.get("/admin/invoices/export.csv?from=2025-10-01&to=2026-11-30")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, "höchstens 400 Tage")
		wantStatus(t, ac.get("/admin/invoices/export.csv?from=2025-10-27&to=2026-11-30"), http.StatusOK) // 400 days
	})
}

// TestInvoiceJournalZIP: the archive holds every document's stored PDF
// (byte for byte, by its SHA-256), the stored XRechnung of the business
// customer's final invoice, and the journal CSV; a station user's holds its
// station's only; a period over 400 days is refused.
func TestInvoiceJournalZIP(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		je := newJournalEnv(t, d)
		s := je.store
		ac := je.client(t)
		ac.mustLogin(adminEmail)
		p := ac.get("/admin/invoices/export.zip?from=2026-11-01&to=2026-11-30")
		wantStatus(t, p, http.StatusOK)
		if ct := p.header.Get("Content-Type"); ct != "application/zip" {
			t.Errorf("content type %q", ct)
		}
		files := unzip(t, p.body)
		csvName := "Rechnungsausgangsbuch-2026-11-01-2026-11-30.csv"
		want := []string{csvName, je.adv.Number + ".pdf", je.cn.Number + ".pdf", je.mucFinal.Number + ".pdf", je.regFinal.Number + ".pdf",
			je.regFinal.Number + ".xml"}
		sort.Strings(want)
		if got := sortedKeys(files); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("archive holds %v, want %v", got, want)
		}
		for _, x := range []invoice.Summary{je.adv, je.cn, je.mucFinal, je.regFinal} {
			pdfSum, xmlSum := storedSHA(t, s, x.Number)
			if sum := sha256.Sum256(files[x.Number+".pdf"]); hex.EncodeToString(sum[:]) != pdfSum {
				t.Errorf("%s.pdf differs from the stored document", x.Number)
			}
			if xmlSum == "" {
				continue
			}
			if sum := sha256.Sum256(files[x.Number+".xml"]); hex.EncodeToString(sum[:]) != xmlSum {
				t.Errorf("%s.xml differs from the stored e-invoice", x.Number)
			}
		}
		if !bytes.Contains(files[je.regFinal.Number+".xml"], []byte("<ram:ID>"+je.regFinal.Number+"</ram:ID>")) {
			t.Errorf("XML is not the final's XRechnung: %.200s", files[je.regFinal.Number+".xml"])
		}
		csvPage := ac.get("/admin/invoices/export.csv?from=2026-11-01&to=2026-11-30")
		if string(files[csvName]) != csvPage.body {
			t.Errorf("CSV in the archive differs from the export:\n%s", files[csvName])
		}

		sc := je.client(t)
		sc.mustLogin(stationEmail)
		files = unzip(t, sc.get("/admin/invoices/export.zip").body)
		if _, ok := files[je.mucFinal.Number+".pdf"]; ok || len(files) != 5 {
			t.Errorf("station user's archive: %v", sortedKeys(files))
		}

		p = ac.get("/admin/invoices/export.zip?from=2025-01-01&to=2026-11-30")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, "höchstens 400 Tage")
	})
}

func unzip(t *testing.T, body string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		if _, dup := out[f.Name]; dup {
			t.Errorf("%s twice in the archive", f.Name)
		}
		out[f.Name] = b
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
