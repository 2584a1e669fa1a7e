package payment

import (
	"fmt"

	"mietwerk.dev/mietwerk/errs"
)

// Amount is money in the currency's minor unit (cents for EUR) with its
// ISO 4217 alphabetic currency code.
type Amount struct {
	Cents    int64  `json:"cents"`
	Currency string `json:"currency"`
}

// EUR returns an amount of cents euro cents.
func EUR(cents int64) Amount { return Amount{Cents: cents, Currency: "EUR"} }

// MaxCents is the largest amount one gateway request may carry (99 999 999.99).
const MaxCents = 9_999_999_999

// minorUnits lists the currencies the gateway layer accepts and their
// number of minor-unit digits (ISO 4217).
var minorUnits = map[string]int{
	"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "PLN": 2, "CZK": 2, "DKK": 2,
	"SEK": 2, "NOK": 2, "HUF": 2, "RON": 2, "BGN": 2, "JPY": 0,
}

// MinorUnits returns the number of minor-unit digits of an ISO 4217 code
// and whether the currency is supported.
func MinorUnits(currency string) (int, bool) {
	d, ok := minorUnits[currency]
	return d, ok
}

// Validate checks that the amount is positive, at most MaxCents, and in a
// supported currency. Field names are prefixed with prefix.
func (a Amount) Validate(prefix string) error {
	var f errs.Fields
	a.validateInto(&f, prefix)
	return f.Err()
}

func (a Amount) validateInto(f *errs.Fields, prefix string) {
	if a.Cents <= 0 {
		f.Add(prefix+"cents", "field.positive")
	} else if a.Cents > MaxCents {
		f.Add(prefix+"cents", "field.too_large")
	}
	if _, ok := MinorUnits(a.Currency); !ok {
		f.Add(prefix+"currency", "payment.currency_unsupported")
	}
}

// Decimal renders the amount as a decimal string with the currency's minor
// digits, e.g. "13.00" for 1300 EUR cents and "1300" for 1300 JPY.
func (a Amount) Decimal() string {
	d, _ := MinorUnits(a.Currency)
	neg := a.Cents < 0
	c := a.Cents
	if neg {
		c = -c
	}
	s := fmt.Sprintf("%d", c)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String renders e.g. "13.00 EUR".
func (a Amount) String() string { return a.Decimal() + " " + a.Currency }
