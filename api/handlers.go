package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/payment"
)

func withoutCancel(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

func (s *server) stations(r *http.Request) (int, any, error) {
	sts, err := s.d.Bookings.Stations(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Stations []stationJSON `json:"stations"`
	}{[]stationJSON{}}
	for _, st := range sts {
		out.Stations = append(out.Stations, stationOut(st))
	}
	return http.StatusOK, out, nil
}

func (s *server) categories(r *http.Request) (int, any, error) {
	cs, err := s.d.Bookings.Categories(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Categories []categoryJSON `json:"vehicle_categories"`
	}{[]categoryJSON{}}
	for _, c := range cs {
		out.Categories = append(out.Categories, categoryOut(c, string(lang(r))))
	}
	return http.StatusOK, out, nil
}

// parseTime parses an RFC 3339 time with offset, adding a field error.
func parseTime(f *errs.Fields, field, v string) time.Time {
	if strings.TrimSpace(v) == "" {
		f.Add(field, "request.time_required")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		f.Add(field, "request.time_format")
		return time.Time{}
	}
	return t
}

func (s *server) availability(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	var f errs.Fields
	if q.Get("station") == "" {
		f.Add("station", "booking.station_required")
	}
	aq := booking.AvailabilityQuery{StationCode: q.Get("station"), CategoryCode: q.Get("category"),
		Pickup: parseTime(&f, "pickup", q.Get("pickup")), Return: parseTime(&f, "return", q.Get("return")),
		Workshop: q.Get("workshop") == "true"}
	if w := q.Get("workshop"); w != "" && w != "true" && w != "false" {
		f.Add("workshop", "field.bool")
	}
	if q.Has("category") && aq.CategoryCode == "" {
		f.Add("category", "field.required")
	}
	st, offers, err := s.d.Bookings.Availability(r.Context(), aq)
	if len(f) > 0 && (err == nil || errs.Is(err, errs.KindInvalid)) {
		// the service's own field errors too (it only reads): every invalid field at once
		f.Merge("", err)
		return 0, nil, errs.Fields(dedupe(f)).Err()
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, offersOut(st, aq, offers, string(lang(r))), nil
}

func (c *customerIn) domain() customer.Customer {
	x := customer.Customer{Email: c.Email, Company: c.Company, FirstName: c.FirstName, LastName: c.LastName, Street: c.Street,
		PostalCode: c.PostalCode, City: c.City, Country: c.Country, Phone: c.Phone, BirthDate: c.BirthDate, Language: c.Language}
	if l := c.DrivingLicence; l != nil {
		x.LicenceNumber, x.LicenceClass, x.LicenceIssuedOn, x.LicenceCountry = l.Number, l.Class, l.IssuedOn, l.Country
	}
	return x
}

func (s *server) createBooking(r *http.Request) (int, any, error) {
	var in bookingIn
	f, err := decodeAll(r, &in)
	if err != nil {
		return 0, nil, err
	}
	req := booking.BookRequest{IdempotencyKey: keyFrom(r), KeyFirst: keyFirst(r), StationCode: in.Station, CategoryCode: in.Category, WorkshopRef: in.WorkshopOrder, Notes: in.Notes,
		Pickup: parseTime(&f, "pickup", in.Pickup), Return: parseTime(&f, "return", in.Return)}
	if in.Customer == nil {
		f.Add("customer", "field.required")
	} else {
		req.Customer = in.Customer.domain()
	}
	if p := in.Payment; p != nil {
		if p.Card != nil {
			req.Card = &payment.Card{Number: strings.ReplaceAll(p.Card.Number, " ", ""), ExpMonth: p.Card.ExpMonth,
				ExpYear: p.Card.ExpYear, CVV: p.Card.CVV, Holder: p.Card.Holder}
		}
		if p.Token != nil {
			req.Token = &booking.CardToken{Token: p.Token.Value, Brand: payment.ParseBrand(p.Token.Brand), Last4: p.Token.Last4,
				ExpMonth: p.Token.ExpMonth, ExpYear: p.Token.ExpYear}
		}
	}
	cover, covered, err := s.bookingCover(r, in.PayerID, in.Claim, &f)
	if err != nil {
		return 0, nil, err
	}
	if len(f) > 0 {
		// every other field error too, from the read-only check: Book, which
		// books and charges, runs only for a request the API could read whole
		err := s.d.Bookings.Check(r.Context(), req)
		if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
			f = append(f, e.Fields...)
		} else if err != nil && !errs.Is(err, errs.KindUnavailable) {
			return 0, nil, err
		}
		return 0, nil, errs.Invalid("error.fields_invalid", dedupe(f)...)
	}
	lg := string(lang(r))
	if covered {
		// stored with the booking, before anything is charged: its one
		// confirmation quotes the split
		req.Cover = &cover
	}
	// the answer of a booking confirmed in Book's pass is stored in the
	// transaction that confirms it (no statement, no commit of its own)
	req.Answer = func(d booking.Details) (idempotency.Response, error) {
		raw, err := jsonAnswer(bookingAnswer(d, lg))
		return raw.response(), err
	}
	d, err := s.d.Bookings.Book(r.Context(), req)
	if err != nil {
		return 0, nil, err
	}
	if d.Answered != nil {
		// exactly what a retry with the key replays
		return d.Answered.StatusCode, storedAnswer(*d.Answered), nil
	}
	status, out := bookingAnswer(d, lg)
	return status, out, nil
}

// bookingAnswer is the answer to a new booking: 201 with the booking, 202
// while it waits for a payment's outcome.
func bookingAnswer(d booking.Details, lang string) (int, bookingOut) {
	if d.Pending() {
		return http.StatusAccepted, bookingResp(d, lang)
	}
	return http.StatusCreated, bookingResp(d, lang)
}

// dedupeErr returns err without repeated field errors (the same field with
// the same message, as when the API and the service both find it); two
// different messages for one field both stay.
func dedupeErr(err error) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) < 2 {
		return err
	}
	c := *e
	c.Fields = nil
	seen := map[[2]string]bool{}
	for _, fe := range e.Fields {
		k := [2]string{fe.Field, fe.Message}
		if !seen[k] {
			seen[k] = true
			c.Fields = append(c.Fields, fe)
		}
	}
	return &c
}

