package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/audit"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// BookingBackend is the storage behind the reservation, planning and
// customer pages (the SQL store implements it). Every call is scoped by the
// signed-in actor, so station isolation is decided by the store.
type BookingBackend interface {
	booking.Store
	booking.AdminStore
	booking.WorkshopRefStore
	booking.PlanningStore
	customer.AdminStore
	invoice.Reader
	document.Archive
	ListPayments(ctx context.Context, f payment.RecordFilter) ([]payment.Record, error)
	AuditTrail(ctx context.Context, entity string, id int64) ([]audit.Entry, error)
}

// resListData is the reservation list page.
type resListData struct {
	Stations   []tenancy.Station
	StationID  int64
	Day        string // YYYY-MM-DD, "" = all days
	PrevDay    string
	NextDay    string
	Today      string
	Status     string
	Statuses   []booking.Status
	Search     string
	Rows       []booking.ListedRow
	Total      int
	Page, Last int
	PageURL    func(int) string
}

var allStatuses = []booking.Status{booking.StatusPendingPayment, booking.StatusConfirmed, booking.StatusActive,
	booking.StatusCompleted, booking.StatusCancelled, booking.StatusFailed}

const resPageSize = 50

// reservationList shows reservations per station and day: today's pickups
// first, then today's returns. Filters and page live in the query string:
// station, day (YYYY-MM-DD or "all"), status, q, page.
func (a *app) reservationList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := resListData{Statuses: allStatuses, Search: strings.TrimSpace(q.Get("q")), Page: 1}
	stations, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return err
	}
	d.Stations = visibleStations(r, stations)
	if sid, err := strconv.ParseInt(q.Get("station"), 10, 64); err == nil && sid > 0 {
		d.StationID = sid
	}
	if s := booking.Status(q.Get("status")); s != "" {
		for _, x := range allStatuses {
			if x == s {
				d.Status = string(s)
			}
		}
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 {
		d.Page = p
	}
	now := a.Now().In(berlin)
	d.Today = now.Format("2006-01-02")
	lq := booking.ListQuery{StationID: d.StationID, Status: booking.Status(d.Status), Search: d.Search, Limit: resPageSize,
		Offset: (d.Page - 1) * resPageSize}
	switch day := q.Get("day"); {
	case day == "all" || (day == "" && d.Search != ""):
		d.Day = ""
	default:
		t, err := time.ParseInLocation("2006-01-02", day, berlin)
		if err != nil {
			t = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, berlin)
		}
		d.Day = t.Format("2006-01-02")
		d.PrevDay, d.NextDay = t.AddDate(0, 0, -1).Format("2006-01-02"), t.AddDate(0, 0, 1).Format("2006-01-02")
		lq.Day, lq.DayEnd = t, t.AddDate(0, 0, 1)
	}
	d.Rows, d.Total, err = a.Bookings.ReservationRows(ctx, lq)
	if err != nil {
		return err
	}
	d.Last = max(1, (d.Total+resPageSize-1)/resPageSize)
	d.PageURL = func(p int) string {
		v := url.Values{}
		if d.StationID != 0 {
			v.Set("station", strconv.FormatInt(d.StationID, 10))
		}
		if d.Day == "" {
			v.Set("day", "all")
		} else {
			v.Set("day", d.Day)
		}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		if d.Search != "" {
			v.Set("q", d.Search)
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		return "/admin/reservations?" + v.Encode()
	}
	a.render(w, r, http.StatusOK, "reservations", &view{Title: "bk.res.title", Nav: "reservations", Data: d})
	return nil
}

// visibleStations keeps the stations the signed-in user may see.
func visibleStations(r *http.Request, all []tenancy.Station) []tenancy.Station {
	act := actorOf(r)
	var out []tenancy.Station
	for _, s := range all {
		if act.CanStation(s.ID) {
			out = append(out, s)
		}
	}
	return out
}

// PlateRelease is when the job releases this start on a red plate if
// nobody hands it over, or that it did ("" otherwise).
func (d resPageData) PlateRelease(v *view) string {
	return plateReleaseNote(v.Lang, d.Row.Reservation, berlin)
}

// Heading is the key of the page's name for its booking: the kind of a
// start (test drive, internal trip, transfer), "Reservierung" for a rental.
func (d resPageData) Heading() string { return d.Word("bk.res.one") }

// Word is key as the page says it of its booking: key.<kind> for a start
// (bk.cancel_btn.test_drive), key itself for a rental.
func (d resPageData) Word(key string) string { return string(kindWord(key, d.Row.Use.Kind)) }

