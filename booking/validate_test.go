package booking

import (
	"slices"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestValidate: the pure check of a whole booking request, by field, and
// the tenant's and station's setup after the input (no storage involved).
func TestValidate(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, berlin) // a Monday
	tn := tenancy.Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH", Street: "Hauptstr. 1", PostalCode: "94315",
		City: "Straubing", Country: "DE", VATID: "DE123456789", Currency: "EUR", VATRateBP: 1900,
		InvoiceNumberPattern: "RE-{YYYY}-{SEQ:6}", CreditNumberPattern: "GS-{YYYY}-{SEQ:6}", MinNoticeMinutes: 120, MaxRentalDays: 30}
	st := tenancy.Station{ID: 1, Code: "SR", Name: "Straubing", Street: "Landshuter Str. 5", PostalCode: "94315", City: "Straubing",
		Country: "DE", TimeZone: "Europe/Berlin"}
	for d := range 7 {
		st.Hours[d] = []tenancy.Span{{Open: 7 * 60, Close: 19 * 60}}
	}
	cat := fleet.Category{ID: 3, Code: "CDMR"}
	tariffs := []pricing.Tariff{{ID: 5, Code: "STD", PricePerDayCents: 4900, DayCounting: "24h", ValidFrom: "2020-01-01",
		CategoryIDs: []int64{3}, Active: true}}
	valid := func() BookRequest {
		r := BookRequest{Customer: customer.Customer{Email: "Eva@Example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1",
			PostalCode: "94315", City: "Straubing"}, StationCode: "sr", CategoryCode: "cdmr",
			Pickup: now.Add(48 * time.Hour), Return: now.Add(96 * time.Hour), Notes: "zwei\nZeilen",
			Card: &payment.Card{Number: "4111111111111111", ExpMonth: 12, ExpYear: 2030, CVV: "123", Holder: "Eva Huber"}}
		r.Normalize()
		return r
	}
	refs := func(edit func(*Refs)) Refs {
		r := Refs{Tenant: tn, Station: st, Category: cat, Tariffs: tariffs, Now: now}
		if edit != nil {
			edit(&r)
		}
		return r
	}
	if tf, err := Validate(valid(), refs(nil)); err != nil || tf.ID != 5 {
		t.Fatalf("valid request: tariff %d, %v", tf.ID, err)
	}
	for _, c := range []struct {
		name   string
		req    func(*BookRequest)
		refs   func(*Refs)
		kind   errs.Kind
		fields []string
	}{
		{"line break in the last name", func(r *BookRequest) { r.Customer.LastName = "Hu\nber" }, nil, errs.KindInvalid, []string{"customer.last_name"}},
		{"NUL in the town", func(r *BookRequest) { r.Customer.City = "\x00" }, nil, errs.KindInvalid, []string{"customer.city"}},
		{"long street", func(r *BookRequest) { r.Customer.Street = strings.Repeat("a", customer.MaxStreet+1) }, nil, errs.KindInvalid,
			[]string{"customer.street"}},
		{"control character in the notes", func(r *BookRequest) { r.Notes = "a\x1bb" }, nil, errs.KindInvalid, []string{"notes"}},
		{"tab in the workshop order", func(r *BookRequest) { r.WorkshopRef = "a\tb" }, nil, errs.KindInvalid, []string{"workshop_order"}},
		{"expired card, bad month", func(r *BookRequest) { r.Card.ExpMonth, r.Card.ExpYear = 13, 2020 }, nil, errs.KindInvalid,
			[]string{"payment.card.exp_month", "payment.card.exp_year"}},
		{"card and token", func(r *BookRequest) { r.Token = &CardToken{Token: "t"} }, nil, errs.KindInvalid, []string{"payment"}},
		{"pickup in the past", func(r *BookRequest) { r.Pickup = now.Add(-time.Hour) }, nil, errs.KindInvalid, []string{"pickup"}},
		{"unknown codes", nil, func(r *Refs) {
			r.Station, r.Category = tenancy.Station{}, fleet.Category{}
			r.Lookup.Add("station", "unknown station code")
		}, errs.KindInvalid, []string{"station"}},
		{"input before setup", func(r *BookRequest) { r.Customer.FirstName = "" }, func(r *Refs) { r.Tenant.Street = "" }, errs.KindInvalid,
			[]string{"customer.first_name"}},
		{"tenant without address", nil, func(r *Refs) { r.Tenant.Street, r.Tenant.City = "", "" }, errs.KindUnavailable,
			[]string{"settings.street", "settings.city"}},
		{"tenant without tax id", nil, func(r *Refs) { r.Tenant.VATID = "" }, errs.KindUnavailable, []string{"settings.vat_id"}},
		{"broken number pattern", nil, func(r *Refs) { r.Tenant.CreditNumberPattern = "GS-{SEQ:99}" }, errs.KindUnavailable,
			[]string{"settings.credit_number_pattern"}},
		{"line break in the legal name", nil, func(r *Refs) { r.Tenant.LegalName = "König\nGmbH" }, errs.KindUnavailable,
			[]string{"settings.legal_name"}},
		{"station name on two lines", nil, func(r *Refs) { r.Station.Name = "Straubing\r\nNord" }, errs.KindUnavailable,
			[]string{"station.name"}},
		{"other currency", nil, func(r *Refs) { r.Tenant.Currency = "CHF" }, errs.KindUnavailable, []string{"settings.currency"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := valid()
			if c.req != nil {
				c.req(&req)
			}
			_, err := Validate(req, refs(c.refs))
			e, ok := errs.As(err)
			if !ok || e.Kind != c.kind {
				t.Fatalf("%v; want %s", err, c.kind)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			for _, f := range c.fields {
				if !slices.Contains(got, f) {
					t.Errorf("fields %v lack %s", got, f)
				}
			}
			if len(got) != len(c.fields) {
				t.Errorf("fields %v; want exactly %v", got, c.fields)
			}
		})
	}
}
