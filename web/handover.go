package web

import (
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// protoForm is the readings part of the handover and return forms, kept
// as typed so an invalid form comes back unchanged.
type protoForm struct {
	KM   string
	Fuel int
	// Charge and Range are the state of charge (%) and range (km) as
	// typed (electric and plug-in cars).
	Charge, Range string
	Cleanliness   string
	Notes         string
	SignerName    string
	Signature     string // data: URL of the PNG
	// UnsignedReason is why the customer does not sign.
	UnsignedReason string
	Damages        []damageRow
	Confirmed      map[int64]bool
}

// Eighths are the fuel buttons 0…8.
func (protoForm) Eighths() []int { return []int{0, 1, 2, 3, 4, 5, 6, 7, 8} }

// Cleanlinesses are the cleanliness choices.
func (protoForm) Cleanlinesses() []string { return fleet.Cleanliness }

// Views, Kinds and Severities are the damage choices.
func (protoForm) Views() []string      { return fleet.DamageViews }
func (protoForm) Kinds() []string      { return fleet.DamageKinds }
func (protoForm) Severities() []string { return fleet.DamageSeverities }

// readProtocol reads km, fuel, cleanliness, notes, signature and the new
// damages placed on the diagram with their photo files (see
// readDamageRows; decoded by prepareRowPhotos once access is checked).
// The fields get the errors of what cannot be parsed.
func readProtocol(r *http.Request, withCharge bool) (protoForm, contract.Protocol, [][]*multipart.FileHeader, errs.Fields) {
	var f errs.Fields
	pf := protoForm{KM: strings.TrimSpace(r.PostFormValue("km")), Cleanliness: r.PostFormValue("cleanliness"),
		Notes: strings.TrimSpace(r.PostFormValue("notes")), SignerName: strings.TrimSpace(r.PostFormValue("signer_name")),
		UnsignedReason: strings.TrimSpace(r.PostFormValue("unsigned_reason")),
		Signature:      r.PostFormValue("signature"), Confirmed: map[int64]bool{}, Fuel: -1}
	p := contract.Protocol{Cleanliness: pf.Cleanliness, Notes: pf.Notes, SignerName: pf.SignerName, UnsignedReason: pf.UnsignedReason}
	km, err := strconv.ParseInt(strings.ReplaceAll(pf.KM, ".", ""), 10, 64)
	switch {
	case pf.KM == "":
		f.Add("km", "protocol.km_required")
	case err != nil:
		f.Add("km", "protocol.km_number")
	}
	p.OdometerKM = km
	if pf.Cleanliness == "" {
		f.Add("cleanliness", "field.cleanliness_choose")
	}
	// a missing fuel level or state of charge is the service's to judge:
	// what the car needs depends on its drive type
	if fuel, err := strconv.Atoi(r.PostFormValue("fuel_eighths")); err == nil {
		pf.Fuel, p.FuelEighths = fuel, fuel
	} else {
		p.FuelMissing = true
	}
	pf.Charge, pf.Range = strings.TrimSpace(r.PostFormValue("state_of_charge_percent")), strings.TrimSpace(r.PostFormValue("range_km"))
	p.ChargePercent = formIntp(pf.Charge, "state_of_charge_percent", "protocol.charge_range", &f)
	p.RangeKM = formIntp(strings.ReplaceAll(pf.Range, ".", ""), "range_km", "protocol.range_number", &f)
	if pf.Signature != "" {
		const prefix = "data:image/png;base64,"
		if !strings.HasPrefix(pf.Signature, prefix) {
			f.Add("signature", "protocol.signature_png")
		} else if b, err := base64.StdEncoding.DecodeString(pf.Signature[len(prefix):]); err != nil {
			f.Add("signature", "protocol.signature_png")
		} else {
			p.SignaturePNG = b
		}
	}
	for _, s := range r.PostForm["confirm_damage"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			pf.Confirmed[id] = true
		}
	}
	var files [][]*multipart.FileHeader
	pf.Damages, p.NewDamages, files = readDamageRows(r, withCharge, &f)
	return pf, p, files, f
}

