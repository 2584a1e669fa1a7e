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
	CreatedAt       time.Time
	UpdatedAt       time.Time
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
	for _, p := range []*string{&c.Email, &c.Company, &c.FirstName, &c.LastName, &c.Street, &c.PostalCode, &c.City,
		&c.Phone, &c.VATID, &c.LicenceNumber, &c.LicenceClass} {
		*p = strings.TrimSpace(*p)
	}
	c.Country = strings.ToUpper(strings.TrimSpace(c.Country))
	if c.Country == "" {
		c.Country = "DE"
	}
	c.LicenceCountry = strings.ToUpper(strings.TrimSpace(c.LicenceCountry))
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	if c.Language == "" {
		c.Language = "de"
	}
}

var phoneRE = regexp.MustCompile(`^\+?[0-9 ()/-]{6,25}$`)

// Validate returns a KindInvalid error naming every invalid field (prefixed
// with prefix, e.g. "customer."). now is used for the age check.
func (c Customer) Validate(prefix string, now time.Time) error {
	var f errs.Fields
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || !strings.Contains(c.Email, ".") {
		f.Add(prefix+"email", "enter a valid e-mail address such as name@example.com")
	}
	if c.FirstName == "" {
		f.Add(prefix+"first_name", "enter the first name")
	}
	if c.LastName == "" {
		f.Add(prefix+"last_name", "enter the last name")
	}
	if c.Street == "" {
		f.Add(prefix+"street", "enter street and house number")
	}
	if c.PostalCode == "" {
		f.Add(prefix+"postal_code", "enter the postal code")
	} else if c.Country == "DE" && !regexp.MustCompile(`^\d{5}$`).MatchString(c.PostalCode) {
		f.Add(prefix+"postal_code", "a German postal code has 5 digits")
	}
	if c.City == "" {
		f.Add(prefix+"city", "enter the town")
	}
	if !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(c.Country) {
		f.Add(prefix+"country", "use a two-letter country code such as DE")
	}
	if c.Phone != "" && !phoneRE.MatchString(c.Phone) {
		f.Add(prefix+"phone", "enter a phone number such as +49 941 123456")
	}
	if c.BirthDate != "" {
		b, err := time.Parse("2006-01-02", c.BirthDate)
		if err != nil {
			f.Add(prefix+"birth_date", "enter the date of birth as YYYY-MM-DD")
		} else if b.AddDate(18, 0, 0).After(now) {
			f.Add(prefix+"birth_date", "the driver must be at least 18 years old")
		} else if b.Year() < 1900 {
			f.Add(prefix+"birth_date", "check the year of birth")
		}
	}
	if c.Language != "de" && c.Language != "en" {
		f.Add(prefix+"language", "choose de or en")
	}
	if c.LicenceIssuedOn != "" {
		if _, err := time.Parse("2006-01-02", c.LicenceIssuedOn); err != nil {
			f.Add(prefix+"driving_licence.issued_on", "enter the issue date as YYYY-MM-DD")
		}
	}
	return f.Err()
}

// Change is one field a customer upsert changed.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
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
