package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// reportCSV fetches one report's CSV and returns its rows without the
// heading, keyed by nothing: the test picks what it compares.
func reportCSV(t *testing.T, c *client, name string) [][]string {
	t.Helper()
	p := c.get("/admin/reports/" + name)
	wantStatus(t, p, http.StatusOK)
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\ufeff")))
	r.Comma, r.FieldsPerRecord = ';', -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s: %v\n%s", name, err, p.body)
	}
	return rows[1:]
}

// TestPayerReports: a manufacturer-covered rental (the programme pays one
// of two days) gets the customer's car's VIN on its cover — a wrong VIN is
// refused and changes nothing — and is returned; the report by payer then
// shows the programme's and the driver's documents with their days, and
// the manufacturer claims list the programme's invoice with workshop order,
// VIN, days and amount. Every figure equals the issued invoice it comes
// from, and the payer report's total equals the station report's. Both
// databases.
func TestPayerReports(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, man := coveredContract(t, d)
		cover := fmt.Sprintf("/admin/reservations/%d/cover", ct.ReservationID)
		form := url.Values{"csrf": {c.token(cover)}, "mode": {payer.ModePayer}, "payer_id": {fmt.Sprint(man.ID)},
			"customer_vin": {"WVWZZZ1KZAW00000O"}, "customer_plate": {"r-kw 123"}}
		p := c.post(cover, form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.fieldErrors()["customer_vin"]; !strings.Contains(got, "17 Zeichen") {
			t.Errorf("wrong VIN: field errors %v", p.fieldErrors())
		}
		if cv, _ := ce.store.Cover(ce.sys(), ct.ReservationID); cv.CustomerVIN != "" || cv.CustomerPlate != "" {
			t.Fatalf("a refused cover changed the stored one: %+v", cv)
		}
		form.Set("customer_vin", " wvwzzz1kz-aw000001 ")
		if p = c.post(cover, form); p.status != http.StatusOK && p.status != http.StatusSeeOther {
			t.Fatalf("cover: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		const vin = "WVWZZZ1KZAW000001"
		if cv, _ := ce.store.Cover(ce.sys(), ct.ReservationID); cv.CustomerVIN != vin || cv.CustomerPlate != "R-KW 123" {
			t.Fatalf("stored cover %+v", cv)
		}
		// the contract page shows the customer's car and the terms the rental is billed on
		wantContains(t, c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID)), `id="cover-vin">`+vin, `id="cover-terms">`)

		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		rf := handoverForm(c.token(path), false, "5100")
		p = c.post(path, rf)
		token := confirmRE.FindStringSubmatch(p.body)
		if token == nil {
			t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		rf.Set("confirm", token[1])
		if p = c.post(path, rf); p.status != http.StatusOK {
			t.Fatalf("return: %d %s", p.status, p.alert())
		}
		payerDoc, final := payerAndFinal(t, ce, ct.ID, man.ID)
		de := locale.Lang("de")
		money := de.Money
		programmeKind := de.T("payer.kind.manufacturer")

		// by payer: the programme's invoice and the driver's final, with
		// the day each bills (cap: one of two days)
		byPayer := map[string][]string{}
		for _, r := range reportCSV(t, c, "payer-revenue.csv") {
			byPayer[r[1]] = r
		}
		if r := byPayer["VW Mobilitätsgarantie"]; r == nil || r[2] != programmeKind || r[3] != "1" || r[4] != "1" || r[6] != csvMoney(payerDoc.Gross) {
			t.Errorf("programme row %q, want 1 document, 1 day, %s", r, csvMoney(payerDoc.Gross))
		}
		if r := byPayer["Fahrer (Selbstzahler)"]; r == nil || r[4] != "1" || r[6] != csvMoney(final.Gross) {
			t.Errorf("drivers row %q, want 1 day, %s", r, csvMoney(final.Gross))
		}
		// one fact, one source: both revenue reports count the same documents
		var byPayerGross, byStationGross int64
		for _, v := range reportRevenue(t, ce, c) {
			byStationGross += v
		}
		for _, r := range byPayer {
			byPayerGross += parseMoney(t, r[6])
		}
		if byPayerGross != byStationGross || byPayerGross != payerDoc.Gross+final.Gross {
			t.Errorf("payer report total %d, station report %d, documents %d", byPayerGross, byStationGross, payerDoc.Gross+final.Gross)
		}

		// the manufacturer's claim: one row per invoice to the programme
		claims := reportCSV(t, c, "manufacturer-claims.csv")
		if len(claims) != 1 {
			t.Fatalf("claims %q, want the programme's one invoice", claims)
		}
		cl := claims[0]
		if cl[0] != "VW Mobilitätsgarantie" || cl[2] != payerDoc.Number || cl[4] != "Rechnung" || cl[6] != vin || cl[7] != "R-KW 123" ||
			cl[9] != ct.Number || cl[12] != "1" || cl[14] != csvMoney(payerDoc.Gross) {
			t.Errorf("claim row %q, want invoice %s, VIN %s, 1 day, %s", cl, payerDoc.Number, vin, csvMoney(payerDoc.Gross))
		}

		// the page shows the same figures
		p = c.get("/admin/reports")
		wantStatus(t, p, http.StatusOK)
		month := locale.Lang("de").MonthYear(payerDoc.IssuedAt.In(berlinLoc)) // "November 2026", not "2026-11"
		wantContains(t, p, "<td>"+month+"</td>", `id="payer-revenue"`, "Umsatz und Miettage je Kostenträger", `id="manufacturer-claims"`,
			`<tr data-invoice="`+payerDoc.Number+`">`, vin, `data-gross>`+money(payerDoc.Gross)+`</td>`)
		if strings.Contains(p.body, "data-missing-vin") {
			t.Errorf("the claim is marked as missing its VIN")
		}
	})
}

// reportRevenue returns the gross of each row of revenue.csv.
func reportRevenue(t *testing.T, _ *ctEnv, c *client) []int64 {
	t.Helper()
	var out []int64
	for _, r := range reportCSV(t, c, "revenue.csv") {
		out = append(out, parseMoney(t, r[4]))
	}
	return out
}

// parseMoney reads a German amount ("1.234,50 €") as cents.
// csvMoney is cents as the CSV exports write them: "1234,50", "-30,00".
func csvMoney(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d,%02d", sign, c/100, c%100)
}

func parseMoney(t *testing.T, s string) int64 {
	t.Helper()
	var neg bool
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€"))
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		neg = true
		s = strings.TrimLeft(s, "-−")
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", "")
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	if neg {
		n = -n
	}
	return n
}
