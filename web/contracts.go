package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/audit"
	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// ContractBackend is the storage behind the contract, handover, return and
// report pages (the SQL store implements it), scoped by the signed-in actor.
type ContractBackend interface {
	contract.Store
	contract.Reports
	contract.CounterReports
	Reservation(ctx context.Context, id int64) (booking.Reservation, error)
	Customer(ctx context.Context, id int64) (customer.Customer, error)
	UpsertCustomer(ctx context.Context, c *customer.Customer) (bool, []customer.Change, error)
	Vehicle(ctx context.Context, id int64) (fleet.Vehicle, error)
	ListVehicles(ctx context.Context, f fleet.VehicleFilter) ([]fleet.Vehicle, int, error)
	ListDamages(ctx context.Context, vehicleID int64, openOnly bool) ([]fleet.Damage, error)
	ListTariffs(ctx context.Context) ([]pricing.Tariff, error)
	Tariff(ctx context.Context, id int64) (pricing.Tariff, error)
	Document(ctx context.Context, id int64) (document.Stored, error)
	AuditTrail(ctx context.Context, entity string, id int64) ([]audit.Entry, error)
	// PreCheckin is what the customer entered on the booking page before
	// pickup (ok false: nothing).
	PreCheckin(ctx context.Context, reservationID int64) (pc booking.PreCheckin, ok bool, err error)
	// WorkshopDone returns, per open contract whose workshop order the
	// workshop reported done, when it did.
	WorkshopDone(ctx context.Context) (map[int64]time.Time, error)
	// PlateHolds returns, per red dealer plate a booking holds, that
	// booking: the rule and the names a start on the plate is refused with.
	PlateHolds(ctx context.Context) (map[int64]booking.PlateHold, error)
}

// ctStatuses are the contract statuses in list order.
var ctStatuses = contract.Statuses

// stationLoc is the time zone pages show times in.
func stationLoc(st tenancy.Station) *time.Location { return st.Location() }

// parseLocal parses a datetime-local value ("2006-01-02T15:04") in loc.
func parseLocal(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(s), loc)
	return t, err == nil
}

// parseEuro parses a required amount in euros ("123,45", "123.45", "123")
// as cents, at most one million euros.
func parseEuro(s string) (int64, bool) {
	if strings.TrimSpace(s) == "" {
		return 0, false
	}
	c, ok := parseCents(s)
	return c, ok && c <= 100_000_000
}

// ---- list ----

type ctListData struct {
	Stations        []tenancy.Station
	StationID       int64
	Day, Prev, Next string
	Status          string
	Statuses        []contract.Status
	Search          string
	Rows            []contract.Listed
	Total           int
	loc             *time.Location
}

// When renders an instant in the list's zone.
func (d ctListData) When(v *view, t *time.Time) string {
	if t == nil {
		return "–"
	}
	return formatTime(v.Lang, *t, d.loc)
}

// contractList shows the contracts per station and day (pickup, planned or
// actual return on that day); day=all lists every day.
func (a *app) contractList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := ctListData{Statuses: ctStatuses, Search: strings.TrimSpace(q.Get("q")), loc: berlin}
	stations, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return err
	}
	d.Stations = visibleStations(r, stations)
	f := contract.Filter{Query: d.Search, Limit: 200}
	if sid, err := strconv.ParseInt(q.Get("station"), 10, 64); err == nil && sid > 0 {
		d.StationID, f.StationID = sid, sid
		for _, s := range d.Stations {
			if s.ID == sid {
				d.loc = s.Location()
			}
		}
	}
	for _, s := range ctStatuses {
		if string(s) == q.Get("status") {
			d.Status, f.Status = string(s), s
		}
	}
	d.Day = q.Get("day")
	if d.Day == "" {
		d.Day = a.Now().In(d.loc).Format("2006-01-02")
	}
	if d.Day != "all" {
		day, err := time.ParseInLocation("2006-01-02", d.Day, d.loc)
		if err != nil {
			day = a.Now().In(d.loc)
			day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, d.loc)
			d.Day = day.Format("2006-01-02")
		}
		f.From, f.To = day, day.AddDate(0, 0, 1)
		d.Prev, d.Next = day.AddDate(0, 0, -1).Format("2006-01-02"), day.AddDate(0, 0, 1).Format("2006-01-02")
	}
	d.Rows, d.Total, err = a.ContractData.ListContracts(ctx, f)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "contracts", &view{Title: "ct.contracts", Nav: "contracts", Data: d})
	return nil
}