// formIntp parses an optional whole number typed into field name ("80",
// "80 %"): nil when empty, the field error key when it is no number.
func formIntp(s, name string, key locale.Key, f *errs.Fields) *int {
	s = strings.TrimSpace(strings.TrimSuffix(s, "%"))
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.Add(name, key)
		return nil
	}
	return &n
}

// energyMissing adds the errors of a fuel level or state of charge the
// car needs and the form lacks, when the form is refused before the
// service sees it (the service checks the same; see contract's checkEnergy).
func energyMissing(f *errs.Fields, p contract.Protocol, fuel, charge bool) {
	if fuel && p.FuelMissing && !f.Has("fuel_eighths") {
		f.Add("fuel_eighths", "protocol.fuel_required")
	}
	if charge && p.ChargePercent == nil && !f.Has("state_of_charge_percent") {
		f.Add("state_of_charge_percent", "protocol.charge_required")
	}
}

// ---- handover ----

type handoverData struct {
	R        booking.Reservation
	Customer customer.Customer
	Vehicle  fleet.Vehicle
	Vehicles []fleet.Vehicle // free vehicles of the category to choose from
	Damages  []fleet.Damage
	Station  tenancy.Station
	Drivers  []driverRow
	Checked  bool
	P        protoForm
	// PreCheckin is what the customer entered on the booking page; the
	// drivers start from it (staff check the licences in the original).
	PreCheckin *booking.PreCheckin
	// DueOverride is staff's reason to hand over a car whose HU runs out
	// before the planned return (asked for only then).
	DueOverride string
	// Timing is why this handover needs confirming now ("" when it does
	// not): too early or the station closed, and what that does to the price.
	Timing          string
	TimingConfirmed bool
	// AssignmentDue: an insurer pays the rental and the customer has not
	// signed the assignment of claims yet.
	AssignmentDue bool
	// Agreement is what a test-drive customer signs with the protocol (the
	// liability terms with the tenant's deductible, and its fee); "" for
	// other kinds. Fee is the tenant's fee per test drive (0: free).
	Agreement string
	Fee       int64
}

// PlateRelease is when the job releases this start on a red plate if
// nobody hands it over, or that it did ("" otherwise).
func (d handoverData) PlateRelease(v *view) string {
	return plateReleaseNote(v.Lang, d.R, d.Station.Location())
}

// StartAgain is the way forward from a start the job released: the start
// form of its kind with its driver, car, station, plate and what the kind
// records filled in (see useForm's ?from=); "" for a rental.
func (d handoverData) StartAgain() string {
	if _, ok := useKind(string(d.R.Use.Kind)); !ok {
		return ""
	}
	return fmt.Sprintf("/admin/uses/new?kind=%s&from=%d", d.R.Use.Kind, d.R.ID)
}

// KindLabel is the kind of a booking that is not a rental ("" for rentals).
func (d handoverData) KindLabel() string {
	if d.R.Use.Kind.Or() == booking.KindRental {
		return ""
	}
	return "kind." + string(d.R.Use.Kind)
}

// InspectionDue reports whether the reservation's car may not be handed
// over without a reason (its HU runs out before the planned return).
func (d handoverData) InspectionDue() bool {
	return d.Vehicle.InspectionDueBy(d.R.Return.In(d.Station.Location()).Format("2006-01-02"))
}

// Pickup renders the planned pickup.
func (d handoverData) When(v *view, t time.Time) string {
	return formatTime(v.Lang, t, d.Station.Location())
}

