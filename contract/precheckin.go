package contract

import (
	"context"
	"strings"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// PreCheckin stores the drivers and driving licences the customer entered
// on the booking page before pickup, for staff to confirm at the counter
// (the handover form starts from them). They are validated as a
// handover's drivers (exactly one main driver; every field). The booking
// must be confirmed and its pickup not passed. Errors: KindInvalid (fields
// "drivers.<i>.<field>"), KindConflict "precheckin_status" or
// "precheckin_started", KindUnavailable without a page store.
func (s *Service) PreCheckin(ctx context.Context, r booking.Reservation, ds []Driver) error {
	if s.d.Pages == nil {
		return errs.New(errs.KindUnavailable, "precheckin_unavailable")
	}
	now := s.d.Now()
	for i := range ds {
		ds[i].FirstName, ds[i].LastName = strings.TrimSpace(ds[i].FirstName), strings.TrimSpace(ds[i].LastName)
		ds[i].LicenceNumber = strings.ToUpper(strings.TrimSpace(ds[i].LicenceNumber))
		ds[i].LicenceClass = strings.ToUpper(strings.TrimSpace(ds[i].LicenceClass))
		ds[i].LicenceCountry = strings.ToUpper(strings.TrimSpace(ds[i].LicenceCountry))
	}
	if err := ValidateDrivers(ds, now); err != nil {
		return err
	}
	switch {
	case r.Status != booking.StatusConfirmed:
		return errs.Conflict("precheckin_status", locale.Params{"status": locale.Key("booking.status." + string(r.Status))})
	case !r.Pickup.After(now):
		return errs.Conflict("precheckin_started")
	}
	pc := booking.PreCheckin{At: now}
	for _, d := range ds {
		pc.Drivers = append(pc.Drivers, booking.CheckinDriver{Role: d.Role, FirstName: d.FirstName, LastName: d.LastName,
			BirthDate: d.BirthDate, LicenceNumber: d.LicenceNumber, LicenceClass: d.LicenceClass, LicenceIssuedOn: d.LicenceIssuedOn,
			LicenceCountry: d.LicenceCountry})
	}
	return s.d.Pages.SavePreCheckin(ctx, r.ID, pc)
}

// DriversOf turns a pre-check-in into a contract's drivers (not checked).
func DriversOf(pc booking.PreCheckin) []Driver {
	out := make([]Driver, len(pc.Drivers))
	for i, d := range pc.Drivers {
		out[i] = Driver{Role: d.Role, FirstName: d.FirstName, LastName: d.LastName, BirthDate: d.BirthDate, LicenceNumber: d.LicenceNumber,
			LicenceClass: d.LicenceClass, LicenceIssuedOn: d.LicenceIssuedOn, LicenceCountry: d.LicenceCountry}
	}
	return out
}