// kindWord is the catalog key of text key said of a booking of kind k:
// key.<kind> for a start — a test drive, internal trip or transfer, which
// staff and customers know by its kind ("Probefahrt B26-00003") — and key
// itself for a rental ("Reservierung B26-00001"; also for an empty kind).
// Every key.<kind> is in the catalog (TestKindWordsInCatalog).
func kindWord(key string, k booking.Kind) locale.Key {
	if k.Or() == booking.KindRental {
		return locale.Key(key)
	}
	return locale.Key(key + "." + string(k))
}

// Start reports whether the page's booking is a start, not a rental: its
// page shows no rental price, deposit or cost cover (a start has none).
func (d resPageData) Start() bool { return d.Row.Use.Kind.Or() != booking.KindRental }

// resPageData is the reservation page.
type resPageData struct {
	Row booking.Row
	// TypedPickup and TypedReturn are the period as typed into a refused
	// period change (shown again with its errors); "" shows the booking's.
	TypedPickup, TypedReturn string
	Payments                 []payment.Record
	Invoices                 []invoice.Summary
	Audit                    []audit.Entry
	// AuditLines is Audit as sentences.
	AuditLines []auditLine
	Free       []freeOption
	Notes      string
	CanMove    bool
	CanStop    bool
	// CanChange: the period can be changed with re-pricing (confirmed, flow wired).
	CanChange bool
	// CancelQuote is what cancelling now does with the money taken (nil
	// when nothing was taken or the booking can no longer be cancelled).
	CancelQuote *booking.CancelQuote
	// Cover is who pays the rental (nil when payers are not wired).
	Cover *coverCard
	// EstSplit is the estimate split between the payer and the driver as
	// the return will bill it (nil for a rental the driver pays alone).
	EstSplit *contract.Estimate
	// WorkshopRef is the workshop order in its form (as typed when it came
	// back); CanWorkshop: it can still be changed (web/workshop_ref.go).
	WorkshopRef string
	CanWorkshop bool
}

// paidAny reports whether money was taken (or may have been) on a booking.
func paidAny(ps []payment.Record) bool {
	for _, p := range ps {
		if p.Status == payment.StatusApproved || p.Status.Open() {
			return true
		}
	}
	return false
}

func (a *app) loadReservationPage(ctx context.Context, id int64) (resPageData, error) {
	var d resPageData
	var err error
	if d.Row, err = a.Bookings.ReservationRow(ctx, id); err != nil {
		return d, err
	}
	d.Notes = d.Row.Notes
	d.WorkshopRef = d.Row.WorkshopRef
	if d.Payments, err = a.Bookings.ListPayments(ctx, payment.RecordFilter{ReservationID: id}); err != nil {
		return d, err
	}
	if d.Invoices, err = a.Bookings.ListInvoices(ctx, invoice.Filter{ReservationID: id}); err != nil {
		return d, err
	}
	if d.Audit, err = a.Bookings.AuditTrail(ctx, "reservation", id); err != nil {
		return d, err
	}
	d.AuditLines = a.auditView(ctx, d.Audit, berlin)
	if d.Cover, err = a.loadCoverCard(ctx, id, a.plannedDays(ctx, d.Row), coverOpen(d.Row.Status)); err != nil {
		return d, err
	}
	st := d.Row.Status
	if a.Contracts != nil && d.Cover != nil && (st == booking.StatusPendingPayment || st == booking.StatusConfirmed) && d.Row.Use.Kind.Billed() {
		if d.EstSplit, err = coveredEstimate(a.Contracts.EstimateReservation(ctx, id)); err != nil {
			return d, err
		}
	}
	d.CanWorkshop = coverOpen(st)
	if d.Row.ContractID != 0 && a.ContractData != nil {
		// billed is the contract's state: returned with billing still to
		// come, the workshop order can still change
		if c, err := a.ContractData.Contract(ctx, d.Row.ContractID); err == nil {
			d.CanWorkshop = c.Status == contract.StatusOpen || c.Status == contract.StatusReturned
			if d.Cover != nil {
				d.Cover.BillingUnfinished = contract.BillingUnfinished(c.Status, c.BilledAt != nil, st)
			}
		}
	}
	d.CanMove = st == booking.StatusPendingPayment || st == booking.StatusConfirmed
	d.CanStop = d.CanMove
	d.CanChange = st == booking.StatusConfirmed && a.Flow != nil
	if d.CanChange && paidAny(d.Payments) {
		q, err := a.Flow.CancelPreview(ctx, d.Row.Number)
		switch {
		case err == nil:
			d.CancelQuote = &q
		case errs.KindOf(err) != errs.KindConflict: // a booking that can no longer be cancelled shows no preview
			return d, err
		}
	}
	if d.CanMove {
		if d.Free, err = a.freeOptions(ctx, d.Row); err != nil {
			return d, err
		}
	}
	return d, nil
}