// ---- detail ----

// PlateLines is how the page names the car's plate, as the contract's
// documents print it (a red dealer plate marked, with the car's own
// registration beside it).
func (d ctPageData) PlateLines(v *view) []string {
	return contract.DocVehicle(d.C, d.Vehicle).PlateLines(locale.Lang(v.Lang))
}

type ctPageData struct {
	// HasCard: the customer has a stored card the open amount can be
	// charged to again (else it is collected at the counter).
	HasCard bool
	C       contract.Contract
	// Fines are the fines, tolls and parking tickets recorded on it.
	Fines      []contract.Fine
	Customer   customer.Customer
	Vehicle    fleet.Vehicle
	Tariff     pricing.Tariff
	Tariffs    []pricing.Tariff
	Station    tenancy.Station
	Return     tenancy.Station
	Tills      []tenancy.Station // where money at the counter can be booked, when there is a choice: return station first
	Protocols  []contract.Protocol
	Ledger     billing.Ledger
	Payments   []payment.Record
	Invoices   []invoice.Summary
	Documents  []contract.DocumentInfo
	Audit      []audit.Entry
	AuditLines []auditLine // Audit as sentences
	Drivers    []driverRow
	PlannedEnd string // datetime-local
	Notes      string
	Estimate   pricing.Quote
	// EstSplit is the estimate split between the payer and the driver as
	// the return will bill it (nil for a rental the driver pays alone).
	EstSplit *contract.Estimate
	Cover    *coverCard // who pays (nil when payers are not wired)
	// Booking is the reservation the contract came from (nil when the
	// application has no bookings): its number and workshop order.
	Booking *booking.Row
	// WorkshopRef is the workshop order in its form (as typed when it came
	// back); CanWorkshop: it can still be changed (web/workshop_ref.go).
	WorkshopRef string
	CanWorkshop bool
	// Assignment is the signed assignment of claims (nil: none), listed
	// with the contract's documents.
	Assignment *contract.Assignment
	// Billed is what the final invoice billed (HasBilled once it exists):
	// the page shows it instead of the estimate after the return.
	Billed    contract.Billed
	HasBilled bool
	Charge    chargeForm
	Refund    refundForm
	// Receipts are payments received outside the gateway (web/receipts.go).
	Receipts      []contract.Receipt
	Receipt       receiptForm
	Payout        payoutForm
	ReverseID     int64 // the receipt whose reversal came back with errors
	ReverseReason string
	// PayerInvoices are the documents issued to the rental's payer (its
	// share of the bill), apart from the driver's ledger.
	// with where each was e-mailed (or why not).
	PayerInvoices []contract.PayerInvoiceRow
	// PayerPay is the transfer form (web/payer_payments.go); the reversal
	// that came back with errors.
	PayerPay           payerPayForm
	PayerReverseID     int64
	PayerReverseReason string
	today              string // YYYY-MM-DD in the station's calendar
	// Collective: the rental's payer is billed by monthly collective
	// invoice (nil otherwise).
	Collective *collectiveOf
	loc        *time.Location
}

// collectiveOf is where a collective payer's share of a rental stands: on
// Invoice (its share Gross), or waiting for the month's run.
type collectiveOf struct {
	Payer   string
	Billed  bool // the rental is billed: its share waits for (or is on) the collective invoice
	Invoice *invoice.Summary
	Gross   int64
}

