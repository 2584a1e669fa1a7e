package document

import (
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

// Lang is a document language: a language of the message catalog.
type Lang = locale.Lang

// The supported languages; German is the default.
const (
	German  = locale.German
	English = locale.English
)

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
