package api

import (
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/errs"
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
