package api

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/httpx"
)

// openapiContracts holds the paths and schemas of the handover, return and
// contract operations; openapiCalendar those of the availability calendar.
// Each fragment is merged into the OpenAPI document at start so the booking
// document stays one file owned by its operations.
//
//go:embed openapi_contracts.json
var openapiContracts []byte

//go:embed openapi_calendar.json
var openapiCalendar []byte

//go:embed openapi_workshop.json
var openapiWorkshop []byte

// openapiPayers holds the payer operations: the payers to book with, their
// open items and transfers received (api/payers.go).
//
//go:embed openapi_payers.json
var openapiPayers []byte

func init() {
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	paths, _ := doc["paths"].(map[string]any)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, raw := range map[string][]byte{"openapi_contracts.json": openapiContracts, "openapi_calendar.json": openapiCalendar,
		"openapi_workshop.json": openapiWorkshop, "openapi_payers.json": openapiPayers} {
		var frag map[string]any
		if err := json.Unmarshal(raw, &frag); err != nil {
			panic("api: " + name + ": " + err.Error())
		}
		for _, part := range []struct {
			into map[string]any
			key  string
		}{{paths, "paths"}, {schemas, "schemas"}} {
			for k, v := range frag[part.key].(map[string]any) {
				if _, dup := part.into[k]; dup {
					panic("api: " + name + ": " + part.key + " " + k + " is already in openapi.json")
				}
				part.into[k] = v
			}
		}
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err)
	}
	openapiJSON = b
}

// routesContracts mounts handover, return and the contract view for tablet
// apps and integrations (when Deps.Contracts is set).
func (s *server) routesContracts(mux *http.ServeMux) {
	if s.d.Contracts == nil {
		return
	}
	s.mount(mux, "POST /api/v1/bookings/{number}/handover", s.idempotent(false, s.apiHandover))
	s.mount(mux, "POST /api/v1/bookings/{number}/return", s.idempotent(false, s.apiReturn))
	s.mount(mux, "GET /api/v1/bookings/{number}/contract", s.apiContract)
}

