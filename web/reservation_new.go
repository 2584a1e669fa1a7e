package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// resNewData is the "Neue Reservierung" form: a phone or counter booking for
// a later period, paid at the counter.
type resNewData struct {
	Q                                                    string         // customer search
	Hits                                                 []customer.Hit // customers found for Q
	CustomerID                                           int64
	Email, FirstName, LastName, Phone, Street, Zip, City string

	StationID, CategoryID, VehicleID, TariffID int64
	Pickup, Return                             string // datetime-local, station time
	WorkshopRef, Notes                         string
	// PayerID is who pays the rental when not the driver (0: the driver):
	// its cover is stored with the booking, so the confirmation quotes
	// the split; Payers are the active payers to choose from (none when
	// payers are not wired).
	PayerID int64
	Payers  []payer.Payer

	Stations   []tenancy.Station
	Categories []fleet.Category
	Vehicles   []fleet.Vehicle
	Tariffs    []pricing.Tariff
	Quote      *resQuote
}

// resQuote is what the form's period costs under the tariff that applies.
type resQuote struct {
	Tariff pricing.Tariff
	pricing.Quote
}

// reservationNewForm shows the form, prefilled from the query (the planning
// board's selection: vehicle, station, pickup, return; a customer chosen
// from the search: customer).
func (a *app) reservationNewForm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := resNewData{Q: strings.TrimSpace(q.Get("q")), Pickup: q.Get("pickup"), Return: q.Get("return"),
		WorkshopRef: q.Get("workshop_ref"), Notes: q.Get("notes")}
	d.StationID, _ = strconv.ParseInt(q.Get("station"), 10, 64)
	d.VehicleID, _ = strconv.ParseInt(q.Get("vehicle"), 10, 64)
	d.CategoryID, _ = strconv.ParseInt(q.Get("category"), 10, 64)
	d.PayerID, _ = strconv.ParseInt(q.Get("payer"), 10, 64)
	if id, err := strconv.ParseInt(q.Get("customer"), 10, 64); err == nil && id > 0 {
		c, err := a.ContractData.Customer(r.Context(), id)
		if err != nil {
			return err
		}
		d.CustomerID, d.Email, d.FirstName, d.LastName, d.Phone = c.ID, c.Email, c.FirstName, c.LastName, c.Phone
		d.Street, d.Zip, d.City = c.Street, c.PostalCode, c.City
	}
	if err := a.resNewOptions(r, &d); err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "reservation_new", &view{Title: "res.new.title", Nav: "reservations", Data: d})
	return nil
}

// resNewOptions fills the form's choices, the customers found and the quote.
func (a *app) resNewOptions(r *http.Request, d *resNewData) error {
	ctx := r.Context()
	var err error
	d.Stations, d.StationID, d.Vehicles, d.Tariffs, err = a.counterChoices(r, d.StationID, "")
	if err != nil {
		return err
	}
	if d.Categories, err = a.Fleet.ListCategories(ctx); err != nil {
		return err
	}
	if d.Pickup == "" {
		next := a.Now().In(berlin).Add(24 * time.Hour)
		d.Pickup = time.Date(next.Year(), next.Month(), next.Day(), 9, 0, 0, 0, berlin).Format("2006-01-02T15:04")
	}
	if d.Return == "" {
		if p, ok := parseLocal(d.Pickup, berlin); ok {
			d.Return = p.Add(24 * time.Hour).Format("2006-01-02T15:04")
		}
	}
	if d.Q != "" && d.CustomerID == 0 {
		if d.Hits, _, err = a.Bookings.SearchCustomers(ctx, customer.SearchQuery{Text: d.Q, Limit: 8}); err != nil {
			return err
		}
	}
	d.Quote = a.resNewQuote(d)
	if a.Payers != nil && a.Covers != nil {
		all, err := a.Payers.ListPayers(ctx)
		if err != nil {
			return err
		}
		d.Payers = nil
		for _, p := range all {
			if p.Active {
				d.Payers = append(d.Payers, p)
			}
		}
	}
	return nil
}

