package pdf

import (
	"fmt"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

func validateProtocolDoc(d document.ProtocolDoc) error {
	var f errs.Fields
	if d.Kind != document.Handover && d.Kind != document.Return {
		f.Add("kind", "document.protocol_kind")
	}
	if strings.TrimSpace(d.ContractNumber) == "" {
		f.Add("contract_number", "field.required")
	}
	if d.Reading.Time.IsZero() {
		f.Add("reading.time", "field.required")
	}
	if d.Reading.FuelEighths < 0 || d.Reading.FuelEighths > 8 {
		f.Add("reading.fuel_eighths", "field.between", locale.Params{"min": 0, "max": 8})
	}
	if d.Handover != nil && (d.Handover.FuelEighths < 0 || d.Handover.FuelEighths > 8) {
		f.Add("handover.fuel_eighths", "field.between", locale.Params{"min": 0, "max": 8})
	}
	for i, dm := range d.Damages {
		switch dm.View {
		case document.ViewTop, document.ViewLeft, document.ViewRight, document.ViewFront, document.ViewRear:
		default:
			f.Add(fmt.Sprintf("damages[%d].view", i), "document.view_unknown", locale.Params{"view": dm.View})
		}
	}
	return f.Err()
}

// writeProtocol lays out a handover or return protocol: facts, readings
// (compared with the handover on a return), fuel gauges, the car diagram
// with numbered damages, the damage list, notes and signature.
func writeProtocol(w *writer, d document.ProtocolDoc) {
	f, l, loc := w.f, w.l, d.Location
	w.logo()
	f.SetY(marginT + 16)
	w.title(l.get(string(d.Kind)))

	vehicle := strings.TrimSpace(d.Vehicle.Make + " " + d.Vehicle.Model)
	w.kv(marginL, 35, contentW-35,
		[2]string{l.get("contract_no"), d.ContractNumber},
		[2]string{l.get("vehicle"), vehicle},
		[2]string{l.get("plate"), strings.Join(d.Vehicle.PlateLines(w.lang), "\n")},
		[2]string{l.get("vin"), d.Vehicle.VIN},
		[2]string{l.get("customer"), strings.Join(append([]string{d.Customer.Name}, d.Customer.Address...), ", ")},
		[2]string{l.get("station"), strings.Join(append([]string{d.Station.Name}, d.Station.Address...), ", ")},
		[2]string{l.get("time"), w.dateTime(d.Reading.Time, loc)},
	)

	// readings: km, fuel (not for a pure electric car), state of charge
	// and range (electric and plug-in cars), cleanliness
	cmp := d.Kind == document.Return && d.Handover != nil
	fuel, charge, rng := !d.Reading.NoFuel, d.Reading.ChargePercent != nil, d.Reading.RangeKM != nil
	if cmp {
		charge = charge || d.Handover.ChargePercent != nil
		rng = rng || d.Handover.RangeKM != nil
	}
	heading := []string{l.get("km")}
	names := []string{l.get("time"), l.get("km")}
	if fuel {
		heading, names = append(heading, l.get("fuel")), append(names, l.get("fuel"))
	}
	if charge {
		heading, names = append(heading, l.get("charge")), append(names, l.get("charge"))
	}
	if rng {
		names = append(names, l.get("range"))
	}
	heading, names = append(heading, l.get("cleanliness")), append(names, l.get("cleanliness"))
	w.heading(strings.Join(heading, " · "))
	opt := func(v *int, unit string) string {
		if v == nil {
			return "–"
		}
		return w.lang.Number(int64(*v)) + " " + unit
	}
	reading := func(r document.Reading) []string {
		out := []string{w.dateTime(r.Time, loc), w.lang.Km(r.Km)}
		if fuel {
			out = append(out, locale.Fuel(r.FuelEighths))
		}
		if charge {
			out = append(out, opt(r.ChargePercent, "%"))
		}
		if rng {
			out = append(out, opt(r.RangeKM, "km"))
		}
		return append(out, l.get(string(r.Cleanliness)))
	}
	now := reading(d.Reading)
	if cmp {
		then := reading(*d.Handover)
		w.row([]col{{50, "", "L"}, {60, l.get("at_handover"), "L"}, {60, l.get("at_return"), "L"}}, true, true)
		for i := range names {
			w.row([]col{{50, names[i], "L"}, {60, then[i], "L"}, {60, now[i], "L"}}, false, true)
		}
		w.row([]col{{50, l.get("driven"), "L"}, {60, "", "L"}, {60, w.lang.Km(d.Reading.Km - d.Handover.Km), "L"}}, true, false)
	} else {
		for i := range names {
			w.row([]col{{50, names[i], "L"}, {120, now[i], "L"}}, false, true)
		}
	}
	w.ensure(30)
	y := f.GetY() + 18
	switch {
	case !fuel:
		y = f.GetY() - 6 // no tank, no gauge
	case cmp:
		drawFuelGauge(w, marginL+40, y, 14, d.Handover.FuelEighths, l.get("at_handover"))
		drawFuelGauge(w, marginL+110, y, 14, d.Reading.FuelEighths, l.get("at_return"))
	default:
		drawFuelGauge(w, marginL+40, y, 14, d.Reading.FuelEighths, l.get("fuel"))
	}
	f.SetXY(marginL, y+10)

	// diagram and damage list
	w.heading(l.get("damages"))
	drawDiagram(w, d.Damages)
	if len(d.Damages) == 0 {
		w.para(l.get("no_damages"))
	} else {
		cols := func(a, b, c, e, g, h string) []col {
			return []col{{10, a, "L"}, {18, b, "L"}, {32, c, "L"}, {20, e, "L"}, {68, g, "L"}, {22, h, "L"}}
		}
		w.row(cols("#", l.get("view"), l.get("kind"), l.get("severity"), l.get("description"), l.get("status")), true, true)
		for i, dm := range d.Damages {
			status := l.get("existing")
			if dm.New {
				status = l.get("new")
			}
			w.row(cols(strconv.Itoa(i+1), l.get(string(dm.View)), dm.Kind, l.get(string(dm.Severity)), dm.Description, status), false, true)
		}
	}
	if d.Notes != "" {
		w.heading(l.get("notes"))
		w.para(d.Notes)
	}
	if d.Agreement != "" {
		w.heading(d.AgreementTitle)
		w.para(d.Agreement)
	}
	writeSignatures(w, d.SignaturePNG, d.SignerName, d.StaffName, d.UnsignedReason)
}

// writeSignatures prints the customer's signature (image and name) on
// the left and the staff member's name on the right. Without a signature
// no name stands under the empty line: "not signed" and the reason staff
// recorded, if any.
func writeSignatures(w *writer, png []byte, signer, staff, unsigned string) {
	f, l := w.f, w.l
	// without a signature no room is kept for one: the block stays with
	// the protocol instead of going to a page of its own
	line := 24.0
	if len(png) == 0 {
		line = 8
		signer = l.get("not_signed")
		if unsigned != "" {
			signer += " – " + unsigned
		}
	}
	w.font(false, smallSize)
	left := w.wrapAll([]string{strings.TrimSpace(l.get("signature") + ": " + signer)}, 90) // up to the staff column
	w.font(false, bodySize)
	w.ensure(line + 8 + float64(len(left))*smallLineH)
	f.Ln(6)
	y := f.GetY()
	if len(png) > 0 {
		w.image("signature", png, marginL, y, 70, 22)
	}
	f.SetDrawColor(0, 0, 0)
	f.Line(marginL, y+line, marginL+75, y+line)
	f.Line(marginL+95, y+line, marginL+170, y+line)
	w.font(false, smallSize)
	for i, s := range left { // the reason wraps under the line, never into the staff's column
		f.SetXY(marginL, y+line+1+float64(i)*smallLineH)
		w.cellFormat(92, smallLineH, s, "", 0, "L", false, 0, "")
	}
	f.SetXY(marginL+95, y+line+1)
	w.cellFormat(75, smallLineH, w.fit(strings.TrimSpace(l.get("signature_staff")+": "+staff), 75), "", 0, "L", false, 0, "")
	w.font(false, bodySize)
	f.SetXY(marginL, y+line+2+float64(len(left))*smallLineH)
}
