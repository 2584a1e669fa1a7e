package customer

import (
	"context"
	"time"
)

// Hit is a customer found by a search.
type Hit struct {
	Customer
	Bookings int // bookings the actor can see
}

// SearchQuery selects customers: Text matches name, company, e-mail, phone
// or a booking number (case-insensitive substring; empty lists all).
type SearchQuery struct {
	Text   string
	Limit  int // default 50, at most 200
	Offset int
}

// File is everything stored about a customer that the actor may see, as
// handed out for a GDPR access request (Art. 15/20). Card data is limited
// to brand, last four digits and expiry.
type File struct {
	ExportedAt   time.Time         `json:"exported_at"`
	Customer     FileCustomer      `json:"customer"`
	Reservations []FileReservation `json:"reservations"`
	Contracts    []FileContract    `json:"contracts"`
	Payments     []FilePayment     `json:"payments"`
	Cards        []FileCard        `json:"stored_cards"`
	Invoices     []FileInvoice     `json:"invoices"`
	Emails       []FileEmail       `json:"emails"`
	Audit        []FileAudit       `json:"audit_log"`
}

// FileCustomer is the master data in a File.
type FileCustomer struct {
	ID                 int64      `json:"id"`
	Email              string     `json:"email"`
	Company            string     `json:"company"`
	FirstName          string     `json:"first_name"`
	LastName           string     `json:"last_name"`
	Street             string     `json:"street"`
	PostalCode         string     `json:"postal_code"`
	City               string     `json:"city"`
	Country            string     `json:"country"`
	Phone              string     `json:"phone"`
	BirthDate          string     `json:"birth_date"`
	Language           string     `json:"language"`
	VATID              string     `json:"vat_id"`
	LicenceNumber      string     `json:"licence_number"`
	LicenceClass       string     `json:"licence_class"`
	LicenceIssuedOn    string     `json:"licence_issued_on"`
	LicenceCountry     string     `json:"licence_country"`
	MarketingConsentAt *time.Time `json:"marketing_consent_at"`
	RestrictedAt       *time.Time `json:"restricted_at"`
	EraseAfter         string     `json:"erase_after"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// FileReservation is a booking in a File.
type FileReservation struct {
	ID                  int64     `json:"id"`
	Number              string    `json:"number"`
	StationID           int64     `json:"station_id"`
	Station             string    `json:"station"`
	Category            string    `json:"category"`
	Vehicle             string    `json:"vehicle"`
	Pickup              time.Time `json:"pickup"`
	Return              time.Time `json:"return"`
	Status              string    `json:"status"`
	Source              string    `json:"source"`
	Kind                string    `json:"kind"` // rental, test_drive, internal or transfer
	WorkshopRef         string    `json:"workshop_ref"`
	Notes               string    `json:"notes"`
	DayPriceCents       int64     `json:"day_price_cents"`
	DepositCents        int64     `json:"deposit_cents"`
	EstimatedTotalCents int64     `json:"estimated_total_cents"`
	Currency            string    `json:"currency"`
	CreatedAt           time.Time `json:"created_at"`
	// BookedAs is the name and billing address the booking was made with
	// (its documents and its contract's print these).
	BookedAs Billing `json:"booked_as"`
}

// FileContract is a rental contract in a File.
type FileContract struct {
	ID            int64        `json:"id"`
	Number        string       `json:"number"`
	ReservationID int64        `json:"reservation_id"`
	StationID     int64        `json:"station_id"`
	Vehicle       string       `json:"vehicle"`
	StartsAt      time.Time    `json:"starts_at"`
	PlannedEndAt  time.Time    `json:"planned_end_at"`
	EndedAt       *time.Time   `json:"ended_at"`
	Status        string       `json:"status"`
	Drivers       []FileDriver `json:"drivers"`
}

// FileDriver is a driver of a contract in a File.
type FileDriver struct {
	Role            string `json:"role"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	BirthDate       string `json:"birth_date"`
	LicenceNumber   string `json:"licence_number"`
	LicenceClass    string `json:"licence_class"`
	LicenceIssuedOn string `json:"licence_issued_on"`
	LicenceCountry  string `json:"licence_country"`
}

