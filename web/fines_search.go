package web

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/fleet"
)

// fineHit is a contract under which the car was out at the searched
// instant, with the customer (the tenant) and the drivers.
type fineHit struct {
	C        contract.Contract
	Customer customer.Customer
	// Vehicle is the car on a red plate's trip (zero for a car's own plate:
	// the search named it).
	Vehicle fleet.Vehicle
}

// finesData is the "who had the car?" search: the form as typed, and
// after a search the vehicle and the contract(s) found.
type finesData struct {
	Plate, At string
	// RedPlate is the number of the red dealer plate searched ("" when
	// the plate is a car's own).
	RedPlate string
	Searched bool
	Vehicle  fleet.Vehicle
	At0      time.Time
	Hits     []fineHit
	loc      *time.Location
}

// Local renders t in the vehicle's station time zone.
func (d *finesData) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// LocalP renders *t ("" for nil).
func (d *finesData) LocalP(v *view, t *time.Time) string {
	if t == nil {
		return ""
	}
	return d.Local(v, *t)
}

// normPlate is a plate without spaces and hyphens, upper-case ("R-CT 11" → "RCT11").
func normPlate(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// rentedAt returns the contracts of vehicle v under which it was out at t:
// handed over at or before t and not yet returned at t (a contract
// returned at t no longer counts: the car is back).
func (a *app) rentedAt(r *http.Request, v fleet.Vehicle, t time.Time) ([]fineHit, error) {
	ctx := r.Context()
	conds, err := a.Damages.ListConditions(ctx, v.ID, historyLimit)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var hits []fineHit
	for _, cd := range conds {
		if cd.Source != "handover" || cd.ContractID == 0 || seen[cd.ContractID] {
			continue
		}
		seen[cd.ContractID] = true
		c, err := a.ContractData.Contract(ctx, cd.ContractID)
		if err != nil {
			return nil, err
		}
		if c.VehicleID != v.ID || t.Before(c.Start) || (c.EndedAt != nil && !t.Before(*c.EndedAt)) {
			continue
		}
		cu, err := a.ContractData.Customer(ctx, c.CustomerID)
		if err != nil {
			return nil, err
		}
		hits = append(hits, fineHit{C: c, Customer: cu})
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].C.Start.Before(hits[j].C.Start) })
	return hits, nil
}

// finesSearch answers "who had the car with this plate at this date and
// time?" (for fines and hearings from the authorities): the contract
// whose handover ≤ t < return, or handed over and not yet returned;
// otherwise it says nobody had it. A plate of no visible car or a time
// that is not one gives a field error.
func (a *app) finesSearch(w http.ResponseWriter, r *http.Request) error {
	if a.ContractData == nil {
		return errNotFound
	}
	lang := reqCtx(r).lang
	q := r.URL.Query()
	d := &finesData{Plate: strings.TrimSpace(q.Get("plate")), At: strings.TrimSpace(q.Get("at")), loc: berlin}
	problems := map[string]string{}
	status := http.StatusOK
	if q.Has("plate") || q.Has("at") {
		if d.Plate == "" {
			problems["plate"] = translate(lang, "fines.err_plate")
		} else if len(d.Plate) > 20 {
			problems["plate"] = translate(lang, "fines.err_plate_unknown")
		} else {
			v, found, err := a.vehicleByPlate(r, d.Plate)
			if err != nil {
				return err
			}
			d.Vehicle = v
			if found {
				d.loc = a.stationLoc(r, d.Vehicle.StationID)
			} else if t, ok := parseLocal(d.At, d.loc); ok && a.platesMounted() {
				// a red dealer plate: the trips under way on it then
				p, trips, isPlate, err := a.Contracts.PlateTripsAt(r.Context(), d.Plate, t)
				if err != nil {
					return err
				}
				if isPlate {
					d.RedPlate, d.loc = p.Number, a.stationLoc(r, p.StationID)
					for _, tr := range trips {
						h, err := a.fineHitOf(r, tr.ContractID)
						if err != nil {
							return err
						}
						d.Hits = append(d.Hits, h)
					}
				}
			}
			if !found && d.RedPlate == "" {
				problems["plate"] = translate(lang, "fines.err_plate_unknown")
			}
		}
		t, ok := parseLocal(d.At, d.loc)
		if !ok {
			problems["at"] = translate(lang, "fines.err_at")
		}
		if len(problems) == 0 {
			if d.RedPlate == "" {
				hits, err := a.rentedAt(r, d.Vehicle, t)
				if err != nil {
					return err
				}
				d.Hits = hits
			}
			d.Searched, d.At0 = true, t
		} else {
			status = http.StatusUnprocessableEntity
		}
	}
	a.render(w, r, status, "fines_search", &view{Title: "fines.title", Nav: "vehicles", Data: d, Errors: problems})
	return nil
}

// vehicleByPlate finds the visible vehicle whose plate is plate, ignoring
// case, spaces and hyphens ("r-ct11" finds "R-CT 11").
func (a *app) vehicleByPlate(r *http.Request, plate string) (fleet.Vehicle, bool, error) {
	want := normPlate(plate)
	for off := 0; ; off += 500 {
		vs, total, err := a.Fleet.ListVehicles(r.Context(), fleet.VehicleFilter{Limit: 500, Offset: off})
		if err != nil {
			return fleet.Vehicle{}, false, err
		}
		for _, v := range vs {
			if normPlate(v.Plate) == want {
				return v, true, nil
			}
		}
		if len(vs) == 0 || off+len(vs) >= total {
			return fleet.Vehicle{}, false, nil
		}
	}
}

// fineHitOf is contract id with its customer, as the search shows it.
func (a *app) fineHitOf(r *http.Request, id int64) (fineHit, error) {
	c, err := a.ContractData.Contract(r.Context(), id)
	if err != nil {
		return fineHit{}, err
	}
	cu, err := a.ContractData.Customer(r.Context(), c.CustomerID)
	if err != nil {
		return fineHit{}, err
	}
	v, err := a.ContractData.Vehicle(r.Context(), c.VehicleID)
	return fineHit{C: c, Customer: cu, Vehicle: v}, err
}
