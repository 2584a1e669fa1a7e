package payer

import (
	"context"
	"regexp"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// The cover modes of a rental.
const (
	ModeDriver   = "driver"   // the driver pays everything (the default)
	ModePayer    = "payer"    // a payer pays what it covers, the driver the rest
	ModeInternal = "internal" // a cost centre pays everything (courtesy car)
)

// Modes lists the cover modes in the order forms offer them.
var Modes = []string{ModeDriver, ModePayer, ModeInternal}

// MaxClaimText is the longest claim number, policy number or at-fault party.
const MaxClaimText = 200

// MaxPlate is the longest plate of a customer's car.
const MaxPlate = 20

// vinRE is a vehicle identification number (ISO 3779): 17 characters,
// digits and capitals without I, O and Q.
var vinRE = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`)

// Cover says who pays a rental (a reservation and the contract it becomes).
type Cover struct {
	ReservationID int64
	Mode          string // one of Modes
	PayerID       int64  // 0 in ModeDriver
	// Insurer cover: the claim as the insurer knows it.
	ClaimNumber  string
	PolicyNumber string
	DamageDate   string // YYYY-MM-DD, "" when not known
	AtFaultParty string
	// The customer's own car (in the workshop or damaged): its VIN (FIN,
	// 17 characters) and plate, as the manufacturer's or insurer's claim
	// names it; "" when not known.
	CustomerVIN   string
	CustomerPlate string
}

// Normalize trims the cover's texts; a driver-only cover keeps no payer or
// claim.
func (c *Cover) Normalize() {
	for _, s := range []*string{&c.Mode, &c.ClaimNumber, &c.PolicyNumber, &c.DamageDate, &c.AtFaultParty, &c.CustomerPlate} {
		*s = strings.TrimSpace(*s)
	}
	// a VIN is written in capitals, often read out with spaces or dashes
	c.CustomerVIN = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(c.CustomerVIN))
	c.CustomerPlate = strings.ToUpper(c.CustomerPlate)
	if c.Mode == "" {
		c.Mode = ModeDriver
	}
	if c.Mode == ModeDriver {
		*c = Cover{ReservationID: c.ReservationID, Mode: ModeDriver}
	}
}

// Validate checks the cover against its payer p (the zero Payer in
// ModeDriver) on day today (YYYY-MM-DD, for the date of damage): a payer
// split needs an active external payer, internal use a cost centre; the
// claim fields are single lines and the date of damage not in the future;
// the customer's car's VIN, when given, has 17 valid characters.
// Errors: KindInvalid with field errors (mode, payer_id, claim_number,
// policy_number, damage_date, at_fault_party, customer_vin, customer_plate).
func (c Cover) Validate(p Payer, today string) error {
	var f errs.Fields
	switch c.Mode {
	case ModeDriver:
		return nil
	case ModePayer:
		switch {
		case c.PayerID == 0 || p.ID != c.PayerID:
			f.Add("payer_id", "cover.payer_choose")
		case !p.Active:
			f.Add("payer_id", "cover.payer_inactive")
		case p.Kind == KindCostCentre:
			f.Add("payer_id", "cover.payer_external")
		}
	case ModeInternal:
		switch {
		case c.PayerID == 0 || p.ID != c.PayerID:
			f.Add("payer_id", "cover.cost_centre_choose")
		case !p.Active:
			f.Add("payer_id", "cover.payer_inactive")
		case p.Kind != KindCostCentre:
			f.Add("payer_id", "cover.cost_centre_choose")
		}
	default:
		f.Add("mode", "cover.mode_choose")
	}
	if c.DamageDate != "" {
		if d, err := time.Parse("2006-01-02", c.DamageDate); err != nil {
			f.Add("damage_date", "field.date_format_or_empty")
		} else if d.Format("2006-01-02") > today {
			f.Add("damage_date", "cover.damage_date_future")
		}
	}
	if c.CustomerVIN != "" && !vinRE.MatchString(c.CustomerVIN) {
		f.Add("customer_vin", "cover.vin_format")
	}
	l := errs.Limited
	f.Lines("", l("claim_number", c.ClaimNumber, MaxClaimText), l("policy_number", c.PolicyNumber, MaxClaimText),
		l("at_fault_party", c.AtFaultParty, MaxClaimText), l("customer_plate", c.CustomerPlate, MaxPlate))
	return f.Err()
}

// CoveredDays is how many of a rental's days the payer covers: all of
// them, or at most its cap in days.
func (p Payer) CoveredDays(days int) int {
	if p.CapDays > 0 && days > p.CapDays {
		return p.CapDays
	}
	return days
}

// CoverStore keeps the covers of the actor's reservations (station users:
// their stations' only).
type CoverStore interface {
	// Cover returns the cover of a reservation (ModeDriver when none was
	// set). Errors: KindNotFound.
	Cover(ctx context.Context, reservationID int64) (Cover, error)
	// SetCover normalizes, validates and stores c for its reservation,
	// audited; a reservation already billed, cancelled or failed cannot
	// change its cover. Errors: KindInvalid with field errors,
	// KindNotFound, KindConflict (code cover_closed).
	SetCover(ctx context.Context, c *Cover) error
}