// FilePayment is a gateway transaction in a File (never a card number).
type FilePayment struct {
	ID            int64      `json:"id"`
	ReservationID int64      `json:"reservation_id"`
	Operation     string     `json:"operation"`
	Purpose       string     `json:"purpose"`
	Status        string     `json:"status"`
	AmountCents   int64      `json:"amount_cents"`
	Currency      string     `json:"currency"`
	CardBrand     string     `json:"card_brand"`
	CardLast4     string     `json:"card_last4"`
	CreatedAt     time.Time  `json:"created_at"`
	ResolvedAt    *time.Time `json:"resolved_at"`
}

// FileCard is a card stored at the gateway (brand, last 4, expiry only).
type FileCard struct {
	Brand     string     `json:"brand"`
	Last4     string     `json:"last4"`
	ExpMonth  int        `json:"exp_month"`
	ExpYear   int        `json:"exp_year"`
	CreatedAt time.Time  `json:"created_at"`
	DeletedAt *time.Time `json:"deleted_at"`
}

// FileInvoice is an issued invoice or credit note in a File (metadata; the
// PDF is available from the dealership).
type FileInvoice struct {
	ID            int64     `json:"id"`
	Kind          string    `json:"kind"`
	Number        string    `json:"number"`
	IssuedAt      time.Time `json:"issued_at"`
	ReservationID int64     `json:"reservation_id"`
	GrossCents    int64     `json:"gross_cents"`
	DueCents      int64     `json:"due_cents"`
	Currency      string    `json:"currency"`
	Recipient     string    `json:"recipient"` // JSON snapshot of name and address at issue
}

// FileEmail is an e-mail sent (or queued) to the customer.
type FileEmail struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	BodyText  string     `json:"body_text"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// FileAudit is a logged change of the customer or one of its bookings.
type FileAudit struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Entity   string    `json:"entity"`
	EntityID int64     `json:"entity_id"`
	Action   string    `json:"action"`
	Before   string    `json:"before"`
	After    string    `json:"after"`
}

// Erasure reports what an erasure request did.
type Erasure struct {
	Deleted      []string  // what was deleted
	Kept         []string  // what the retention duty keeps (blocked)
	RestrictedAt time.Time // when the data was blocked
	EraseAfter   string    // YYYY-MM-DD: when the kept data is deleted
	// PhotoKeys are the storage keys of deleted damage photos whose bytes
	// are kept outside the database (each with a "-thumb" key): the caller
	// deletes them there (see BlobDeleter).
	PhotoKeys []string `json:"-"`
}

// AdminStore is what the staff customer pages need beyond Store, scoped by
// the actor in ctx: a station user sees only customers with a booking at
// one of its stations (errs.KindNotFound otherwise) and, of them, only what
// belongs to its stations.
type AdminStore interface {
	SearchCustomers(ctx context.Context, q SearchQuery) ([]Hit, int, error)
	// UpdateCustomer replaces the master data of c.ID after validating it,
	// logging before and after; a corrected name or address field is
	// corrected in the billing snapshot (Billing) of the customer's
	// confirmed and running bookings where it held the old value. Errors: KindInvalid (field errors),
	// KindNotFound, KindConflict "customer_restricted" or "duplicate" (the
	// e-mail belongs to another customer).
	UpdateCustomer(ctx context.Context, c *Customer) error
	// CustomerFile returns everything stored about the customer that the
	// actor may see. Errors: KindNotFound.
	CustomerFile(ctx context.Context, id int64) (File, error)
	// EraseCustomer answers an erasure request (GDPR Art. 17): it deletes
	// what no retention duty keeps (phone, date of birth, licence data,
	// marketing consent, e-mail bodies, stored cards, damage photos past the
	// photo retention) and blocks the rest until the end of the tenant's
	// retention period, all in one transaction with an audit entry.
	// Administrators only. Errors: KindForbidden, KindNotFound,
	// KindConflict "customer_restricted" (already done), "booking_running"
	// (a rental is open).
	EraseCustomer(ctx context.Context, id int64) (Erasure, error)
}
