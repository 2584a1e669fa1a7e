package payer

import (
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/errs"
)

func TestValidLeitwegID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"04011000-1234512345-06", true}, // the KoSIT example
		{"991-33333TEST-33", true},       // the test Leitweg-ID of the XRechnung test suite
		{"04011000-1234512345-07", false},
		{"04011000-06", false},
		{"04011000-1234512345", false},
		{"4-1234-06", false},
		{"04011000-12345 12345-06", false},
		{"", false},
	} {
		if got := ValidLeitwegID(tc.id); got != tc.ok {
			t.Errorf("ValidLeitwegID(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	good := func() Payer {
		return Payer{Kind: KindManufacturer, Name: "VW Mobilitätsgarantie", Street: "Berliner Ring 2", PostalCode: "38440",
			City: "Wolfsburg", Country: "DE", PaymentDays: 30, CapDays: 5, Covers: map[string]bool{PartRent: true}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good payer: %v", err)
	}
	cc := Payer{Kind: KindCostCentre, Name: "Kulanz Werkstatt", Country: "DE", Covers: map[string]bool{PartRent: true}}
	if err := cc.Validate(); err != nil {
		t.Fatalf("a cost centre needs no address: %v", err)
	}
	for _, tc := range []struct {
		field string
		mod   func(*Payer)
	}{
		{"kind", func(p *Payer) { p.Kind = "bank" }},
		{"name", func(p *Payer) { p.Name = "" }},
		{"name", func(p *Payer) { p.Name = "VW\nAG" }},
		{"street", func(p *Payer) { p.Street = "" }},
		{"postal_code", func(p *Payer) { p.PostalCode = "" }},
		{"city", func(p *Payer) { p.City = strings.Repeat("x", MaxText+1) }},
		{"country", func(p *Payer) { p.Country = "Deutschland" }},
		{"vat_id", func(p *Payer) { p.VATID = "123456789" }},
		{"buyer_reference", func(p *Payer) { p.BuyerReference = "991-33333TEST-34" }},
		{"buyer_reference", func(p *Payer) { p.BuyerReference = "ref\x00" }},
		{"email", func(p *Payer) { p.Email = "kfz-schaden" }},
		{"email", func(p *Payer) { p.Email = "Kfz <kfz@huk.example>" }},
		{"payment_days", func(p *Payer) { p.PaymentDays = -1 }},
		{"cap_days", func(p *Payer) { p.CapDays = MaxCapDays + 1 }},
		{"cap_cents", func(p *Payer) { p.CapCents = -1 }},
		{"covers", func(p *Payer) { p.Covers = map[string]bool{} }},
		{"covers", func(p *Payer) { p.Covers = map[string]bool{"tolls": true} }},
		{"rates.0", func(p *Payer) { p.Rates = []Rate{{CategoryID: 1, PricePerDayCents: 0}} }},
		{"rates.1", func(p *Payer) {
			p.Rates = []Rate{{CategoryID: 1, PricePerDayCents: 10}, {CategoryID: 1, PricePerDayCents: 20}}
		}},
	} {
		p := good()
		tc.mod(&p)
		e, ok := errs.As(p.Validate())
		if !ok || !errs.Fields(e.Fields).Has(tc.field) {
			t.Errorf("%s: %v; want an error on %s", tc.field, p.Validate(), tc.field)
		}
	}
	// A free buyer reference (an insurer's order number) is not a Leitweg-ID.
	p := good()
	p.BuyerReference = "Schaden 4711/26"
	if err := p.Validate(); err != nil {
		t.Fatalf("free buyer reference: %v", err)
	}
}