func (a *app) loadHandover(r *http.Request, id int64) (handoverData, error) {
	ctx := r.Context()
	var d handoverData
	var err error
	be := a.ContractData
	if d.R, err = be.Reservation(ctx, id); err != nil {
		return d, err
	}
	if d.Customer, err = be.Customer(ctx, d.R.CustomerID); err != nil {
		return d, err
	}
	if d.Station, err = a.Tenancy.Station(ctx, d.R.StationID); err != nil {
		return d, err
	}
	if d.R.VehicleID != 0 {
		if d.Vehicle, err = be.Vehicle(ctx, d.R.VehicleID); err != nil {
			return d, err
		}
		if d.Damages, err = be.ListDamages(ctx, d.R.VehicleID, true); err != nil {
			return d, err
		}
	}
	if d.R.Use.Kind == booking.KindTestDrive {
		tn, err := a.Tenancy.Tenant(ctx)
		if err != nil {
			return d, err
		}
		d.Fee = tn.TestDriveFeeCents
		d.Agreement = contract.TestDriveAgreement(locale.Lang(reqCtx(r).lang), tn.TestDriveDeductibleCents, d.Fee)
	}
	vs, _, err := be.ListVehicles(ctx, fleet.VehicleFilter{StationID: d.R.StationID, CategoryID: d.R.CategoryID, Status: fleet.StatusAvailable, Limit: 100})
	if err != nil {
		return d, err
	}
	d.Vehicles = vs
	if d.R.Status == booking.StatusConfirmed {
		tm, err := a.Contracts.HandoverTiming(ctx, d.R)
		if err != nil {
			return d, err
		}
		if tm.Ask {
			d.Timing = locale.Lang(reqCtx(r).lang).T(tm.Key, tm.Params)
		}
	}
	c := d.Customer
	d.Drivers = []driverRow{{0, contract.Driver{Role: contract.RoleMain, FirstName: c.FirstName, LastName: c.LastName, BirthDate: c.BirthDate,
		LicenceNumber: c.LicenceNumber, LicenceClass: c.LicenceClass, LicenceIssuedOn: c.LicenceIssuedOn, LicenceCountry: c.LicenceCountry}},
		{1, contract.Driver{Role: contract.RoleAdditional}}}
	if d.Drivers[0].LicenceCountry == "" {
		d.Drivers[0].LicenceCountry = "DE"
	}
	if d.Drivers[0].LicenceClass == "" {
		d.Drivers[0].LicenceClass = "B"
	}
	// an accident replacement the insurer pays: the assignment of claims
	// is signed before the car goes out
	if cc, err := a.loadCoverCard(ctx, id, 0, false); err != nil {
		return d, err
	} else if cc != nil && cc.Insurer && cc.Assignment == nil {
		d.AssignmentDue = true
	}
	if pc, ok, err := be.PreCheckin(ctx, id); err != nil {
		return d, err
	} else if ok && len(pc.Drivers) > 0 {
		d.PreCheckin = &pc
		d.Drivers = nil
		for i, dr := range contract.DriversOf(pc) {
			d.Drivers = append(d.Drivers, driverRow{i, dr})
		}
		if len(d.Drivers) < 2 {
			d.Drivers = append(d.Drivers, driverRow{len(d.Drivers), contract.Driver{Role: contract.RoleAdditional}})
		}
	}
	d.P = protoForm{KM: strconv.FormatInt(d.Vehicle.OdometerKM, 10), Fuel: d.Vehicle.FuelEighths, Cleanliness: d.Vehicle.Cleanliness,
		SignerName: c.Name(), Confirmed: map[int64]bool{}}
	if soc := d.Vehicle.ChargePercent; soc != nil && fleet.RecordsCharge(d.Vehicle.FuelType) {
		d.P.Charge = strconv.Itoa(*soc) // as last recorded, like km and fuel: staff check it against the display
	}
	for _, dm := range d.Damages {
		d.P.Confirmed[dm.ID] = true
	}
	return d, nil
}

