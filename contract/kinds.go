package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/pricing"
)

// StartUse books a test drive, internal use or transfer at the counter
// (r.Use.Kind; not a rental) for the handover that follows: the car
// (r.VehicleID) is held from now to r.Return through the same allocation a
// rental takes, so nothing else can be booked onto it. The contract's
// tariff is the car's standard tariff of the day (a contract needs one;
// nothing is billed by it: the booking is priced at zero). A test drive
// records the customer's identity document as checked by the signed-in
// user now; a transfer goes to r.ReturnStationID, which must be another
// station. Errors: KindInvalid naming each field, KindConflict
// "nothing_free" (the car is not free).
func (s *Service) StartUse(ctx context.Context, r *booking.Reservation) error {
	r.Use.Normalize()
	var f errs.Fields
	if r.Use.Kind == booking.KindRental {
		f.Add("kind", "kind.choose")
	}
	if err := r.Use.Validate(); err != nil {
		e, _ := errs.As(err)
		f = append(f, e.Fields...)
	}
	if r.VehicleID == 0 {
		f.Add("vehicle_id", "field.vehicle_choose")
	}
	if r.Use.Kind == booking.KindTransfer {
		if r.ReturnStationID == 0 || r.ReturnStationID == r.StationID {
			f.Add("return_station_id", "kind.transfer_destination")
		}
	} else {
		r.ReturnStationID = r.StationID
	}
	if r.CustomerID == 0 {
		f.Add("customer_id", "contract.customer_choose")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := s.checkPlate(ctx, r); err != nil {
		return err
	}
	v, err := s.d.Vehicles.Vehicle(ctx, r.VehicleID)
	if err != nil {
		return errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "field.vehicle_choose"))
	}
	r.CategoryID = v.CategoryID
	if r.TariffID == 0 {
		ts, err := s.d.Tariffs.ListTariffs(ctx)
		if err != nil {
			return err
		}
		t, ok := pricing.Best(ts, v.CategoryID, s.d.Now().Format("2006-01-02"), false)
		if !ok {
			return errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "kind.no_tariff"))
		}
		r.TariffID = t.ID
	}
	if f := counterFields(r); len(f) > 0 {
		return f.Err()
	}
	if r.Use.Kind == booking.KindTestDrive {
		a, _ := identity.ActorFrom(ctx)
		now := s.d.Now().UTC()
		r.Use.IDCheckedBy, r.Use.IDCheckedAt = a.UserID, &now
	}
	r.Source, r.Status = "walk_in", booking.StatusConfirmed
	r.DayPriceCents, r.EstimatedTotalCents, r.DepositCents, r.Currency = 0, 0, 0, "EUR"
	return s.d.Store.CreateWalkIn(ctx, r)
}

// checkPlate checks the red dealer plate r goes on (none: nothing to
// check): only a test drive or transfer may, and the plate must be valid
// on every local day of the trip at r's station. Whether another car has
// it out is checked when the booking is stored. Errors: KindInvalid on
// "dealer_plate_id".
func (s *Service) checkPlate(ctx context.Context, r *booking.Reservation) error {
	if r.Use.DealerPlateID == 0 {
		return nil
	}
	bad := func(key locale.Key, p ...locale.Params) error {
		return errs.Invalid("error.fields_invalid", errs.Field("dealer_plate_id", key, p...))
	}
	if r.Use.Kind != booking.KindTestDrive && r.Use.Kind != booking.KindTransfer {
		return bad("plate.only_trips")
	}
	if s.d.Plates == nil {
		return bad("plate.choose")
	}
	p, err := s.d.Plates.DealerPlate(ctx, r.Use.DealerPlateID)
	if errs.Is(err, errs.KindNotFound) {
		return bad("plate.choose")
	}
	if err != nil {
		return err
	}
	loc := s.bookingLoc(ctx, *r)
	from, to := r.Pickup.In(loc).Format("2006-01-02"), r.Return.In(loc).Format("2006-01-02")
	if !p.ValidOn(from) || !p.ValidOn(to) {
		vf, _ := time.Parse("2006-01-02", p.ValidFrom)
		if p.ValidTo == "" {
			return bad("plate.not_valid_from", locale.Params{"plate": p.Number, "from": locale.Date(vf)})
		}
		vt, _ := time.Parse("2006-01-02", p.ValidTo)
		return bad("plate.not_valid", locale.Params{"plate": p.Number, "from": locale.Date(vf), "to": locale.Date(vt)})
	}
	return nil
}