type ctDriverIn struct {
	Role            string `json:"role"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	BirthDate       string `json:"birth_date"`
	LicenceNumber   string `json:"licence_number"`
	LicenceClass    string `json:"licence_class"`
	LicenceIssuedOn string `json:"licence_issued_on"`
	LicenceCountry  string `json:"licence_country"`
}

type ctDamageIn struct {
	View        string  `json:"view"`
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	Kind        string  `json:"kind"`
	Severity    string  `json:"severity"`
	Description string  `json:"description"`
	ChargeCents int64   `json:"charge_cents"`
}

type ctReadingIn struct {
	KM          *int64 `json:"km"`
	FuelEighths *int   `json:"fuel_eighths"`
	// StateOfChargePercent and RangeKM: electric and plug-in cars.
	StateOfChargePercent *int         `json:"state_of_charge_percent"`
	RangeKM              *int         `json:"range_km"`
	Cleanliness          string       `json:"cleanliness"`
	Notes                string       `json:"notes"`
	Damages              []ctDamageIn `json:"damages"`
	SignerName           string       `json:"signer_name"`
	SignaturePNG         string       `json:"signature_png"` // base64
	// UnsignedReason: why the customer does not sign (a handover needs a
	// signature or a reason).
	UnsignedReason string `json:"unsigned_reason"`
}

type ctHandoverIn struct {
	ctReadingIn
	Drivers        []ctDriverIn `json:"drivers"`
	LicenceChecked bool         `json:"licence_checked"`
	DueOverride    string       `json:"due_override"`
	// TimingConfirmed: hand over although it is early or the station closed.
	TimingConfirmed bool `json:"timing_confirmed"`
}

type ctReturnIn struct {
	ctReadingIn
	ReturnStation string `json:"return_station"` // station code; default the agreed one
}

func (in ctReadingIn) protocol(f *errs.Fields, charges bool) contract.Protocol {
	p := contract.Protocol{Cleanliness: in.Cleanliness, Notes: in.Notes, SignerName: in.SignerName, UnsignedReason: in.UnsignedReason}
	if in.KM == nil {
		f.Add("km", "field.required")
	} else {
		p.OdometerKM = *in.KM
	}
	// whether fuel or charge is required depends on the car: the service
	// says (fuel_eighths, state_of_charge_percent)
	if in.FuelEighths == nil {
		p.FuelMissing = true
	} else {
		p.FuelEighths = *in.FuelEighths
	}
	p.ChargePercent, p.RangeKM = in.StateOfChargePercent, in.RangeKM
	if in.SignaturePNG != "" {
		b, err := base64.StdEncoding.DecodeString(in.SignaturePNG)
		if err != nil {
			f.Add("signature_png", "request.signature_png")
		}
		p.SignaturePNG = b
	}
	for _, d := range in.Damages {
		dm := fleet.Damage{View: d.View, X: d.X, Y: d.Y, Kind: d.Kind, Severity: d.Severity, Description: d.Description}
		if charges {
			dm.ChargeCents = d.ChargeCents
		}
		p.NewDamages = append(p.NewDamages, dm)
	}
	return p
}

func (s *server) apiHandover(r *http.Request) (int, any, error) {
	var in ctHandoverIn
	f, err := decodeAll(r, &in)
	if err != nil {
		return 0, nil, err
	}
	d, err := s.d.Bookings.Get(r.Context(), r.PathValue("number"))
	if err != nil {
		return 0, nil, err
	}
	h := &contract.Handover{ReservationID: d.Reservation.ID, LicenceChecked: in.LicenceChecked, DueOverride: in.DueOverride, TimingConfirmed: in.TimingConfirmed,
		Protocol: in.protocol(&f, false)}
	for _, dr := range in.Drivers {
		h.Drivers = append(h.Drivers, contract.Driver{Role: dr.Role, FirstName: dr.FirstName, LastName: dr.LastName, BirthDate: dr.BirthDate,
			LicenceNumber: dr.LicenceNumber, LicenceClass: dr.LicenceClass, LicenceIssuedOn: dr.LicenceIssuedOn, LicenceCountry: dr.LicenceCountry})
	}
	h.Invalid = f // answered with the service's own field errors, all at once
	c, err := s.d.Contracts.Handover(r.Context(), h)
	if err != nil && c.ID == 0 {
		return 0, nil, dedupeErr(err)
	}
	body, err := s.contractView(r, c.ID, d.Station.Location())
	return http.StatusCreated, body, err
}

func (s *server) apiReturn(r *http.Request) (int, any, error) {
	var in ctReturnIn
	f, err := decodeAll(r, &in)
	if err != nil {
		return 0, nil, err
	}
	d, err := s.d.Bookings.Get(r.Context(), r.PathValue("number"))
	if err != nil {
		return 0, nil, err
	}
	c, err := s.d.Contracts.Store().ContractByReservation(r.Context(), d.Reservation.ID)
	if err != nil {
		return 0, nil, err
	}
	rt := &contract.Return{ContractID: c.ID, Protocol: in.protocol(&f, true)}
	if in.ReturnStation != "" {
		found := false
		sts, err := s.d.Bookings.Stations(r.Context())
		if err != nil {
			return 0, nil, err
		}
		for _, st := range sts {
			if st.Code == in.ReturnStation {
				rt.StationID, found = st.ID, true
			}
		}
		if !found {
			f.Add("return_station", "request.station_unknown")
		}
	}
	rt.Invalid = f // answered with the service's own field errors, all at once
	c, _, err = s.d.Contracts.Return(r.Context(), rt)
	if err != nil && (c.ID == 0 || c.Status == contract.StatusOpen) {
		return 0, nil, dedupeErr(err)
	}
	if err != nil {
		// the return is stored; billing or a document failed and is re-run
		// from the contract page or by the resume job: staff must know
		s.d.Logger.ErrorContext(r.Context(), "api: return stored, follow-up failed", "request_id", httpx.RequestID(r.Context()),
			"contract", c.Number, "err", err)
	}
	// a stored return whose billing failed is still answered with the contract
	body, err := s.contractView(r, c.ID, d.Station.Location())
	return http.StatusOK, body, err
}

func (s *server) apiContract(r *http.Request) (int, any, error) {
	d, err := s.d.Bookings.Get(r.Context(), r.PathValue("number"))
	if err != nil {
		return 0, nil, err
	}
	c, err := s.d.Contracts.Store().ContractByReservation(r.Context(), d.Reservation.ID)
	if err != nil {
		return 0, nil, err
	}
	body, err := s.contractView(r, c.ID, d.Station.Location())
	return http.StatusOK, body, err
}

type ctContractOut struct {
	Number     string          `json:"number"`
	Booking    string          `json:"booking"`
	Status     string          `json:"status"`
	Start      string          `json:"start"`
	PlannedEnd string          `json:"planned_end"`
	EndedAt    *string         `json:"ended_at"`
	Drivers    []ctDriverOut   `json:"drivers"`
	Invoices   []ctInvoiceOut  `json:"invoices"`
	Payments   []ctPaymentOut  `json:"payments"`
	Balance    ctBalanceOut    `json:"balance"`
	Protocols  []ctProtocolOut `json:"protocols"`
	Vehicle    *ctVehicleOut   `json:"vehicle,omitempty"`
}

type ctDriverOut struct {
	Role             string  `json:"role"`
	Name             string  `json:"name"`
	LicenceNumber    string  `json:"licence_number"`
	LicenceCheckedAt *string `json:"licence_checked_at"`
}

type ctInvoiceOut struct {
	Number     string `json:"number"`
	Kind       string `json:"kind"`
	IssuedAt   string `json:"issued_at"`
	GrossCents int64  `json:"gross_cents"`
	DueCents   int64  `json:"due_cents"`
}

type ctPaymentOut struct {
	Operation   string `json:"operation"`
	Purpose     string `json:"purpose"`
	Status      string `json:"status"`
	AmountCents int64  `json:"amount_cents"`
	CreatedAt   string `json:"created_at"`
}

type ctBalanceOut struct {
	BilledCents      int64 `json:"billed_cents"`
	PaidCents        int64 `json:"paid_cents"`
	OpenCents        int64 `json:"open_cents"`
	DepositHeldCents int64 `json:"deposit_held_cents"`
}

type ctProtocolOut struct {
	Kind        string `json:"kind"`
	RecordedAt  string `json:"recorded_at"`
	KM          int64  `json:"km"`
	FuelEighths int    `json:"fuel_eighths"`
	Cleanliness string `json:"cleanliness"`
	// StateOfChargePercent and RangeKM: electric and plug-in cars, else null.
	StateOfChargePercent *int `json:"state_of_charge_percent"`
	RangeKM              *int `json:"range_km"`
}

type ctVehicleOut struct {
	DriveType  string `json:"drive_type"`
	BatteryKWh int    `json:"battery_kwh"`
}

// contractView is the contract id with its invoices, payments, balance and
// protocols; its times are in loc, the time zone of the booking's station,
// like every time of the booking's own answer.
func (s *server) contractView(r *http.Request, id int64, loc *time.Location) (ctContractOut, error) {
	ctx := r.Context()
	st := s.d.Contracts.Store()
	c, err := st.Contract(ctx, id)
	if err != nil {
		return ctContractOut{}, err
	}
	l, recs, docs, err := s.d.Contracts.Ledger(ctx, id)
	if err != nil {
		return ctContractOut{}, err
	}
	ps, err := st.Protocols(ctx, id)
	if err != nil {
		return ctContractOut{}, err
	}
	out := ctContractOut{Number: c.Number, Status: string(c.Status), Start: rfc(c.Start, loc), PlannedEnd: rfc(c.PlannedEnd, loc), EndedAt: rfcp(c.EndedAt, loc),
		Drivers: []ctDriverOut{}, Invoices: []ctInvoiceOut{}, Payments: []ctPaymentOut{}, Protocols: []ctProtocolOut{},
		Balance: ctBalanceOut{BilledCents: l.Billed(), PaidCents: l.Paid(), OpenCents: l.Open(), DepositHeldCents: l.DepositHeld}}
	out.Booking = r.PathValue("number")
	if t := c.Terms; t.DriveType != "" {
		out.Vehicle = &ctVehicleOut{DriveType: t.DriveType, BatteryKWh: t.BatteryKWh}
	}
	for _, d := range c.Drivers {
		out.Drivers = append(out.Drivers, ctDriverOut{Role: d.Role, Name: d.Name(), LicenceNumber: d.LicenceNumber, LicenceCheckedAt: rfcp(d.CheckedAt, loc)})
	}
	for _, d := range docs {
		out.Invoices = append(out.Invoices, ctInvoiceOut{Number: d.Number, Kind: string(d.Kind), IssuedAt: rfc(d.IssuedAt, loc), GrossCents: d.Gross, DueCents: d.Due})
	}
	for _, p := range recs {
		out.Payments = append(out.Payments, ctPaymentOut{Operation: string(p.Operation), Purpose: p.Purpose, Status: string(p.Status),
			AmountCents: p.Amount.Cents, CreatedAt: rfc(p.CreatedAt, loc)})
	}
	for _, p := range ps {
		out.Protocols = append(out.Protocols, ctProtocolOut{Kind: p.Kind, RecordedAt: rfc(p.RecordedAt, loc), KM: p.OdometerKM, FuelEighths: p.FuelEighths, Cleanliness: p.Cleanliness,
			StateOfChargePercent: p.ChargePercent, RangeKM: p.RangeKM})
	}
	return out, nil
}
