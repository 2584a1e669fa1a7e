package store_test

import (
	"reflect"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/webhook"
)

// TestCoverStore: a reservation is driver-only until staff set a cover; an
// insurer split keeps its claim; internal use needs a cost centre; a payer
// of another tenant, an inactive payer or a date of damage in the future is
// refused and changes nothing; a station user of another station cannot
// see the cover; a billed reservation keeps its cover.
func TestCoverStore(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		admin := as(w.actor(0, -1))
		r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: clk.Now().Add(24 * time.Hour), Return: clk.Now().Add(72 * time.Hour)}
		anna := customer.Customer{Email: "anna@example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1",
			PostalCode: "93047", City: "Regensburg"}
		mustNil(t, s.CreateReservationFor(sys(w.tenants[0].ID), &anna, &r))
		c, err := s.Cover(admin, r.ID)
		mustNil(t, err)
		if c.Mode != payer.ModeDriver || c.PayerID != 0 {
			t.Fatalf("new reservation's cover: %+v", c)
		}
		ins := insurer("HUK-COBURG")
		mustNil(t, s.CreatePayer(admin, &ins))
		cc := payer.Payer{Kind: payer.KindCostCentre, Name: "Kulanz Werkstatt", Country: "DE", Active: true,
			Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true, payer.PartFuel: true}}
		mustNil(t, s.CreatePayer(admin, &cc))
		foreign := insurer("HUK-COBURG")
		mustNil(t, s.CreatePayer(as(w.actor(1, -1)), &foreign))
		off := insurer("Alte Versicherung")
		off.Active = false
		mustNil(t, s.CreatePayer(admin, &off))

		set := payer.Cover{ReservationID: r.ID, Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: " KS-2026-4711 ",
			PolicyNumber: "KH 123 456", DamageDate: "2026-11-25", AtFaultParty: "Max Muster, R-AB 123"}
		mustNil(t, s.SetCover(admin, &set))
		got, err := s.Cover(admin, r.ID)
		mustNil(t, err)
		if got.Mode != payer.ModePayer || got.PayerID != ins.ID || got.ClaimNumber != "KS-2026-4711" ||
			got.DamageDate != "2026-11-25" || got.AtFaultParty != "Max Muster, R-AB 123" {
			t.Fatalf("stored cover: %+v", got)
		}
		for name, bad := range map[string]struct {
			c     payer.Cover
			field string
		}{
			"foreign payer":      {payer.Cover{Mode: payer.ModePayer, PayerID: foreign.ID}, "payer_id"},
			"inactive payer":     {payer.Cover{Mode: payer.ModePayer, PayerID: off.ID}, "payer_id"},
			"internal, insurer":  {payer.Cover{Mode: payer.ModeInternal, PayerID: ins.ID}, "payer_id"},
			"split, cost centre": {payer.Cover{Mode: payer.ModePayer, PayerID: cc.ID}, "payer_id"},
			"future damage":      {payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, DamageDate: "2026-11-28"}, "damage_date"},
			"bad date":           {payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, DamageDate: "25.11.2026"}, "damage_date"},
			"claim two lines":    {payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "a\nb"}, "claim_number"},
			"unknown mode":       {payer.Cover{Mode: "half", PayerID: ins.ID}, "mode"},
		} {
			bad.c.ReservationID = r.ID
			if err := s.SetCover(admin, &bad.c); !fieldErr(err, bad.field) {
				t.Errorf("%s: %v; want an error on %s", name, err, bad.field)
			}
		}
		if again, _ := s.Cover(admin, r.ID); !again.Same(got) || !reflect.DeepEqual(again.Terms, got.Terms) {
			t.Fatalf("a refused cover changed it: %+v", again)
		}
		other := payer.Cover{ReservationID: r.ID, Mode: payer.ModeDriver}
		if err := s.SetCover(as(w.actor(0, 1)), &other); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another station's user sets the cover: %v", err)
		}
		if _, err := s.Cover(as(w.actor(1, -1)), r.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another tenant reads the cover: %v", err)
		}

		internal := payer.Cover{ReservationID: r.ID, Mode: payer.ModeInternal, PayerID: cc.ID, ClaimNumber: "ignored? no: kept"}
		mustNil(t, s.SetCover(as(w.actor(0, 0)), &internal))
		if got, _ := s.Cover(admin, r.ID); got.Mode != payer.ModeInternal || got.PayerID != cc.ID {
			t.Fatalf("internal cover: %+v", got)
		}
		driver := payer.Cover{ReservationID: r.ID, Mode: payer.ModeDriver, PayerID: cc.ID, ClaimNumber: "x"}
		mustNil(t, s.SetCover(admin, &driver))
		if got, _ := s.Cover(admin, r.ID); got != (payer.Cover{ReservationID: r.ID, Mode: payer.ModeDriver}) {
			t.Fatalf("driver-only cover: %+v", got)
		}
		trail, err := s.AuditTrail(admin, "reservation", r.ID)
		mustNil(t, err)
		n := 0
		for _, e := range trail {
			if e.Action == "cover" {
				n++
			}
		}
		if n != 3 {
			t.Fatalf("%d cover entries in the audit trail, want 3", n)
		}

		_, err = s.DB().Exec(`UPDATE reservations SET status = 'completed' WHERE id = $1`, r.ID)
		mustNil(t, err)
		if err := s.SetCover(admin, &set); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("cover of a billed reservation changed: %v", err)
		}
	})
}

