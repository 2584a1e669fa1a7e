package payment

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Card is a payment card as the customer typed it in. It exists only in
// memory on its way to the gateway: Number and CVV must never be stored,
// logged or echoed (design invariant 6).
//
// Every way the standard library formats or encodes a Card (fmt verbs,
// slog, encoding/json) shows only the brand and the last four digits.
type Card struct {
	Number   string // PAN, digits only
	ExpMonth int    // 1..12
	ExpYear  int    // four digits, e.g. 2030
	CVV      string // 3 or 4 digits; optional for some flows
	Holder   string // name on the card; optional
}

// Brand returns the card brand detected from the number's leading digits.
func (c Card) Brand() Brand { return DetectBrand(c.Number) }

// Last4 returns the last four digits of the number ("" if it has fewer).
func (c Card) Last4() string { return Last4(c.Number) }

// Info returns what may be kept and shown about the card: brand, last 4
// digits and expiry.
func (c Card) Info() CardInfo {
	return CardInfo{Brand: c.Brand(), Last4: c.Last4(), ExpMonth: c.ExpMonth, ExpYear: c.ExpYear}
}

// String shows only the brand and the last four digits, e.g. "visa ****1111".
func (c Card) String() string { return c.Info().String() }

// GoString is the same as String, so that %#v never reveals the number.
func (c Card) GoString() string { return "payment.Card{" + c.String() + "}" }

// Format makes every fmt verb (%v, %+v, %#v, %s, %d, %x, %q ...) print the
// redacted form.
func (c Card) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue makes slog log the brand, last 4 and expiry, never the number.
func (c Card) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("brand", string(c.Brand())),
		slog.String("last4", c.Last4()),
	)
}

// MarshalJSON encodes only the brand and the last four digits. A Card
// therefore does not survive a JSON round trip, on purpose.
func (c Card) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Brand Brand  `json:"brand"`
		Last4 string `json:"last4"`
	}{c.Brand(), c.Last4()})
}

// Expired reports whether the card's expiry month lies before now's month
// (a card is valid through the last day of its expiry month).
func (c Card) Expired(now time.Time) bool {
	y, m := now.Year(), int(now.Month())
	return c.ExpYear < y || (c.ExpYear == y && c.ExpMonth < m)
}

// Validate checks the card's shape: a 13–19 digit number passing the Luhn
// check, month 1..12, a four-digit year, a 3–4 digit CVV when given (4 for
// American Express) and a holder name of at most 100 characters. It does not
// check expiry against a clock (see Expired): the issuer decides that.
// Field names are prefixed with prefix (e.g. "card."); messages never
// contain the number.
func (c Card) Validate(prefix string) error {
	var f errs.Fields
	c.validateInto(&f, prefix)
	return f.Err()
}

func (c Card) validateInto(f *errs.Fields, prefix string) {
	switch {
	case c.Number == "":
		f.Add(prefix+"number", "field.required")
	case !allDigits(c.Number) || len(c.Number) < 13 || len(c.Number) > 19:
		f.Add(prefix+"number", "card.number_length")
	case !LuhnValid(c.Number):
		f.Add(prefix+"number", "card.number_invalid")
	}
	if c.ExpMonth < 1 || c.ExpMonth > 12 {
		f.Add(prefix+"expMonth", "card.exp_month")
	}
	if c.ExpYear < 2000 || c.ExpYear > 2099 {
		f.Add(prefix+"expYear", "card.exp_year_format")
	}
	if c.CVV != "" {
		want := 3
		if c.Brand() == BrandAmex {
			want = 4
		}
		if !allDigits(c.CVV) || len(c.CVV) != want {
			f.Add(prefix+"cvv", "card.cvv_digits", locale.Params{"n": want})
		}
	}
	if len([]rune(c.Holder)) > 100 {
		f.Add(prefix+"holder", "field.too_long", locale.Params{"n": 100})
	}
}

// CardInfo is what may be stored and shown about a card: never the number
// or the security code.
type CardInfo struct {
	Brand    Brand  `json:"brand,omitempty"`
	Last4    string `json:"last4,omitempty"`
	ExpMonth int    `json:"expMonth,omitempty"`
	ExpYear  int    `json:"expYear,omitempty"`
}

// String renders e.g. "visa ****1111 12/2030" (parts that are unknown are left out).
func (i CardInfo) String() string {
	var b strings.Builder
	b.WriteString(string(i.Brand))
	if i.Brand == "" {
		b.WriteString(string(BrandUnknown))
	}
	if i.Last4 != "" {
		b.WriteString(" ****")
		b.WriteString(i.Last4)
	}
	if i.ExpMonth != 0 && i.ExpYear != 0 {
		fmt.Fprintf(&b, " %02d/%d", i.ExpMonth, i.ExpYear)
	}
	return b.String()
}

// Last4 returns the last four characters of a card number, or "" when it
// is shorter than four characters.
func Last4(number string) string {
	if len(number) < 4 {
		return ""
	}
	return number[len(number)-4:]
}

// LuhnValid reports whether number consists of digits only and passes the
// Luhn (mod 10) check. The empty string is not valid.
func LuhnValid(number string) bool {
	if number == "" || !allDigits(number) {
		return false
	}
	sum := 0
	double := false
	for i := len(number) - 1; i >= 0; i-- {
		d := int(number[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// prefixNum returns the first n digits of number as an int, or -1.
func prefixNum(number string, n int) int {
	if len(number) < n {
		return -1
	}
	v, err := strconv.Atoi(number[:n])
	if err != nil {
		return -1
	}
	return v
}