// freeOption is a car the reservation could be put on, with the check
// that runs out before the rental ends (nil when none): the list says so
// before staff choose it, as assigning it then asks for a reason.
type freeOption struct {
	booking.FreeVehicle
	Due *booking.Due
}

// freeOptions lists the cars free for r's period at its station, each with
// its due check at r's return (the station's local day, as CheckDue).
func (a *app) freeOptions(ctx context.Context, r booking.Row) ([]freeOption, error) {
	free, err := a.Bookings.FreeVehicles(ctx, r.StationID, r.Pickup, r.Return, r.ID)
	if err != nil || len(free) == 0 {
		return nil, err
	}
	st, err := a.Tenancy.Station(ctx, r.StationID)
	if err != nil {
		return nil, err
	}
	out := make([]freeOption, len(free))
	for i, v := range free {
		out[i].FreeVehicle = v
		car := fleet.Vehicle{NextInspection: v.NextInspection, NextService: v.NextService}
		if due, ok := booking.DueBefore(car, r.Return, st.Location()); ok {
			out[i].Due = &due
		}
	}
	return out, nil
}

// reservationPage shows one reservation: customer, period, vehicle, tariff,
// price, payments (brand and last 4 only), invoices, the audit trail and the
// staff actions.
func (a *app) reservationPage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	d, err := a.loadReservationPage(r.Context(), id)
	if err != nil {
		return err
	}
	v := &view{Title: d.Heading(), Nav: "reservations", Data: d, Attention: a.attention(r, attentionSubjects(job.KindReservation, d.Row.ID, d.Payments)...)}
	if n := r.URL.Query().Get("done"); n != "" {
		// a start's own wording when it has one (bk.done.cancel.test_drive)
		for _, k := range []locale.Key{locale.Key(d.Word("bk.done." + n)), locale.Key("bk.done." + n)} {
			if v.Notice == "" && locale.Has(k) {
				v.Notice = translate(reqCtx(r).lang, k)
			}
		}
		if n == "cancel" && r.URL.Query().Has("refund") {
			v.Notice = cancelNotice(reqCtx(r).lang, r.URL.Query())
		}
	}
	a.render(w, r, http.StatusOK, "reservation", v)
	return nil
}

// reservationAgain re-renders the page with a problem (status, alert or field errors).
func (a *app) reservationAgain(w http.ResponseWriter, r *http.Request, id int64, err error, notes string) {
	a.reservationAgainWith(w, r, id, err, func(d *resPageData) {
		if notes != "" {
			d.Notes = notes
		}
	})
}

// reservationAgainWith shows the reservation page again with err, edit
// putting back what the form held.
func (a *app) reservationAgainWith(w http.ResponseWriter, r *http.Request, id int64, err error, edit func(*resPageData)) {
	if k := errs.KindOf(err); k != errs.KindInvalid && k != errs.KindConflict {
		a.fail(w, r, err)
		return
	}
	d, lerr := a.loadReservationPage(r.Context(), id)
	if lerr != nil {
		a.fail(w, r, lerr)
		return
	}
	lang := reqCtx(r).lang
	v := &view{Title: d.Heading(), Nav: "reservations", Data: &d}
	edit(&d)
	if strings.HasSuffix(r.URL.Path, "/period") { // keep what was typed
		d.TypedPickup, d.TypedReturn = r.PostFormValue("pickup"), r.PostFormValue("return")
	}
	if fe, ok := fieldErrors(lang, err); ok {
		v.Errors = fe
		v.Alert = translate(lang, "form.has_errors")
	} else {
		v.Alert = conflictText(lang, err)
	}
	a.render(w, r, httpStatusOf(err), "reservation", v)
}

// PaymentAmount is the amount a payment row shows: a void (the release of
// a reservation on the card) carries no amount of its own at the gateway,
// so it shows the amount of the authorisation it releases.
func (d resPageData) PaymentAmount(p payment.Record) int64 {
	if (p.Operation == payment.OpVoid || p.Operation == payment.OpVoidPreAuth) && p.Amount.Cents == 0 {
		for _, parent := range d.Payments {
			if parent.ID == p.ParentID {
				return parent.Amount.Cents
			}
		}
	}
	return p.Amount.Cents
}

