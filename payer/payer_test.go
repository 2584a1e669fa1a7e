package payer

import (
	"strings"
	"testing"
	"time"

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

// TestCoverCustomerCar: the customer's car's VIN is normalized (capitals,
// no spaces or dashes) and must then have 17 valid characters; the plate
// is one short line. Anything typed is refused with a field error, never a
// panic.
func TestCoverCustomerCar(t *testing.T) {
	p := Payer{ID: 7, Kind: KindManufacturer, Active: true}
	for _, tc := range []struct {
		vin, plate string
		wantVIN    string
		field      string // the field refused, "" for none
	}{
		{vin: "", wantVIN: ""},
		{vin: " wvwzzz1kz-aw000001 ", plate: "r-kw 123", wantVIN: "WVWZZZ1KZAW000001"},
		{vin: "WVWZZZ1KZAW00000O", wantVIN: "WVWZZZ1KZAW00000O", field: "customer_vin"}, // O is not used in VINs
		{vin: "WVWZZZ1KZAW00001", wantVIN: "WVWZZZ1KZAW00001", field: "customer_vin"},   // 16 characters
		{vin: "WVWZZZ1KZAW0000🚗", wantVIN: "WVWZZZ1KZAW0000🚗", field: "customer_vin"},
		{vin: "WVWZZZ1KZAW000001", plate: "R-KW\x00123", wantVIN: "WVWZZZ1KZAW000001", field: "customer_plate"},
		{vin: "WVWZZZ1KZAW000001", plate: strings.Repeat("X", MaxPlate+1), wantVIN: "WVWZZZ1KZAW000001", field: "customer_plate"},
	} {
		c := Cover{Mode: ModePayer, PayerID: 7, CustomerVIN: tc.vin, CustomerPlate: tc.plate}
		c.Normalize()
		if c.CustomerVIN != tc.wantVIN {
			t.Errorf("%q normalized to %q, want %q", tc.vin, c.CustomerVIN, tc.wantVIN)
		}
		err := c.Validate(p, "2026-12-05")
		e, _ := errs.As(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%q/%q refused: %v", tc.vin, tc.plate, err)
		case tc.field != "" && (e == nil || !errs.Fields(e.Fields).Has(tc.field)):
			t.Errorf("%q/%q: want an error on %s, got %v", tc.vin, tc.plate, tc.field, err)
		}
	}
}

// TestCoverSameTerms: two covers split a rental the same only with the same
// mode, payer and kept terms; the claim's texts do not matter.
func TestCoverSameTerms(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	terms := func(capDays int) *Terms { return &Terms{Covers: []string{PartRent}, CapDays: capDays, At: at} }
	base := Cover{Mode: ModePayer, PayerID: 7, ClaimNumber: "SCH-1", Terms: terms(3)}
	for _, tc := range []struct {
		name string
		d    Cover
		want bool
	}{
		{"claim text only", Cover{Mode: ModePayer, PayerID: 7, ClaimNumber: "SCH-2", Terms: terms(3)}, true},
		{"other payer", Cover{Mode: ModePayer, PayerID: 8, Terms: terms(3)}, false},
		{"other mode", Cover{Mode: ModeInternal, PayerID: 7, Terms: terms(3)}, false},
		{"other terms", Cover{Mode: ModePayer, PayerID: 7, Terms: terms(4)}, false},
		{"no terms kept", Cover{Mode: ModePayer, PayerID: 7}, false},
	} {
		if got := base.SameTerms(tc.d); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !(Cover{Mode: ModeDriver}).SameTerms(Cover{Mode: ModeDriver}) {
		t.Error("two driver-only covers differ")
	}
}