// handoverForm is the one-screen, tablet-friendly check-out form.
func (a *app) handoverForm(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	if c, err := a.ContractData.ContractByReservation(r.Context(), id); err == nil {
		http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d", c.ID), http.StatusSeeOther)
		return nil
	}
	d, err := a.loadHandover(r, id)
	if err != nil {
		return err
	}
	v := &view{Title: "ct.handover", Nav: "contracts", Data: d}
	if err := d.R.ReleasedError(d.Station.Location()); err != nil {
		v.Alert = errs.Text(locale.Lang(v.Lang), err) // released by the job: start anew
	} else if d.R.Status != booking.StatusConfirmed {
		v.Alert = v.T("ct.not_confirmed")
	} else if r.URL.Query().Get("done") == "assignment" && !d.AssignmentDue {
		v.Notice = v.T("ct.done.assignment") // signed on the way to the car
	}
	a.render(w, r, http.StatusOK, "handover", v)
	return nil
}

func (a *app) handoverSubmit(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	// the reservation first: nothing of the upload is decoded for a
	// reservation the user cannot see or hand over
	res, err := a.ContractData.Reservation(r.Context(), id)
	if err != nil {
		return err
	}
	pf, p, files, f := readProtocol(r, false)
	var photos [][]fleet.Prepared
	if res.Status == booking.StatusConfirmed {
		photos = a.prepareRowPhotos(r.Context(), files, &f)
	}
	ds := driversFromForm(r)
	h := &contract.Handover{ReservationID: id, Drivers: ds, Protocol: p, LicenceChecked: r.PostFormValue("licence_checked") == "1",
		DueOverride: r.PostFormValue("due_override"), TimingConfirmed: r.PostFormValue("timing_confirmed") == "1"}
	if vid, err := strconv.ParseInt(r.PostFormValue("vehicle_id"), 10, 64); err == nil {
		h.VehicleID = vid
	}
	for cid := range pf.Confirmed {
		h.ConfirmedDamages = append(h.ConfirmedDamages, cid)
	}
	var c contract.Contract
	err = f.Err()
	if err == nil {
		c, err = a.Contracts.Handover(r.Context(), h)
	} else {
		// show every problem at once: also the drivers and the licence check
		if verr := contract.ValidateDrivers(ds, a.Now()); verr != nil {
			if e, ok := errs.As(verr); ok {
				f = append(f, e.Fields...)
			}
		}
		if !h.LicenceChecked {
			f.Add("licence_checked", "handover.licence_check_required")
		}
		vid := h.VehicleID
		if vid == 0 {
			vid = res.VehicleID
		}
		if v, verr := a.ContractData.Vehicle(r.Context(), vid); vid != 0 && verr == nil {
			energyMissing(&f, p, fleet.RecordsFuel(v.FuelType), fleet.RecordsCharge(v.FuelType))
		}
		err = f.Err()
	}
	if err != nil && c.ID == 0 {
		d, lerr := a.loadHandover(r, id)
		if lerr != nil {
			return lerr
		}
		d.P, d.Checked, d.DueOverride, d.TimingConfirmed = pf, h.LicenceChecked, h.DueOverride, h.TimingConfirmed
		d.Drivers = nil
		for i, dr := range ds {
			d.Drivers = append(d.Drivers, driverRow{i, dr})
		}
		if len(d.Drivers) < 2 {
			d.Drivers = append(d.Drivers, driverRow{len(d.Drivers), contract.Driver{Role: contract.RoleAdditional}})
		}
		v := &view{Title: "ct.handover", Nav: "contracts", Data: d}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "handover", v)
		return nil
	}
	if err != nil {
		a.log.ErrorContext(r.Context(), "handover stored, follow-up failed", "contract", c.Number, "err", err)
	}
	done := "handover"
	if perr := a.saveDamagePhotos(r.Context(), h.Protocol.NewDamages, photos); perr != nil {
		a.log.ErrorContext(r.Context(), "handover stored, damage photos failed", "contract", c.Number, "err", perr)
		done = "photos_failed"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=%s", c.ID, done), http.StatusSeeOther)
	return nil
}

// ---- return ----