// resNewQuote prices the form's period: the chosen tariff, else the one the
// booking would get (pricing.Best for the category or the car's category;
// a workshop tariff when a workshop order is given). nil when the form does
// not say enough yet.
func (a *app) resNewQuote(d *resNewData) *resQuote {
	var st tenancy.Station
	for _, s := range d.Stations {
		if s.ID == d.StationID {
			st = s
		}
	}
	loc := st.Location()
	pickup, ok1 := parseLocal(d.Pickup, loc)
	ret, ok2 := parseLocal(d.Return, loc)
	if !ok1 || !ok2 || !ret.After(pickup) {
		return nil
	}
	cat := d.CategoryID
	for _, v := range d.Vehicles {
		if v.ID == d.VehicleID {
			cat = v.CategoryID
		}
	}
	var t pricing.Tariff
	found := false
	for _, x := range d.Tariffs {
		if x.ID == d.TariffID {
			t, found = x, true
		}
	}
	if !found && cat != 0 {
		t, found = pricing.Best(d.Tariffs, cat, pickup.In(loc).Format("2006-01-02"), d.WorkshopRef != "")
	}
	if !found {
		return nil
	}
	return &resQuote{Tariff: t, Quote: pricing.QuoteFor(t, pickup, ret, loc, "EUR")}
}

// reservationNewQuote answers the form's live quote (htmx, on every change).
func (a *app) reservationNewQuote(w http.ResponseWriter, r *http.Request) error {
	d := resNewFromForm(r)
	if err := a.resNewOptions(r, &d); err != nil {
		return err
	}
	v := &view{Data: d}
	a.fillView(r, v)
	a.renderFragment(w, r, "reservation_new", "quote", v)
	return nil
}

