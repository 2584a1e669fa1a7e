// Package tenancy owns tenants (dealership groups) and their stations:
// addresses, contacts, time zones, weekly opening hours and exceptions.
package tenancy

import (
	"context"
	"net/url"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/locale"
)

// Tenant is one dealership group. All other data belongs to exactly one tenant.
type Tenant struct {
	ID                int64
	Slug              string
	Name              string
	LegalName         string
	Street            string
	PostalCode        string
	City              string
	Country           string
	Phone             string
	Email             string
	Website           string
	VATID             string
	TaxNumber         string
	RegisterCourt     string
	RegisterNumber    string
	ManagingDirectors string
	BankName          string
	IBAN              string
	BIC               string
	LogoPNG           []byte
	DefaultLanguage   string
	Currency          string
	VATRateBP         int // 1900 = 19 %

	InvoiceNumberPattern string
	CreditNumberPattern  string
	BookingNumberPrefix  string

	DepositMode       string // "charge" or "preauth"
	DepositSettlement string // "release" or "set_off"
	OneWayAllowed     bool
	MinNoticeMinutes  int
	// EarlyHandoverMinutes is how long before the booked pickup a car is
	// handed over without asking (earlier, or outside opening hours, staff
	// confirm and are told what it does to the price).
	EarlyHandoverMinutes int
	MaxRentalDays        int
	CancelFreeHours      int
	CancelFeeCents       int64
	// APIChargeLimitCents is the most a staff API key (a tablet app) may
	// charge for one damage at a return; 0: no damage charges by API.
	APIChargeLimitCents int64
	// DamageTaxable: damage charges carry VAT. Off by default: what a
	// renter pays for damage to the car is genuine damage compensation, no
	// consideration for a supply and not subject to VAT (§ 1 Abs. 1 Nr. 1
	// UStG, Abschn. 1.3 Abs. 1 UStAE); see docs/tax-rules.md.
	DamageTaxable bool
	// FineFeeCents is the processing fee (Bearbeitungsgebühr) charged to
	// the renter per fine, toll or parking ticket answered, gross; 0: none.
	FineFeeCents int64
	// TestDriveDeductibleCents is the deductible (Selbstbeteiligung) a
	// test-drive customer is liable for per damage, gross; the agreement
	// signed at the handover of a test drive prints it.
	TestDriveDeductibleCents int64
	// TestDriveFeeCents is the fee (Gebühr je Probefahrt) charged per test
	// drive, gross; 0: test drives are free. The handover keeps it in the
	// contract's terms; the return invoices it, paid at the counter.
	TestDriveFeeCents  int64
	RetentionYears     int
	PhotoRetentionDays int

	MailFrom    string
	MailReplyTo string

	Gateway GatewaySettings

	CreatedAt time.Time
	UpdatedAt time.Time
}

// GatewaySettings are a tenant's Telecash credentials. The API secret is
// write-only in every UI and API: it is never shown again after saving.
type GatewaySettings struct {
	Mode    string // "simulator", "sandbox" or "production"
	StoreID string
	APIKey  string
	// Secret is the API secret in plain text, only on its way in (a form):
	// secrets.Tenants seals it into SealedSecret before the tenant is saved;
	// the store refuses it and never returns it.
	Secret string
	// SealedSecret is the API secret as stored, encrypted by package
	// secrets ("v1:<key id>:…"); "" = none. Only the gateway client opens
	// it (secrets.Keyring.OpenGatewaySecret).
	SealedSecret string
	TimeoutMS    int
	// SimulatorURL is, in simulator mode, the base URL of a simulator that
	// runs as its own process (mietwerk telecash-sim), shared by every
	// server process; "" uses the built-in simulator of each process. Set by
	// the operator (mietwerk tenant set-simulator), not in the admin web.
	SimulatorURL string
}

// HasSecret reports whether an API secret is stored or being entered.
func (g GatewaySettings) HasSecret() bool { return g.Secret != "" || g.SealedSecret != "" }

