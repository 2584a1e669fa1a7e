package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// useData is the form that starts a test drive, internal use or transfer:
// the car, the person who drives it (a test-drive customer, a staff
// member), what the kind records, and the planned return; it goes on to
// the handover form like a walk-in rental.
type useData struct {
	Kind                                booking.Kind
	Stations, Destinations              []tenancy.Station
	Vehicles                            []fleet.Vehicle
	StationID, VehicleID, DestinationID int64
	counterStart
	IDDocument, IDNumber, Purpose, CostCentre string
	Notes                                     string
	// Plates are the red plates valid today (test drives and transfers
	// may go on one); DealerPlateID the one chosen (0: the car's own).
	Plates        []fleet.DealerPlate
	DealerPlateID int64
	// holds are the bookings that hold plates (by plate), at now.
	holds map[int64]booking.PlateHold
	now   time.Time
	// Fee is the tenant's fee per test drive (0: free; other kinds: 0).
	Fee int64
	// Held is the way to the booking that holds the chosen plate, when
	// the plate was refused for it (nil otherwise).
	Held *plateHeld
	// From is the number of the start the form was filled in from
	// (startAgain; "" when none), carried by the form so that a refused
	// form still says so.
	From string
}

// plateHeld links the start form to the booking or contract that holds a
// red plate: Href and Label when the user may open it, else Elsewhere.
type plateHeld struct {
	Href, Label string
	Elsewhere   bool
}

// heldPlate returns the way to the booking that holds the plate err
// refused (nil when err refused none): its booking page, where a start
// nobody handed over is cancelled, or the contract of a car on the road —
// as far as the user may open them.
func (a *app) heldPlate(r *http.Request, err error) *plateHeld {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	for _, f := range e.Fields {
		if f.Field != "dealer_plate_id" || (f.Code != "plate.held_by_start" && f.Code != "plate.on_the_road") {
			continue
		}
		lang := reqCtx(r).lang
		resID, _ := f.Params["reservation_id"].(int64)
		ctID, _ := f.Params["contract_id"].(int64)
		if f.Code == "plate.on_the_road" && ctID != 0 {
			if _, err := a.ContractData.Contract(r.Context(), ctID); err == nil {
				return &plateHeld{Href: fmt.Sprintf("/admin/contracts/%d", ctID), Label: translate(lang, "plate.road_link", f.Params["contract"])}
			}
			return &plateHeld{Elsewhere: true}
		}
		if _, err := a.Bookings.ReservationRow(r.Context(), resID); err == nil {
			return &plateHeld{Href: fmt.Sprintf("/admin/reservations/%d", resID), Label: translate(lang, "plate.held_link", f.Params["booking"])}
		}
		return &plateHeld{Elsewhere: true}
	}
	return nil
}

// PlateChoice is a plate's option in the form: its number and, when a
// booking holds it, the mark saying by which and until when
// (booking.PlateHold.Mark) — a held plate stays selectable: choosing it
// brings the refusal with the way to the holding booking.
func (d useData) PlateChoice(v *view, p fleet.DealerPlate) string {
	s := v.T("fines.red_plate", p.Number)
	if h, ok := d.holds[p.ID]; ok {
		s += " – " + h.Mark(locale.Lang(v.Lang), d.now)
	}
	return s
}

// OnPlate reports whether the kind may go on a red plate.
func (d useData) OnPlate() bool {
	return len(d.Plates) > 0 && (d.Kind == booking.KindTestDrive || d.Kind == booking.KindTransfer)
}

// IDDocuments are the identity documents a test drive records.
func (useData) IDDocuments() []string { return booking.IDDocuments }

// useKind reads the kind of the start form ("" and rental are not one).
func useKind(s string) (booking.Kind, bool) {
	k := booking.Kind(s)
	return k, k.Valid() && k != booking.KindRental
}

func (a *app) useChoices(r *http.Request, d *useData) error {
	var err error
	d.Stations, d.StationID, d.Vehicles, _, err = a.counterChoices(r, d.StationID, fleet.StatusAvailable)
	if err != nil {
		return err
	}
	if d.Return == "" {
		ahead := 2 * time.Hour // a test drive takes an hour or two
		if d.Kind != booking.KindTestDrive {
			ahead = 8 * time.Hour
		}
		d.Return = a.Now().In(berlin).Add(ahead).Format("2006-01-02T15:04")
	}
	if d.Kind == booking.KindTestDrive {
		tn, err := a.Tenancy.Tenant(r.Context())
		if err != nil {
			return err
		}
		d.Fee = tn.TestDriveFeeCents
	}
	if a.Plates != nil && (d.Kind == booking.KindTestDrive || d.Kind == booking.KindTransfer) {
		ps, err := a.Plates.ListDealerPlates(r.Context())
		if err != nil {
			return err
		}
		d.now = a.Now()
		today := d.now.In(berlin).Format("2006-01-02")
		for _, p := range ps {
			if p.ValidOn(today) {
				d.Plates = append(d.Plates, p)
			}
		}
		if len(d.Plates) > 0 {
			if d.holds, err = a.ContractData.PlateHolds(r.Context()); err != nil {
				return err
			}
		}
	}
	if d.Kind == booking.KindTransfer {
		all, err := a.Tenancy.StationDirectory(r.Context()) // any station of the tenant, the user's or not
		if err != nil {
			return err
		}
		for _, s := range all { // a transfer goes to any other station of the tenant
			if s.ID != d.StationID {
				d.Destinations = append(d.Destinations, s)
			}
		}
	}
	return nil
}

