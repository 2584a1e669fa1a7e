package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
)

// calendars returns the calendar files of the queued e-mails of a kind,
// read back, oldest first.
func (e *env) calendars(t *testing.T, kind mail.Kind) []testenv.ICalendar {
	t.Helper()
	ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
	rows, err := e.st.DB().Query(`SELECT id FROM emails WHERE kind = $1 ORDER BY id`, string(kind))
	must(t, err)
	var ids []int64
	for rows.Next() {
		var id int64
		must(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	must(t, rows.Err())
	rows.Close()
	var out []testenv.ICalendar
	for _, id := range ids {
		q, _, err := e.st.Email(ctx, id)
		must(t, err)
		for _, a := range q.Message.Attachments {
			if strings.HasPrefix(a.ContentType, "text/calendar") {
				out = append(out, testenv.ParseICS(t, a.Data))
			}
		}
	}
	return out
}

// TestChangeAndCancelKeepTheCalendarTrue: on both databases, a booking's
// period changed through the API sends a change e-mail whose calendar file
// has the confirmation's UIDs, SEQUENCE 1 and the new times; a change of the
// customer's phone alone sends none; a second period change (costing more,
// so with an invoice in the same transaction) SEQUENCE 2; the cancellation
// METHOD:CANCEL with SEQUENCE 3.
func TestChangeAndCancelKeepTheCalendarTrue(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		num := e.book(t, "kalender@example.de", day(3, 9), day(4, 9), "ics1")
		conf := e.calendars(t, mail.KindReservationConfirmation)
		if len(conf) != 1 || conf[0].Events[0]["SEQUENCE"].Value != "0" {
			t.Fatalf("confirmation calendar: %+v", conf)
		}
		uids := []string{conf[0].Events[0]["UID"].Value, conf[0].Events[1]["UID"].Value}
		check := func(cal testenv.ICalendar, method, seq string, pickup, ret time.Time) {
			t.Helper()
			if cal.Props["METHOD"].Value != method || len(cal.Events) != 2 {
				t.Fatalf("METHOD %q with %d events, want %s", cal.Props["METHOD"].Value, len(cal.Events), method)
			}
			for i, ev := range cal.Events {
				at, err := ev["DTSTART"].Time()
				if ev["UID"].Value != uids[i] || ev["SEQUENCE"].Value != seq || err != nil || !at.Equal([]time.Time{pickup, ret}[i]) {
					t.Errorf("event %d: UID %q SEQUENCE %q DTSTART %v, want %q %s %v", i, ev["UID"].Value, ev["SEQUENCE"].Value, at,
						uids[i], seq, []time.Time{pickup, ret}[i])
				}
			}
		}
		if r := e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"pickup": day(3, 11).Format(time.RFC3339),
			"return": day(4, 11).Format(time.RFC3339)}); r.status != 200 {
			t.Fatalf("change: %d %s", r.status, r.raw)
		}
		changes := e.calendars(t, mail.KindBookingChange)
		if len(changes) != 1 {
			t.Fatalf("%d change e-mails after the first change", len(changes))
		}
		check(changes[0], "PUBLISH", "1", day(3, 11), day(4, 11))
		if r := e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"customer": map[string]any{"phone": "+49 9421 77777"}}); r.status != 200 {
			t.Fatalf("phone: %d %s", r.status, r.raw)
		}
		if n := len(e.calendars(t, mail.KindBookingChange)); n != 1 {
			t.Fatalf("a phone change sent a calendar update (%d)", n)
		}
		setDayPrice(t, e, 6400) // the longer period costs more: invoice and change e-mail in one transaction
		if r := e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"return": day(6, 11).Format(time.RFC3339)}); r.status != 200 {
			t.Fatalf("second change: %d %s", r.status, r.raw)
		}
		changes = e.calendars(t, mail.KindBookingChange)
		if len(changes) != 2 {
			t.Fatalf("%d change e-mails after the second change", len(changes))
		}
		check(changes[1], "PUBLISH", "2", day(3, 11), day(6, 11))
		if r := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil); r.status != 200 {
			t.Fatalf("cancel: %d %s", r.status, r.raw)
		}
		cancels := e.calendars(t, mail.KindBookingCancellation)
		if len(cancels) != 1 {
			t.Fatalf("%d cancellation calendars", len(cancels))
		}
		check(cancels[0], "CANCEL", "3", day(3, 11), day(6, 11))
		for _, ev := range cancels[0].Events {
			if ev["STATUS"].Value != "CANCELLED" {
				t.Errorf("cancelled event STATUS %q", ev["STATUS"].Value)
			}
		}
	})
}
