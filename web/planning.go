package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// boardParams are the planning board's query parameters: station, from
// (YYYY-MM-DD in the station's time zone), days, zoom ("" = days, "hours").
type boardParams struct {
	Station tenancy.Station
	From    time.Time // local midnight
	Days    int
	Zoom    string
}

// To is the end of the board's window.
func (p boardParams) To() time.Time { return p.From.AddDate(0, 0, p.Days) }

// Query renders the parameters for links, shifted by shift days: an
// encoded query, trusted as such by the templates (else html/template
// escapes its & and = once more and the link loses its parameters).
func (p boardParams) Query(shift int) template.URL {
	v := url.Values{}
	v.Set("station", strconv.FormatInt(p.Station.ID, 10))
	v.Set("from", p.From.AddDate(0, 0, shift).Format("2006-01-02"))
	v.Set("days", strconv.Itoa(p.Days))
	if p.Zoom != "" {
		v.Set("zoom", p.Zoom)
	}
	return template.URL(v.Encode())
}

// ZoomQuery renders the parameters with another zoom.
func (p boardParams) ZoomQuery(zoom string) template.URL {
	q := p
	q.Zoom = zoom
	if zoom == "hours" {
		q.Days = 2
	} else {
		q.Days = 14
	}
	return q.Query(0)
}

// boardData is what the board fragment renders.
type boardData struct {
	P        boardParams
	Stations []tenancy.Station
	Cols     []boardCol
	Unit     int // minutes per column
	Rows     []boardRow
	Msg      string
	MsgError bool
}

type boardCol struct {
	Label   string
	Weekend bool
}

type boardRow struct {
	Kind      string // "cat", "vehicle", "unassigned"
	Label     string
	Sub       string
	VehicleID int64
	Status    string // fleet status of a vehicle
	Lanes     int
	Bars      []boardBar
}

// boardBar is one bar as the template shows it. Its fields are its own,
// not an embedded booking.Bar: the template reads each by name, and a
// promoted field costs a reflective search per access (a 300-car board
// renders thousands of bars).
type boardBar struct {
	ReservationID         int64
	ContractID            int64 // a handed-over booking's contract: the bar leads there
	Kind                  string
	Use                   string // a booking's kind other than rental ("" for rentals, blocks and maintenance)
	Start, End            time.Time
	Number, CustomerName  string
	Note                  string
	Movable               bool
	Left, Width, StartISO string // percent of the track; the start for the drag script
	Lane                  int
	// HTML is the bar as the board shows it (barHTML).
	HTML template.HTML
}

// barHTML writes bar b as the board's <a> element in language lang. It is
// written here rather than in the template: a station's board of 300 cars
// over a month has thousands of bars, and html/template's escaping of each
// of their dozen values took two thirds of the page's CPU. Every value is
// escaped with template.HTMLEscapeString (attributes are quoted); ids and
// numbers are formatted.
func barHTML(b boardBar, lang string) template.HTML {
	esc := template.HTMLEscapeString
	var w strings.Builder
	w.Grow(400)
	w.WriteString(`<a class="bar bar-`)
	w.WriteString(esc(b.Kind))
	if b.Use != "" {
		w.WriteString(" use-" + esc(b.Use) + `" data-use="` + esc(b.Use))
	}
	w.WriteString(`" data-l="` + esc(b.Left) + `" data-w="` + esc(b.Width) + `" data-lane="` + strconv.Itoa(b.Lane) + `"`)
	switch {
	case b.ContractID != 0:
		w.WriteString(` href="/admin/contracts/` + strconv.FormatInt(b.ContractID, 10) + `" data-res="` + strconv.FormatInt(b.ReservationID, 10) + `"`)
	case b.ReservationID != 0:
		w.WriteString(` href="/admin/reservations/` + strconv.FormatInt(b.ReservationID, 10) + `" data-res="` + strconv.FormatInt(b.ReservationID, 10) + `"`)
	}
	if b.Movable {
		w.WriteString(` data-start="` + esc(b.StartISO) + `" data-movable="1" data-number="` + esc(b.Number) + `" aria-describedby="bar-keys"`)
	}
	w.WriteString(` draggable="false" title="`)
	use := ""
	if b.Use != "" {
		use = translate(lang, locale.Key("kind."+b.Use))
		w.WriteString(esc(use) + ": ")
	}
	w.WriteString(esc(b.Number) + " " + esc(b.CustomerName) + esc(b.Note) + " " + esc(formatTime(lang, b.Start, berlin)) + " – " +
		esc(formatTime(lang, b.End, berlin)) + `">`)
	if b.Number != "" {
		if use != "" {
			w.WriteString("<b>" + esc(use) + "</b> ")
		}
		w.WriteString(esc(b.Number) + " " + esc(b.CustomerName))
	} else {
		w.WriteString(esc(translate(lang, locale.Key("bk.plan."+b.Kind))) + " " + esc(b.Note))
	}
	w.WriteString("</a>")
	return template.HTML(w.String())
}

