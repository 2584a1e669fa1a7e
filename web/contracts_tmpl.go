package web

import (
	"html/template"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
)

// driverViewData is what the "driver-row" partial receives.
type driverViewData struct {
	V *view
	R driverRow
	// AtHandover: the handover form has one licence check for all its
	// drivers (its "licence_checked"); the rows show none of their own.
	AtHandover bool
}

// readingsViewData is what the "readings" and "signature" partials receive;
// H is the handover protocol to compare with (return only).
type readingsViewData struct {
	V *view
	P protoForm
	H *contract.Protocol
	// Fuel and Charge say which levels the form asks: the fuel eighths
	// for a car with a tank, the state of charge (and range) for an
	// electric or plug-in car; at a handover with a choice of cars, what
	// any of them needs (the service takes what the chosen car records).
	Fuel, Charge bool
}

// energyFields says which levels the handover or return form in data asks
// (see readingsViewData).
func energyFields(data any) (fuel, charge bool) {
	switch d := data.(type) {
	case handoverData:
		vs := d.Vehicles
		if d.Vehicle.ID != 0 {
			vs = append([]fleet.Vehicle{d.Vehicle}, vs...)
		}
		if len(vs) == 0 {
			return true, false
		}
		for _, v := range vs {
			fuel = fuel || fleet.RecordsFuel(v.FuelType)
			charge = charge || fleet.RecordsCharge(v.FuelType)
		}
		return fuel, charge
	case returnData:
		drive := d.C.Terms.DriveType
		return fleet.RecordsFuel(drive), fleet.RecordsCharge(drive) || d.Handover.ChargePercent != nil
	}
	return true, false
}

// damageViewData is what the "new-damage" partial receives.
type damageViewData struct {
	V       *view
	P       protoForm
	Charge  bool
	Damages []fleet.Damage // the vehicle's open damages, drawn on the diagram
	New     map[int64]bool // on the return: damages reported since the handover
}

// addContractFuncs adds the contract forms' template functions to funcs.
func addContractFuncs(funcs template.FuncMap) {
	funcs["ptr"] = func(t time.Time) *time.Time { return &t }
	funcs["driverView"] = func(v *view, r driverRow) driverViewData {
		_, ho := v.Data.(handoverData)
		return driverViewData{V: v, R: r, AtHandover: ho}
	}
	funcs["readingsView"] = func(v *view, p protoForm, h any) readingsViewData {
		d := readingsViewData{V: v, P: p}
		d.Fuel, d.Charge = energyFields(v.Data)
		switch x := h.(type) {
		case contract.Protocol:
			if x.ID != 0 {
				d.H = &x
			}
		case *contract.Protocol:
			d.H = x
		}
		return d
	}
	funcs["damageView"] = func(v *view, p protoForm, charge bool, ds []fleet.Damage, isNew map[int64]bool) damageViewData {
		return damageViewData{V: v, P: p, Charge: charge, Damages: ds, New: isNew}
	}
	funcs["hasPrefix"] = strings.HasPrefix
	funcs["recordsFuel"], funcs["recordsCharge"] = fleet.RecordsFuel, fleet.RecordsCharge
}
