package tenancy

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// MaxRentalTermsRunes is the longest rental terms text accepted (about 25
// printed pages).
const MaxRentalTermsRunes = 60000

// RentalTerms is one version of a tenant's rental terms (AGB). Versions are
// kept: a contract prints the version in force at its start.
type RentalTerms struct {
	ID        int64
	Body      string
	CreatedAt time.Time
	CreatedBy int64
}

// RentalTermsStore keeps the versions of the rental terms of the actor's
// tenant.
type RentalTermsStore interface {
	// RentalTermsAt returns the version in force at t (the newest created
	// at or before t); ok false when there was none.
	RentalTermsAt(ctx context.Context, t time.Time) (RentalTerms, bool, error)
	// SetRentalTerms stores body (see NormalizeRentalTerms) as the new
	// version, in force from now; an unchanged text stores nothing.
	// Errors: KindInvalid (field rental_terms), KindForbidden (no admin).
	SetRentalTerms(ctx context.Context, body string) error
}

// NormalizeRentalTerms unifies line ends and trims the text.
func NormalizeRentalTerms(body string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n"))
}

// ValidateRentalTerms checks a normalized text: valid UTF-8, no control
// characters but line breaks and tabs, at most MaxRentalTermsRunes.
// Errors: KindInvalid with field rental_terms.
func ValidateRentalTerms(body string) error {
	if !utf8.ValidString(body) || strings.ContainsFunc(body, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f
	}) {
		return errs.Invalid("error.fields_invalid", errs.Field("rental_terms", "tenant.rental_terms_chars"))
	}
	if n := utf8.RuneCountInString(body); n > MaxRentalTermsRunes {
		return errs.Invalid("error.fields_invalid", errs.Field("rental_terms", "tenant.rental_terms_too_long",
			locale.Params{"max": MaxRentalTermsRunes, "n": n}))
	}
	return nil
}
