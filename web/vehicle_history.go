package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
)

// historyLimit is how many condition readings the vehicle history reads
// (the most the store returns at once).
const historyLimit = 1000

// historyUse is one rental of the car: the contract with its handover and
// return readings.
type historyUse struct {
	ContractID int64
	Number     string
	Kind       string // the contract's kind: rental, test_drive, internal, transfer
	Drivers    string
	Out, In    *fleet.Condition
}

// Driven is the distance of the use (0 while the car is out or when the
// return reading is below the handover one).
func (u historyUse) Driven() int64 {
	if u.Out == nil || u.In == nil || u.In.OdometerKM < u.Out.OdometerKM {
		return 0
	}
	return u.In.OdometerKM - u.Out.OdometerKM
}

// historyEvent is one line of the history in time order: a condition
// reading (handover, return, manual), a damage reported or repaired.
type historyEvent struct {
	At         time.Time
	Kind       string // "handover", "return", "manual", "damage", "repair"
	ContractID int64
	Contract   string
	Use        string // the contract's kind ("" without a contract)
	Drivers    string
	Cond       *fleet.Condition
	Damage     *fleet.Damage
	// KmBack marks a reading below the highest one before it; PrevKM is
	// that highest reading.
	KmBack bool
	PrevKM int64
}

// vehicleHistoryData is the vehicle history page.
type vehicleHistoryData struct {
	Vehicle fleet.Vehicle
	Uses    []historyUse
	Events  []historyEvent
	KmBack  int // readings below an earlier one
	loc     *time.Location
}

// Local renders t in the station's time zone.
func (d *vehicleHistoryData) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// loadVehicleHistory collects the uses, condition readings and damages of
// vehicle id in time order and flags odometer readings that go backwards.
// Errors: KindNotFound for a vehicle the user may not see.
func (a *app) loadVehicleHistory(r *http.Request, id int64) (*vehicleHistoryData, error) {
	ctx := r.Context()
	v, err := a.Fleet.Vehicle(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &vehicleHistoryData{Vehicle: v, loc: a.stationLoc(r, v.StationID)}
	conds, err := a.Damages.ListConditions(ctx, v.ID, historyLimit)
	if err != nil {
		return nil, err
	}
	damages, err := a.Damages.ListDamages(ctx, v.ID, false)
	if err != nil {
		return nil, err
	}
	// conditions come newest first; walk them oldest first
	sort.SliceStable(conds, func(i, j int) bool {
		if !conds[i].RecordedAt.Equal(conds[j].RecordedAt) {
			return conds[i].RecordedAt.Before(conds[j].RecordedAt)
		}
		return conds[i].ID < conds[j].ID
	})
	uses := map[int64]*historyUse{}
	var order []int64
	use := func(cid int64) (*historyUse, error) {
		if u, ok := uses[cid]; ok {
			return u, nil
		}
		u := &historyUse{ContractID: cid}
		if a.ContractData != nil {
			c, err := a.ContractData.Contract(ctx, cid)
			switch {
			case err == nil:
				u.Number, u.Kind = c.Number, string(c.Kind.Or())
				var names []string
				for _, dr := range c.Drivers {
					names = append(names, dr.Name())
				}
				u.Drivers = strings.Join(names, ", ")
			case !errs.Is(err, errs.KindNotFound):
				return nil, err
			}
		}
		uses[cid] = u
		order = append(order, cid)
		return u, nil
	}
	var maxKM int64 = -1
	for i := range conds {
		c := &conds[i]
		e := historyEvent{At: c.RecordedAt, Kind: c.Source, Cond: c, ContractID: c.ContractID}
		if e.Kind != "handover" && e.Kind != "return" {
			e.Kind = "manual"
		}
		if c.ContractID != 0 {
			u, err := use(c.ContractID)
			if err != nil {
				return nil, err
			}
			e.Contract, e.Drivers, e.Use = u.Number, u.Drivers, u.Kind
			if c.Source == "handover" {
				u.Out = c
			} else if c.Source == "return" {
				u.In = c
			}
		}
		if maxKM >= 0 && c.OdometerKM < maxKM {
			e.KmBack, e.PrevKM = true, maxKM
			d.KmBack++
		}
		maxKM = max(maxKM, c.OdometerKM)
		d.Events = append(d.Events, e)
	}
	for i := range damages {
		dm := &damages[i]
		e := historyEvent{At: dm.ReportedAt, Kind: "damage", Damage: dm, ContractID: dm.ContractID}
		if u, ok := uses[dm.ContractID]; ok {
			e.Contract, e.Drivers, e.Use = u.Number, u.Drivers, u.Kind
		}
		d.Events = append(d.Events, e)
		if dm.RepairedAt != nil {
			d.Events = append(d.Events, historyEvent{At: *dm.RepairedAt, Kind: "repair", Damage: dm})
		}
	}
	sort.SliceStable(d.Events, func(i, j int) bool { return d.Events[i].At.Before(d.Events[j].At) })
	for _, cid := range order {
		d.Uses = append(d.Uses, *uses[cid])
	}
	return d, nil
}

// vehicleHistory shows the history of one vehicle: every use with handover
// and return, damages and condition readings in time order.
func (a *app) vehicleHistory(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	d, err := a.loadVehicleHistory(r, id)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "vehicle_history", &view{Title: "vh.title", Nav: "vehicles", Data: d})
	return nil
}