// useForm shows the start form of a kind (?kind=test_drive|internal|
// transfer), for a car when ?vehicle= names one (its station first), or
// filled in from an earlier start of the kind the user may see when
// ?from= names one (startAgain).
func (a *app) useForm(w http.ResponseWriter, r *http.Request) error {
	k, ok := useKind(r.URL.Query().Get("kind"))
	if !ok {
		return errNotFound
	}
	d := useData{Kind: k}
	if from, err := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64); err == nil {
		if err := a.startAgain(r, &d, from); err != nil {
			return err
		}
	}
	if vid, err := strconv.ParseInt(r.URL.Query().Get("vehicle"), 10, 64); err == nil {
		if v, err := a.ContractData.Vehicle(r.Context(), vid); err == nil {
			d.VehicleID, d.StationID = v.ID, v.StationID
		}
	}
	// ?station= from a link, ?station_id= when the form's station changes
	for _, k := range []string{"station_id", "station"} {
		if sid, err := strconv.ParseInt(r.URL.Query().Get(k), 10, 64); err == nil && d.StationID == 0 {
			d.StationID = sid
		}
	}
	if err := a.useChoices(r, &d); err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "use_new", &view{Title: "kind.start." + string(k), Nav: "contracts", Data: d})
	return nil
}

// startAgain fills d, the start form of its kind, from start id of that
// kind — one the job released, whose driver comes back: the driver's
// e-mail, name, phone and address, the station, car, destination, red
// plate, purpose, cost centre and notes. The identity document is left
// for staff to check again (its check is recorded with who and when), and
// the planned return is reckoned from now. A booking the user may not see,
// or of another kind, fills in nothing. Errors: those of reading the
// driver.
func (a *app) startAgain(r *http.Request, d *useData, id int64) error {
	ctx := r.Context()
	res, err := a.ContractData.Reservation(ctx, id)
	if err != nil || res.Use.Kind != d.Kind {
		return nil
	}
	c, err := a.ContractData.Customer(ctx, res.CustomerID)
	if err != nil {
		return err
	}
	d.counterStart = counterStart{Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, Street: c.Street,
		Zip: c.PostalCode, City: c.City}
	d.StationID, d.VehicleID, d.DealerPlateID = res.StationID, res.VehicleID, res.Use.DealerPlateID
	if d.Kind == booking.KindTransfer {
		d.DestinationID = res.ReturnStationID
	}
	d.Purpose, d.CostCentre, d.Notes, d.From = res.Use.Purpose, res.Use.CostCentre, res.Notes, res.Number
	return nil
}

// useCreate books the kind (contract.Service.StartUse) and goes on to the
// handover.
func (a *app) useCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	k, ok := useKind(r.PostFormValue("kind"))
	if !ok {
		return errNotFound
	}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	d := useData{Kind: k, counterStart: readCounterStart(r), IDDocument: v("id_document"), IDNumber: v("id_number"), Purpose: v("purpose"), CostCentre: v("cost_centre"), Notes: v("notes"), From: v("from")}
	d.StationID, _ = strconv.ParseInt(r.PostFormValue("station_id"), 10, 64)
	d.VehicleID, _ = strconv.ParseInt(r.PostFormValue("vehicle_id"), 10, 64)
	d.DestinationID, _ = strconv.ParseInt(r.PostFormValue("destination_id"), 10, 64)
	d.DealerPlateID, _ = strconv.ParseInt(r.PostFormValue("dealer_plate_id"), 10, 64)
	fail := func(err error) error {
		if lerr := a.useChoices(r, &d); lerr != nil {
			return lerr
		}
		d.Held = a.heldPlate(r, err)
		vw := &view{Title: "kind.start." + string(k), Nav: "contracts", Data: d}
		status := a.formError(vw, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "use_new", vw)
		return nil
	}
	now, ret, c, err := a.startAtCounter(r, d.counterStart, d.StationID)
	if err != nil {
		return fail(err)
	}
	res := &booking.Reservation{StationID: d.StationID, ReturnStationID: d.DestinationID, CustomerID: c.ID, VehicleID: d.VehicleID,
		Pickup: now, Return: ret, Language: c.Language, Notes: d.Notes,
		Use: booking.Use{Kind: k, Purpose: d.Purpose, CostCentre: d.CostCentre, IDDocument: d.IDDocument, IDNumber: d.IDNumber,
			DealerPlateID: d.DealerPlateID}}
	if err := a.Contracts.StartUse(ctx, res); err != nil {
		return fail(err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d/handover", res.ID), http.StatusSeeOther)
	return nil
}

// plateReleaseNote says, for a start on a red plate nobody handed over
// yet, when the job releases it, and for one it released, that it did and
// when; "" for any other booking. loc is the station's time zone.
func plateReleaseNote(lang string, r booking.Reservation, loc *time.Location) string {
	switch {
	case r.ReleasedAt != nil:
		return translate(lang, "plate.released", locale.Params{"plate": r.Use.DealerPlate, "at": locale.DateTime(r.ReleasedAt.In(loc))})
	case r.HoldsUnstartedPlate():
		return translate(lang, "plate.release_at", locale.Params{"plate": r.Use.DealerPlate, "at": locale.DateTime(r.StartReleaseAt().In(loc))})
	}
	return ""
}