type returnData struct {
	C         contract.Contract
	Customer  customer.Customer
	Vehicle   fleet.Vehicle
	Handover  contract.Protocol
	Damages   []fleet.Damage
	Stations  []tenancy.Station
	StationID int64
	OneWay    bool
	P         protoForm
	loc       *time.Location
	// Preview is the bill the return would issue (nil until computed);
	// Confirm is the token a submit must carry to record it.
	Preview *returnPreview
	Confirm string
}

// When renders an instant in the station's zone.
func (d returnData) When(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

func (a *app) loadReturn(r *http.Request, id int64) (returnData, error) {
	ctx := r.Context()
	var d returnData
	var err error
	be := a.ContractData
	if d.C, err = be.Contract(ctx, id); err != nil {
		return d, err
	}
	if d.Customer, err = be.Customer(ctx, d.C.CustomerID); err != nil {
		return d, err
	}
	ps, err := be.Protocols(ctx, id)
	if err != nil {
		return d, err
	}
	for _, p := range ps {
		if p.Kind == contract.KindHandover {
			d.Handover = p
		}
	}
	if v, err := be.Vehicle(ctx, d.C.VehicleID); err == nil {
		d.Vehicle = v
		if d.Damages, err = be.ListDamages(ctx, v.ID, true); err != nil {
			return d, err
		}
	}
	tn, err := a.Tenancy.Tenant(ctx)
	if err != nil {
		return d, err
	}
	d.OneWay = tn.OneWayAllowed
	all, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return d, err
	}
	d.Stations = visibleStations(r, all)
	d.StationID = d.C.ReturnStationID
	if !actorOf(r).CanStation(d.StationID) && len(d.Stations) > 0 {
		d.StationID = d.Stations[0].ID
	}
	d.loc = berlin
	for _, s := range all {
		if s.ID == d.C.StationID {
			d.loc = s.Location()
		}
	}
	// km, fuel and cleanliness start empty: a forgotten entry must not
	// bill 0 km, a full tank or a clean car (the handover's values are
	// shown next to the fields)
	d.P = protoForm{Fuel: -1, SignerName: d.Customer.Name(), Confirmed: map[int64]bool{}}
	return d, nil
}

// returnForm is the check-in form; the handover values are shown next to
// the inputs so new damages and differences stand out.
func (a *app) returnForm(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	d, err := a.loadReturn(r, id)
	if err != nil {
		return err
	}
	v := &view{Title: "ct.return", Nav: "contracts", Data: d}
	if d.C.Status != contract.StatusOpen {
		v.Alert = v.T("ct.already_returned")
	}
	a.render(w, r, http.StatusOK, "return", v)
	return nil
}