// PayerDue is the due date (YYYY-MM-DD in the station's zone) of a payer's
// document: its issue day plus its payment term.
func (d ctPageData) PayerDue(s contract.PayerInvoiceRow) string {
	return s.IssuedAt.In(d.loc).AddDate(0, 0, s.Payment.TermsDays).Format("2006-01-02")
}

// PayerGross is what the rental's payers are invoiced in all.
func (d ctPageData) PayerGross() int64 {
	var sum int64
	for _, s := range d.PayerInvoices {
		if s.Kind == invoice.KindCreditNote {
			sum -= s.Gross
		} else {
			sum += s.Gross
		}
	}
	return sum
}

type driverRow struct {
	Index int
	contract.Driver
}

type chargeForm struct {
	Kind, Description, Amount string
	// ConfirmCents is the amount the form asks staff to confirm (0: none yet).
	ConfirmCents int64
}
type refundForm struct {
	InvoiceID      int64
	Amount, Reason string
	To, Reference  string // how the money goes back: "" card, else a receipt method
}

// When renders an instant in the station's zone.
func (d ctPageData) When(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// WhenP renders an optional instant.
func (d ctPageData) WhenP(v *view, t *time.Time) string {
	if t == nil {
		return "–"
	}
	return d.When(v, *t)
}

// Open reports whether the car is still out.
func (d ctPageData) Open() bool { return d.C.Status == contract.StatusOpen }

// PaymentOpen reports whether the final charge is open.
func (d ctPageData) PaymentOpen() bool { return d.C.Status == contract.StatusPaymentOpen }

// Returned reports whether the car is back but not billed yet.
func (d ctPageData) Returned() bool { return d.C.Status == contract.StatusReturned }

// CanExtend reports whether an extension may be charged: only while the
// car is out (afterwards the final invoice bills the period; see
// contract.Service.Charge, which checks it again when it charges).
func (d ctPageData) CanExtend() bool { return d.C.Status == contract.StatusOpen }

// Refundable lists invoices a credit note may correct.
func (d ctPageData) Refundable() []invoice.Summary {
	var out []invoice.Summary
	for _, i := range d.Invoices {
		if i.Kind != invoice.KindCreditNote {
			out = append(out, i)
		}
	}
	return out
}

// LedgerAmount is what a document counts in the ledger (billing.LedgerOf):
// a final invoice its amount due, negative when it pays back; a credit
// note negative, without what repeats a final invoice's own refund (legacy).
func (d ctPageData) LedgerAmount(i invoice.Summary) int64 {
	switch i.Kind {
	case invoice.KindCreditNote:
		for _, f := range d.Invoices {
			if f.ID == i.CorrectsID && f.Kind == invoice.KindFinal && f.Due < 0 {
				return -(i.Gross - min(i.Gross, -f.Due))
			}
		}
		return -i.Gross
	case invoice.KindFinal:
		return i.Due
	}
	return i.Gross
}

// Signed is a payment's effect: refunds negative.
func (d ctPageData) Signed(p payment.Record) int64 {
	if p.Operation == payment.OpRefund {
		return -p.Amount.Cents
	}
	return p.Amount.Cents
}

func (a *app) loadContractPage(ctx context.Context, id int64) (ctPageData, error) {
	var d ctPageData
	var err error
	be := a.ContractData
	if d.C, err = be.Contract(ctx, id); err != nil {
		return d, err
	}
	if d.Customer, err = be.Customer(ctx, d.C.CustomerID); err != nil {
		return d, err
	}
	if _, err := be.CustomerCard(ctx, d.C.CustomerID); err == nil {
		d.HasCard = true
	} else if !errs.Is(err, errs.KindNotFound) {
		return d, err
	}
	if d.Tariff, err = be.Tariff(ctx, d.C.TariffID); err != nil {
		return d, err
	}
	if d.Tariffs, err = be.ListTariffs(ctx); err != nil {
		return d, err
	}
	stations, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return d, err
	}
	for _, s := range stations {
		if s.ID == d.C.StationID {
			d.Station = s
		}
		if s.ID == d.C.ReturnStationID {
			d.Return = s
		}
	}
	if d.Return.ID != 0 && d.Station.ID != 0 && d.Return.ID != d.Station.ID {
		d.Tills = []tenancy.Station{d.Return, d.Station}
	}
	d.loc = d.Station.Location()
	if v, err := be.Vehicle(ctx, d.C.VehicleID); err == nil {
		d.Vehicle = v
	} else if !errs.Is(err, errs.KindNotFound) {
		return d, err
	}
	if d.Protocols, err = be.Protocols(ctx, id); err != nil {
		return d, err
	}
	if a.Bookings != nil {
		row, err := a.Bookings.ReservationRow(ctx, d.C.ReservationID)
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return d, err
		}
		if err == nil {
			d.Booking = &row
			d.WorkshopRef = row.WorkshopRef
			d.CanWorkshop = d.C.Status == contract.StatusOpen || d.C.Status == contract.StatusReturned
		}
	}
	if as, ok, err := a.Contracts.Assignment(ctx, d.C.ReservationID); err != nil && !errs.Is(err, errs.KindNotFound) {
		return d, err
	} else if ok {
		d.Assignment = &as
	}
	if d.Ledger, d.Payments, d.Invoices, err = a.Contracts.Ledger(ctx, id); err != nil {
		return d, err
	}
	if d.PayerInvoices, err = a.Contracts.PayerInvoiceRows(ctx, id); err != nil {
		return d, err
	}
	d.today = a.Contracts.Today(d.loc)
	d.PayerPay.ReceivedOn = d.today
	if open := d.PayerOpen(); len(open) > 0 {
		d.PayerPay.Invoice = fmt.Sprint(open[0].ID)
	}
	if d.Receipts, err = a.Contracts.Receipts(ctx, id); err != nil {
		return d, err
	}
	if d.Documents, err = be.ContractDocuments(ctx, id); err != nil {
		return d, err
	}
	if d.Fines, err = a.Contracts.ListFines(ctx, contract.FineFilter{ContractID: id}); err != nil {
		return d, err
	}
	if d.Audit, err = be.AuditTrail(ctx, "contract", id); err != nil {
		return d, err
	}
	d.AuditLines = a.auditView(ctx, d.Audit, d.loc)
	for i, dr := range d.C.Drivers {
		d.Drivers = append(d.Drivers, driverRow{i, dr})
	}
	if len(d.Drivers) < 2 {
		d.Drivers = append(d.Drivers, driverRow{Index: len(d.Drivers), Driver: contract.Driver{Role: contract.RoleAdditional}})
	}
	d.PlannedEnd = d.C.PlannedEnd.In(d.loc).Format("2006-01-02T15:04")
	d.Notes = d.C.Notes
	terms := d.C.Terms
	if terms.IsZero() { // a contract without a snapshot is billed by its tariff
		terms = pricing.TermsOf(d.Tariff, 0, d.Tariff.DepositCents, d.Vehicle.TankLitres, 0, false, pricing.TermsMigration, time.Time{})
		d.C.Terms = terms
	}
	d.Estimate = pricing.QuoteFor(terms.Tariff(), d.C.Start, d.C.PlannedEnd, d.loc, "EUR")
	if d.Billed, d.HasBilled, err = a.Contracts.Billed(ctx, id); err != nil {
		return d, err
	}
	if d.C.Status == contract.StatusOpen && d.C.Kind.Billed() {
		if d.EstSplit, err = coveredEstimate(a.Contracts.EstimateContract(ctx, d.C)); err != nil {
			return d, err
		}
	}
	days := d.Estimate.Days
	if d.HasBilled {
		days = d.Billed.Days
	}
	billed := d.HasBilled || d.C.Status == contract.StatusBilled || d.C.Status == contract.StatusPaymentOpen
	// billing started and not finished: neither the cover nor a re-split
	// can change it until the resume job has finished it
	unfinished := d.Booking != nil && contract.BillingUnfinished(d.C.Status, d.C.BilledAt != nil, d.Booking.Status)
	if d.Cover, err = a.loadCoverCard(ctx, d.C.ReservationID, days, !billed && !unfinished); err != nil {
		return d, err
	}
	if d.Cover != nil {
		d.Cover.BillingUnfinished = unfinished
	}
	if d.Cover != nil && !unfinished && d.C.Kind.Billed() && (d.C.Status == contract.StatusBilled || d.C.Status == contract.StatusPaymentOpen) &&
		!(d.Cover.Cover.Mode == payer.ModePayer && d.Cover.Payer.Collective) {
		d.Cover.ResplitContract = d.C.ID // billed: changed by re-splitting the bill
	}
	if d.Cover != nil && d.Cover.Cover.Mode == payer.ModePayer && d.Cover.Payer.Collective {
		// a collective payer's share: on its collective invoice, or waiting for it
		inv, gross, ok, err := a.Contracts.CollectiveInvoiceOf(ctx, id)
		if err != nil {
			return d, err
		}
		d.Collective = &collectiveOf{Payer: d.Cover.Payer.Name, Billed: billed}
		if ok {
			d.Collective.Invoice, d.Collective.Gross = &inv, gross
		}
	}
	d.Charge.Kind = contract.PurposeDamage
	d.Receipt = receiptForm{Method: contract.MethodCash, ReceivedOn: a.Now().In(d.loc).Format("2006-01-02")}
	d.Payout = payoutForm{receiptForm: d.Receipt}
	return d, nil
}

