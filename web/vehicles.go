package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/tenancy"
)

// vehiclesPerPage is the page size of the vehicle list.
const vehiclesPerPage = 25

// Choices offered by the vehicle form.
var (
	vehicleStatuses = []string{fleet.StatusAvailable, fleet.StatusWorkshop, fleet.StatusBlocked, fleet.StatusRetired}
	fuelTypes       = fleet.DriveTypes
	vehicleSorts    = []string{"plate", "model", "station", "status", "odometer"}
)

// vehicleListData is the list page: the filter as given in the query
// string, one page of rows and what the filter selects offer.
type vehicleListData struct {
	Q, Status, Sort       string
	StationID, CategoryID int64
	Page, Pages, Total    int
	Rows                  []fleet.Vehicle
	Stations              []tenancy.Station
	Categories            []fleet.Category
	Statuses              []string
	stationNames          map[int64]string
	catNames              map[int64]string
	today                 string // YYYY-MM-DD, Europe/Berlin
	out                   map[int64]contract.Listed
}

// Out is the open contract the car is rented out in (nil: it is here). The
// vehicle's status says whether it may be rented at all; this says whether
// it is on the road now.
func (d *vehicleListData) Out(id int64) *contract.Listed {
	if k, ok := d.out[id]; ok {
		return &k
	}
	return nil
}

// Overdue reports whether a due date (YYYY-MM-DD: the HU, the service) has
// passed: the car may not be rented without a reason.
func (d *vehicleListData) Overdue(day string) bool { return day != "" && day < d.today }

// StationName is the name of station id.
func (d *vehicleListData) StationName(id int64) string { return d.stationNames[id] }

// CategoryName is the code of category id.
func (d *vehicleListData) CategoryName(id int64) string { return d.catNames[id] }

// URL is the list URL with the current filter and key set to val (page
// resets to 1 unless key is "page").
func (d *vehicleListData) URL(key, val string) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" && v != "0" {
			q.Set(k, v)
		}
	}
	set("q", d.Q)
	set("station", strconv.FormatInt(d.StationID, 10))
	set("category", strconv.FormatInt(d.CategoryID, 10))
	set("status", d.Status)
	set("sort", d.Sort)
	if key == "page" {
		set("page", val)
	} else {
		q.Del(key)
		set(key, val)
	}
	if len(q) == 0 {
		return "/admin/vehicles"
	}
	return "/admin/vehicles?" + q.Encode()
}

// PrevPage and NextPage are the neighbouring page numbers as text.
func (d *vehicleListData) PrevPage() string { return strconv.Itoa(d.Page - 1) }
func (d *vehicleListData) NextPage() string { return strconv.Itoa(d.Page + 1) }

// vehicleList shows the vehicles the user may see: search by plate, VIN or
// model, filters by station, category and status, sortable, paginated, all
// in the query string. An htmx request gets only the results.
func (a *app) vehicleList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := &vehicleListData{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Sort: q.Get("sort"), Statuses: vehicleStatuses,
		today: a.Now().In(berlin).Format("2006-01-02")}
	if len(d.Q) > 100 {
		d.Q = d.Q[:100]
	}
	d.StationID, _ = strconv.ParseInt(q.Get("station"), 10, 64)
	d.CategoryID, _ = strconv.ParseInt(q.Get("category"), 10, 64)
	d.Page, _ = strconv.Atoi(q.Get("page"))
	if d.Page < 1 || d.Page > 100000 {
		d.Page = 1
	}
	if !oneOf(d.Status, vehicleStatuses) {
		d.Status = ""
	}
	if !oneOf(d.Sort, vehicleSorts) {
		d.Sort = ""
	}
	ctx := r.Context()
	if err := a.loadNames(r, &d.Stations, &d.Categories, &d.stationNames, &d.catNames); err != nil {
		return err
	}
	rows, total, err := a.Fleet.ListVehicles(ctx, fleet.VehicleFilter{StationID: d.StationID, CategoryID: d.CategoryID,
		Status: d.Status, Query: d.Q, Sort: d.Sort, Limit: vehiclesPerPage, Offset: (d.Page - 1) * vehiclesPerPage})
	if err != nil {
		return err
	}
	d.Rows, d.Total = rows, total
	if a.ContractData != nil { // a fleet-only app has no contracts
		open, _, err := a.ContractData.ListContracts(ctx, contract.Filter{StationID: d.StationID, Status: contract.StatusOpen, Limit: 500})
		if err != nil {
			return err
		}
		d.out = make(map[int64]contract.Listed, len(open))
		for _, k := range open {
			d.out[k.VehicleID] = k
		}
	}
	d.Pages = max(1, (total+vehiclesPerPage-1)/vehiclesPerPage)
	v := &view{Title: "fl.vehicles", Nav: "vehicles", Data: d}
	switch q.Get("done") {
	case "created":
		v.Notice = translate(reqCtx(r).lang, "fl.created")
	}
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Target") == "vehicle-results" {
		a.fillView(r, v)
		a.renderFragment(w, r, "vehicles", "results", v)
		return nil
	}
	a.render(w, r, http.StatusOK, "vehicles", v)
	return nil
}