func (a *app) returnSubmit(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	// the contract first: nothing of the upload is decoded for a contract
	// the user cannot see or that is returned already
	ct, err := a.ContractData.Contract(r.Context(), id)
	if err != nil {
		return err
	}
	pf, p, files, f := readProtocol(r, true)
	if len(p.SignaturePNG) == 0 && p.UnsignedReason == "" && !f.Has("signature") {
		f.Add("signature", "counter.sign_or_reason") // as at the handover: a signature or why there is none
	}
	var photos [][]fleet.Prepared
	if ct.Status == contract.StatusOpen {
		photos = a.prepareRowPhotos(r.Context(), files, &f)
	}
	if f.Err() != nil { // the service is not asked: say what else is missing
		energyMissing(&f, p, fleet.RecordsFuel(ct.Terms.DriveType), fleet.RecordsCharge(ct.Terms.DriveType))
	}
	rt := &contract.Return{ContractID: id, Protocol: p}
	if sid, err := strconv.ParseInt(r.PostFormValue("station_id"), 10, 64); err == nil {
		rt.StationID = sid
	}
	err = f.Err()
	var c contract.Contract
	var outcome contract.Outcome
	var pv *contract.Preview
	if err == nil && !ct.Kind.Billed() {
		// a test drive, internal use or transfer bills nothing: recorded at once
		c, outcome, err = a.Contracts.Return(r.Context(), rt)
	} else if err == nil {
		// the bill is shown before the card is charged: a return is recorded
		// only with the confirmation of the figures computed now
		var p contract.Preview
		rt.PreviewLang = document.Lang(reqCtx(r).lang) // staff read the preview in their language
		if p, err = a.Contracts.PreviewReturn(r.Context(), rt); err == nil {
			pv = &p
			if r.PostFormValue("confirm") == confirmToken(p) {
				c, outcome, err = a.Contracts.Return(r.Context(), rt)
				pv = nil
			}
		}
	}
	if pv != nil || err != nil && (c.ID == 0 || c.Status == contract.StatusOpen) {
		d, lerr := a.loadReturn(r, id)
		if lerr != nil {
			return lerr
		}
		d.P, d.StationID = pf, rt.StationID
		v := &view{Title: "ct.return", Nav: "contracts", Data: d}
		if pv != nil {
			d.Preview, d.Confirm = previewOf(v, *pv), confirmToken(*pv)
			v.Data = d
			if r.PostFormValue("confirm") != "" {
				v.Alert = v.T("counter.preview_changed")
			}
			a.render(w, r, http.StatusOK, "return", v)
			return nil
		}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "return", v)
		return nil
	}
	done := "returned"
	photoErr := a.saveDamagePhotos(r.Context(), rt.Protocol.NewDamages, photos)
	if photoErr != nil {
		a.log.ErrorContext(r.Context(), "return stored, damage photos failed", "contract_id", id, "err", photoErr)
	}
	if err != nil {
		// the return is stored; billing or a document failed and can be re-run from the page
		a.log.ErrorContext(r.Context(), "return stored, follow-up failed", "contract_id", id, "err", err)
		done = "return_billing_failed"
		if e, ok := errs.As(err); ok && e.Code == "booking_setup_incomplete" {
			done = "return_billing_setup" // staff can fix it: the company data invoices need
		} else if ok && e.Code == "billing_charge_pending" {
			done = "return_billing_waits_charge" // an extension charged meanwhile: billing goes on by itself
		}
	} else if c.Status == contract.StatusPaymentOpen && outcome.NoCard {
		done = "payment_counter" // no card stored: collect at the counter
	} else if c.Status == contract.StatusPaymentOpen {
		done = "payment_open"
	} else if photoErr != nil {
		done = "photos_failed"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=%s", id, done), http.StatusSeeOther)
	return nil
}

// ---- walk-in ----

type walkInData struct {
	counterStart
	Stations                       []tenancy.Station
	Vehicles                       []fleet.Vehicle
	Tariffs                        []pricing.Tariff
	StationID, VehicleID, TariffID int64
	WorkshopRef, Notes             string // the workshop order the car replaces, staff notes
}

// counterStart is what every form that starts a car at the counter reads
// the same way (walk-in rental, test drive, internal use, transfer): the
// person who drives it and the planned return as typed.
type counterStart struct {
	Email, FirstName, LastName, Phone, Street, Zip string
	City, Return                                   string
}

// readCounterStart reads the person and the planned return of r's form.
func readCounterStart(r *http.Request) counterStart {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return counterStart{Email: v("email"), FirstName: v("first_name"), LastName: v("last_name"), Phone: v("phone"),
		Street: v("street"), Zip: v("postal_code"), City: v("city"), Return: r.PostFormValue("return")}
}

// startAtCounter checks the start at station stationID — the station exists for the
// actor, the planned return lies ahead — and stores the person as the
// tenant's customer (found by e-mail, or new). It returns now and the
// planned return. Errors: KindInvalid on station_id or return, those of
// UpsertCustomer.
func (a *app) startAtCounter(r *http.Request, cs counterStart, stationID int64) (now, ret time.Time, c customer.Customer, err error) {
	ctx := r.Context()
	st, err := a.Tenancy.Station(ctx, stationID)
	if err != nil {
		return now, ret, c, errs.Invalid("error.fields_invalid", errs.Field("station_id", "field.station_choose"))
	}
	now = a.Now().UTC()
	ret, ok := parseLocal(cs.Return, st.Location())
	if !ok || !ret.After(now) {
		return now, ret, c, errs.Invalid("error.fields_invalid", errs.Field("return", "booking.planned_return"))
	}
	c = customer.Customer{Email: cs.Email, FirstName: cs.FirstName, LastName: cs.LastName, Phone: cs.Phone, Street: cs.Street,
		PostalCode: cs.Zip, City: cs.City, Country: "DE", Language: reqCtx(r).lang}
	_, _, err = a.ContractData.UpsertCustomer(ctx, &c)
	return now, ret, c, err
}

