package web

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/tenancy"
)

// stationForm is the station edit form as the user typed it: every value is
// kept as text so an invalid form comes back exactly as entered.
type stationForm struct {
	ID                                            int64
	New                                           bool
	Code, Name, Street, PostalCode, City, Country string
	Phone, Email, TimeZone                        string
	Active                                        bool
	Hours                                         []dayField
	Exceptions                                    []excRow
	Zones                                         []string
	UpdatedAt                                     time.Time
	loc                                           *time.Location
}

// dayField is the opening-hours input of one weekday.
type dayField struct {
	Key   string // "mon"
	Day   time.Weekday
	Value string // "08:00-12:00, 13:00-18:00"
}

// excRow is one exception row; Index is its position in the form.
type excRow struct {
	Index  int
	Date   string
	Closed bool
	Hours  string
	Note   string
}

// excRowView is what the "exc-row" template receives.
type excRowView struct {
	V     *view
	Row   excRow
	Key   string // field key of the row's errors: exceptions.<n>
	Error string
}

// RowOf prepares exception row r for the "exc-row" template.
func (v *view) RowOf(r excRow) excRowView {
	key := "exceptions." + strconv.Itoa(r.Index)
	return excRowView{V: v, Row: r, Key: key, Error: v.Err(key)}
}

// UpdatedText renders the last change in the station's time zone.
func (f stationForm) UpdatedText(v *view) string { return formatTime(v.Lang, f.UpdatedAt, f.loc) }

// dayHours is one weekday of the list page's opening-hours summary.
type dayHours struct{ Day, Hours string }

// HoursSummary lists the opening hours of st per weekday, Monday first.
func (v *view) HoursSummary(st tenancy.Station) []dayHours {
	out := make([]dayHours, 0, 7)
	for _, d := range weekdayOrder {
		h := tenancy.FormatSpans(st.Hours[d])
		if h == "" {
			h = v.T("st.closed")
		}
		out = append(out, dayHours{Day: v.Day(d)[:2], Hours: h})
	}
	return out
}

// commonZones are offered in the time-zone field; any IANA name is accepted.
var commonZones = []string{"Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Amsterdam",
	"Europe/Brussels", "Europe/Luxembourg", "Europe/Paris", "Europe/Prague", "Europe/Warsaw",
	"Europe/Copenhagen", "Europe/Rome", "Europe/Madrid", "Europe/London", "UTC"}

// formFromStation fills the form with a stored station.
func formFromStation(st tenancy.Station) stationForm {
	f := stationForm{
		ID: st.ID, Code: st.Code, Name: st.Name, Street: st.Street, PostalCode: st.PostalCode,
		City: st.City, Country: st.Country, Phone: st.Phone, Email: st.Email, TimeZone: st.TimeZone,
		Active: st.Active, UpdatedAt: st.UpdatedAt, loc: st.Location(), Zones: commonZones,
	}
	for _, d := range weekdayOrder {
		f.Hours = append(f.Hours, dayField{Key: tenancy.WeekdayKey(d), Day: d, Value: tenancy.FormatSpans(st.Hours[d])})
	}
	for i, e := range st.Exceptions {
		f.Exceptions = append(f.Exceptions, excRow{Index: i, Date: e.Date, Closed: e.Closed, Hours: tenancy.FormatSpans(e.Hours), Note: e.Note})
	}
	return f
}

var excKeyRE = regexp.MustCompile(`^exc\.(\d{1,9})\.(date|closed|hours|note)$`)

// maxExceptions bounds the exception rows of one form.
const maxExceptions = 366

