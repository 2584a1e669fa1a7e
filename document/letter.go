package document

import "time"

// LetterDoc is a letter of the tenant's: to an authority (the keeper's
// answer about a fine) or to a customer. The texts come finished in Lang;
// the renderer only lays them out.
type LetterDoc struct {
	Lang     Lang
	Location *time.Location // nil means UTC
	Branding Branding
	Date     time.Time // the letter's date; also its creation date
	// Recipient is the name and the address lines of the addressee.
	Recipient []string
	Subject   string
	// Facts are label/value rows printed under the subject (reference,
	// offence time, vehicle …); rows with an empty value are left out.
	Facts [][2]string
	// Sections are headed groups of rows (e.g. one per driver).
	Sections []LetterSection
	// Paragraphs are the body, printed after the facts.
	Paragraphs []string
	Closing    string // "Mit freundlichen Grüßen"
	// Signature, when set, is printed after the body instead of the
	// tenant's closing: a declaration the addressee's counterpart signed
	// (the customer's assignment of claims).
	Signature *LetterSignature
}

// LetterSignature is a handwritten signature under a letter: the place and
// time line, the image drawn on the tablet and the signer's name.
type LetterSignature struct {
	Label string // "Regensburg, 05.12.2026, 10:32 Uhr"
	PNG   []byte
	Name  string
}

// LetterSection is a heading with label/value rows.
type LetterSection struct {
	Heading string
	Rows    [][2]string
}