// TestChangeCoverReportsChange: ChangeCover returns the cover stored
// before; each change — a payer set, its claim edited, the cover removed —
// is audited and announced once as booking.changed; saving what is stored
// already (the claim as typed with spaces, the driver again) writes,
// audits and announces nothing. Whether the split changed (the updated
// confirmation's trigger) is told apart from a claim edit: SameTerms.
func TestChangeCoverReportsChange(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		admin := as(w.actor(0, -1))
		t0 := w.tenants[0].ID
		hook := endpoint(t, s, t0, "https://hooks.example.de/all", false)
		r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: clk.Now().Add(24 * time.Hour), Return: clk.Now().Add(72 * time.Hour)}
		anna := customer.Customer{Email: "anna@example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1",
			PostalCode: "93047", City: "Regensburg"}
		mustNil(t, s.CreateReservationFor(sys(t0), &anna, &r))
		ins := insurer("Allianz Versicherung")
		mustNil(t, s.CreatePayer(admin, &ins))
		counts := func() (audits, events int) {
			trail, err := s.AuditTrail(admin, "reservation", r.ID)
			mustNil(t, err)
			for _, e := range trail {
				if e.Action == "cover" {
					audits++
				}
			}
			for _, d := range deliveries(t, s, t0, hook.ID) {
				if d.Type == webhook.BookingChanged {
					events++
				}
			}
			return audits, events
		}
		for i, step := range []struct {
			c              payer.Cover
			write, resplit bool
		}{
			{payer.Cover{Mode: payer.ModeDriver}, false, false}, // driver-only already
			{payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "KS-1"}, true, true},
			{payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "  KS-1 "}, false, false},
			{payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "KS-2"}, true, false},
			{payer.Cover{Mode: payer.ModeDriver, PayerID: ins.ID, ClaimNumber: "x"}, true, true},
			{payer.Cover{Mode: payer.ModeDriver}, false, false},
		} {
			a0, e0 := counts()
			before, err := s.Cover(admin, r.ID)
			mustNil(t, err)
			step.c.ReservationID = r.ID
			prev, err := s.ChangeCover(admin, &step.c)
			mustNil(t, err)
			a1, e1 := counts()
			want := 0
			if step.write {
				want = 1
			}
			if !prev.Same(before) || !prev.SameTerms(before) || a1-a0 != want || e1-e0 != want || prev.SameTerms(step.c) == step.resplit {
				t.Errorf("step %d (%+v): prev %+v (stored %+v), %d audit entries and %d booking.changed events, split changed %v; want %d, %v",
					i, step.c, prev, before, a1-a0, e1-e0, !prev.SameTerms(step.c), want, step.resplit)
			}
		}
		// a refused cover changes nothing and returns no cover
		bad := payer.Cover{ReservationID: r.ID, Mode: payer.ModePayer, PayerID: ins.ID, DamageDate: "25.11.2026"}
		if prev, err := s.ChangeCover(admin, &bad); prev.Mode != "" || !fieldErr(err, "damage_date") {
			t.Fatalf("refused cover: %+v, %v", prev, err)
		}
	})
}
