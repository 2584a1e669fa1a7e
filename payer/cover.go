package payer

import (
	"context"
	"encoding/json"
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
	// Terms are the payer's terms kept when the cover named it (nil: none
	// kept; billing uses the payer's current terms). See Apply.
	Terms *Terms
}

// Same reports whether c and d say the same (the terms kept aside).
func (c Cover) Same(d Cover) bool {
	c.Terms, d.Terms = nil, nil
	return c == d
}

// SameTerms reports whether covers c and d name the same payer in the same
// mode under the same kept terms (the claim's texts aside): a rental split
// under one is split the same under the other.
func (c Cover) SameTerms(d Cover) bool {
	if c.Mode != d.Mode || c.PayerID != d.PayerID || (c.Terms == nil) != (d.Terms == nil) {
		return false
	}
	if c.Terms == nil {
		return true
	}
	jc, _ := json.Marshal(c.Terms)
	jd, _ := json.Marshal(d.Terms)
	return string(jc) == string(jd)
}

// CoverBy is the cover of a rental that payer p pays, as a booking names
// it by the payer alone: a cost centre makes it internal use (the
// dealership pays everything), any other payer splits with the driver.
// ReservationID and the claim are the caller's to fill in.
func CoverBy(p Payer) Cover {
	if p.Kind == KindCostCentre {
		return Cover{Mode: ModeInternal, PayerID: p.ID}
	}
	return Cover{Mode: ModePayer, PayerID: p.ID}
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
	// change its cover, nor one whose billing has started and not
	// finished. Errors: KindInvalid with field errors, KindNotFound,
	// KindConflict (codes cover_closed, cover_billing_unfinished).
	SetCover(ctx context.Context, c *Cover) error
	// ChangeCover is SetCover returning the cover stored before (on an
	// error, the zero Cover). A save that says what is stored already
	// writes, audits and announces nothing; whether what the rental is
	// split by changed is !prev.SameTerms(*c).
	ChangeCover(ctx context.Context, c *Cover) (prev Cover, err error)
}

// Terms are a payer's commercial terms for one rental, as they were when
// the rental's cover named the payer: what it covers, its caps, its agreed
// rates, its payment term and whether it is billed collectively. A cover
// keeps them (Cover.Terms), so a later change to the payer's master data
// does not change what rentals already covered are billed.
type Terms struct {
	Covers      []string `json:"covers"` // in Parts order
	CapDays     int      `json:"cap_days"`
	CapCents    int64    `json:"cap_cents"`
	Rates       []Rate   `json:"rates"`
	PaymentDays int      `json:"payment_days"`
	Collective  bool     `json:"collective"`
	// At is when they were taken (the cover set with this payer).
	At time.Time `json:"at"`
}

// Terms returns p's current terms, taken at at.
func (p Payer) Terms(at time.Time) Terms {
	t := Terms{CapDays: p.CapDays, CapCents: p.CapCents, Rates: append([]Rate(nil), p.Rates...), PaymentDays: p.PaymentDays,
		Collective: p.Collective, At: at.UTC()}
	for _, part := range Parts {
		if p.Covers[part] {
			t.Covers = append(t.Covers, part)
		}
	}
	return t
}

// With returns p under terms t: its name, address and references as they
// are now, what it covers and pays as t says.
func (p Payer) With(t Terms) Payer {
	p.CapDays, p.CapCents, p.PaymentDays, p.Collective = t.CapDays, t.CapCents, t.PaymentDays, t.Collective
	p.Rates = append([]Rate(nil), t.Rates...)
	p.Covers = map[string]bool{}
	for _, part := range t.Covers {
		p.Covers[part] = true
	}
	return p
}

// Apply returns payer p under the terms cover c keeps, or p as it is when
// c keeps none (a cover set before terms were kept).
func (c Cover) Apply(p Payer) Payer {
	if c.Terms == nil || p.ID != c.PayerID {
		return p
	}
	return p.With(*c.Terms)
}