func (a *app) walkInData(r *http.Request, d *walkInData) error {
	var err error
	d.Stations, d.StationID, d.Vehicles, d.Tariffs, err = a.counterChoices(r, d.StationID, fleet.StatusAvailable)
	if err != nil {
		return err
	}
	if d.Return == "" {
		d.Return = a.Now().In(berlin).Add(24 * time.Hour).Format("2006-01-02T15:04")
	}
	return nil
}

// counterChoices are what a counter form offers: the stations the user may
// work at (and stationID, or the first of them), that station's cars (of
// status, "" for any) and the tariffs valid today.
func (a *app) counterChoices(r *http.Request, stationID int64, status string) ([]tenancy.Station, int64, []fleet.Vehicle, []pricing.Tariff, error) {
	ctx := r.Context()
	all, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	stations := visibleStations(r, all)
	if stationID == 0 && len(stations) > 0 {
		stationID = stations[0].ID
	}
	vehicles, _, err := a.ContractData.ListVehicles(ctx, fleet.VehicleFilter{StationID: stationID, Status: status, Limit: 200})
	if err != nil {
		return nil, 0, nil, nil, err
	}
	ts, err := a.ContractData.ListTariffs(ctx)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	var tariffs []pricing.Tariff
	today := a.Now().Format("2006-01-02")
	for _, t := range ts {
		if t.ValidOn(today) {
			tariffs = append(tariffs, t)
		}
	}
	return stations, stationID, vehicles, tariffs, nil
}

// walkInForm is the counter form: customer, vehicle, tariff and return;
// it creates the booking and goes on to the handover.
func (a *app) walkInForm(w http.ResponseWriter, r *http.Request) error {
	var d walkInData
	if sid, err := strconv.ParseInt(r.URL.Query().Get("station"), 10, 64); err == nil {
		d.StationID = sid
	}
	if err := a.walkInData(r, &d); err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "walkin", &view{Title: "ct.walkin", Nav: "contracts", Data: d})
	return nil
}

func (a *app) walkInCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := walkInData{counterStart: readCounterStart(r), WorkshopRef: strings.TrimSpace(r.PostFormValue("workshop_ref")),
		Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	d.StationID, _ = strconv.ParseInt(r.PostFormValue("station_id"), 10, 64)
	d.VehicleID, _ = strconv.ParseInt(r.PostFormValue("vehicle_id"), 10, 64)
	d.TariffID, _ = strconv.ParseInt(r.PostFormValue("tariff_id"), 10, 64)
	// fail shows the form again with err at its fields, or returns err
	// for the error page when it belongs to no field
	fail := func(err error) error {
		if lerr := a.walkInData(r, &d); lerr != nil {
			return lerr
		}
		v := &view{Title: "ct.walkin", Nav: "contracts", Data: d}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "walkin", v)
		return nil
	}
	now, ret, c, err := a.startAtCounter(r, d.counterStart, d.StationID)
	if err != nil {
		return fail(err)
	}
	res := &booking.Reservation{StationID: d.StationID, ReturnStationID: d.StationID, CustomerID: c.ID, VehicleID: d.VehicleID,
		TariffID: d.TariffID, Pickup: now, Return: ret, Language: c.Language, WorkshopRef: d.WorkshopRef, Notes: d.Notes}
	if err := a.Contracts.WalkIn(ctx, res); err != nil {
		return fail(err)
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d/handover", res.ID), http.StatusSeeOther)
	return nil
}
