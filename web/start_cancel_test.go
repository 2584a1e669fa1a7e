package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/mail"
)

// bookingFlow is the booking service over e's store with the e-mail
// templates and e's clock (no gateway: bookings nobody paid for).
func bookingFlow(t *testing.T, e *env) *booking.Service {
	t.Helper()
	mt, err := mailtmpl.New()
	must(t, err)
	return booking.NewService(booking.Deps{Bookings: e.store, Changes: e.store, Customers: e.store, Tariffs: e.store,
		Tenancy: e.store, Categories: e.store, Records: e.store, Issued: e.store, Outbox: e.store,
		Mailer: mailtmpl.NewBookingMailer(mt, "noreply@koenig.test", ""), Now: e.clk.Now})
}

// TestCancelledStartMailsNobody: a test drive, an internal trip and a
// transfer started at the counter and cancelled by hand before their
// handover e-mail nobody — not when cancelled, not when the job finishes
// the cancellation — and end settled, like a start the job released; a
// rental cancelled the same way still gets its cancellation e-mail (with
// the calendar file), exactly one.
func TestCancelledStartMailsNobody(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		bookings := bookingFlow(t, ce.env)
		c := ce.client(t)
		c.login(adminEmail, password)
		reg := ce.res["reg"]
		starts := startEach(t, ce, c)
		// cancel cancels booking id from its page, which names it word
		// (the kind of a start, "Reservierung" for a rental): in its
		// heading, its cancel card and the notice after cancelling.
		cancel := func(id int64, number, word string) {
			path := fmt.Sprintf("/admin/reservations/%d", id)
			before := c.get(path)
			wantContains(t, before, "<h1>"+word+" "+number, word+" stornieren</button>", "Ja, diese "+word+" stornieren")
			if rental := word == "Reservierung"; strings.Contains(before.body, `id="res-estimate"`) != rental || strings.Contains(before.body, `id="cover"`) != rental {
				t.Errorf("%s %s: the page shows a rental's estimate and cost cover: %v (a rental's only)", word, number, !rental)
			}
			p := c.post(path+"/cancel", url.Values{"csrf": {before.csrf(t)}, "confirm": {"yes"}})
			if r, _ := ce.store.Reservation(ce.sys(), id); r.Status != booking.StatusCancelled {
				t.Fatalf("cancel %d: %d %s, status %s", id, p.status, p.alert(), r.Status)
			}
			wantContains(t, p, `role="status">Die `+word+" wurde storniert.</p>")
		}
		for k, r := range starts {
			cancel(r.ID, r.Number, startWords[k].de)
		}
		cancel(reg.ID, reg.Number, "Reservierung") // a rental nobody paid for yet
		u, err := url.Parse(ce.srv.URL)            // the English page of a test drive
		must(t, err)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mw_lang", Value: "en", Path: "/"}})
		wantContains(t, c.get(fmt.Sprintf("/admin/reservations/%d", starts[booking.KindTestDrive].ID)), "<h1>Test drive "+starts[booking.KindTestDrive].Number)
		ce.clk.Advance(time.Minute)
		n, err := bookings.FinishCancellations(identity.WithActor(t.Context(), identity.System()), 0, 100)
		must(t, err)
		if n != 4 {
			t.Errorf("FinishCancellations settled %d, want the 4 cancellations", n)
		}
		mails := func(id int64) []mail.Queued {
			qs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{ReservationID: id, Limit: 10})
			must(t, err)
			return qs
		}
		for k, r := range starts {
			if qs := mails(r.ID); len(qs) != 0 {
				t.Errorf("%s cancelled before its handover e-mailed %s: %q", k, qs[0].Message.To, qs[0].Message.Subject)
			}
			if got, _ := ce.store.Reservation(ce.sys(), r.ID); got.SettledAt == nil {
				t.Errorf("%s: cancellation not settled", k)
			}
		}
		qs := mails(reg.ID)
		if len(qs) != 1 || qs[0].Message.Kind != mail.KindBookingCancellation || qs[0].Message.Subject != "Stornierung Ihrer Reservierung "+reg.Number {
			t.Fatalf("the rental's cancellation e-mails: %+v", qs)
		}
		full, _, err := ce.store.Email(ce.sys(), qs[0].ID)
		must(t, err)
		ics := false
		for _, a := range full.Message.Attachments {
			ics = ics || strings.HasPrefix(a.ContentType, "text/calendar")
		}
		if !ics {
			t.Errorf("the rental's cancellation lacks its calendar file: %+v", qs[0].Message.Attachments)
		}
	})
}

// startWords is how a booking of each kind is named to a person, in German
// and English: a start by its kind, a rental "Reservierung".
var startWords = map[booking.Kind]struct{ de, en string }{
	booking.KindRental:    {"Reservierung", "Reservation"},
	booking.KindTestDrive: {"Probefahrt", "Test drive"},
	booking.KindInternal:  {"Dienstfahrt", "Internal trip"},
	booking.KindTransfer:  {"Überführung", "Transfer"},
}

// startEach starts a test drive, an internal trip and a transfer at the
// counter of Regensburg, each with a car of its own, returning in two
// hours (the transfer to Munich), and returns them by kind.
func startEach(t *testing.T, ce *ctEnv, c *client) map[booking.Kind]booking.Reservation {
	t.Helper()
	reg := ce.res["reg"]
	car := func(n int) int64 {
		v := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: fmt.Sprintf("R-CT %d", 40+n),
			VIN: fmt.Sprintf("WVWZZZ1KZAW1000%02d", 40+n), Make: "VW", Model: "Polo", OdometerKM: 100, FuelEighths: 8}
		must(t, ce.store.CreateVehicle(ce.sys(), &v))
		return v.ID
	}
	ret := ce.clk.Now().Add(2 * time.Hour)
	drive := useForm("test_drive", car(1), ce.reg.ID, ret)
	drive.Set("id_document", "id_card")
	drive.Set("id_number", "L01X00T47")
	trip := useForm("internal", car(2), ce.reg.ID, ret)
	trip.Set("email", "hans.haus@autohaus-koenig.de")
	trip.Set("purpose", "Reifen holen")
	trip.Set("cost_centre", "KST 4711")
	move := useForm("transfer", car(3), ce.reg.ID, ret)
	move.Set("email", "fritz.fahrer@autohaus-koenig.de")
	move.Set("destination_id", fmt.Sprint(ce.muc.ID))
	starts := map[booking.Kind]booking.Reservation{}
	for _, f := range []url.Values{drive, trip, move} {
		r := startUse(t, ce, c, f)
		starts[r.Use.Kind] = r
	}
	return starts
}
