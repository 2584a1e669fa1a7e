package document

import "mietwerk.dev/mietwerk/invoice"

// Lang is a document language.
type Lang string

// The supported languages; German is the default.
const (
	German  Lang = "de"
	English Lang = "en"
)

// Or returns l when it is supported, else German.
func (l Lang) Or() Lang {
	if l == English {
		return English
	}
	return German
}

// Branding is what a tenant prints on every document: its legal identity,
// the legal footer and an optional logo.
type Branding struct {
	LegalName         string // "Autohaus König GmbH"
	Address           invoice.Address
	Phone             string
	Email             string
	Website           string
	VATID             string // USt-IdNr
	TaxNumber         string // Steuernummer
	RegisterCourt     string // "Amtsgericht Hamburg"
	RegisterNumber    string // "HRB 12345"
	ManagingDirectors []string
	BankName          string
	IBAN              string
	BIC               string
	LogoPNG           []byte // optional; PNG only
}
