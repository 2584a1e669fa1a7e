package billing

import (
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// SplitInput is what splitting a bill between a payer and the driver
// depends on: the bill computed from the rental's terms snapshot, the
// rental's cover and its payer.
type SplitInput struct {
	Bill  Bill
	Cover payer.Cover
	Payer payer.Payer // the cover's payer; ignored in payer.ModeDriver
	// CategoryID is the rental's vehicle category: the payer's agreed
	// daily rate for it, when it has one, prices the days it covers.
	CategoryID int64
	Lang       locale.Lang // of the line descriptions
}

// Share is one party's part of a bill: the lines of its invoice (taxed
// lines; compensation apart, not subject to VAT) and their gross sum.
type Share struct {
	Lines        []invoice.Line
	Compensation []invoice.Line
	Gross        int64 // all lines and compensation, gross cents
}

func (s *Share) add(l invoice.Line) {
	if l.QuantityMilli == 0 {
		return
	}
	if l.TaxCategory == invoice.CategoryNotSubject {
		s.Compensation = append(s.Compensation, l)
	} else {
		s.Lines = append(s.Lines, l)
	}
	s.Gross += invoice.LineGross(l)
}

// partOf maps a bill line's kind to the part of a rental a payer covers.
var partOf = map[string]string{KindRent: payer.PartRent, KindExtraKM: payer.PartKM, KindRefuel: payer.PartFuel, KindCharge: payer.PartFuel,
	KindCleaning: payer.PartCleaning, KindDamage: payer.PartDamages, KindExtra: payer.PartFees}

// Split divides a bill between the payer and the driver. Driver only: all
// to the driver. Internal use: all to the cost centre, nothing to the
// driver. A payer split: the payer takes the parts it covers — of the rent
// at most its cap in days, priced at its agreed daily rate for the category
// when it has one — the driver everything else (the days over the cap at
// the tariff's price); a cap in money moves what the payer's share exceeds
// to the driver as one line of its own. The driver's share does not yet
// deduct the advances the driver paid: the caller settles them against it.
func Split(in SplitInput) (payerShare, driver Share) {
	lines := append(append([]invoice.Line(nil), in.Bill.Lines...), in.Bill.Compensation...)
	switch in.Cover.Mode {
	case payer.ModeInternal:
		for _, l := range lines {
			payerShare.add(l)
		}
		return payerShare, driver
	case payer.ModePayer:
	default:
		for _, l := range lines {
			driver.add(l)
		}
		return payerShare, driver
	}
	p := in.Payer
	for _, l := range lines {
		if !p.Covered(partOf[l.Kind]) {
			driver.add(l)
			continue
		}
		if l.Kind != KindRent {
			payerShare.add(l)
			continue
		}
		days := int(l.QuantityMilli / 1000)
		covered := p.CoveredDays(days)
		pl := l
		pl.QuantityMilli = int64(covered) * 1000
		if rate, ok := p.RateFor(in.CategoryID); ok && rate != l.UnitGross {
			// at the payer's agreed rate, not the tariff's: the line says so
			pl.UnitGross = rate
			pl.Description = in.Lang.Or().T("billing.line.agreed_rate", locale.Params{"text": l.Description, "rate": locale.Money(rate)})
		}
		payerShare.add(pl)
		dl := l
		dl.QuantityMilli = l.QuantityMilli - pl.QuantityMilli
		if dl.QuantityMilli > 0 {
			dl.Description = in.Lang.Or().T("billing.line.over_cap_days", locale.Params{"text": l.Description, "cap": p.CapDays})
		}
		driver.add(dl)
	}
	if p.CapCents > 0 && payerShare.Gross > p.CapCents {
		over := payerShare.Gross - p.CapCents
		rate := 0
		if len(payerShare.Lines) > 0 {
			rate = payerShare.Lines[0].VATRateBP
		}
		desc := in.Lang.Or().T("billing.line.over_cap_money", locale.Params{"cap": locale.Money(p.CapCents)})
		payerShare.add(invoice.Line{Description: desc, QuantityMilli: 1000, Unit: UnitPiece, UnitGross: -over, VATRateBP: rate, Kind: KindExtra})
		driver.add(invoice.Line{Description: desc, QuantityMilli: 1000, Unit: UnitPiece, UnitGross: over, VATRateBP: rate, Kind: KindExtra})
	}
	return payerShare, driver
}
