package booking

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// TestPlateHoldMarkAndRefusal: a plate held by a start nobody handed over
// is marked "belegt … bis" its release, one on the road "unterwegs …
// Rückgabe geplant" its contract's planned end (else the booking's
// return), the time alone when it is today at the station, with the date
// otherwise, in either language; the refusal of the same hold names the
// release or the contract under its own key.
func TestPlateHoldMarkAndRefusal(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, berlin)
	tomorrow := now.Add(26 * time.Hour)
	start := func(ret time.Duration, st Status) PlateHold {
		return PlateHold{Plate: "R-06 123", Loc: berlin, Customer: "Paul Probe", Car: "VW Golf R-CT 11", Station: "Regensburg",
			Booking: Reservation{ID: 4, Number: "B26-00012", Status: st, Pickup: now, Return: now.Add(ret),
				Use: Use{Kind: KindTestDrive, DealerPlateID: 7, DealerPlate: "R-06 123"}}}
	}
	held := start(45*time.Minute, StatusConfirmed)
	transfer := start(72*time.Hour, StatusConfirmed) // released 4 h after its start
	transfer.Booking.Use.Kind = KindTransfer
	road := start(30*time.Minute, StatusActive)
	road.ContractID, road.ContractNumber, road.ContractStart, road.ContractEnd = 9, "MV26-00007", &now, &tomorrow
	late := start(30*time.Hour, StatusActive) // no contract end read: the booking's return
	late.ContractNumber = "MV26-00008"
	for _, c := range []struct {
		name string
		h    PlateHold
		l    locale.Lang
		want string
	}{
		{"held, today", held, "de", "belegt durch Probefahrt B26-00012 bis 10:45 Uhr"},
		{"held, English", held, "en", "held by Test drive B26-00012 until 10:45"},
		{"transfer over days", transfer, "de", "belegt durch Überführung B26-00012 bis 14:00 Uhr"},
		{"on the road, back tomorrow", road, "de", "unterwegs: Probefahrt MV26-00007, Rückgabe geplant 28.11.2026, 12:00 Uhr"},
		{"on the road, the booking's return", late, "de", "unterwegs: Probefahrt MV26-00008, Rückgabe geplant 28.11.2026, 16:00 Uhr"},
	} {
		if got := c.h.Mark(c.l, now.UTC()); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		h    PlateHold
		key  locale.Key
		when string
	}{{held, "plate.held_by_start", "27.11.2026, 10:45 Uhr"}, {road, "plate.on_the_road", "MV26-00007"}} {
		e, ok := errs.As(c.h.Refusal())
		if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "dealer_plate_id" || e.Fields[0].Code != c.key {
			t.Fatalf("refusal: %+v", e)
		}
		msg := locale.Lang("de").T(c.key, e.Fields[0].Params)
		for _, want := range []string{c.when, "Paul Probe", "R-06 123", "Probefahrt"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s lacks %q: %q", c.key, want, msg)
			}
		}
	}
}