func (a *app) contractPage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	d, err := a.loadContractPage(r.Context(), id)
	if err != nil {
		return err
	}
	v := &view{Title: "ct.contract", Nav: "contracts", Data: d, Attention: a.attention(r, attentionSubjects(job.KindContract, d.C.ID, d.Payments)...)}
	if done := r.URL.Query().Get("done"); done != "" {
		if key := locale.Key("ct.done." + done); locale.Has(key) { // an unknown ?done= (typed by hand) shows nothing
			v.Notice = v.T(string(key))
		}
	}
	a.render(w, r, http.StatusOK, "contract", v)
	return nil
}

// contractAgain shows the contract page again with err: field errors next
// to the fields, other errors as the alert; edit keeps what was typed.
func (a *app) contractAgain(w http.ResponseWriter, r *http.Request, id int64, err error, edit func(*ctPageData)) {
	d, lerr := a.loadContractPage(r.Context(), id)
	if lerr != nil {
		a.fail(w, r, lerr)
		return
	}
	if edit != nil {
		edit(&d)
	}
	v := &view{Title: "ct.contract", Nav: "contracts", Data: d}
	status := http.StatusOK
	if err != nil {
		if status = a.formError(v, err); status == 0 {
			a.fail(w, r, err)
			return
		}
	}
	a.render(w, r, status, "contract", v)
}

