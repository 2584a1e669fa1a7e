package api

import (
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

type addressJSON struct {
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"`
}

type spanJSON struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

type exceptionJSON struct {
	Date   string     `json:"date"`
	Closed bool       `json:"closed"`
	Hours  []spanJSON `json:"hours"`
	Note   string     `json:"note"`
}

type stationJSON struct {
	Code         string                `json:"code"`
	Name         string                `json:"name"`
	Address      addressJSON           `json:"address"`
	Phone        string                `json:"phone"`
	Email        string                `json:"email"`
	TimeZone     string                `json:"time_zone"`
	OpeningHours map[string][]spanJSON `json:"opening_hours"`
	Exceptions   []exceptionJSON       `json:"exceptions"`
}

func spans(in []tenancy.Span) []spanJSON {
	out := make([]spanJSON, len(in))
	for i, s := range in {
		out[i] = spanJSON{tenancy.FormatClock(s.Open), tenancy.FormatClock(s.Close)}
	}
	return out
}

func stationOut(s tenancy.Station) stationJSON {
	o := stationJSON{Code: s.Code, Name: s.Name, Address: addressJSON{s.Street, s.PostalCode, s.City, s.Country},
		Phone: s.Phone, Email: s.Email, TimeZone: s.TimeZone, OpeningHours: map[string][]spanJSON{}, Exceptions: []exceptionJSON{}}
	for d := range 7 {
		o.OpeningHours[tenancy.WeekdayKey(time.Weekday(d))] = spans(s.Hours[d])
	}
	for _, e := range s.Exceptions {
		o.Exceptions = append(o.Exceptions, exceptionJSON{e.Date, e.Closed, spans(e.Hours), e.Note})
	}
	return o
}

type categoryJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Seats        int    `json:"seats"`
	Doors        int    `json:"doors"`
	Transmission string `json:"transmission"`
	Fuel         string `json:"fuel"`
	ExampleModel string `json:"example_model"`
	ImageURL     string `json:"image_url"`
}

func categoryOut(c fleet.Category, lang string) categoryJSON {
	desc := c.DescriptionDE
	if lang == "en" && c.DescriptionEN != "" {
		desc = c.DescriptionEN
	}
	return categoryJSON{c.Code, c.Name(lang), desc, c.Seats, c.Doors, c.Transmission, c.Fuel, c.ExampleModel, c.ImageURL}
}

type refJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type tariffJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type quoteJSON struct {
	Currency            string `json:"currency"`
	Days                int    `json:"days"`
	DayPriceCents       int64  `json:"day_price_cents"`
	ChargeNowCents      int64  `json:"charge_now_cents"`
	DepositCents        int64  `json:"deposit_cents"`
	EstimatedTotalCents int64  `json:"estimated_total_cents"`
	IncludedKM          int    `json:"included_km"`
	ExtraKMCents        int64  `json:"extra_km_cents"`
	VATRateBP           int    `json:"vat_rate_bp"`
}

type reasonJSON struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

type offerJSON struct {
	Category  categoryJSON `json:"category"`
	Available bool         `json:"available"`
	Free      int          `json:"free"`
	Tariff    *tariffJSON  `json:"tariff"`
	Quote     *quoteJSON   `json:"quote"`
	Reasons   []reasonJSON `json:"reasons"`
}

type availabilityJSON struct {
	Station refJSON     `json:"station"`
	Pickup  string      `json:"pickup"`
	Return  string      `json:"return"`
	Offers  []offerJSON `json:"offers"`
}

