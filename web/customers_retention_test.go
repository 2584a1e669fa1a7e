package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/web"
)

// TestErasureDeletesCardAtGateway: the erasure request deletes the
// customer's stored card at the (simulated) gateway over HTTP right after
// its transaction, and the customer page shows the final deletion date and
// the card state.
func TestErasureDeletesCardAtGateway(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		sim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
		must(t, err)
		t.Cleanup(func() { sim.Close() })
		gw, err := telecash.New(telecash.Config{BaseURL: sim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
			StoreID: telecashsim.DefaultStoreID, Timeout: 2 * time.Second})
		must(t, err)
		ctx := context.Background()
		tok, err := gw.CreateToken(ctx, payment.TokenCreate{Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: 2030},
			TokenID: "tok-anna-web"})
		if err != nil || tok.Outcome != payment.Approved {
			t.Fatalf("create token: %+v, %v", tok, err)
		}
		card := payment.StoredCard{CustomerID: w.anna.ID, Token: "tok-anna-web", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}
		must(t, e.store.SaveCard(e.sys(), &card))

		log := slog.New(slog.NewJSONHandler(e.log, nil))
		e.srv.Close()
		e.srv = httptest.NewServer(web.New(web.Deps{
			Identity: e.id, Users: e.store, Tenancy: e.store, Now: e.clk.Now,
			Fleet: e.store, Damages: e.store, Categories: e.store, Pricing: e.store, Tariffs: e.store,
			Mail: e.store, Bookings: e.store, Logger: log,
			Cards:     payment.NewCardEraser(e.store, payment.SingleGateway{G: gw}, e.clk.Now, nil, log),
			Retention: e.store,
		}))
		t.Cleanup(e.srv.Close)

		for _, r := range []booking.Reservation{w.resReg, w.resMuc} {
			must(t, e.store.SetReservationStatus(e.sys(), r.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		}
		path := fmt.Sprintf("/admin/customers/%d", w.anna.ID)
		ac := e.client(t)
		ac.mustLogin(adminEmail)
		p := ac.get(path)
		wantStatus(t, p, http.StatusOK)
		wantLacks(t, p, `id="cust-retention"`)
		p = ac.get(path + "/erase")
		p = ac.post(path+"/erase", url.Values{"csrf": {p.csrf(t)}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusOK)
		// no invoices: nothing kept, the final deletion runs after today
		wantContains(t, p, `id="cust-erase-on"`, "automatisch nach dem 27.11.2026", `id="cust-cards-deleted"`,
			"1 gespeicherte Karte beim Zahlungsanbieter gelöscht.")
		wantLacks(t, p, `id="cust-cards-pending"`)
		if r, _ := gw.DeleteToken(ctx, "tok-anna-web"); r.Outcome != payment.Failed || r.Reason.Code != payment.ReasonNotFound {
			t.Fatalf("token still at the gateway: %+v", r)
		}
		if st, _ := e.store.RetentionStatus(e.sys(), w.anna.ID); st.CardsDeleted != 1 || st.CardsPending != 0 {
			t.Fatalf("status = %+v", st)
		}

		// Gateway down during the next erasure: the page says it is outstanding.
		sim.Close()
		card2 := payment.StoredCard{CustomerID: w.max.ID, Token: "tok-max-web", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}
		must(t, e.store.SaveCard(e.sys(), &card2))
		must(t, e.store.SetReservationStatus(e.sys(), w.resMax.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		path = fmt.Sprintf("/admin/customers/%d", w.max.ID)
		p = ac.get(path + "/erase")
		p = ac.post(path+"/erase", url.Values{"csrf": {p.csrf(t)}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Löschantrag wurde ausgeführt", `id="cust-cards-pending"`, "Löschung von 1 gespeicherten Karte beim Zahlungsanbieter ausstehend")
	})
}
