// Package payer owns the payers (Kostenträger) of a tenant — insurers,
// manufacturer programmes, fleet and leasing customers, the dealership's own
// cost centres — and a rental's cover: who pays which part of it.
package payer

import (
	"context"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// The kinds of payer.
const (
	KindInsurer      = "insurer"      // an insurer (accident replacement, Unfallersatz)
	KindManufacturer = "manufacturer" // a manufacturer's or importer's mobility programme
	KindFleet        = "fleet"        // a fleet or leasing customer
	KindCostCentre   = "cost_centre"  // the dealership's own cost centre (courtesy cars)
)

// Kinds lists the payer kinds in the order forms offer them.
var Kinds = []string{KindInsurer, KindManufacturer, KindFleet, KindCostCentre}

// The parts of a rental a payer can cover.
const (
	PartRent     = "rent"
	PartKM       = "km"
	PartFuel     = "fuel"
	PartCleaning = "cleaning"
	PartDamages  = "damages"
	PartFees     = "fees"
)

// Parts lists the coverable parts in the order forms offer them.
var Parts = []string{PartRent, PartKM, PartFuel, PartCleaning, PartDamages, PartFees}

// Longest values of a payer's texts (characters).
const (
	MaxText = 200 // name, address lines, buyer reference
	MaxCode = 40  // VAT id, postal code
	// MaxPaymentDays is the longest payment term accepted.
	MaxPaymentDays = 365
	// MaxCapDays is the largest cap in days accepted.
	MaxCapDays = 366
	// MaxCents bounds every amount of a payer (rates, cap): 1.000.000,00 €.
	MaxCents = 100_000_000
)

// Payer is someone other than the driver who pays (part of) rentals.
type Payer struct {
	ID             int64
	TenantID       int64
	Kind           string // one of Kinds
	Name           string
	Street         string
	PostalCode     string
	City           string
	Country        string // ISO 3166 alpha-2, e.g. "DE"
	VATID          string // USt-IdNr; "" when none
	BuyerReference string // buyer reference or Leitweg-ID for e-invoices (BT-10)
	// Email is where the payer's invoices go: the buyer's electronic
	// address of its e-invoices (BT-49); "" when none.
	Email       string
	PaymentDays int   // payment term in days
	CapDays     int   // most rental days covered per rental; 0 = no cap in days
	CapCents    int64 // most money covered per rental (gross); 0 = no cap in money
	Covers      map[string]bool
	Rates       []Rate // agreed gross daily rates per category; none: the rental's tariff
	Active      bool
	// Collective: a fleet or leasing payer billed once a month for all
	// its rentals (a collective invoice) instead of an invoice per rental.
	Collective bool
}

// Rate is an agreed gross daily rate for one vehicle category.
type Rate struct {
	CategoryID       int64
	PricePerDayCents int64
}

// RateFor returns the agreed daily rate for category; ok false when the
// payer has none for it.
func (p Payer) RateFor(category int64) (int64, bool) {
	for _, r := range p.Rates {
		if r.CategoryID == category {
			return r.PricePerDayCents, true
		}
	}
	return 0, false
}

// Covered reports whether the payer covers part (one of Parts).
func (p Payer) Covered(part string) bool { return p.Covers[part] }

var (
	vatIDRE    = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z+*.]{2,12}$`)
	countryRE  = regexp.MustCompile(`^[A-Z]{2}$`)
	leitwegRE  = regexp.MustCompile(`^([0-9]{2,12})(-[0-9A-Z]{1,30})?-([0-9]{2})$`)
	leitwegish = regexp.MustCompile(`^[0-9]{2,12}-`)
)

// Normalize trims the payer's texts and upper-cases its codes.
func (p *Payer) Normalize() {
	for _, s := range []*string{&p.Kind, &p.Name, &p.Street, &p.PostalCode, &p.City, &p.BuyerReference, &p.Email} {
		*s = strings.TrimSpace(*s)
	}
	p.Country = strings.ToUpper(strings.TrimSpace(p.Country))
	p.VATID = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(p.VATID), " ", ""))
	if leitwegish.MatchString(p.BuyerReference) {
		p.BuyerReference = strings.ToUpper(p.BuyerReference)
	}
}

// Validate returns a KindInvalid error naming every invalid field: kind,
// name, address (an invoice goes to every payer), VAT id format, a
// Leitweg-ID's check digits, payment term, caps, rates (one per category)
// and at least one covered part; only a fleet or leasing payer is billed
// collectively. Call Normalize first.
func (p Payer) Validate() error {
	var f errs.Fields
	if p.Collective && p.Kind != KindFleet {
		f.Add("collective", "payer.collective_fleet")
	}
	kindOK := false
	for _, k := range Kinds {
		kindOK = kindOK || p.Kind == k
	}
	if !kindOK {
		f.Add("kind", "payer.kind_choose")
	}
	if p.Name == "" {
		f.Add("name", "field.name_required")
	}
	if p.Kind != KindCostCentre {
		// An invoice goes to every external payer: it needs the address.
		if p.Street == "" {
			f.Add("street", "payer.street_required")
		}
		if p.PostalCode == "" {
			f.Add("postal_code", "payer.postal_code_required")
		}
		if p.City == "" {
			f.Add("city", "payer.city_required")
		}
	}
	if !countryRE.MatchString(p.Country) {
		f.Add("country", "address.country_code")
	}
	if p.VATID != "" && !vatIDRE.MatchString(p.VATID) {
		f.Add("vat_id", "payer.vat_id_format")
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || !strings.Contains(p.Email, ".") {
			f.Add("email", "customer.email_invalid")
		}
	}
	if leitwegish.MatchString(p.BuyerReference) && !ValidLeitwegID(p.BuyerReference) {
		f.Add("buyer_reference", "payer.leitweg_id_invalid")
	}
	if p.PaymentDays < 0 || p.PaymentDays > MaxPaymentDays {
		f.Add("payment_days", "field.between_days", locale.Params{"min": 0, "max": MaxPaymentDays})
	}
	if p.CapDays < 0 || p.CapDays > MaxCapDays {
		f.Add("cap_days", "field.between_days", locale.Params{"min": 0, "max": MaxCapDays})
	}
	if p.CapCents < 0 || p.CapCents > MaxCents {
		f.Add("cap_cents", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxCents)})
	}
	seen := map[int64]bool{}
	for i, r := range p.Rates {
		field := "rates." + strconv.Itoa(i)
		switch {
		case r.CategoryID <= 0:
			f.Add(field, "payer.rate_category")
		case seen[r.CategoryID]:
			f.Add(field, "payer.rate_twice")
		case r.PricePerDayCents <= 0 || r.PricePerDayCents > MaxCents:
			f.Add(field, "field.between", locale.Params{"min": locale.Money(1), "max": locale.Money(MaxCents)})
		}
		seen[r.CategoryID] = true
	}
	any := false
	for part, on := range p.Covers {
		known := false
		for _, q := range Parts {
			known = known || q == part
		}
		if !known {
			f.Add("covers", "payer.covers_choose")
			break
		}
		any = any || on
	}
	if !any && !f.Has("covers") {
		f.Add("covers", "payer.covers_choose")
	}
	l := errs.Limited
	f.Lines("", l("name", p.Name, MaxText), l("street", p.Street, MaxText), l("postal_code", p.PostalCode, MaxCode),
		l("city", p.City, MaxText), l("vat_id", p.VATID, MaxCode), l("buyer_reference", p.BuyerReference, MaxText), l("email", p.Email, MaxText))
	return f.Err()
}

// ValidLeitwegID reports whether id is a Leitweg-ID (coarse address,
// optional fine address, two check digits) whose check digits pass ISO 7064
// MOD 97-10, as the KoSIT specification of the Leitweg-ID prescribes.
func ValidLeitwegID(id string) bool {
	m := leitwegRE.FindStringSubmatch(id)
	if m == nil {
		return false
	}
	body := m[1] + strings.TrimPrefix(m[2], "-")
	rem := 0
	for _, c := range body + m[3] {
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
			rem = (rem*10 + v) % 97
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// Store keeps the payers of the actor's tenant.
type Store interface {
	// ListPayers returns the tenant's payers by name (with rates and covers).
	ListPayers(ctx context.Context) ([]Payer, error)
	// Payer returns one payer of the tenant. Errors: KindNotFound.
	Payer(ctx context.Context, id int64) (Payer, error)
	// CreatePayer normalizes, validates and creates p (admins only).
	// Errors: KindInvalid with field errors (also for a name another payer
	// has, or a category of another tenant), KindForbidden.
	CreatePayer(ctx context.Context, p *Payer) error
	// UpdatePayer normalizes, validates and saves p with its rates (admins
	// only). Errors: as CreatePayer, and KindNotFound.
	UpdatePayer(ctx context.Context, p *Payer) error
}