// Keep is what the customer search carries over of the form's choices
// (the planning board's selection), by query name.
func (d resNewData) Keep() map[string]string {
	m := map[string]string{"pickup": d.Pickup, "return": d.Return, "workshop_ref": d.WorkshopRef, "notes": d.Notes}
	for k, v := range map[string]int64{"station": d.StationID, "vehicle": d.VehicleID, "category": d.CategoryID, "payer": d.PayerID} {
		if v != 0 {
			m[k] = strconv.FormatInt(v, 10)
		}
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// WithCustomer is the form's URL with customer id chosen from the search
// (a template.URL: built from url.Values, so the template must not escape
// its query again).
func (d resNewData) WithCustomer(id int64) template.URL {
	q := url.Values{}
	for k, v := range d.Keep() {
		q.Set(k, v)
	}
	q.Set("customer", strconv.FormatInt(id, 10))
	return template.URL("/admin/reservations/new?" + q.Encode())
}

// fieldErr is a KindInvalid error of one field.
func fieldErr(field string, code locale.Key) error {
	return errs.Invalid("error.fields_invalid", errs.Field(field, code))
}

// resNewFromForm reads the posted (or htmx-included) form.
func resNewFromForm(r *http.Request) resNewData {
	val := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	id := func(k string) int64 { n, _ := strconv.ParseInt(val(k), 10, 64); return n }
	return resNewData{CustomerID: id("customer_id"), Email: val("email"), FirstName: val("first_name"), LastName: val("last_name"),
		Phone: val("phone"), Street: val("street"), Zip: val("postal_code"), City: val("city"), StationID: id("station_id"),
		CategoryID: id("category_id"), VehicleID: id("vehicle_id"), TariffID: id("tariff_id"), Pickup: val("pickup"),
		Return: val("return"), WorkshopRef: val("workshop_ref"), Notes: val("notes"), PayerID: id("payer_id")}
}

// resNewCover is the cover the form's payer makes (ok false: the driver
// pays). A payer that is unknown, inactive or not one of the tenant's is a
// field error on payer_id in f; nothing is stored here.
func (a *app) resNewCover(ctx context.Context, d resNewData, today string, f *errs.Fields) (payer.Cover, bool, error) {
	if d.PayerID == 0 || a.Payers == nil || a.Covers == nil {
		return payer.Cover{}, false, nil
	}
	p, err := a.Payers.Payer(ctx, d.PayerID)
	if errs.Is(err, errs.KindNotFound) {
		f.Add("payer_id", "cover.payer_choose")
		return payer.Cover{}, false, nil
	}
	if err != nil {
		return payer.Cover{}, false, err
	}
	c := payer.CoverBy(p)
	if e, ok := errs.As(c.Validate(p, today)); ok {
		*f = append(*f, e.Fields...)
		return payer.Cover{}, false, nil
	}
	return c, true, nil
}

// reservationNewCreate stores the customer (found by e-mail, or new), the
// reservation (contract.Service.Reserve) and, when a payer was chosen, its
// cover, then queues the confirmation (quoting the split) and shows the
// reservation; a field error shows the form again with every problem at
// its field and stores nothing.
func (a *app) reservationNewCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := resNewFromForm(r)
	again := func(err error) error {
		if lerr := a.resNewOptions(r, &d); lerr != nil {
			return lerr
		}
		v := &view{Title: "res.new.title", Nav: "reservations", Data: d}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "reservation_new", v)
		return nil
	}
	var st tenancy.Station
	if d.StationID != 0 {
		s, err := a.Tenancy.Station(ctx, d.StationID)
		if err != nil {
			return again(fieldErr("station_id", "field.station_choose"))
		}
		st = s
	}
	pickup, ok := parseLocal(d.Pickup, st.Location())
	if !ok {
		return again(fieldErr("pickup", "field.datetime"))
	}
	ret, ok := parseLocal(d.Return, st.Location())
	if !ok {
		return again(fieldErr("return", "field.datetime"))
	}
	c := customer.Customer{Email: d.Email, FirstName: d.FirstName, LastName: d.LastName, Phone: d.Phone, Street: d.Street,
		PostalCode: d.Zip, City: d.City, Country: "DE", Language: reqCtx(r).lang}
	tariff := d.TariffID
	if tariff == 0 {
		if err := a.resNewOptions(r, &d); err != nil {
			return err
		}
		if q := d.Quote; q != nil {
			tariff = q.Tariff.ID
		}
	}
	res := &booking.Reservation{StationID: d.StationID, ReturnStationID: d.StationID, CategoryID: d.CategoryID,
		VehicleID: d.VehicleID, TariffID: tariff, Pickup: pickup.UTC(), Return: ret.UTC(), Language: c.Language,
		WorkshopRef: d.WorkshopRef, Notes: d.Notes}
	// every problem at once, before anything is stored
	var f errs.Fields
	if e, ok := errs.As(c.Validate("", a.Now())); ok {
		f = append(f, e.Fields...)
	}
	probs, err := a.Contracts.CheckReservation(ctx, *res)
	if err != nil {
		return err
	}
	f = append(f, probs...)
	cover, covered, err := a.resNewCover(ctx, d, a.Now().In(st.Location()).Format("2006-01-02"), &f)
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return again(err)
	}
	if _, _, err := a.ContractData.UpsertCustomer(ctx, &c); err != nil {
		return again(err)
	}
	res.CustomerID = c.ID
	if err := a.Contracts.Reserve(ctx, res); err != nil {
		return again(err)
	}
	done := "created"
	if covered { // stored before the confirmation: it quotes the split
		cover.ReservationID = res.ID
		if _, err := a.Covers.ChangeCover(ctx, &cover); err != nil {
			a.log.ErrorContext(ctx, "phone booking: cover", "request_id", httpx.RequestID(ctx), "reservation", res.Number, "err", err)
			http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=created_uncovered", res.ID), http.StatusSeeOther)
			return nil
		}
	}
	if a.Flow != nil { // the customer gets a confirmation as a website booking does
		done = "created_mailed"
		if err := a.Flow.ConfirmCounterBooking(ctx, res.Number); err != nil {
			a.log.ErrorContext(ctx, "phone booking: confirmation e-mail", "request_id", httpx.RequestID(ctx), "reservation", res.Number, "err", err)
			done = "created_unmailed"
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=%s", res.ID, done), http.StatusSeeOther)
	return nil
}