// rfc formats t as RFC 3339 in the station's time zone: every time the API
// answers is in the time zone of the booking's station.
func rfc(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

// rfcp is rfc of an optional time (nil stays nil).
func rfcp(t *time.Time, loc *time.Location) *string {
	if t == nil {
		return nil
	}
	s := rfc(*t, loc)
	return &s
}

func offersOut(st tenancy.Station, q booking.AvailabilityQuery, offers []booking.Offer, lang string) availabilityJSON {
	loc := st.Location()
	out := availabilityJSON{Station: refJSON{st.Code, st.Name}, Pickup: rfc(q.Pickup, loc), Return: rfc(q.Return, loc), Offers: []offerJSON{}}
	for _, o := range offers {
		x := offerJSON{Category: categoryOut(o.Category, lang), Available: o.Available, Free: o.Free, Reasons: []reasonJSON{}}
		if o.Tariff != nil {
			x.Tariff = &tariffJSON{o.Tariff.Code, o.Tariff.Name, o.Tariff.Kind}
			qt := o.Quote
			x.Quote = &quoteJSON{qt.Currency, qt.Days, qt.DayPriceCents, qt.ChargeNowCents, qt.DepositCents, qt.RentCents,
				qt.IncludedKM, qt.ExtraKMCents, o.VATRateBP}
		}
		for _, r := range o.Reasons {
			x.Reasons = append(x.Reasons, reasonJSON{r.Code, r.Field, r.Text(locale.Lang(lang))})
		}
		out.Offers = append(out.Offers, x)
	}
	return out
}

// request bodies

type licenceIn struct {
	Number   string `json:"number"`
	Class    string `json:"class"`
	IssuedOn string `json:"issued_on"`
	Country  string `json:"country"`
}

type customerIn struct {
	Email          string     `json:"email"`
	Company        string     `json:"company"`
	FirstName      string     `json:"first_name"`
	LastName       string     `json:"last_name"`
	Street         string     `json:"street"`
	PostalCode     string     `json:"postal_code"`
	City           string     `json:"city"`
	Country        string     `json:"country"`
	Phone          string     `json:"phone"`
	BirthDate      string     `json:"birth_date"`
	Language       string     `json:"language"`
	DrivingLicence *licenceIn `json:"driving_licence"`
}

type cardIn struct {
	Number   string `json:"number"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	CVV      string `json:"cvv"`
	Holder   string `json:"holder"`
}

type tokenIn struct {
	Value    string `json:"value"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

type paymentIn struct {
	Card  *cardIn  `json:"card"`
	Token *tokenIn `json:"token"`
}

type bookingIn struct {
	Customer      *customerIn `json:"customer"`
	Station       string      `json:"station"`
	Category      string      `json:"category"`
	Pickup        string      `json:"pickup"`
	Return        string      `json:"return"`
	WorkshopOrder string      `json:"workshop_order"`
	Notes         string      `json:"notes"`
	Payment       *paymentIn  `json:"payment"`
	PayerID       *int64      `json:"payer_id"`
	Claim         *claimIn    `json:"claim"`
}

// claimIn is what the payer knows the rental by: the insurer's claim, or
// the customer's car a manufacturer programme pays for (with payer_id).
type claimIn struct {
	ClaimNumber   string `json:"claim_number"`
	PolicyNumber  string `json:"policy_number"`
	DamageDate    string `json:"damage_date"`
	AtFaultParty  string `json:"at_fault_party"`
	CustomerVIN   string `json:"customer_vin"`
	CustomerPlate string `json:"customer_plate"`
}

type changeIn struct {
	Pickup   *string     `json:"pickup"`
	Return   *string     `json:"return"`
	Customer *customerIn `json:"customer"`
	// WorkshopOrder alone changes the workshop order until the rental is
	// billed; with the others, before pickup like them.
	WorkshopOrder *string `json:"workshop_order"`
}

// responses

type cardOut struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

type paymentOut struct {
	Purpose     string  `json:"purpose"`
	Operation   string  `json:"operation"`
	Status      string  `json:"status"`
	AmountCents int64   `json:"amount_cents"`
	Currency    string  `json:"currency"`
	Card        cardOut `json:"card"`
	CreatedAt   string  `json:"created_at"`
}

type invoiceOut struct {
	Number     string `json:"number"`
	Kind       string `json:"kind"`
	GrossCents int64  `json:"gross_cents"`
	IssuedAt   string `json:"issued_at"`
}

type priceOut struct {
	Currency            string `json:"currency"`
	Days                int    `json:"days"`
	DayPriceCents       int64  `json:"day_price_cents"`
	ChargedNowCents     int64  `json:"charged_now_cents"`
	DepositCents        int64  `json:"deposit_cents"`
	EstimatedTotalCents int64  `json:"estimated_total_cents"`
	IncludedKM          int    `json:"included_km"`
	ExtraKMCents        int64  `json:"extra_km_cents"`
	VATRateBP           int    `json:"vat_rate_bp"`
	VATIncludedCents    int64  `json:"vat_included_cents"`
	// PayerShareCents and DriverShareCents split EstimatedTotalCents when
	// a payer covers a part (absent when the driver pays all): the
	// reservation page's and the confirmation's figures.
	PayerShareCents  *int64 `json:"payer_share_cents,omitempty"`
	DriverShareCents *int64 `json:"driver_share_cents,omitempty"`
}

type customerOut struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Language  string `json:"language"`
}

type linksOut struct {
	Self   string `json:"self"`
	Cancel string `json:"cancel"`
}

type cancellationOut struct {
	FeeCents    int64 `json:"fee_cents"`
	RefundCents int64 `json:"refund_cents"`
}

type bookingOut struct {
	Number        string           `json:"number"`
	Status        string           `json:"status"`
	Test          bool             `json:"test"`
	Station       refJSON          `json:"station"`
	Category      refJSON          `json:"category"`
	Pickup        string           `json:"pickup"`
	Return        string           `json:"return"`
	Customer      customerOut      `json:"customer"`
	WorkshopOrder string           `json:"workshop_order"`
	Notes         string           `json:"notes"`
	Price         priceOut         `json:"price"`
	Payments      []paymentOut     `json:"payments"`
	InvoiceNumber *string          `json:"invoice_number"`
	Invoices      []invoiceOut     `json:"invoices"`
	Cancellation  *cancellationOut `json:"cancellation,omitempty"`
	// Contract is there once the car was handed over: the contract with its
	// invoices, payments and balance.
	Contract *ctContractOut `json:"contract,omitempty"`
	Links    linksOut       `json:"links"`
	// BookingSecret is in the answer to the create only: with it a public
	// key reads, changes and cancels this booking.
	BookingSecret string `json:"booking_secret,omitempty"`
}

func bookingResp(d booking.Details, lang string) bookingOut {
	r, loc := d.Reservation, d.Station.Location()
	charged := int64(0)
	for _, p := range d.Payments {
		if p.Purpose == booking.PurposeRent && p.ParentID == 0 && p.Status == payment.StatusApproved {
			charged += p.Amount.Cents
		}
	}
	_, vat := invoice.Split(charged, d.VATRateBP)
	self := "/api/v1/bookings/" + r.Number
	o := bookingOut{Number: r.Number, Status: string(r.Status), Test: r.Test, Station: refJSON{d.Station.Code, d.Station.Name},
		Category: refJSON{d.Category.Code, d.Category.Name(lang)}, Pickup: rfc(r.Pickup, loc), Return: rfc(r.Return, loc),
		Customer:      customerOut{d.Customer.Email, d.Customer.FirstName, d.Customer.LastName, d.Customer.Language},
		WorkshopOrder: r.WorkshopRef, Notes: r.Notes,
		Price: priceOut{Currency: r.Currency, Days: d.Quote.Days, DayPriceCents: r.DayPriceCents, ChargedNowCents: charged,
			DepositCents: r.DepositCents, EstimatedTotalCents: r.EstimatedTotalCents, IncludedKM: d.Quote.IncludedKM,
			ExtraKMCents: d.Quote.ExtraKMCents, VATRateBP: d.VATRateBP, VATIncludedCents: vat},
		Payments: []paymentOut{}, Invoices: []invoiceOut{}, Links: linksOut{Self: self, Cancel: self + "/cancel"},
		BookingSecret: d.Secret}
	if sp := d.Split; sp.Covered() {
		// the expected rent as the payer's terms price it, split
		o.Price.EstimatedTotalCents, o.Price.PayerShareCents, o.Price.DriverShareCents = sp.TotalCents, &sp.PayerCents, &sp.DriverCents
	}
	for _, p := range d.Payments {
		o.Payments = append(o.Payments, paymentOut{p.Purpose, string(p.Operation), string(p.Status), p.Amount.Cents,
			p.Amount.Currency, cardOut{string(p.Card.Brand), p.Card.Last4}, rfc(p.CreatedAt, loc)})
	}
	for _, i := range d.Invoices {
		o.Invoices = append(o.Invoices, invoiceOut{i.Number, string(i.Kind), i.Gross, rfc(i.IssuedAt, loc)})
		if i.Kind == invoice.KindAdvance && o.InvoiceNumber == nil {
			n := i.Number
			o.InvoiceNumber = &n
		}
	}
	return o
}