// parseBoard reads and checks the board parameters; the station must be
// visible to the signed-in user (errs.KindNotFound otherwise).
func (a *app) parseBoard(r *http.Request, q url.Values) (boardParams, []tenancy.Station, error) {
	ctx := r.Context()
	all, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return boardParams{}, nil, err
	}
	stations := visibleStations(r, all)
	var p boardParams
	sid, _ := strconv.ParseInt(q.Get("station"), 10, 64)
	if sid == 0 {
		if len(stations) == 0 {
			return p, nil, errs.NotFound("station_not_found")
		}
		p.Station = stations[0]
	} else {
		found := false
		for _, s := range stations {
			if s.ID == sid {
				p.Station, found = s, true
			}
		}
		if !found {
			return p, nil, errs.NotFound("station_not_found")
		}
	}
	loc := p.Station.Location()
	if q.Get("zoom") == "hours" {
		p.Zoom = "hours"
	}
	p.Days = 14
	if p.Zoom == "hours" {
		p.Days = 2
	}
	if n, err := strconv.Atoi(q.Get("days")); err == nil && n >= 1 {
		p.Days = min(n, 62)
		if p.Zoom == "hours" {
			p.Days = min(n, 3)
		}
	}
	now := a.Now().In(loc)
	p.From = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), loc); err == nil {
		p.From = t
	}
	return p, stations, nil
}

// boardFor loads the plan and lays it out.
func (a *app) boardFor(r *http.Request, p boardParams, stations []tenancy.Station) (boardData, error) {
	plan, err := a.Bookings.Plan(r.Context(), p.Station.ID, p.From, p.To())
	if err != nil {
		return boardData{}, err
	}
	lang := reqCtx(r).lang
	d := boardData{P: p, Stations: stations, Unit: 1440}
	loc := p.Station.Location()
	if p.Zoom == "hours" {
		d.Unit = 60
		for t := p.From; t.Before(p.To()); t = t.Add(time.Hour) {
			l := t.In(loc).Format("15")
			if t.In(loc).Hour() == 0 {
				l = locale.Lang(lang).DayMonth(t.In(loc))
			}
			d.Cols = append(d.Cols, boardCol{Label: l, Weekend: t.Weekday() == time.Saturday || t.Weekday() == time.Sunday})
		}
	} else {
		for i := range p.Days {
			t := p.From.AddDate(0, 0, i)
			day := []rune(translate(lang, locale.Key("day."+strconv.Itoa(int(t.Weekday())))))
			d.Cols = append(d.Cols, boardCol{Label: string(day[:min(2, len(day))]) + " " + locale.Lang(lang).DayMonth(t),
				Weekend: t.Weekday() == time.Saturday || t.Weekday() == time.Sunday})
		}
	}
	span := float64(p.To().Sub(p.From))
	place := func(bars []booking.Bar) ([]boardBar, int) {
		out := make([]boardBar, 0, len(bars))
		var laneEnd []time.Time
		for _, b := range bars {
			s, e := b.Start, b.End
			if s.Before(p.From) {
				s = p.From
			}
			if e.After(p.To()) {
				e = p.To()
			}
			left := float64(s.Sub(p.From)) / span * 100
			width := max(float64(e.Sub(s))/span*100, 0.4)
			lane := 0
			for lane < len(laneEnd) && laneEnd[lane].After(b.Start) {
				lane++
			}
			if lane == len(laneEnd) {
				laneEnd = append(laneEnd, b.End)
			} else {
				laneEnd[lane] = b.End
			}
			number := b.Number
			if b.ContractNumber != "" {
				number = b.ContractNumber
			}
			use := ""
			if b.Use != "" && b.Use != booking.KindRental {
				use = string(b.Use)
			}
			bb := boardBar{ReservationID: b.ReservationID, ContractID: b.ContractID, Kind: b.Kind, Use: use, Start: b.Start, End: b.End, Number: number,
				CustomerName: b.CustomerName, Note: b.Note, Movable: b.Movable(), Left: strconv.FormatFloat(left, 'f', 2, 64),
				Width: strconv.FormatFloat(width, 'f', 2, 64), Lane: lane, StartISO: b.Start.UTC().Format(time.RFC3339)}
			bb.HTML = barHTML(bb, lang)
			out = append(out, bb)
		}
		return out, max(1, len(laneEnd))
	}
	for _, c := range plan.Categories {
		name := c.NameDE
		if lang == "en" && c.NameEN != "" {
			name = c.NameEN
		}
		d.Rows = append(d.Rows, boardRow{Kind: "cat", Label: c.Code, Sub: name})
		if un, lanes := place(c.Unassigned); len(un) > 0 { // bookings hold a car from the start: usually none
			d.Rows = append(d.Rows, boardRow{Kind: "unassigned", Label: translate(lang, "bk.plan.unassigned"), Sub: c.Code, Bars: un, Lanes: lanes})
		}
		for _, v := range c.Vehicles {
			bars, lanes := place(v.Bars)
			d.Rows = append(d.Rows, boardRow{Kind: "vehicle", Label: v.Plate, Sub: v.Make + " " + v.Model, VehicleID: v.ID,
				Status: v.Status, Bars: bars, Lanes: lanes})
		}
	}
	return d, nil
}

