package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// The print layouts: the day list of a station, a reservation, and a
// contract with the tenant's rental terms and the customer's signature.
// They are pages of their own ("printdoc" layout: no navigation, no help
// text, a print button for the screen only); web/routes.go mounts them.

// printHead is what every print layout shows at the top: the tenant as the
// renter ("Vermieter") and the page to go back to.
type printHead struct {
	Tenant tenancy.Tenant
	Back   string
}

// renderPrint renders page in the print layout; a template error is
// returned before anything is written.
func (a *app) renderPrint(w http.ResponseWriter, r *http.Request, page string, v *view) error {
	a.fillView(r, v)
	t, ok := a.tmpl[page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "printdoc", v); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
	return nil
}

// ---- contract ----

type ctPrintData struct {
	printHead
	ctPageData
	Handover contract.Protocol
	// Signature is the customer's signature at the handover as a data URL
	// ("" when there is none, then UnsignedReason says why).
	Signature template.URL
	// Terms is the version of the rental terms in force at the contract's
	// start; HasTerms false when the tenant has none.
	Terms    tenancy.RentalTerms
	HasTerms bool
	// TermsMissing: no terms, and the user may add them (admin).
	TermsMissing bool
}

// contractPrint is the contract to print and sign: parties, vehicle, period,
// drivers, the terms snapshot, the handover readings, the rental terms (AGB)
// of the tenant in force at the start, and the customer's signature.
func (a *app) contractPrint(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ctx := r.Context()
	cd, err := a.loadContractPage(ctx, id)
	if err != nil {
		return err
	}
	d := ctPrintData{printHead: printHead{Tenant: reqCtx(r).tenant, Back: "/admin/contracts/" + strconv.FormatInt(id, 10)}, ctPageData: cd}
	for _, p := range cd.Protocols {
		if p.Kind == "handover" {
			d.Handover = p
		}
	}
	d.Signature = pngDataURL(d.Handover.SignaturePNG)
	if a.RentalTerms != nil {
		if d.Terms, d.HasTerms, err = a.RentalTerms.RentalTermsAt(ctx, cd.C.Start); err != nil {
			return err
		}
	}
	d.TermsMissing = !d.HasTerms && reqCtx(r).actor.IsAdmin() && a.RentalTerms != nil
	return a.renderPrint(w, r, "print_contract", &view{Title: "print.contract_title", Data: d})
}

// pngDataURL returns b as a data URL when it is a PNG image, else "".
func pngDataURL(b []byte) template.URL {
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
}

// ---- reservation ----

type resPrintData struct {
	printHead
	booking.Row
	PickupAt, ReturnAt tenancy.Station // the stations of pickup and return
	// EstSplit is the expected price split between the payer and the
	// driver, as the reservation page shows it (nil: the driver pays all).
	EstSplit *contract.Estimate
}

// reservationPrint is one reservation on paper: customer, stations with
// address, period, category and car, tariff and the expected price.
func (a *app) reservationPrint(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ctx := r.Context()
	row, err := a.Bookings.ReservationRow(ctx, id)
	if err != nil {
		return err
	}
	d := resPrintData{printHead: printHead{Tenant: reqCtx(r).tenant, Back: "/admin/reservations/" + strconv.FormatInt(id, 10)}, Row: row}
	stations, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return err
	}
	for _, s := range stations {
		if s.ID == row.StationID {
			d.PickupAt = s
		}
		if s.ID == row.ReturnStationID {
			d.ReturnAt = s
		}
	}
	if d.ReturnAt.ID == 0 {
		d.ReturnAt = d.PickupAt
	}
	if st := row.Status; a.Contracts != nil && a.Covers != nil && (st == booking.StatusPendingPayment || st == booking.StatusConfirmed) &&
		row.Use.Kind.Billed() {
		if d.EstSplit, err = coveredEstimate(a.Contracts.EstimateReservation(ctx, id)); err != nil {
			return err
		}
	}
	return a.renderPrint(w, r, "print_reservation", &view{Title: d.Word("print.reservation_title"), Data: d})
}

// Word is key as the printout says it of its booking: key.<kind> for a
// start ("Probefahrt B26-00003"), key itself for a rental (kindWord).
func (d resPrintData) Word(key string) string { return string(kindWord(key, d.Use.Kind)) }

// Start reports whether the printed booking is a start, not a rental: like
// its page, the printout shows no expected rental price (a start has none).
func (d resPrintData) Start() bool { return !d.Use.Kind.Billed() }

// ---- day list ----

type dayListData struct {
	printHead
	Day         time.Time
	StationName string    // "" for all the actor's stations
	Parts       []dayPart // pickups, then returns
	More        bool      // more rows than one list prints: the list is cut
	Max         int
}

// dayPart is the pickups or the returns of the day.
type dayPart struct {
	Kind string // "pickups" or "returns"
	Rows []booking.ListedRow
}

// dayListMax is the most rows one day list prints.
const dayListMax = 200

// dayListPrint is the day's pickups and returns of a station (or of all the
// actor's stations) to print: time, booking, customer, category and car,
// with a column to tick off.
func (a *app) dayListPrint(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	now := a.Now().In(berlin)
	day, err := time.ParseInLocation("2006-01-02", q.Get("day"), berlin)
	if err != nil {
		day = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, berlin)
	}
	d := dayListData{printHead: printHead{Tenant: reqCtx(r).tenant}, Day: day}
	lq := booking.ListQuery{Day: day, DayEnd: day.AddDate(0, 0, 1), Limit: dayListMax}
	back := "/admin/reservations?day=" + day.Format("2006-01-02")
	if sid, err := strconv.ParseInt(q.Get("station"), 10, 64); err == nil && sid > 0 {
		st, err := a.Tenancy.Station(ctx, sid)
		if err != nil {
			return err // another station's: not found
		}
		lq.StationID, d.StationName = sid, st.Name
		back += "&station=" + strconv.FormatInt(sid, 10)
	}
	d.Back = back
	rows, total, err := a.Bookings.ReservationRows(ctx, lq)
	if err != nil {
		return err
	}
	d.More, d.Max = total > len(rows), dayListMax
	d.Parts = []dayPart{{Kind: "pickups"}, {Kind: "returns"}}
	for _, x := range rows {
		i := 1
		if x.DayKind == "pickup" {
			i = 0
		}
		d.Parts[i].Rows = append(d.Parts[i].Rows, x)
	}
	return a.renderPrint(w, r, "print_daylist", &view{Title: "print.daylist_title", Data: d})
}

// DateT renders the calendar day of t (in Europe/Berlin) in the page's language.
func (v *view) DateT(t time.Time) string { return locale.Lang(v.Lang).Date(t.In(berlin)) }

// Clock renders the time of day of t in Europe/Berlin ("09:30 Uhr").
func (v *view) Clock(t time.Time) string { return locale.Lang(v.Lang).Clock(t.In(berlin)) }
