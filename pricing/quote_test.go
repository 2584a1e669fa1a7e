package pricing

import (
	"testing"
	"time"
)

func TestRentalDays(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, berlin) }
	h24 := Tariff{DayCounting: "24h", GraceMinutes: 59}
	cal := Tariff{DayCounting: "calendar", GraceMinutes: 30}
	cases := []struct {
		name string
		t    Tariff
		p, r time.Time
		want int
	}{
		{"24h one hour", h24, at(1, 8, 0), at(1, 9, 0), 1},
		{"24h exactly one day", h24, at(1, 8, 0), at(2, 8, 0), 1},
		{"24h within grace", h24, at(1, 8, 0), at(2, 8, 59), 1},
		{"24h past grace", h24, at(1, 8, 0), at(2, 9, 0), 2},
		{"24h three days", h24, at(1, 8, 0), at(4, 8, 0), 3},
		{"calendar same day", cal, at(1, 8, 0), at(1, 18, 0), 1},
		{"calendar next day", cal, at(1, 18, 0), at(2, 8, 0), 2},
		{"calendar return just after midnight within grace", cal, at(1, 8, 0), at(2, 0, 20), 1},
		{"calendar over DST-free week", cal, at(1, 8, 0), at(7, 8, 0), 7},
		{"empty period", h24, at(1, 8, 0), at(1, 8, 0), 1},
	}
	for _, c := range cases {
		if got := RentalDays(c.t, c.p, c.r, berlin); got != c.want {
			t.Errorf("%s: %d days, want %d", c.name, got, c.want)
		}
	}
}

func TestQuoteAndBest(t *testing.T) {
	std := Tariff{ID: 1, Kind: "standard", PricePerDayCents: 5900, IncludedKMPerDay: 200, DepositCents: 30000, DayCounting: "24h",
		ValidFrom: "2026-01-01", CategoryIDs: []int64{7}, Active: true}
	cheap := std
	cheap.ID, cheap.PricePerDayCents = 2, 4900
	ws := std
	ws.ID, ws.Kind, ws.PricePerDayCents = 3, "workshop", 1900
	expired := std
	expired.ID, expired.PricePerDayCents, expired.ValidTo = 4, 100, "2026-06-30"
	all := []Tariff{std, cheap, ws, expired}
	if b, _ := Best(all, 7, "2026-12-01", false); b.ID != 2 {
		t.Fatalf("standard best = %d", b.ID)
	}
	if b, _ := Best(all, 7, "2026-12-01", true); b.ID != 3 {
		t.Fatalf("workshop best = %d", b.ID)
	}
	if _, ok := Best(all, 8, "2026-12-01", false); ok {
		t.Fatal("tariff for an unknown category")
	}
	q := QuoteFor(cheap, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), time.UTC, "")
	if q.Days != 4 || q.RentCents != 19600 || q.IncludedKM != 800 || q.ChargeNowCents != 4900 || q.DepositCents != 30000 {
		t.Fatalf("quote = %+v", q)
	}
}