// parseStationForm reads the posted form into f and st. Exception rows are
// ordered by date (as the domain normalizes them) and renumbered, so field
// errors "exceptions.<n>" of the domain name the row shown at position n.
// Unparseable opening hours are returned as field errors.
func parseStationForm(r *http.Request, f *stationForm, st *tenancy.Station, lang string) map[string]string {
	pf := r.PostForm
	get := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f.Code, f.Name, f.Street, f.PostalCode = get("code"), get("name"), get("street"), get("postal_code")
	f.City, f.Country, f.Phone, f.Email, f.TimeZone = get("city"), get("country"), get("phone"), get("email"), get("time_zone")
	f.Zones = commonZones
	problems := map[string]string{}

	st.Code, st.Name, st.Street, st.PostalCode = f.Code, f.Name, f.Street, f.PostalCode
	st.City, st.Country, st.Phone, st.Email, st.TimeZone = f.City, f.Country, f.Phone, f.Email, f.TimeZone
	f.Hours = nil
	for _, d := range weekdayOrder {
		key := tenancy.WeekdayKey(d)
		val := get("hours." + key)
		f.Hours = append(f.Hours, dayField{Key: key, Day: d, Value: val})
		spans, err := tenancy.ParseSpans(val)
		if err != nil {
			problems["hours."+key] = translate(lang, "form.bad_hours")
			spans = nil
		}
		st.Hours[d] = spans
	}

	rows := map[int]*excRow{}
	for k := range pf {
		m := excKeyRE.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		row := rows[i]
		if row == nil {
			if len(rows) >= maxExceptions {
				continue
			}
			row = &excRow{Index: i}
			rows[i] = row
		}
		v := strings.TrimSpace(pf.Get(k))
		switch m[2] {
		case "date":
			row.Date = v
		case "closed":
			row.Closed = v != ""
		case "hours":
			row.Hours = v
		case "note":
			row.Note = v
		}
	}
	list := make([]excRow, 0, len(rows))
	for _, row := range rows {
		if row.Date == "" && row.Hours == "" && row.Note == "" && !row.Closed {
			continue // an added row left blank
		}
		list = append(list, *row)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Date != list[j].Date {
			return list[i].Date < list[j].Date
		}
		return list[i].Index < list[j].Index
	})
	f.Exceptions = list
	st.Exceptions = nil
	for i := range list {
		list[i].Index = i
		e := tenancy.Exception{Date: list[i].Date, Closed: list[i].Closed, Note: list[i].Note}
		if !e.Closed {
			spans, err := tenancy.ParseSpans(list[i].Hours)
			if err != nil {
				problems[fmt.Sprintf("exceptions.%d", i)] = translate(lang, "form.bad_hours")
			}
			e.Hours = spans
		}
		st.Exceptions = append(st.Exceptions, e)
	}
	return problems
}

// validateStation normalizes st and merges its domain validation with the
// form's own problems (a form problem wins for the same field).
func validateStation(st *tenancy.Station, problems map[string]string, lang string) map[string]string {
	st.Normalize()
	if m, ok := fieldErrors(lang, st.Validate()); ok {
		for k, v := range m {
			if _, dup := problems[k]; !dup {
				problems[k] = v
			}
		}
	}
	return problems
}

// stationList shows the stations the user may see (the store filters).
func (a *app) stationList(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Tenancy.ListStations(r.Context())
	if err != nil {
		return err
	}
	v := &view{Title: "st.title", Nav: "stations", Data: list}
	switch r.URL.Query().Get("done") {
	case "created":
		v.Notice = translate(reqCtx(r).lang, "st.created")
	}
	a.render(w, r, http.StatusOK, "stations", v)
	return nil
}

// stationNew shows the empty form (admins only).
func (a *app) stationNew(w http.ResponseWriter, r *http.Request) error {
	if !actorOf(r).IsAdmin() {
		return pageError{http.StatusForbidden, ""}
	}
	f := formFromStation(tenancy.Station{Country: "DE", TimeZone: "Europe/Berlin", Active: true})
	f.New = true
	a.render(w, r, http.StatusOK, "station_form", &view{Title: "st.new", Nav: "stations", Data: f})
	return nil
}

