// Package search is the admin's global search: one text finds reservations,
// contracts, invoices, vehicles and customers by number, plate, VIN, name,
// e-mail or phone, grouped by kind, within what the signed-in actor may see.
package search

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRunes is the longest query text that is searched; longer input is cut.
const MaxRunes = 100

// PerGroup is how many hits of each kind a search returns at most.
const PerGroup = 8

// Hit is one found object. Ref is its title (number, plate or name); the
// other fields say what a person needs to recognise it.
type Hit struct {
	ID       int64
	Ref      string    // number (reservation, contract, invoice), plate (vehicle) or name (customer)
	Name     string    // customer name; make and model for a vehicle
	Plate    string    // plate of the assigned or rented car; VIN for a vehicle
	Email    string    // customer e-mail
	Phone    string    // customer phone
	Status   string    // raw status or invoice kind, translated by the page
	Kind     string    // a reservation's kind (rental, test_drive, internal, transfer), translated by the page; "" for the others
	From, To time.Time // period of a reservation or contract; issue date of an invoice (From)
	Cents    int64     // gross amount of an invoice
}

// Group is the hits of one kind, at most PerGroup; More says there are more.
type Group struct {
	Hits []Hit
	More bool
}

// Results are the hits of one search by kind.
type Results struct {
	Reservations, Contracts, Invoices, Vehicles, Customers Group
}

// Empty reports whether nothing was found.
func (r Results) Empty() bool {
	return len(r.Reservations.Hits)+len(r.Contracts.Hits)+len(r.Invoices.Hits)+len(r.Vehicles.Hits)+len(r.Customers.Hits) == 0
}

// Store runs a search within the actor of ctx: its tenant always, and only
// the stations of a station-bound user.
type Store interface {
	// Search returns the hits for text (see Normalize), at most PerGroup
	// per kind. Text that is empty after Normalize finds nothing. Errors:
	// KindUnauthorized, KindForbidden (no tenant).
	Search(ctx context.Context, text string) (Results, error)
}

// Normalize trims text, folds runs of white space into one space and cuts it
// to MaxRunes runes (never inside a character).
func Normalize(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > MaxRunes {
		text = string([]rune(text)[:MaxRunes])
	}
	return text
}

// Compact returns text without spaces, hyphens and dots, lower-cased: the
// form plates ("R-AB 123"), phone numbers and VINs are compared in.
func Compact(text string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '/', '(', ')':
			return -1
		}
		return r
	}, strings.ToLower(text))
}
