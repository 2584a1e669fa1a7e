package mailtmpl

import (
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
)

// Envelope is what every message needs besides its content: tenant,
// language, branding and addresses.
type Envelope struct {
	TenantID  string
	Lang      document.Lang
	Location  *time.Location // times are shown in it; nil means UTC
	Branding  document.Branding
	LogoURL   string // when set, the logo is linked; else Branding.LogoPNG is embedded inline
	From      mail.Address
	ReplyTo   mail.Address
	To        mail.Address
	MessageID string
}

// Station is a branch as shown in messages and calendar entries.
type Station struct {
	Name    string
	Address invoice.Address
	Phone   string
	Email   string
}

// Reservation is the content of a reservation confirmation.
type Reservation struct {
	Number        string
	CustomerName  string
	BookedAt      time.Time // also the calendar entries' DTSTAMP
	Station       Station
	Category      string // "Kompaktklasse (VW Golf o. ä.)"
	Vehicle       string // optional, when already assigned
	Pickup        time.Time
	Return        time.Time
	Paid          int64 // cents charged now (first day's rent)
	Deposit       int64 // cents blocked or charged as deposit
	InvoiceNumber string
	InvoicePDF    []byte // optional attachment
	// Sequence is the revision of the calendar entries (0 as confirmed,
	// higher after each change of the period); ChangedAt when that revision
	// was made (zero as confirmed). A booking-change message sends both.
	Sequence  int
	ChangedAt time.Time
	Model     string // an example model of the category ("VW Golf"), optional
	// PageURL is the link to the customer's own booking page ("": none).
	PageURL string
	// AtCounter: a booking staff took (nothing paid yet); Estimate is its
	// estimated rent, due at pickup with the deposit.
	AtCounter bool
	Estimate  int64
	// PayerName, when set, covers PayerShare of the expected rent
	// (Estimate); DriverShare is the customer's part (gross cents).
	PayerName   string
	PayerShare  int64
	DriverShare int64
	// Updated: the confirmation again after the booking's cover changed.
	Updated bool
}

// InvoiceMail is the content of an invoice or credit-note message.
type InvoiceMail struct {
	CustomerName   string
	Number         string
	IssueDate      time.Time
	ContractNumber string
	Amount         int64 // gross cents due (final: after deductions; negative: refund)
	// PaymentNote says how the amount was paid or is paid back, exactly as
	// the document prints it (document.PaymentNote).
	PaymentNote    string
	CorrectsNumber string
	PDF            []byte
	// TestDrive: the invoice bills a test drive's fee (no rental, no
	// advances): the message says so instead of the final invoice's words.
	TestDrive bool
	// Kind is the document's kind (invoice.Kind): an invoice other than
	// the final (a later charge, a correction) or a credit note is named
	// as what it is.
	Kind string
}

// PayerInvoiceMail is the content of the message sending a payer (an
// insurer, a manufacturer programme, a fleet customer) its invoice for a
// rental: whose rental it was, the payer's claim number, the amount and
// when it is due. XML says the XRechnung is attached too.
type PayerInvoiceMail struct {
	InvoiceMail
	PayerName   string
	DriverName  string
	ClaimNumber string
	DueDate     time.Time
	XML         bool
}

// PayerDunningMail is the content of the message sending a payer a
// dunning notice: its level's title, the document it is about, what it
// claims and the new deadline.
type PayerDunningMail struct {
	Title          string // "Zahlungserinnerung", "1. Mahnung", "2. Mahnung"
	Number         string // the notice's
	InvoiceNumber  string
	ContractNumber string
	ClaimNumber    string // the payer's claim number ("" none)
	Claimed        int64
	DueDate        time.Time
	PDF            []byte
	Filename       string
}

// ProtocolMail is the content of a handover or return protocol message.
type ProtocolMail struct {
	CustomerName   string
	ContractNumber string
	Vehicle        string
	// Plate is the plate the car is driven on; for a red dealer plate it
	// says so, and OwnPlate names the car's own registration ("" otherwise).
	Plate         string
	OwnPlate      string
	Station       Station
	Time          time.Time
	Km            int64
	FuelEighths   int
	NoFuel        bool   // a pure electric car: no fuel level
	ChargePercent *int64 // state of charge of an electric or plug-in car
	NewDamages    int    // return only
	PDF           []byte
	// Use names a use other than a rental in the message's language ("Probefahrt"; "" for a rental): the
	// subject says it, and a return without a bill announces no final invoice.
	Use string
}

// Change is one changed term of a contract, in the message's language.
type Change struct {
	Label, Old, New string
	Effect          string // its effect on the price; "" when none
}

// ContractChange is the content of a contract-change notice.
type ContractChange struct {
	CustomerName   string
	ContractNumber string
	EffectiveAt    time.Time
	Changes        []Change
	PDF            []byte // optional updated contract
	Filename       string // of the PDF as stored ("" names it after the contract)
}

// FineLetter is the content of the message sending the letter about a
// fine, toll or parking ticket.
type FineLetter struct {
	CustomerName   string
	ContractNumber string
	Reference      string
	Authority      string
	PDF            []byte
	Filename       string
}

// PaymentFailed is the content of a payment-failed notice. Reason is a
// user-safe text (never card data or gateway internals).
type PaymentFailed struct {
	CustomerName   string
	ContractNumber string
	InvoiceNumber  string
	Amount         int64
	Reason         string
}

// PaymentReceipt confirms money taken at the counter (cash, the card
// terminal) or received by transfer — or, with Payout, given back that way.
type PaymentReceipt struct {
	CustomerName   string
	ContractNumber string
	Payout         bool
	Method         string // cash, terminal or transfer
	Amount         int64  // cents, positive
	On             time.Time
	Reference      string // terminal slip, bank reference
	Note           string // a payout: what it is for (e.g. the credit note's number)
	Open           int64  // what is still open on the contract afterwards (cents, ≥ 0)
}

// BookingFailed is the content of the notice that a booking could not be
// completed (its payment was declined or failed after the request was
// answered).
type BookingFailed struct {
	CustomerName      string
	ReservationNumber string
	Station           Station
	Pickup            time.Time
	Return            time.Time
	Reason            string // user-safe, in the message's language
	Charged           bool   // money was taken or reserved and is given back
}

// Cancellation is the content of a booking cancellation.
type Cancellation struct {
	CustomerName      string
	ReservationNumber string
	Station           Station
	Pickup            time.Time
	Return            time.Time
	Refund            int64 // cents refunded; 0 when none
	Category          string
	CancelledAt       time.Time
	Sequence          int   // the last revision of the calendar entries sent; the cancellation is the next
	Paid              int64 // rent paid at booking
	Fee               int64 // cancellation fee kept; 0 when none
	FeeWaived         int64 // the fee staff waived; 0 when none
	Deposit           int64 // deposit released
	DepositHold       bool  // the deposit was a hold on the card (released), not a charge (refunded)
}

// WebhookDisabled tells a tenant's administrator that a webhook endpoint
// was switched off after persistent failures (Reason "failing") or a 410
// Gone answer (Reason "gone").
type WebhookDisabled struct {
	AdminName  string
	URL        string
	Reason     string
	Since      time.Time // the first failure since the last success, or the 410 answer
	LastStatus int       // the HTTP status of the last attempt; 0: no answer
	LastError  string    // why the last attempt got no answer (a network error)
	Link       string    // the endpoint's page in the admin web ("" without --public-url)
}
