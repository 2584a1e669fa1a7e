package booking

import (
	"context"
	"strings"

	"mietwerk.dev/mietwerk/errs"
)

// WorkshopRefStore changes the workshop order a rental replaces the car of.
type WorkshopRefStore interface {
	// SetWorkshopRef replaces the workshop order of reservation id (ref
	// checked by CheckWorkshopRef; "" removes it) in one transaction
	// holding the reservation and its contract, audited on both and
	// announced as booking.changed. Errors: KindNotFound, KindConflict
	// "workshop_ref.billed" once the rental is billed (its documents are
	// issued), "workshop_ref.closed" for a cancelled or failed booking.
	SetWorkshopRef(ctx context.Context, id int64, ref string) error
}

// CheckWorkshopRef trims ref and checks it (one line, at most
// MaxWorkshopRef characters); field is the name errors carry.
func CheckWorkshopRef(field, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	var f errs.Fields
	f.Line(field, ref, MaxWorkshopRef)
	return ref, f.Err()
}

// SetWorkshopRef sets the workshop order (workshop_order) of the booking
// with number — before pickup or while the car is out, until the rental is
// billed; documents issued afterwards carry it, and the workshop's "repair
// done" call finds the rental by it. Errors: KindInvalid on field,
// KindNotFound, KindConflict as WorkshopRefStore.SetWorkshopRef.
func (s *Service) SetWorkshopRef(ctx context.Context, number, field, ref string) (Details, error) {
	ref, err := CheckWorkshopRef(field, ref)
	if err != nil {
		return Details{}, err
	}
	ws, ok := s.d.Bookings.(WorkshopRefStore)
	if !ok {
		return Details{}, errs.NotFound("booking_not_found")
	}
	r, err := s.byNumber(ctx, number)
	if err != nil {
		return Details{}, err
	}
	if err := ws.SetWorkshopRef(ctx, r.ID, ref); err != nil {
		return Details{}, err
	}
	return s.Get(ctx, number)
}