// stationCreate validates and creates a station (admins only); an invalid
// form comes back with every message and nothing is saved.
func (a *app) stationCreate(w http.ResponseWriter, r *http.Request) error {
	if !actorOf(r).IsAdmin() {
		return pageError{http.StatusForbidden, ""}
	}
	lang := reqCtx(r).lang
	f := stationForm{New: true, Active: r.PostForm.Get("active") != ""}
	st := tenancy.Station{Active: f.Active}
	problems := validateStation(&st, parseStationForm(r, &f, &st, lang), lang)
	if len(problems) == 0 {
		err := a.Tenancy.CreateStation(r.Context(), &st)
		if err == nil {
			http.Redirect(w, r, "/admin/stations?done=created", http.StatusSeeOther)
			return nil
		}
		if !a.stationSaveProblems(w, r, err, problems) {
			return nil
		}
	}
	a.render(w, r, http.StatusUnprocessableEntity, "station_form", &view{Title: "st.new", Nav: "stations", Data: f, Errors: problems})
	return nil
}

// stationSaveProblems turns a store error into form messages and reports
// true; an error that is not about the input is answered with the error page
// and reports false.
func (a *app) stationSaveProblems(w http.ResponseWriter, r *http.Request, err error, problems map[string]string) bool {
	lang := reqCtx(r).lang
	if m, ok := fieldErrors(lang, err); ok {
		for k, v := range m {
			problems[k] = v
		}
		return true
	}
	if errs.Is(err, errs.KindConflict) {
		problems["code"] = translate(lang, "form.code_taken")
		return true
	}
	a.fail(w, r, err)
	return false
}

// stationID reads the {id} path value; a malformed id is a 404.
func stationID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// stationEdit shows a station the user may see; any other id is a 404 page.
func (a *app) stationEdit(w http.ResponseWriter, r *http.Request) error {
	id, ok := stationID(r)
	if !ok {
		return errNotFound
	}
	st, err := a.Tenancy.Station(r.Context(), id)
	if err != nil {
		return err
	}
	v := &view{Title: "st.edit", Nav: "stations", Data: formFromStation(st)}
	if r.URL.Query().Get("done") == "saved" {
		v.Notice = translate(reqCtx(r).lang, "common.saved")
	}
	a.render(w, r, http.StatusOK, "station_form", v)
	return nil
}

// stationUpdate validates and saves a station. Fields the form does not
// show (mail settings; the active flag for station users) keep their values.
func (a *app) stationUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := stationID(r)
	if !ok {
		return errNotFound
	}
	st, err := a.Tenancy.Station(r.Context(), id)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	if actorOf(r).IsAdmin() {
		st.Active = r.PostForm.Get("active") != ""
	}
	f := stationForm{ID: st.ID, Active: st.Active, UpdatedAt: st.UpdatedAt, loc: st.Location()}
	problems := validateStation(&st, parseStationForm(r, &f, &st, lang), lang)
	if len(problems) == 0 {
		err := a.Tenancy.UpdateStation(r.Context(), &st)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/stations/%d?done=saved", st.ID), http.StatusSeeOther)
			return nil
		}
		if !a.stationSaveProblems(w, r, err, problems) {
			return nil
		}
	}
	a.render(w, r, http.StatusUnprocessableEntity, "station_form", &view{Title: "st.edit", Nav: "stations", Data: f, Errors: problems})
	return nil
}

// stationExceptionRow returns one empty exception row for htmx to append.
// Its index is random so it cannot clash with the rows already in the form.
func (a *app) stationExceptionRow(w http.ResponseWriter, r *http.Request) error {
	var b [4]byte
	rand.Read(b[:])
	idx := 1000 + int(binary.BigEndian.Uint32(b[:])%100_000_000)
	v := &view{}
	a.fillView(r, v)
	a.renderFragment(w, r, "station_form", "exc-row", v.RowOf(excRow{Index: idx}))
	return nil
}
