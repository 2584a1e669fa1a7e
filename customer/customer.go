// Package customer owns a tenant's customers: unique per tenant by e-mail
// (case-insensitive), with address, contact, date of birth, language and
// driving licence, and GDPR restriction.
package customer

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Customer is a renter.
type Customer struct {
	ID              int64
	TenantID        int64
	Email           string
	Company         string
	FirstName       string
	LastName        string
	Street          string
	PostalCode      string
	City            string
	Country         string
	Phone           string
	BirthDate       string // YYYY-MM-DD
	Language        string // "de" or "en"
	VATID           string
	LicenceNumber   string
	LicenceClass    string
	LicenceIssuedOn string // YYYY-MM-DD
	LicenceCountry  string
	RestrictedAt    *time.Time
	// Test marks a customer a test-mode API key made (unique apart from the
	// real customers with the same e-mail address; wiped with the test data).
	Test      bool `json:"-"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Name returns "First Last" (and the company first when set).
func (c Customer) Name() string {
	n := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if c.Company != "" {
		return c.Company + ", " + n
	}
	return n
}

// Normalize trims input and applies defaults.
func (c *Customer) Normalize() {
	c.Tidy()
	if c.Country == "" {
		c.Country = "DE"
	}
	if c.Language == "" {
		c.Language = "de"
	}
}

// Tidy trims input and puts codes in their case, without defaults: a
// partial change (see Merge) keeps its empty fields empty.
func (c *Customer) Tidy() {
	for _, p := range []*string{&c.Email, &c.Company, &c.FirstName, &c.LastName, &c.Street, &c.PostalCode, &c.City,
		&c.Phone, &c.VATID, &c.LicenceNumber, &c.LicenceClass, &c.BirthDate, &c.LicenceIssuedOn} {
		*p = strings.TrimSpace(*p)
	}
	c.Country = strings.ToUpper(strings.TrimSpace(c.Country))
	c.LicenceCountry = strings.ToUpper(strings.TrimSpace(c.LicenceCountry))
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
}

var phoneRE = regexp.MustCompile(`^\+?[0-9 ()/-]{6,25}$`)

// Validate returns a KindInvalid error naming every invalid field (prefixed
// with prefix, e.g. "customer."): required fields, formats, and for every
// text field one line (no line break, tab or control character, which
// would break e-mail headers and documents) of at most its Max… length.
// now is used for the age check.
func (c Customer) Validate(prefix string, now time.Time) error {
	var f errs.Fields
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || !strings.Contains(c.Email, ".") {
		f.Add(prefix+"email", "customer.email_invalid")
	}
	if c.FirstName == "" {
		f.Add(prefix+"first_name", "person.first_name_required")
	}
	if c.LastName == "" {
		f.Add(prefix+"last_name", "person.last_name_required")
	}
	if c.Street == "" {
		f.Add(prefix+"street", "address.street_required")
	}
	if c.PostalCode == "" {
		f.Add(prefix+"postal_code", "address.postal_code_required")
	} else if c.Country == "DE" && !regexp.MustCompile(`^\d{5}$`).MatchString(c.PostalCode) {
		f.Add(prefix+"postal_code", "address.postal_code_de")
	}
	if c.City == "" {
		f.Add(prefix+"city", "address.city_required")
	}
	if !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(c.Country) {
		f.Add(prefix+"country", "address.country_code")
	}
	if c.Phone != "" && !phoneRE.MatchString(c.Phone) {
		f.Add(prefix+"phone", "customer.phone_invalid")
	}
	if c.BirthDate != "" {
		b, err := time.Parse("2006-01-02", c.BirthDate)
		if err != nil {
			f.Add(prefix+"birth_date", "person.birth_date_format")
		} else if b.AddDate(18, 0, 0).After(now) {
			f.Add(prefix+"birth_date", "person.min_age", locale.Params{"age": 18})
		} else if b.Year() < 1900 {
			f.Add(prefix+"birth_date", "person.birth_year_check")
		}
	}
	if c.Language != "de" && c.Language != "en" {
		f.Add(prefix+"language", "field.language_choose")
	}
	if c.LicenceIssuedOn != "" {
		if _, err := time.Parse("2006-01-02", c.LicenceIssuedOn); err != nil {
			f.Add(prefix+"driving_licence.issued_on", "licence.issued_on_format")
		}
	}
	if c.LicenceCountry != "" && !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(c.LicenceCountry) {
		f.Add(prefix+"driving_licence.country", "address.country_code")
	}
	l := errs.Limited
	f.Lines(prefix, l("email", c.Email, MaxEmail), l("company", c.Company, MaxCompany), l("first_name", c.FirstName, MaxName),
		l("last_name", c.LastName, MaxName), l("street", c.Street, MaxStreet), l("postal_code", c.PostalCode, MaxPostalCode),
		l("city", c.City, MaxCity), l("phone", c.Phone, MaxPhone), l("vat_id", c.VATID, MaxVATID),
		l("driving_licence.number", c.LicenceNumber, MaxLicence), l("driving_licence.class", c.LicenceClass, MaxLicence))
	return f.Err()
}

// The longest value (in characters) each text field of a customer takes:
// what fits on an invoice line, a contract and an e-mail header.
const (
	MaxEmail      = 254 // RFC 5321
	MaxCompany    = 100
	MaxName       = 80 // first and last name each
	MaxStreet     = 100
	MaxPostalCode = 10
	MaxCity       = 80
	MaxPhone      = 25
	MaxVATID      = 20
	MaxLicence    = 30 // licence number and class
)

// Billing is the name and billing address a booking was made with. Every
// reservation and contract keeps its own (the booking snapshot), and its
// documents print it, whatever the customer record says later: the record
// itself changes only when a booking succeeds (or staff change it).
type Billing struct {
	Company    string `json:"company"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"`
	VATID      string `json:"vat_id"`
}