// conflictText is the translated message of a conflict by its code.
func conflictText(lang string, err error) string {
	if e, ok := errs.As(err); ok && e.Code != "" {
		if locale.Has(locale.Key("bk.conflict." + string(e.Code))) {
			return translate(lang, locale.Key("bk.conflict."+string(e.Code)))
		}
	}
	return translate(lang, "bk.conflict.other")
}

func httpStatusOf(err error) int {
	switch errs.KindOf(err) {
	case errs.KindInvalid:
		return http.StatusUnprocessableEntity
	case errs.KindConflict:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func (a *app) reservationNotes(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	notes := r.PostFormValue("notes")
	if err := a.Bookings.SetReservationNotes(r.Context(), id, notes); err != nil {
		a.reservationAgain(w, r, id, err, notes)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=notes", id), http.StatusSeeOther)
	return nil
}

func (a *app) reservationAssign(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	vid, err := strconv.ParseInt(r.PostFormValue("vehicle_id"), 10, 64)
	if err != nil || vid <= 0 {
		a.reservationAgain(w, r, id, errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "field.vehicle_choose")), "")
		return nil
	}
	if _, err := a.Bookings.MoveBooking(r.Context(), booking.Move{ReservationID: id, VehicleID: vid, DueOverride: r.PostFormValue("due_override")}); err != nil {
		a.reservationAgain(w, r, id, err, "")
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=vehicle", id), http.StatusSeeOther)
	return nil
}

// reservationCancel cancels a booking that has not been handed over. A
// booking with money taken is refused here: its refund goes through the
// booking service (API), which settles payments and invoices. One nobody
// paid for is settled by the booking service's job, which e-mails the
// customer of a rental and nobody for a test drive, internal trip or
// transfer (booking.Reservation.CancelMailed).
func (a *app) reservationCancel(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ctx := r.Context()
	row, err := a.Bookings.ReservationRow(ctx, id)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		a.reservationAgain(w, r, id, errs.Invalid("error.fields_invalid", errs.Field("confirm", "booking.cancel_confirm")), "")
		return nil
	}
	pays, err := a.Bookings.ListPayments(ctx, payment.RecordFilter{ReservationID: id})
	if err != nil {
		return err
	}
	for _, p := range pays {
		if p.Status == payment.StatusApproved || p.Status.Open() {
			if a.Flow != nil {
				a.reservationCancelPaid(w, r, row)
				return nil
			}
			a.reservationAgain(w, r, id, errs.Conflict("paid"), "")
			return nil
		}
	}
	if err := a.Bookings.SetReservationStatus(ctx, id, []booking.Status{booking.StatusPendingPayment, booking.StatusConfirmed},
		booking.StatusCancelled); err != nil {
		a.reservationAgain(w, r, id, err, "")
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=cancel", id), http.StatusSeeOther)
	return nil
}

// reservationDocument sends the PDF of an invoice of the reservation. The
// document must belong to an invoice listed for this (visible) reservation.
func (a *app) reservationDocument(w http.ResponseWriter, r *http.Request) error {
	id, ok1 := pathID(r, "id")
	doc, ok2 := pathID(r, "doc")
	if !ok1 || !ok2 {
		return errNotFound
	}
	ctx := r.Context()
	if _, err := a.Bookings.ReservationRow(ctx, id); err != nil {
		return err
	}
	invs, err := a.Bookings.ListInvoices(ctx, invoice.Filter{ReservationID: id})
	if err != nil {
		return err
	}
	found := false
	for _, x := range invs {
		found = found || x.DocumentID == doc
	}
	if !found {
		return errNotFound
	}
	d, err := a.Bookings.Document(ctx, doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, d.Filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(d.Data)))
	w.Write(d.Data)
	return nil
}

// Helpers for the reservation templates.

// BkStatus is the translated booking status.
func (v *view) BkStatus(s booking.Status) string { return v.T("booking.status." + string(s)) }

// BkDayKind is the translated meaning of a list row for its day.
func (v *view) BkDayKind(k string) string { return v.T("bk.day." + k) }

// BkSel returns " selected" when a equals b (for options).
func (v *view) BkSel(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// BkSeq returns 1..n for page links.
func (v *view) BkSeq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
