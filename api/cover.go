package api

import (
	"context"
	"net/http"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payer"
)

// bookingCover reads the optional payer_id of a booking request: which of
// the dealer's payers pays the rental (an insurer, manufacturer programme or
// fleet customer: split with the driver; a cost centre: internal use). Only
// a secret key (the dealer's server) may name one — a customer's browser
// must not choose who pays. Field errors go to f; ok false when there is no
// payer or an error.
func (s *server) bookingCover(r *http.Request, id *int64, f *errs.Fields) (payer.Cover, bool, error) {
	if id == nil {
		return payer.Cover{}, false, nil
	}
	if act, _ := identity.ActorFrom(r.Context()); act.Scope != identity.ScopeSecret {
		f.Add("payer_id", "cover.payer_secret_key")
		return payer.Cover{}, false, nil
	}
	if s.d.Payers == nil || s.d.Covers == nil {
		f.Add("payer_id", "cover.payer_choose")
		return payer.Cover{}, false, nil
	}
	p, err := s.d.Payers.Payer(r.Context(), *id)
	if errs.Is(err, errs.KindNotFound) || (err == nil && *id <= 0) {
		f.Add("payer_id", "cover.payer_choose")
		return payer.Cover{}, false, nil
	}
	if err != nil {
		return payer.Cover{}, false, err
	}
	c := payer.Cover{Mode: payer.ModePayer, PayerID: p.ID}
	if p.Kind == payer.KindCostCentre {
		c.Mode = payer.ModeInternal
	}
	if err := c.Validate(p, ""); err != nil { // no date of damage through the API: no "today" needed
		f.Merge("", err)
		return payer.Cover{}, false, nil
	}
	return c, true, nil
}

// setBookingCover stores the checked cover of a booking just made (also
// when a retry resumed it: setting the same cover again changes nothing).
func (s *server) setBookingCover(ctx context.Context, c payer.Cover, reservationID int64) error {
	c.ReservationID = reservationID
	return s.d.Covers.SetCover(ctx, &c)
}