// Billing returns the customer's name and billing address.
func (c Customer) Billing() Billing {
	return Billing{Company: c.Company, FirstName: c.FirstName, LastName: c.LastName, Street: c.Street, PostalCode: c.PostalCode,
		City: c.City, Country: c.Country, VATID: c.VATID}
}

// Empty reports whether b holds nothing (a booking from before snapshots
// whose customer was never known).
func (b Billing) Empty() bool { return b == Billing{} }

// Of returns c as the booking with snapshot b shows it: b's name and
// billing address, c's e-mail, phone, licence and the rest. An empty b
// leaves c as it is.
func (b Billing) Of(c Customer) Customer {
	if b.Empty() {
		return c
	}
	c.Company, c.FirstName, c.LastName, c.Street, c.PostalCode = b.Company, b.FirstName, b.LastName, b.Street, b.PostalCode
	c.City, c.Country, c.VATID = b.City, b.Country, b.VATID
	return c
}

// Change is one field a customer upsert changed.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// ActionBookingUpdate is the audit action of a change a booking made to the
// customer record (logged with a BookingUpdate), apart from "update" by
// staff.
const ActionBookingUpdate = "booking_update"

// BookingUpdate is what the audit log keeps of a change a booking made to
// the customer record: the booking and the fields.
type BookingUpdate struct {
	Booking string   `json:"booking"`
	Changes []Change `json:"changes"`
}

// Merge copies the non-empty fields of in onto c and returns what changed.
// The e-mail (the identity) is kept as first stored except for letter case.
func (c *Customer) Merge(in Customer) []Change {
	var ch []Change
	set := func(name string, p *string, v string) {
		if v != "" && v != *p {
			ch = append(ch, Change{Field: name, Before: *p, After: v})
			*p = v
		}
	}
	set("company", &c.Company, in.Company)
	set("first_name", &c.FirstName, in.FirstName)
	set("last_name", &c.LastName, in.LastName)
	set("street", &c.Street, in.Street)
	set("postal_code", &c.PostalCode, in.PostalCode)
	set("city", &c.City, in.City)
	set("country", &c.Country, in.Country)
	set("phone", &c.Phone, in.Phone)
	set("birth_date", &c.BirthDate, in.BirthDate)
	set("language", &c.Language, in.Language)
	set("vat_id", &c.VATID, in.VATID)
	set("licence_number", &c.LicenceNumber, in.LicenceNumber)
	set("licence_class", &c.LicenceClass, in.LicenceClass)
	set("licence_issued_on", &c.LicenceIssuedOn, in.LicenceIssuedOn)
	set("licence_country", &c.LicenceCountry, in.LicenceCountry)
	return ch
}

// Store is what customers need from storage, scoped to the actor's tenant.
type Store interface {
	// UpsertCustomer finds the customer by e-mail (case-insensitive) and
	// updates changed fields (recording them in the audit log), or creates
	// it. created tells which; changes lists what an update changed.
	UpsertCustomer(ctx context.Context, c *Customer) (created bool, changes []Change, err error)
	Customer(ctx context.Context, id int64) (Customer, error)
	CustomerByEmail(ctx context.Context, email string) (Customer, error)
}
