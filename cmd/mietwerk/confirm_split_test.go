package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// TestAPICoverConfirmation (both databases, the server as wired, mail at
// mailpit): the dealer's server books with payer_id. The cover is stored
// with the booking, so the customer gets one confirmation — no "updated"
// one after it — quoting the split the reservation page shows (the whole,
// the insurer's share, the customer's) from the same figures, and the rent
// paid and the deposit held as the API's answer shows them. A retry of
// the request (the same Idempotency-Key) is answered as the first was and
// sends nothing more.
func TestAPICoverConfirmation(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := ""
			if dialect == "postgres" {
				dsn = testenv.PostgresDSN(t)
			}
			j := newJourneyOn(t, dsn, 1)
			ins := payer.Payer{Kind: payer.KindInsurer, Name: "Allianz Versicherung", Street: "Königinstr. 28", PostalCode: "80802",
				City: "München", Country: "DE", Active: true, Covers: map[string]bool{payer.PartRent: true}, CapDays: 2,
				// an agreed daily rate below the tariff's: the expected rent is not the tariff's estimate
				Rates: []payer.Rate{{CategoryID: j.vehicles[0].CategoryID, PricePerDayCents: 3900}}}
			jm(t, j.st.CreatePayer(j.sys(), &ins))
			pickup := time.Now().Add(27 * time.Hour).Truncate(time.Hour)
			body, _ := json.Marshal(map[string]any{
				"customer": map[string]any{"email": "olga@example.de", "first_name": "Olga", "last_name": "Unfall", "street": "Weg 1",
					"postal_code": "94315", "city": "Straubing", "birth_date": "1985-04-12", "language": "de"},
				"station": "SR", "category": "CDMR", "pickup": pickup.Format(time.RFC3339), "return": pickup.Add(72 * time.Hour).Format(time.RFC3339),
				"payment":  map[string]any{"card": map[string]any{"number": "4111111111111111", "exp_month": 12, "exp_year": 2030, "cvv": "123", "holder": "Olga Unfall"}},
				"payer_id": ins.ID, "claim": map[string]any{"claim_number": "KS-2026-4711"},
			})
			type answer struct {
				Number string `json:"number"`
				Price  struct {
					ChargedNowCents     int64  `json:"charged_now_cents"`
					DepositCents        int64  `json:"deposit_cents"`
					EstimatedTotalCents int64  `json:"estimated_total_cents"`
					PayerShareCents     *int64 `json:"payer_share_cents"`
					DriverShareCents    *int64 `json:"driver_share_cents"`
				} `json:"price"`
				raw string // the whole answer
			}
			book := func() answer {
				req, _ := http.NewRequest("POST", j.srv.URL+"/api/v1/bookings", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+j.key)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "olga-1")
				res, err := http.DefaultClient.Do(req)
				jm(t, err)
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusCreated {
					t.Fatalf("booking: %d %s", res.StatusCode, raw)
				}
				out := answer{raw: string(raw)}
				jm(t, json.Unmarshal(raw, &out))
				return out
			}
			first := book()
			number := first.Number
			r, err := j.st.ReservationByNumber(j.sys(), number)
			jm(t, err)
			j.mails("olga@example.de", 1)
			time.Sleep(500 * time.Millisecond) // an update would follow at once: give it the time to arrive
			msgs := j.mails("olga@example.de", 1)
			if len(msgs) != 1 || strings.Contains(msgs[0].Subject, "aktualisiert") || !strings.Contains(msgs[0].Subject, number) {
				var subj []string
				for _, m := range msgs {
					subj = append(subj, m.Subject)
				}
				t.Fatalf("messages to the customer %q; want the one confirmation of %s", subj, number)
			}
			confirmation := msgs[0].Text

			// the reservation page's split
			c := signIn(t, j.srv.URL, "anna@autohaus-koenig.de", jPassword)
			resp, page := get(t, c, fmt.Sprintf("%s/admin/reservations/%d", j.srv.URL, r.ID))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("reservation page: %d", resp.StatusCode)
			}
			cell := func(id string) string {
				m := regexp.MustCompile(`id="` + id + `">([^<]*)<`).FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("the reservation page has no #%s", id)
				}
				return strings.TrimSpace(m[1])
			}
			whole, ofPayer, ofDriver := cell("res-estimate"), cell("estimate-payer"), cell("estimate-driver")
			want := "Voraussichtlicher Mietpreis: " + whole + " – davon übernimmt Allianz Versicherung " + ofPayer +
				"; Ihr Anteil voraussichtlich " + ofDriver
			de := locale.Lang("de")
			paid, deposit := "Bereits bezahlt (erster Miettag): "+de.Money(first.Price.ChargedNowCents), "Kaution: "+de.Money(first.Price.DepositCents)
			if !strings.Contains(confirmation, want) || !strings.Contains(confirmation, paid) || !strings.Contains(confirmation, deposit) ||
				first.Price.ChargedNowCents != 4900 {
				t.Errorf("the confirmation lacks the page's split %q or the answer's %q, %q:\n%s", want, paid, deposit, confirmation)
			}
			if ofPayer == "0,00 €" || whole == "" {
				t.Errorf("the page shows no split: %s, %s, %s", whole, ofPayer, ofDriver)
			}
			// the API's answer: the same three figures
			if p := first.Price; p.PayerShareCents == nil || p.DriverShareCents == nil || de.Money(p.EstimatedTotalCents) != whole ||
				!strings.HasPrefix(ofPayer, de.Money(*p.PayerShareCents)) || de.Money(*p.DriverShareCents) != ofDriver {
				t.Errorf("the answer's price %+v, the page's split %s, %s, %s", p, whole, ofPayer, ofDriver)
			}

			// the retry is answered as the first request: no e-mail more
			if again := book(); again.raw != first.raw {
				t.Fatalf("the retry was answered %s, not %s", again.raw, first.raw)
			}
			var queued int
			jm(t, j.st.DB().QueryRow(`SELECT count(*) FROM emails WHERE to_addr = 'olga@example.de'`).Scan(&queued))
			if queued != 1 {
				t.Errorf("%d messages queued to the customer after the retry, want still 1", queued)
			}
		})
	}
}