// dedupe drops repeated errors for one field (keeping the first).
func dedupe(in []errs.FieldError) []errs.FieldError {
	seen := map[string]bool{}
	var out []errs.FieldError
	for _, e := range in {
		if !seen[e.Field] {
			seen[e.Field] = true
			out = append(out, e)
		}
	}
	return out
}

func (s *server) getBooking(r *http.Request) (int, any, error) {
	d, err := s.d.Bookings.Get(r.Context(), r.PathValue("number"))
	if err != nil {
		return 0, nil, err
	}
	out := bookingResp(d, string(lang(r)))
	if s.d.Contracts != nil && (d.Reservation.Status == booking.StatusActive || d.Reservation.Status == booking.StatusCompleted) {
		c, err := s.d.Contracts.Store().ContractByReservation(r.Context(), d.Reservation.ID)
		if err != nil {
			return 0, nil, err
		}
		cv, err := s.contractView(r, c.ID, d.Station.Location())
		if err != nil {
			return 0, nil, err
		}
		out.Contract = &cv
	}
	return http.StatusOK, out, nil
}

func (s *server) changeBooking(r *http.Request) (int, any, error) {
	var in changeIn
	f, err := decodeAll(r, &in)
	if err != nil {
		return 0, nil, err
	}
	var ch booking.ChangeRequest
	if in.Pickup != nil {
		if t := parseTime(&f, "pickup", *in.Pickup); !t.IsZero() {
			ch.Pickup = &t
		}
	}
	if in.Return != nil {
		if t := parseTime(&f, "return", *in.Return); !t.IsZero() {
			ch.Return = &t
		}
	}
	if in.Customer != nil {
		c := in.Customer.domain()
		ch.Customer = &c
	}
	others := in.Pickup != nil || in.Return != nil || in.Customer != nil
	if !others && in.WorkshopOrder == nil && len(f) == 0 {
		f.Add("body", "booking.change_empty")
	}
	number := r.PathValue("number")
	if in.WorkshopOrder != nil {
		if _, err := booking.CheckWorkshopRef("workshop_order", *in.WorkshopOrder); err != nil {
			f.Merge("", err)
		}
		if !others {
			// the workshop order alone: until the rental is billed
			if err := f.Err(); err != nil {
				return 0, nil, err
			}
			d, err := s.d.Bookings.SetWorkshopRef(r.Context(), number, "workshop_order", *in.WorkshopOrder)
			if err != nil {
				return 0, nil, err
			}
			return http.StatusOK, bookingResp(d, string(lang(r))), nil
		}
	}
	// the service checks the rest and answers every invalid field, these
	// included, before it changes anything
	ch.Invalid = f
	d, err := s.d.Bookings.Change(r.Context(), number, ch)
	if err != nil {
		return 0, nil, dedupeErr(err)
	}
	if in.WorkshopOrder != nil {
		// changed before pickup with the rest: the booking is not billed
		if d, err = s.d.Bookings.SetWorkshopRef(r.Context(), number, "workshop_order", *in.WorkshopOrder); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, bookingResp(d, string(lang(r))), nil
}

func (s *server) cancelBooking(r *http.Request) (int, any, error) {
	if b, err := readBody(r); err != nil {
		return 0, nil, err
	} else if len(bytes.TrimSpace(b)) > 0 && string(bytes.TrimSpace(b)) != "{}" {
		return 0, nil, errs.Invalid("request.cancel_no_body")
	}
	c, err := s.d.Bookings.Cancel(r.Context(), r.PathValue("number"))
	if err != nil {
		return 0, nil, err
	}
	out := bookingResp(c.Details, string(lang(r)))
	out.Cancellation = &cancellationOut{FeeCents: c.FeeCents, RefundCents: c.RefundCents}
	return http.StatusOK, out, nil
}
