package pdf

import (
	"strings"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
)

func validateContractDoc(d document.ContractDoc) error {
	var f errs.Fields
	if strings.TrimSpace(d.Number) == "" {
		f.Add("number", "field.required")
	}
	if d.IssuedAt.IsZero() {
		f.Add("issued_at", "field.required")
	}
	if strings.TrimSpace(d.Customer.Name) == "" {
		f.Add("customer.name", "field.required")
	}
	if d.From.IsZero() || d.To.IsZero() || d.To.Before(d.From) {
		f.Add("period", "document.period_required")
	}
	return f.Err()
}

// writeContract lays out a rental contract: parties, drivers with licence
// data, vehicle, period, tariff terms, deposit, terms and signatures.
func writeContract(w *writer, d document.ContractDoc) {
	f, l, loc := w.f, w.l, d.Location
	w.logo()
	f.SetY(marginT + 16)
	w.title(l.get("contract") + " " + d.Number)
	w.para(w.date(d.IssuedAt, loc))
	if d.WorkshopRef != "" {
		w.para(l.get("contract_workshop", d.WorkshopRef))
	}

	// parties side by side
	w.heading(l.get("lessor") + " / " + l.get("lessee"))
	y := f.GetY()
	lessor := append([]string{d.Branding.LegalName}, addressLines(d.Branding.Address)...)
	lessee := append([]string{d.Customer.Name}, d.Customer.Address...)
	if d.Customer.Email != "" {
		lessee = append(lessee, l.get("email")+": "+d.Customer.Email)
	}
	if d.Customer.Phone != "" {
		lessee = append(lessee, l.get("phone")+" "+d.Customer.Phone)
	}
	if !d.Customer.BirthDate.IsZero() {
		lessee = append(lessee, l.get("born")+" "+w.lang.Date(d.Customer.BirthDate))
	}
	f.SetXY(marginL, y)
	w.font(true, bodySize)
	w.cellFormat(80, lineH, l.get("lessor"), "", 2, "L", false, 0, "")
	w.font(false, bodySize)
	for _, s := range lessor {
		w.cellFormat(80, lineH, s, "", 2, "L", false, 0, "")
	}
	y1 := f.GetY()
	f.SetXY(marginL+90, y)
	w.font(true, bodySize)
	w.cellFormat(80, lineH, l.get("lessee"), "", 2, "L", false, 0, "")
	w.font(false, bodySize)
	for _, s := range lessee {
		f.SetX(marginL + 90)
		w.cellFormat(80, lineH, s, "", 2, "L", false, 0, "")
	}
	f.SetXY(marginL, max(y1, f.GetY()))

	if len(d.Drivers) > 0 {
		w.heading(l.get("drivers"))
		for _, dr := range d.Drivers {
			name := dr.Name
			if !dr.BirthDate.IsZero() {
				name += " (" + l.get("born") + " " + w.lang.Date(dr.BirthDate) + ")"
			}
			w.font(true, bodySize)
			w.para(name)
			w.font(false, bodySize)
			lic := l.get("licence") + " " + dr.Licence.Number
			if dr.Licence.Classes != "" {
				lic += ", " + l.get("licence_classes") + " " + dr.Licence.Classes
			}
			if !dr.Licence.IssuedOn.IsZero() {
				lic += ", " + l.get("licence_issued") + " " + w.lang.Date(dr.Licence.IssuedOn)
			}
			if dr.Licence.IssuingCountry != "" {
				lic += " (" + dr.Licence.IssuingCountry + ")"
			}
			if dr.Licence.CheckedBy != "" && !dr.Licence.CheckedAt.IsZero() {
				lic += "; " + l.get("licence_checked", dr.Licence.CheckedBy, w.dateTime(dr.Licence.CheckedAt, loc))
			}
			w.para(lic)
			f.Ln(1)
		}
	}

	w.heading(l.get("vehicle") + " · " + l.get("period"))
	w.kv(marginL, 45, contentW-45,
		[2]string{l.get("vehicle"), strings.TrimSpace(d.Vehicle.Make + " " + d.Vehicle.Model)},
		[2]string{l.get("plate"), strings.Join(d.Vehicle.PlateLines(w.lang), "\n")},
		[2]string{l.get("vin"), d.Vehicle.VIN},
		[2]string{l.get("station"), strings.Join(append([]string{d.Station.Name}, d.Station.Address...), ", ")},
		[2]string{l.get("from"), w.dateTime(d.From, loc)},
		[2]string{l.get("to"), w.dateTime(d.To, loc)},
	)

	t := d.Tariff
	w.heading(l.get("tariff") + ": " + t.Name)
	days := l.get("days_calendar")
	if t.DayCounting != "calendar" {
		days = l.get("days_24h", t.GraceMinutes)
	}
	refuel := [2]string{l.get("refuel"), w.money(t.RefuelPerEighth)}
	if t.RefuelPerLitre > 0 && t.TankLitres > 0 {
		refuel = [2]string{l.get("refuel_litre", t.TankLitres), w.money(t.RefuelPerLitre)}
	}
	rows := [][2]string{
		{l.get("per_day"), w.money(t.PerDay)},
		{l.get("day_counting"), days},
		{l.get("incl_km"), w.lang.Km(t.IncludedKmPerDay)},
		{l.get("per_extra_km"), w.money(t.PerExtraKm)},
	}
	if !t.NoFuel {
		rows = append(rows, refuel)
	}
	switch {
	case t.ChargePerPercent > 0:
		rows = append(rows, [2]string{l.get("charge_per_percent"), w.money(t.ChargePerPercent)})
	case t.ChargePerKWh > 0 && t.BatteryKWh > 0:
		rows = append(rows, [2]string{l.get("charge_per_kwh", t.BatteryKWh), w.money(t.ChargePerKWh)})
	}
	rows = append(rows, [2]string{l.get("cleaning"), w.money(t.CleaningFee)})
	if t.DeductiblePerCase > 0 {
		rows = append(rows, [2]string{l.get("deductible"), w.money(t.DeductiblePerCase)})
	}
	rows = append(rows, [2]string{l.get("deposit"), w.money(d.Deposit)})
	for _, r := range rows {
		w.row([]col{{100, r[0], "L"}, {30, r[1], "R"}}, false, false)
	}
	w.para(l.get("vat_included", w.lang.Percent(t.VATRateBP)))
	if !t.DamageTaxable {
		w.para(l.get("damage_not_taxable"))
	}

	if len(d.Terms) > 0 {
		w.heading(l.get("terms"))
		w.font(false, 8)
		for _, p := range d.Terms {
			f.SetX(marginL)
			w.multiCell(contentW, 3.8, p, "", "L", false)
			f.Ln(1)
		}
		w.font(false, bodySize)
	}
	writeSignatures(w, d.Signature, d.Signer, "", "")
}
