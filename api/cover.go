package api

import (
	"context"
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payer"
)

// bookingCover reads the optional payer_id of a booking request: which of
// the dealer's payers pays the rental (an insurer, manufacturer programme or
// fleet customer: split with the driver; a cost centre: internal use), and
// its claim (claim and policy number, date of damage, party at fault, the
// customer's car). Only a secret key (the dealer's server) may name one — a
// customer's browser must not choose who pays. Field errors go to f (a
// claim's as claim.<field>); ok false when there is no payer or an error.
func (s *server) bookingCover(r *http.Request, id *int64, claim *claimIn, f *errs.Fields) (payer.Cover, bool, error) {
	if id == nil {
		if claim != nil {
			f.Add("claim", "cover.claim_needs_payer")
		}
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
	c := payer.CoverBy(p)
	if claim != nil {
		c.ClaimNumber, c.PolicyNumber, c.DamageDate, c.AtFaultParty = claim.ClaimNumber, claim.PolicyNumber, claim.DamageDate, claim.AtFaultParty
		c.CustomerVIN, c.CustomerPlate = claim.CustomerVIN, claim.CustomerPlate
	}
	c.Normalize()
	// the date of damage must not lie ahead (a day's slack for time zones)
	if err := c.Validate(p, s.d.Now().Add(24*time.Hour).Format("2006-01-02")); err != nil {
		e, _ := errs.As(err)
		for _, fe := range e.Fields {
			if fe.Field != "payer_id" && fe.Field != "mode" {
				fe.Field = "claim." + fe.Field
			}
			f.Add(fe.Field, fe.Code, fe.Params)
		}
		return payer.Cover{}, false, nil
	}
	return c, true, nil
}

// setBookingCover stores the checked cover of booking d just made (also
// when a retry resumed it: setting the same cover again changes nothing).
// Its confirmation went out in Book, before the cover: a cover that
// changed who pays sends the customer the updated confirmation with the split, as
// the admin's cover form does (booking.Service.NotifyCover; a booking not
// confirmed yet gets none). The booking stands when that e-mail cannot be
// queued: it is logged, not answered as a failure.
func (s *server) setBookingCover(ctx context.Context, c payer.Cover, d booking.Details) error {
	c.ReservationID = d.Reservation.ID
	prev, err := s.d.Covers.ChangeCover(ctx, &c)
	if err != nil || prev.SameTerms(c) {
		return err
	}
	if _, err := s.d.Bookings.NotifyCover(ctx, d.Reservation.Number); err != nil {
		s.d.Logger.ErrorContext(ctx, "api: updated confirmation after the cover", "request_id", httpx.RequestID(ctx),
			"reservation", d.Reservation.Number, "err", err)
	}
	return nil
}
