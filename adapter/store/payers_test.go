package store_test

import (
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payer"
)

func insurer(name string, rates ...payer.Rate) payer.Payer {
	return payer.Payer{Kind: payer.KindInsurer, Name: name, Street: "Königinstr. 28", PostalCode: "80802",
		City: "München", Country: "de", VATID: "de 129 274 139", BuyerReference: "04011000-1234512345-06",
		PaymentDays: 30, CapDays: 10, Covers: map[string]bool{payer.PartRent: true, payer.PartDamages: true},
		Rates: rates, Active: true}
}

// TestPayersStore: a payer is stored with its covers and rates, normalized;
// names are unique per tenant; another tenant neither sees it nor may give
// it its categories; only an admin writes; an invalid payer changes nothing.
func TestPayersStore(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		admin := as(w.actor(0, -1))
		p := insurer("Allianz Versicherungs-AG", payer.Rate{CategoryID: w.cats[0].ID, PricePerDayCents: 6500})
		mustNil(t, s.CreatePayer(admin, &p))
		got, err := s.Payer(admin, p.ID)
		mustNil(t, err)
		if got.Country != "DE" || got.VATID != "DE129274139" || got.Kind != payer.KindInsurer || got.CapDays != 10 ||
			got.PaymentDays != 30 || !got.Covered(payer.PartRent) || !got.Covered(payer.PartDamages) ||
			got.Covered(payer.PartFuel) || !got.Active {
			t.Fatalf("stored payer: %+v", got)
		}
		if rate, ok := got.RateFor(w.cats[0].ID); !ok || rate != 6500 {
			t.Fatalf("rate: %d %v", rate, ok)
		}

		dup := insurer("Allianz Versicherungs-AG")
		if err := s.CreatePayer(admin, &dup); !fieldErr(err, "name") {
			t.Fatalf("a second payer with the same name: %v", err)
		}
		other := insurer("Allianz Versicherungs-AG")
		mustNil(t, s.CreatePayer(as(w.actor(1, -1)), &other)) // the same name in another tenant
		if _, err := s.Payer(as(w.actor(1, -1)), p.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another tenant reads the payer: %v", err)
		}
		foreign := insurer("HUK-COBURG", payer.Rate{CategoryID: w.cats[0].ID, PricePerDayCents: 5000})
		if err := s.CreatePayer(as(w.actor(1, -1)), &foreign); !fieldErr(err, "rates") {
			t.Fatalf("a rate for another tenant's category: %v", err)
		}
		station := insurer("R+V")
		if err := s.CreatePayer(as(w.actor(0, 0)), &station); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user creates a payer: %v", err)
		}

		got.Name, got.Kind, got.Rates = "Allianz", payer.KindManufacturer, nil
		got.Covers = map[string]bool{payer.PartRent: true, payer.PartKM: true}
		mustNil(t, s.UpdatePayer(admin, &got))
		again, err := s.Payer(admin, p.ID)
		mustNil(t, err)
		if again.Name != "Allianz" || again.Kind != payer.KindManufacturer || len(again.Rates) != 0 ||
			!again.Covered(payer.PartKM) || again.Covered(payer.PartDamages) {
			t.Fatalf("updated payer: %+v", again)
		}
		bad := again
		bad.Name, bad.BuyerReference = "", "04011000-1234512345-07"
		if err := s.UpdatePayer(admin, &bad); !fieldErr(err, "name") || !fieldErr(err, "buyer_reference") {
			t.Fatalf("invalid update: %v", err)
		}
		if cur, _ := s.Payer(admin, p.ID); cur.Name != "Allianz" {
			t.Fatalf("a refused update changed the payer: %+v", cur)
		}
		missing := again
		missing.ID = other.ID // the other tenant's payer
		if err := s.UpdatePayer(admin, &missing); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("update of another tenant's payer: %v", err)
		}
		list, err := s.ListPayers(admin)
		mustNil(t, err)
		if len(list) != 1 || list[0].ID != p.ID {
			t.Fatalf("list: %+v", list)
		}
	})
}

// fieldErr reports whether err is KindInvalid naming field.
func fieldErr(err error, field string) bool {
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