// formError puts err on v and returns the status to answer with, or 0 when
// err is not the user's to fix.
func (a *app) formError(v *view, err error) int {
	status := a.showFormError(v, err)
	if status != 0 {
		v.formErr, v.formAlert, v.formLang = err, v.Alert, reqLang(v)
	}
	return status
}

// showFormError sets v's field errors and alert for err in v's language.
func (a *app) showFormError(v *view, err error) int {
	lang := reqLang(v)
	if m, ok := fieldErrors(lang, err); ok {
		v.Errors = m
		v.Alert = translate(lang, "form.has_errors")
		return http.StatusUnprocessableEntity
	}
	e, ok := errs.As(err)
	if !ok {
		return 0
	}
	switch e.Kind {
	case errs.KindInvalid, errs.KindConflict, errs.KindPaymentDecline:
		v.Alert = e.Text(locale.Lang(lang))
		if e.Kind == errs.KindConflict {
			return http.StatusConflict
		}
		if e.Kind == errs.KindPaymentDecline {
			return http.StatusPaymentRequired
		}
		return http.StatusUnprocessableEntity
	}
	return 0
}

func reqLang(v *view) string {
	if v.Lang != "" {
		return v.Lang
	}
	return "de"
}

// driversFromForm reads the driver rows drivers.<i>.<field>.
func driversFromForm(r *http.Request) []contract.Driver {
	var out []contract.Driver
	for i := 0; i < 4; i++ {
		p := "drivers." + strconv.Itoa(i) + "."
		d := contract.Driver{Role: r.PostFormValue(p + "role"), FirstName: r.PostFormValue(p + "first_name"),
			LastName: r.PostFormValue(p + "last_name"), BirthDate: r.PostFormValue(p + "birth_date"),
			LicenceNumber: r.PostFormValue(p + "licence_number"), LicenceClass: r.PostFormValue(p + "licence_class"),
			LicenceIssuedOn: r.PostFormValue(p + "licence_issued_on"), LicenceCountry: r.PostFormValue(p + "licence_country"),
			CheckNow: r.PostFormValue(p+"check") == "1"}
		if d.Role == "" {
			continue
		}
		// an empty additional row is no driver
		if d.Role == contract.RoleAdditional && strings.TrimSpace(d.FirstName+d.LastName+d.LicenceNumber) == "" {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (a *app) contractDrivers(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ds := driversFromForm(r)
	if _, err := a.Contracts.Update(r.Context(), id, contract.Edit{Drivers: ds, Notify: r.PostFormValue("notify") == "1"}); err != nil {
		a.contractAgain(w, r, id, err, func(d *ctPageData) {
			d.Drivers = nil
			for i, dr := range ds {
				d.Drivers = append(d.Drivers, driverRow{i, dr})
			}
		})
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=drivers", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractPeriod(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	c, err := a.ContractData.Contract(r.Context(), id)
	if err != nil {
		return err
	}
	st, err := a.Tenancy.Station(r.Context(), c.StationID)
	if err != nil {
		return err
	}
	raw := r.PostFormValue("planned_end")
	end, ok := parseLocal(raw, st.Location())
	if !ok {
		err = errs.Invalid("error.fields_invalid", errs.Field("planned_end", "contract.new_return_required"))
	} else {
		_, err = a.Contracts.Update(r.Context(), id, contract.Edit{PlannedEnd: &end, Notify: r.PostFormValue("notify") == "1"})
	}
	if err != nil {
		a.contractAgain(w, r, id, err, func(d *ctPageData) { d.PlannedEnd = raw })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=period", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractTariff(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	tid, err := strconv.ParseInt(r.PostFormValue("tariff_id"), 10, 64)
	if err != nil || tid <= 0 {
		a.contractAgain(w, r, id, errs.Invalid("error.fields_invalid", errs.Field("tariff_id", "field.tariff_choose")), nil)
		return nil
	}
	if _, err := a.Contracts.Update(r.Context(), id, contract.Edit{TariffID: &tid, Notify: r.PostFormValue("notify") == "1"}); err != nil {
		a.contractAgain(w, r, id, err, nil)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=tariff", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractNotes(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	notes := r.PostFormValue("notes")
	if _, err := a.Contracts.Update(r.Context(), id, contract.Edit{Notes: &notes}); err != nil {
		a.contractAgain(w, r, id, err, func(d *ctPageData) { d.Notes = notes })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=notes", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractSend(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	if err := a.Contracts.SendContract(r.Context(), id, nil); err != nil {
		a.contractAgain(w, r, id, err, nil)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=sent", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractCharge(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f := chargeForm{Kind: r.PostFormValue("kind"), Description: r.PostFormValue("description"), Amount: r.PostFormValue("amount")}
	cents, ok := parseEuro(f.Amount)
	lc := contract.LaterCharge{Kind: f.Kind, Description: f.Description, Cents: cents}
	var err error
	switch {
	case !ok:
		err = errs.Invalid("error.fields_invalid", errs.Field("amount", "field.amount_positive", locale.Params{"min": locale.Money(0)}))
	case lc.Validate() != nil:
		err = lc.Validate()
	case r.PostFormValue("confirm_cents") != strconv.FormatInt(cents, 10):
		// nothing is charged before staff confirmed this very amount
		f.ConfirmCents = cents
		a.contractAgain(w, r, id, nil, func(d *ctPageData) { d.Charge = f })
		return nil
	default:
		_, _, err = a.Contracts.Charge(r.Context(), id, lc)
	}
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == "charge_extension_returned" {
			// the car came back meanwhile: the form no longer offers an
			// extension, and its text must not go out as a damage
			f = chargeForm{}
		}
		a.contractAgain(w, r, id, err, func(d *ctPageData) { d.Charge = f })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=charged", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractRefund(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	invID, _ := strconv.ParseInt(r.PostFormValue("invoice_id"), 10, 64)
	f := refundForm{InvoiceID: invID, Amount: r.PostFormValue("amount"), Reason: r.PostFormValue("reason"),
		To: r.PostFormValue("refund_to"), Reference: r.PostFormValue("refund_reference")}
	to := contract.RefundTo{Method: f.To, Reference: f.Reference}
	if to.Method == "card" {
		to.Method = ""
	}
	cents, ok := parseEuro(f.Amount)
	var err error
	if !ok {
		err = errs.Invalid("error.fields_invalid", errs.Field("amount", "field.amount_positive", locale.Params{"min": locale.Money(0)}))
	} else {
		_, err = a.Contracts.Refund(r.Context(), id, invID, cents, f.Reason, to)
	}
	if err != nil {
		a.contractAgain(w, r, id, err, func(d *ctPageData) { d.Refund = f })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=refunded", id), http.StatusSeeOther)
	return nil
}

func (a *app) contractRetry(w http.ResponseWriter, r *http.Request) error {
	a.contractAction(w, r, "retried", func(ctx context.Context, id int64) error {
		_, err := a.Contracts.RetryPayment(ctx, id)
		return err
	})
	return nil
}

// contractBill re-runs billing of a returned contract (after an error).
func (a *app) contractBill(w http.ResponseWriter, r *http.Request) error {
	a.contractAction(w, r, "billed", func(ctx context.Context, id int64) error {
		_, err := a.Contracts.Bill(ctx, id)
		return err
	})
	return nil
}

// contractAction runs act on the contract of the path and returns to its
// page with the notice done, or with the problem.
func (a *app) contractAction(w http.ResponseWriter, r *http.Request, done string, act func(context.Context, int64) error) {
	id, ok := pathID(r, "id")
	if !ok {
		a.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err := act(r.Context(), id); err != nil {
		a.contractAgain(w, r, id, err, nil)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=%s", id, done), http.StatusSeeOther)
}

// contractDocument sends a stored document of the contract (protocol,
// contract PDF, invoice) exactly as stored.
func (a *app) contractDocument(w http.ResponseWriter, r *http.Request) error {
	id, ok1 := pathID(r, "id")
	docID, ok2 := pathID(r, "doc")
	if !ok1 || !ok2 {
		return errNotFound
	}
	docs, err := a.ContractData.ContractDocuments(r.Context(), id)
	if err != nil {
		return err
	}
	found := false
	for _, d := range docs {
		found = found || d.ID == docID
	}
	if !found {
		return errNotFound
	}
	d, err := a.ContractData.Document(r.Context(), docID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ReplaceAll(d.Filename, `"`, "")+`"`)
	w.Header().Set("X-Content-SHA256", d.SHA256)
	w.Write(d.Data)
	return nil
}

// isNotFound reports a KindNotFound error.
func isNotFound(err error) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Kind == errs.KindNotFound
}