// loadNames loads the stations the user sees and the categories, with
// lookup tables by id.
func (a *app) loadNames(r *http.Request, sts *[]tenancy.Station, cats *[]fleet.Category, sn, cn *map[int64]string) error {
	var err error
	if *sts, err = a.Tenancy.ListStations(r.Context()); err != nil {
		return err
	}
	if *cats, err = a.Fleet.ListCategories(r.Context()); err != nil {
		return err
	}
	*sn, *cn = map[int64]string{}, map[int64]string{}
	for _, s := range *sts {
		(*sn)[s.ID] = s.Name
	}
	for _, c := range *cats {
		(*cn)[c.ID] = c.Code
	}
	return nil
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// vehicleForm is the vehicle master-data form as typed.
type vehicleForm struct {
	ID                                                 int64
	New                                                bool
	Plate, VIN, Make, Model, Color, FuelType           string
	TankLitres, OdometerKM, FuelEighths, Cleanliness   string
	BatteryKWh                                         string
	Status, FirstRegistration, NextInspection, Notes   string
	NextService                                        string
	StationID, CategoryID                              int64
	SelfDrive                                          bool
	Stations                                           []tenancy.Station
	Categories                                         []fleet.Category
	Statuses, FuelTypes, CleanlinessLevels, FuelLevels []string
	UpdatedAt                                          time.Time
}

func vehicleFormOf(v fleet.Vehicle) vehicleForm {
	return vehicleForm{ID: v.ID, Plate: v.Plate, VIN: v.VIN, Make: v.Make, Model: v.Model, Color: v.Color,
		FuelType: v.FuelType, TankLitres: strconv.Itoa(v.TankLitres), BatteryKWh: strconv.Itoa(v.BatteryKWh), OdometerKM: strconv.FormatInt(v.OdometerKM, 10),
		FuelEighths: strconv.Itoa(v.FuelEighths), Cleanliness: v.Cleanliness, Status: v.Status,
		FirstRegistration: v.FirstRegistration, NextInspection: v.NextInspection, Notes: v.Notes, NextService: v.NextService,
		StationID: v.StationID, CategoryID: v.CategoryID, SelfDrive: v.SelfDriveRegistered, UpdatedAt: v.UpdatedAt}
}

// withChoices adds what the selects offer.
func (f vehicleForm) withChoices(sts []tenancy.Station, cats []fleet.Category) vehicleForm {
	f.Stations, f.Categories = sts, cats
	f.Statuses, f.FuelTypes, f.CleanlinessLevels = vehicleStatuses, fuelTypes, fleet.Cleanliness
	f.FuelLevels = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8"}
	return f
}

// parseVehicleForm reads the posted form into f and v; unparseable numbers
// and dates become problems.
func parseVehicleForm(r *http.Request, f *vehicleForm, v *fleet.Vehicle, lang string) map[string]string {
	p := map[string]string{}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Plate, f.VIN, f.Make, f.Model, f.Color = get("plate"), get("vin"), get("make"), get("model"), get("color")
	f.FuelType, f.TankLitres, f.OdometerKM, f.FuelEighths = get("fuel_type"), get("tank_litres"), get("odometer_km"), get("fuel_eighths")
	f.Cleanliness, f.Status, f.Notes = get("cleanliness"), get("status"), get("notes")
	f.BatteryKWh = get("battery_kwh")
	f.FirstRegistration, f.NextInspection, f.NextService = get("first_registration"), get("next_inspection"), get("next_service")
	f.SelfDrive = r.PostFormValue("self_drive_registered") != ""
	f.StationID, _ = strconv.ParseInt(get("station_id"), 10, 64)
	f.CategoryID, _ = strconv.ParseInt(get("category_id"), 10, 64)

	v.Plate, v.VIN, v.Make, v.Model, v.Color, v.FuelType = f.Plate, f.VIN, f.Make, f.Model, f.Color, f.FuelType
	v.Cleanliness, v.Status, v.Notes, v.SelfDriveRegistered = f.Cleanliness, f.Status, f.Notes, f.SelfDrive
	v.StationID, v.CategoryID = f.StationID, f.CategoryID
	v.TankLitres = int(formInt(r, "tank_litres", p, lang))
	v.OdometerKM = formInt(r, "odometer_km", p, lang)
	v.BatteryKWh = int(formInt(r, "battery_kwh", p, lang))
	v.FuelEighths = int(formInt(r, "fuel_eighths", p, lang))
	if f.FuelEighths == "" {
		p["fuel_eighths"] = translate(lang, "fl.err_int")
	}
	if v.TankLitres < 0 || v.TankLitres > 500 {
		p["tank_litres"] = translate(lang, "fl.err_tank")
	}
	if !oneOf(v.FuelType, fuelTypes) {
		p["fuel_type"] = translate(lang, "fl.err_choose")
	}
	for _, k := range []string{"first_registration", "next_inspection", "next_service"} {
		if d := get(k); d != "" {
			if _, err := time.Parse("2006-01-02", d); err != nil {
				p[k] = translate(lang, "fl.err_date")
			}
		}
	}
	v.FirstRegistration, v.NextInspection, v.NextService = f.FirstRegistration, f.NextInspection, f.NextService
	if len(v.Notes) > 4000 {
		p["notes"] = translate(lang, "fl.err_long")
	}
	return p
}

// vehicleNew shows the empty vehicle form.
func (a *app) vehicleNew(w http.ResponseWriter, r *http.Request) error {
	sts, cats, err := a.choices(r)
	if err != nil {
		return err
	}
	f := vehicleForm{New: true, FuelType: "petrol", TankLitres: "50", BatteryKWh: "0", OdometerKM: "0", FuelEighths: "8",
		Cleanliness: "clean", Status: fleet.StatusAvailable, SelfDrive: true}
	if len(sts) == 1 {
		f.StationID = sts[0].ID
	}
	a.render(w, r, http.StatusOK, "vehicle_new", &view{Title: "fl.new", Nav: "vehicles", Data: f.withChoices(sts, cats)})
	return nil
}

func (a *app) choices(r *http.Request) ([]tenancy.Station, []fleet.Category, error) {
	sts, err := a.Tenancy.ListStations(r.Context())
	if err != nil {
		return nil, nil, err
	}
	cats, err := a.Fleet.ListCategories(r.Context())
	return sts, cats, err
}

// vehicleCreate validates and creates a vehicle; an invalid form comes back
// with a message per field and nothing is saved.
func (a *app) vehicleCreate(w http.ResponseWriter, r *http.Request) error {
	lang := reqCtx(r).lang
	sts, cats, err := a.choices(r)
	if err != nil {
		return err
	}
	f := vehicleForm{New: true}
	var v fleet.Vehicle
	problems := parseVehicleForm(r, &f, &v, lang)
	v.Normalize()
	mergeProblems(lang, v.Validate(), problems)
	if len(problems) == 0 {
		err := a.Fleet.CreateVehicle(r.Context(), &v)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=created", v.ID), http.StatusSeeOther)
			return nil
		}
		if errs.Is(err, errs.KindNotFound) { // a station outside the user's reach
			problems["station_id"] = translate(lang, "fl.err_station")
		} else if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	a.render(w, r, http.StatusUnprocessableEntity, "vehicle_new", &view{Title: "fl.new", Nav: "vehicles",
		Data: f.withChoices(sts, cats), Errors: problems})
	return nil
}

// vehicleUpdate validates and saves the master data; an invalid form comes
// back with messages on the vehicle page and nothing is saved.
func (a *app) vehicleUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	old, err := a.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	f := vehicleForm{ID: id, UpdatedAt: old.UpdatedAt}
	v := fleet.Vehicle{ID: id}
	problems := parseVehicleForm(r, &f, &v, lang)
	v.Normalize()
	mergeProblems(lang, v.Validate(), problems)
	if len(problems) == 0 {
		err := a.Fleet.UpdateVehicle(r.Context(), &v)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=saved", id), http.StatusSeeOther)
			return nil
		}
		if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	a.renderVehiclePage(w, r, http.StatusUnprocessableEntity, old, func(d *vehiclePageData) { d.Form = f }, problems)
	return nil
}