// PurposeTestDriveFee is the line kind of a test drive's fee.
const PurposeTestDriveFee = "test_drive_fee"

// TestDriveAgreement is the agreement a test-drive customer signs at the
// handover, in l: liable up to deductible per damage, and the fee payable
// at the return when there is one (0: the car is lent free of charge).
func TestDriveAgreement(l locale.Lang, deductible, fee int64) string {
	if fee > 0 {
		return l.T("kind.agreement_fee", locale.Params{"deductible": locale.Money(deductible), "fee": locale.Money(fee)})
	}
	return l.T("kind.agreement", locale.Params{"deductible": locale.Money(deductible)})
}

// TestDriveFee is the fee c's return invoices: a test drive's fee as its
// terms keep it from the handover (gross cents); 0 for a free test drive
// and for every other kind.
func (c Contract) TestDriveFee() int64 {
	if c.Kind == booking.KindTestDrive {
		return c.Terms.TestDriveFeeCents
	}
	return 0
}

// Billable reports whether c's return is billed: a rental, or a test drive
// with a fee. Any other use closes at the return.
func (c Contract) Billable() bool { return c.Kind.Billed() || c.TestDriveFee() > 0 }

// billTestDriveFee bills returned test drive x, claimed by this run: one
// invoice for the fee of its terms at the tenant's VAT rate, payable at
// once at the counter (no card is charged), e-mailed with its PDF (and the
// XRechnung for a business customer). A run that finds the fee invoice
// issued by an earlier one issues nothing again. The contract then ends
// payment_open (billed once receipts settle it). issued reports whether
// the invoice exists now.
func (s *Service) billTestDriveFee(ctx context.Context, x cctx) (out Outcome, issued bool, err error) {
	c := x.Contract
	out.NoCard = true
	m, err := s.money(ctx, c)
	if err != nil {
		return out, false, err
	}
	for _, d := range m.docs {
		if d.Kind != invoice.KindStandalone || d.ContractID != c.ID {
			continue
		}
		iss, err := s.d.Store.IssuedInvoice(ctx, d.ID)
		if err != nil {
			return out, false, err
		}
		for _, ln := range iss.Invoice.Lines {
			if ln.Kind == PurposeTestDriveFee {
				issued, out.Final = true, iss
			}
		}
	}
	if !issued {
		l := lang(x.Customer)
		end := s.d.Now()
		if c.EndedAt != nil {
			end = *c.EndedAt
		}
		plate := x.Vehicle.Plate
		if c.DealerPlate != "" { // the car went on a red dealer plate
			plate = c.DealerPlate
		}
		line := invoice.Line{Description: l.T("invoice.line.test_drive", locale.Params{"plate": plate,
			"date": locale.Date(c.Start.In(x.Station.Location()))}), QuantityMilli: 1000, Unit: "piece",
			UnitGross: c.TestDriveFee(), VATRateBP: x.Tenant.VATRateBP, Kind: PurposeTestDriveFee}
		inv := s.invoiceFor(x, invoice.KindStandalone, []invoice.Line{line}, nil)
		inv.ServicePeriod = invoice.Period{From: c.Start, To: end}
		inv.Payment = invoice.Payment{Means: invoice.MeansOpen} // at once, at the counter
		iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
			Language: string(l), Invoice: inv}
		if err := s.d.Invoices.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(),
			Render: s.render(ctx, x), EInvoice: s.einvoice(ctx, x),
			Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
				msg, err := s.d.Mailer.FinalInvoice(x.MailContext, is, pdf)
				msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
				return []mail.Queued{s.queued(x, msg)}, err
			}}); err != nil {
			return out, false, err
		}
		issued, out.Final = true, *iss
		if m, err = s.money(ctx, c); err != nil {
			return out, true, err
		}
	}
	out.Status = StatusBilled
	if ledgerWith(c, m).Open() > 0 {
		out.Status = StatusPaymentOpen
	}
	return out, true, s.d.Store.FinishBilling(context.WithoutCancel(ctx), c.ID, out.Status)
}