// planningPage is the planning board of a station: vehicles × days (hours
// when zoomed) with bookings, contracts, blocks and maintenance as bars and,
// where there are any, a category's bookings without a car in a row of their own.
func (a *app) planningPage(w http.ResponseWriter, r *http.Request) error {
	p, stations, err := a.parseBoard(r, r.URL.Query())
	if err != nil {
		return err
	}
	d, err := a.boardFor(r, p, stations)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "planning", &view{Title: "bk.plan.title", Nav: "planning", Data: d})
	return nil
}

// planningBoard answers the board alone (htmx polling every 15 s).
func (a *app) planningBoard(w http.ResponseWriter, r *http.Request) error {
	p, stations, err := a.parseBoard(r, r.URL.Query())
	if err != nil {
		return err
	}
	d, err := a.boardFor(r, p, stations)
	if err != nil {
		return err
	}
	a.renderBoard(w, r, http.StatusOK, d)
	return nil
}

func (a *app) renderBoard(w http.ResponseWriter, r *http.Request, status int, d boardData) {
	v := &view{Data: d}
	a.fillView(r, v)
	var buf bytes.Buffer
	if err := a.tmpl["planning"].ExecuteTemplate(&buf, "board", v); err != nil {
		a.fail(w, r, fmt.Errorf("render board: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// planningMove moves a bar: reservation onto vehicle (and pickup, RFC 3339).
// It answers the re-rendered board with a message: 200 when saved, 409 when
// refused (the bar stays where it was), 422 for unusable input.
func (a *app) planningMove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return pageError{http.StatusBadRequest, ""}
	}
	p, stations, err := a.parseBoard(r, r.PostForm)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	rid, err1 := strconv.ParseInt(r.PostFormValue("reservation"), 10, 64)
	vid, err2 := strconv.ParseInt(r.PostFormValue("vehicle"), 10, 64)
	var pickup time.Time
	var err3 error
	if s := strings.TrimSpace(r.PostFormValue("pickup")); s != "" {
		pickup, err3 = time.Parse(time.RFC3339, s)
	}
	status, msg, isErr := http.StatusOK, "", false
	if err1 != nil || err2 != nil || err3 != nil || rid <= 0 || vid <= 0 {
		status, msg, isErr = http.StatusUnprocessableEntity, translate(lang, "bk.plan.bad_move"), true
	} else if res, err := a.moveBooking(r.Context(), booking.Move{ReservationID: rid, VehicleID: vid, Pickup: pickup}); err != nil {
		switch errs.KindOf(err) {
		case errs.KindConflict:
			status, msg, isErr = http.StatusConflict, conflictText(lang, err), true
		case errs.KindInvalid:
			status, msg, isErr = http.StatusUnprocessableEntity, translate(lang, "bk.plan.bad_move"), true
			if fe, ok := fieldErrors(lang, err); ok {
				for _, m := range fe {
					msg = m
				}
			}
		default:
			return err
		}
	} else {
		msg = translate(lang, kindWord("bk.plan.moved", res.Use.Kind), res.Number)
	}
	d, err := a.boardFor(r, p, stations)
	if err != nil {
		return err
	}
	d.Msg, d.MsgError = msg, isErr
	a.renderBoard(w, r, status, d)
	return nil
}

// moveBooking moves a booking on the planning board; when its period
// changed, the customer gets the new period with the updated calendar file
// (the move stands even if queuing that e-mail fails, which is logged).
func (a *app) moveBooking(ctx context.Context, m booking.Move) (booking.Reservation, error) {
	before, err := a.Bookings.ReservationRow(ctx, m.ReservationID)
	if err != nil {
		return booking.Reservation{}, err
	}
	res, err := a.Bookings.MoveBooking(ctx, m)
	if err != nil || res.Pickup.Equal(before.Pickup) || a.Flow == nil {
		return res, err
	}
	if err := a.Flow.NotifyChange(ctx, res.Number); err != nil {
		a.log.ErrorContext(ctx, "planning: change e-mail not queued", "reservation", res.Number, "err", err)
	}
	return res, nil
}
