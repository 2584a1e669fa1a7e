package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// platesMounted reports whether the red dealer plate pages are served.
func (a *app) platesMounted() bool {
	return a.Plates != nil && a.Contracts != nil && a.ContractData != nil
}

// platesData is the red dealer plates page: the list, and for admins the
// form of a new plate (or the plate being edited).
type platesData struct {
	Plates   []fleet.DealerPlate
	Stations []tenancy.Station
	Form     fleet.DealerPlate
	Month    string // this month, YYYY-MM: the trip log links
}

// StationName names station id ("" when unknown).
func (d platesData) StationName(id int64) string {
	for _, s := range d.Stations {
		if s.ID == id {
			return s.Name
		}
	}
	return ""
}

func (a *app) platesPageData(r *http.Request, form fleet.DealerPlate) (platesData, error) {
	d := platesData{Form: form, Month: a.Now().In(berlin).Format("2006-01")}
	var err error
	if d.Plates, err = a.Plates.ListDealerPlates(r.Context()); err != nil {
		return d, err
	}
	if d.Stations, err = a.Tenancy.ListStations(r.Context()); err != nil {
		return d, err
	}
	if d.Form.ValidFrom == "" && d.Form.ID == 0 {
		d.Form.ValidFrom = a.Now().In(berlin).Format("2006-01-02")
	}
	return d, nil
}

// plateList shows the tenant's red dealer plates with their trip logs.
func (a *app) plateList(w http.ResponseWriter, r *http.Request) error {
	d, err := a.platesPageData(r, fleet.DealerPlate{})
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "plates", &view{Title: "plate.title", Nav: "dealer_plates", Data: d})
	return nil
}

// plateFromForm reads a plate form.
func plateFromForm(r *http.Request) fleet.DealerPlate {
	p := fleet.DealerPlate{Number: r.PostFormValue("number"), ValidFrom: r.PostFormValue("valid_from"),
		ValidTo: r.PostFormValue("valid_to"), Notes: r.PostFormValue("notes")}
	p.StationID, _ = strconv.ParseInt(r.PostFormValue("station_id"), 10, 64)
	return p
}

// plateCreate stores a new plate (admins) and shows the list again.
func (a *app) plateCreate(w http.ResponseWriter, r *http.Request) error {
	p := plateFromForm(r)
	if err := a.Plates.CreateDealerPlate(r.Context(), &p); err != nil {
		d, lerr := a.platesPageData(r, p)
		if lerr != nil {
			return lerr
		}
		v := &view{Title: "plate.title", Nav: "dealer_plates", Data: d}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "plates", v)
		return nil
	}
	http.Redirect(w, r, "/admin/dealer-plates?done=created", http.StatusSeeOther)
	return nil
}

// plateEdit shows the form of one plate (admins).
func (a *app) plateEdit(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	p, err := a.Plates.DealerPlate(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := a.platesPageData(r, p)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "plates", &view{Title: "plate.edit", Nav: "dealer_plates", Data: d})
	return nil
}

// plateUpdate saves one plate (admins).
func (a *app) plateUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	if _, err := a.Plates.DealerPlate(r.Context(), id); err != nil {
		return err
	}
	p := plateFromForm(r)
	p.ID = id
	if err := a.Plates.UpdateDealerPlate(r.Context(), &p); err != nil {
		d, lerr := a.platesPageData(r, p)
		if lerr != nil {
			return lerr
		}
		v := &view{Title: "plate.edit", Nav: "dealer_plates", Data: d}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "plates", v)
		return nil
	}
	http.Redirect(w, r, "/admin/dealer-plates?done=saved", http.StatusSeeOther)
	return nil
}

// tripLogData is the trip log page of one plate and month.
type tripLogData struct {
	Log        contract.TripLog
	Month      string // YYYY-MM
	MonthName  string
	Prev, Next string
}

// Local renders t in the plate's station's time zone.
func (d tripLogData) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.Log.Loc) }

// Purpose is trip t's purpose column in the reader's language.
func (d tripLogData) Purpose(v *view, t contract.Trip) string {
	return contract.TripPurpose(locale.Lang(v.Lang), t)
}

// logMonth reads ?month=YYYY-MM (default: this month in Berlin).
func (a *app) logMonth(r *http.Request) (time.Time, bool) {
	m := strings.TrimSpace(r.URL.Query().Get("month"))
	if m == "" {
		n := a.Now().In(berlin)
		return time.Date(n.Year(), n.Month(), 15, 12, 0, 0, 0, berlin), true
	}
	t, err := time.ParseInLocation("2006-01", m, berlin)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, false
	}
	return t.AddDate(0, 0, 14).Add(12 * time.Hour), true // mid-month: the same month in any time zone
}

// tripLog shows a plate's trip log of one month with its PDF link.
func (a *app) tripLog(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	month, ok := a.logMonth(r)
	if !ok {
		return errNotFound
	}
	l, err := a.Contracts.TripLog(r.Context(), id, month)
	if err != nil {
		return err
	}
	lang := locale.Lang(reqCtx(r).lang)
	d := tripLogData{Log: l, Month: l.Month.Format("2006-01"), Prev: l.Month.AddDate(0, -1, 0).Format("2006-01"),
		Next:      l.Month.AddDate(0, 1, 0).Format("2006-01"),
		MonthName: lang.MonthYear(l.Month)}
	a.render(w, r, http.StatusOK, "trip_log", &view{Title: "plate.log", Nav: "dealer_plates", Data: d})
	return nil
}

// tripLogPDF answers the trip log of a plate and month as a PDF.
func (a *app) tripLogPDF(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	month, ok := a.logMonth(r)
	if !ok {
		return errNotFound
	}
	pdf, l, err := a.Contracts.TripLogPDF(r.Context(), id, month, locale.Lang(reqCtx(r).lang))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("fahrtenbuch-%s-%s.pdf", fleet.NormPlate(l.Plate.Number), l.Month.Format("2006-01"))
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, name))
	_, _ = w.Write(pdf)
	return nil
}