// ValidSimulatorURL reports whether v is a simulator base URL: "" (the
// built-in simulator), or an absolute http or https URL without user, query
// or fragment. The field error for one that is not is SimulatorURLInvalid.
func ValidSimulatorURL(v string) bool {
	if v == "" {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		u.RawQuery == "" && u.Fragment == "" && !strings.ContainsAny(v, " \t\r\n")
}

// SimulatorURLInvalid is the catalog text of a simulator URL that is not one.
const SimulatorURLInvalid locale.Key = "tenant.simulator_url_invalid"

// Defaults fills unset settings with the product defaults.
func (t *Tenant) Defaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&t.Country, "DE")
	def(&t.DefaultLanguage, "de")
	def(&t.Currency, "EUR")
	def(&t.InvoiceNumberPattern, "RE-{YYYY}-{SEQ:6}")
	def(&t.CreditNumberPattern, "GS-{YYYY}-{SEQ:6}")
	def(&t.BookingNumberPrefix, "B")
	def(&t.DepositMode, "preauth")
	def(&t.DepositSettlement, "release")
	def(&t.Gateway.Mode, "simulator")
	if t.VATRateBP == 0 {
		t.VATRateBP = 1900
	}
	if t.MinNoticeMinutes == 0 {
		t.MinNoticeMinutes = 120
	}
	if t.EarlyHandoverMinutes == 0 {
		t.EarlyHandoverMinutes = 60
	}
	if t.MaxRentalDays == 0 {
		t.MaxRentalDays = 60
	}
	if t.CancelFreeHours == 0 {
		t.CancelFreeHours = 24
	}
	if t.RetentionYears == 0 {
		t.RetentionYears = 10
	}
	if t.PhotoRetentionDays == 0 {
		t.PhotoRetentionDays = 365
	}
	if t.Gateway.TimeoutMS == 0 {
		t.Gateway.TimeoutMS = 20000
	}
	if t.ID == 0 && t.APIChargeLimitCents == 0 { // a new tenant; a saved 0 means "no damage charges by API"
		t.APIChargeLimitCents = DefaultAPIChargeLimitCents
	}
	if t.ID == 0 && t.FineFeeCents == 0 {
		t.FineFeeCents = DefaultFineFeeCents
	}
	if t.ID == 0 && t.TestDriveDeductibleCents == 0 {
		t.TestDriveDeductibleCents = DefaultTestDriveDeductibleCents
	}
}

// DefaultFineFeeCents is a new tenant's processing fee per fine (15,00 €).
const DefaultFineFeeCents = 1500

// DefaultTestDriveDeductibleCents is a new tenant's test-drive deductible
// (1.000,00 €); MaxTestDriveDeductibleCents the highest it may set.
const (
	DefaultTestDriveDeductibleCents = 100_000
	MaxTestDriveDeductibleCents     = 5_000_000
)

// MaxTestDriveFeeCents is the highest fee per test drive a tenant may set
// (1.000,00 €).
const MaxTestDriveFeeCents = 100_000

// MaxFineFeeCents is the highest processing fee a tenant may set (500,00 €).
const MaxFineFeeCents = 50_000

// DefaultAPIChargeLimitCents is a new tenant's limit per damage charge by a
// staff API key (500,00 €).
const DefaultAPIChargeLimitCents = 50000

// MaxAPIChargeLimitCents is the highest limit a tenant may set (100.000,00 €).
const MaxAPIChargeLimitCents = 10_000_000

// Store is what tenancy needs from storage. Methods read the actor from ctx:
// tenant methods act on the actor's tenant; station methods are limited to the
// stations the actor may see. Errors: errs.KindNotFound for anything outside
// the actor's reach, errs.KindForbidden for writes it may not do,
// errs.KindInvalid with field errors for bad input, errs.KindConflict for a
// duplicate code.
type Store interface {
	// CreateTenant creates a tenant (system actors only) and returns its id.
	CreateTenant(ctx context.Context, t *Tenant) error
	// Tenant returns the actor's tenant.
	Tenant(ctx context.Context) (Tenant, error)
	// TenantBySlug finds a tenant by slug (system actors only).
	TenantBySlug(ctx context.Context, slug string) (Tenant, error)
	// UpdateTenant saves the actor's tenant (admins only). An empty
	// Gateway.SealedSecret keeps the stored secret; a plain-text
	// Gateway.Secret is sealed first by secrets.Tenants (the store itself
	// refuses one).
	UpdateTenant(ctx context.Context, t *Tenant) error

	ListStations(ctx context.Context) ([]Station, error)
	// StationDirectory returns every station of the actor's tenant, id,
	// code and name only (also to station users: where a car can go, as
	// the website shows them).
	StationDirectory(ctx context.Context) ([]Station, error)
	Station(ctx context.Context, id int64) (Station, error)
	StationByCode(ctx context.Context, code string) (Station, error)
	CreateStation(ctx context.Context, s *Station) error
	UpdateStation(ctx context.Context, s *Station) error
}