// vehicleHistoryCSV exports the history (semicolon-separated, UTF-8 with
// BOM, dates dd.mm.yyyy hh:mm in the station's time zone).
func (a *app) vehicleHistoryCSV(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	d, err := a.loadVehicleHistory(r, id)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	t := func(k string) string { return translate(lang, locale.Key(k)) }
	num := func(n int64) csvCell { return csvNum(locale.Lang(lang).Number(n)) }
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="fahrzeughistorie-%d.csv"`, d.Vehicle.ID))
	out, err := newCSVExport(w, false)
	if err != nil {
		return nil
	}
	_ = out.row(csvTexts(t("vh.when"), t("vh.event"), t("ct.number"), t("kind.facts"), t("vh.drivers"), t("fl.odometer"), t("fl.fuel_level"), t("fl.cleanliness"), t("vh.details"), t("vh.km_check")))
	for _, e := range d.Events {
		kind := ""
		if e.Use != "" {
			kind = t("kind." + e.Use)
		}
		row := []csvCell{csvText(e.At.In(d.loc).Format("02.01.2006 15:04")), csvText(t("vh.kind." + e.Kind)), csvText(e.Contract), csvText(kind), csvText(e.Drivers)}
		if e.Cond != nil {
			row = append(row, num(e.Cond.OdometerKM), csvText(fuelText(d.Vehicle, e.Cond.FuelEighths)), csvText(t("vehicle.clean."+e.Cond.Cleanliness)))
		} else {
			row = append(row, csvText(""), csvText(""), csvText(""))
		}
		details := ""
		if e.Damage != nil {
			details = t("damage.kind."+e.Damage.Kind) + ": " + e.Damage.Description
			if e.Kind == "repair" && e.Damage.RepairNote != "" {
				details = e.Damage.RepairNote
			}
		}
		row = append(row, csvText(details))
		check := ""
		if e.KmBack {
			check = translate(lang, "vh.km_back", locale.Km(e.PrevKM))
		}
		_ = out.row(append(row, csvText(check)))
	}
	return out.close()
}

// fuelText is a recorded fuel level as the history prints it: "–" for a
// pure electric car, which has no tank.
func fuelText(v fleet.Vehicle, eighths int) string {
	if !fleet.RecordsFuel(v.FuelType) {
		return "–"
	}
	return strconv.Itoa(eighths) + "/8"
}
