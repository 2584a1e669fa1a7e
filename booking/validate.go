package booking

import (
	"context"
	"regexp"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// Longest values of a booking's own texts (characters).
const (
	MaxWorkshopRef = 60
	MaxAPINotes    = 1000 // notes sent with an online booking (staff notes: MaxNotes)
	MaxCardHolder  = 100
)

// Refs is what a booking request refers to, read before it is checked, so
// that Validate itself reads and writes nothing: the tenant, the station
// and category its codes name (zero when unknown: Lookup says why), the
// tenant's tariffs and the instant of the check.
type Refs struct {
	Tenant   tenancy.Tenant
	Station  tenancy.Station
	Category fleet.Category
	Tariffs  []pricing.Tariff
	Lookup   errs.Fields // field errors of resolving the codes
	Now      time.Time
}

// Normalize trims the request's texts, lower-cases the e-mail and applies
// the customer's defaults, as Validate and Book expect it.
func (req *BookRequest) Normalize() {
	req.Customer.Normalize()
	req.Customer.Email = strings.ToLower(req.Customer.Email)
	req.StationCode = strings.ToUpper(strings.TrimSpace(req.StationCode))
	req.CategoryCode = strings.ToUpper(strings.TrimSpace(req.CategoryCode))
	req.WorkshopRef = strings.TrimSpace(req.WorkshopRef)
	req.Notes = strings.TrimSpace(req.Notes)
}

// Validate checks a whole (normalized) booking request against what it
// refers to, before anything is written or sent to the gateway: every
// input field (one KindInvalid error naming each: customer, codes, period
// and opening hours, texts on one line and within their length, card or
// token), then whether the tenant's and the station's setup lets the
// booking issue its invoice and e-mail (KindUnavailable
// "booking_setup_incomplete"). It returns the tariff that prices the
// booking. Validate is pure: the API, the admin forms and Book call it
// alike, and whatever it passes cannot fail later for its input.
func Validate(req BookRequest, refs Refs) (pricing.Tariff, error) {
	f := append(errs.Fields{}, refs.Lookup...)
	now := refs.Now
	f.Merge("customer.", req.Customer.Validate("", now))
	if req.Pickup.IsZero() {
		f.Add("pickup", "request.time_required")
	}
	if req.Return.IsZero() {
		f.Add("return", "request.time_required")
	}
	f.Line("workshop_order", req.WorkshopRef, MaxWorkshopRef)
	f.Text("notes", req.Notes, MaxAPINotes)
	validatePayment(&f, req, now)
	st := refs.Station
	if st.ID != 0 && !req.Pickup.IsZero() && !req.Return.IsZero() {
		for _, p := range CheckPeriod(refs.Tenant, st, req.Pickup, req.Return, now) {
			f.Add(p.Field, p.Key, p.Params)
		}
	}
	var tariff pricing.Tariff
	if st.ID != 0 && refs.Category.ID != 0 && !req.Pickup.IsZero() {
		var ok bool
		tariff, ok = pricing.Best(refs.Tariffs, refs.Category.ID, req.Pickup.In(st.Location()).Format("2006-01-02"), req.WorkshopRef != "")
		if !ok {
			f.Add("category", "booking.no_tariff")
		}
	}
	if err := f.Err(); err != nil {
		return tariff, err
	}
	return tariff, Ready(refs.Tenant, st)
}

// Ready reports whether the tenant's and the station's setup lets a
// booking issue its invoices and e-mails (company data, number patterns,
// sender addresses, names on one line): nil, or KindUnavailable
// "booking_setup_incomplete" naming each setting. Everything that takes
// money (booking, change, cancellation) checks it before the gateway call.
func Ready(tn tenancy.Tenant, st tenancy.Station) error {
	err := tn.ReadyForBookings(invoice.ValidatePattern)
	if st.ID == 0 {
		return err
	}
	serr := st.ReadyForBookings()
	if err == nil {
		return serr
	}
	if se, ok := errs.As(serr); ok {
		e, _ := errs.As(err)
		e.Fields = append(e.Fields, se.Fields...)
	}
	return err
}

var last4RE = regexp.MustCompile(`^[0-9]{4}$`)

// validatePayment checks the card or the gateway token of a request.
func validatePayment(f *errs.Fields, req BookRequest, now time.Time) {
	switch {
	case req.Card != nil && req.Token != nil:
		f.Add("payment", "booking.payment_card_or_token")
	case req.Card != nil:
		var cf errs.Fields
		cf.Merge("payment.card.", req.Card.Validate(""))
		for i := range cf { // the API's names of the card fields
			cf[i].Field = strings.NewReplacer("expMonth", "exp_month", "expYear", "exp_year").Replace(cf[i].Field)
		}
		*f = append(*f, cf...)
		if !f.Has("payment.card.exp_year") && req.Card.Expired(now) {
			f.Add("payment.card.exp_year", "expired_card")
		}
		f.Line("payment.card.holder", req.Card.Holder, MaxCardHolder)
	case req.Token != nil:
		f.Merge("", payment.ValidateID("payment.token.value", req.Token.Token, payment.MaxTokenLen))
		if req.Token.Last4 != "" && !last4RE.MatchString(req.Token.Last4) {
			f.Add("payment.token.last4", "field.invalid")
		}
		if req.Token.ExpMonth != 0 && (req.Token.ExpMonth < 1 || req.Token.ExpMonth > 12) {
			f.Add("payment.token.exp_month", "field.invalid")
		}
		if req.Token.ExpYear != 0 && (req.Token.ExpYear < 2000 || req.Token.ExpYear > 2099) {
			f.Add("payment.token.exp_year", "field.invalid")
		}
	default:
		f.Add("payment", "booking.payment_required")
	}
}

// Check runs Validate for req with what it refers to read from storage:
// the read-only check the API and admin forms use to collect every field
// error without booking anything. Errors: those of Validate, storage
// errors.
func (s *Service) Check(ctx context.Context, req BookRequest) error {
	req.Normalize()
	refs, err := s.refs(ctx, req)
	if err != nil {
		return err
	}
	_, err = Validate(req, refs)
	return err
}

// refs reads what a normalized request refers to.
func (s *Service) refs(ctx context.Context, req BookRequest) (Refs, error) {
	refs := Refs{Now: s.d.Now()}
	var err error
	if refs.Tenant, err = s.d.Tenancy.Tenant(ctx); err != nil {
		return refs, err
	}
	st, cats, err := s.lookup(ctx, &refs.Lookup, req.StationCode, req.CategoryCode, true)
	if err != nil {
		return refs, err
	}
	refs.Station = st
	if len(cats) == 1 {
		refs.Category = cats[0]
	}
	if refs.Tariffs, err = s.d.Tariffs.ListTariffs(ctx); err != nil {
		return refs, err
	}
	return refs, nil
}
