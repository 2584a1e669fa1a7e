package mailtmpl

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
)

// calendarOf returns the calendar attachment of m read back, and its
// Content-Type.
func calendarOf(t *testing.T, m mail.Message) (testenv.ICalendar, string) {
	t.Helper()
	for _, a := range m.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			return testenv.ParseICS(t, a.Data), a.ContentType
		}
	}
	t.Fatalf("%s has no calendar file", m.Kind)
	return testenv.ICalendar{}, ""
}

// TestCalendarStaysTrue: the confirmation, a change and the cancellation
// of one booking carry calendar files that a calendar reads as one entry per
// event being published, updated and removed: the same UIDs throughout, the
// change with a higher SEQUENCE and the new times, the cancellation with
// METHOD:CANCEL, STATUS:CANCELLED and a SEQUENCE above the change's; each
// names the dealer as ORGANIZER (RFC 5546 wants one for PUBLISH and CANCEL).
func TestCalendarStaysTrue(t *testing.T) {
	r := mustNew(t)
	for _, lang := range Langs {
		env := envelope(lang)
		conf, err := r.ReservationConfirmation(env, reservation())
		if err != nil {
			t.Fatal(err)
		}
		chg, err := r.BookingChange(env, changed())
		if err != nil {
			t.Fatal(err)
		}
		can, err := r.BookingCancellation(env, cancellation())
		if err != nil {
			t.Fatal(err)
		}
		c1, ct1 := calendarOf(t, conf)
		c2, ct2 := calendarOf(t, chg)
		c3, ct3 := calendarOf(t, can)
		for _, x := range []struct {
			name   string
			cal    testenv.ICalendar
			ct     string
			method string
			seq    string
			status string
			start  time.Time
			stamp  time.Time
		}{
			{"confirmation", c1, ct1, "PUBLISH", "0", "CONFIRMED", pickup, booked},
			{"change", c2, ct2, "PUBLISH", "2", "CONFIRMED", changed().Pickup, changed().ChangedAt},
			{"cancellation", c3, ct3, "CANCEL", "3", "CANCELLED", pickup, cancellation().CancelledAt},
		} {
			if x.cal.Props["METHOD"].Value != x.method || !strings.HasSuffix(x.ct, "method="+x.method) || x.cal.Props["VERSION"].Value != "2.0" {
				t.Errorf("%s %s: METHOD %q, Content-Type %q", lang, x.name, x.cal.Props["METHOD"].Value, x.ct)
			}
			if len(x.cal.Events) != 2 {
				t.Fatalf("%s %s: %d events", lang, x.name, len(x.cal.Events))
			}
			for i, ev := range x.cal.Events {
				wantUID := []string{"R-2026-000815-pickup@koenig.test", "R-2026-000815-return@koenig.test"}[i]
				if ev["UID"].Value != wantUID || ev["SEQUENCE"].Value != x.seq || ev["STATUS"].Value != x.status {
					t.Errorf("%s %s event %d: UID %q SEQUENCE %q STATUS %q", lang, x.name, i, ev["UID"].Value, ev["SEQUENCE"].Value, ev["STATUS"].Value)
				}
				if o := ev["ORGANIZER"]; o.Value != "mailto:noreply@koenig.test" || o.Params["CN"] != "Autohaus König" {
					t.Errorf("%s %s: ORGANIZER %+v", lang, x.name, o)
				}
				if st, err := ev["DTSTAMP"].Time(); err != nil || !st.Equal(x.stamp) {
					t.Errorf("%s %s: DTSTAMP %v (%v), want %v", lang, x.name, st, err, x.stamp)
				}
			}
			if got, err := x.cal.Events[0]["DTSTART"].Time(); err != nil || !got.Equal(x.start) {
				t.Errorf("%s %s: pickup DTSTART %v (%v), want %v", lang, x.name, got, err, x.start)
			}
		}
		if end, _ := c2.Events[1]["DTSTART"].Time(); !end.Equal(changed().Return) {
			t.Errorf("%s change: return DTSTART %v", lang, end)
		}
		if loc := c1.Events[0]["LOCATION"].Value; loc != "Filiale Hamburg-Süd, Große Straße 12, 20095 Hamburg" {
			t.Errorf("%s: LOCATION %q", lang, loc)
		}
	}
}

// TestReservationMarkup: the schema.org markup of the three messages, in
// the form Gmail's reservation markup documents (its reference example and
// required properties): the car is a RentalCar with name and rentalCompany
// (schema.org's Car has no rentalCompany), the dealer is the provider too,
// pickup and dropoff are Places with a full PostalAddress, and the status,
// modifiedTime and times follow the message.
func TestReservationMarkup(t *testing.T) {
	r := mustNew(t)
	env := envelope(document.English)
	conf, _ := r.ReservationConfirmation(env, reservation())
	chg, _ := r.BookingChange(env, changed())
	can, _ := r.BookingCancellation(env, cancellation())
	for _, x := range []struct {
		name           string
		m              mail.Message
		status, pickup string
		modified       string
	}{
		{"confirmation", conf, "https://schema.org/ReservationConfirmed", "2026-03-14T09:00:00+01:00", ""},
		{"change", chg, "https://schema.org/ReservationConfirmed", "2026-03-16T09:00:00+01:00", "2026-03-11T17:05:00+01:00"},
		{"cancellation", can, "https://schema.org/ReservationCancelled", "2026-03-14T09:00:00+01:00", "2026-03-12T17:05:00+01:00"},
	} {
		start := strings.Index(x.m.HTML, `<script type="application/ld+json">`)
		end := strings.Index(x.m.HTML, "</script>")
		if start < 0 || end < start {
			t.Fatalf("%s: no JSON-LD", x.name)
		}
		var ld map[string]any
		if err := json.Unmarshal([]byte(x.m.HTML[start+len(`<script type="application/ld+json">`):end]), &ld); err != nil {
			t.Fatalf("%s: %v", x.name, err)
		}
		car, _ := ld["reservationFor"].(map[string]any)
		company, _ := car["rentalCompany"].(map[string]any)
		provider, _ := ld["provider"].(map[string]any)
		if ld["@type"] != "RentalCarReservation" || ld["reservationNumber"] != "R-2026-000815" || ld["reservationStatus"] != x.status ||
			car["@type"] != "RentalCar" || car["name"] == "" || company["name"] != "Autohaus König GmbH & Co. KG" ||
			company["url"] != "https://www.koenig.test" || provider["name"] != company["name"] || ld["pickupTime"] != x.pickup {
			t.Errorf("%s: JSON-LD %v", x.name, ld)
		}
		if m, _ := ld["modifiedTime"].(string); m != x.modified {
			t.Errorf("%s: modifiedTime %q, want %q", x.name, m, x.modified)
		}
		for _, loc := range []string{"pickupLocation", "dropoffLocation"} {
			p, _ := ld[loc].(map[string]any)
			a, _ := p["address"].(map[string]any)
			for _, k := range []string{"streetAddress", "postalCode", "addressLocality", "addressCountry"} {
				if s, _ := a[k].(string); p["@type"] != "Place" || p["name"] == "" || s == "" {
					t.Errorf("%s: %s.address.%s missing: %v", x.name, loc, k, p)
				}
			}
		}
		if u, _ := ld["underName"].(map[string]any); u["name"] != "Jörg Müßig" {
			t.Errorf("%s: underName %v", x.name, u)
		}
	}
}
