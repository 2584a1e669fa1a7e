package telecashsim

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/payment"
)

// currencies the simulated store accepts: alphabetic and numeric ISO 4217
// codes with their minor digits.
var currencies = map[string]int{
	"EUR": 2, "978": 2, "USD": 2, "840": 2, "GBP": 2, "826": 2, "CHF": 2, "756": 2,
	"PLN": 2, "985": 2, "CZK": 2, "203": 2, "DKK": 2, "208": 2, "SEK": 2, "752": 2, "JPY": 0, "392": 0,
}

// alphaOf maps numeric currency codes to alphabetic ones, so amounts in
// "978" and "EUR" add up.
var alphaOf = map[string]string{"978": "EUR", "840": "USD", "826": "GBP", "756": "CHF", "985": "PLN", "203": "CZK", "208": "DKK", "752": "SEK", "392": "JPY"}

func canonicalCurrency(c string) string {
	if a, ok := alphaOf[c]; ok {
		return a
	}
	return c
}

// problems collects schema errors for a 400 answer.
type problems struct {
	details  []respErrorDetail
	cardCode bool // an invalid card number: error.code 2303
}

func (p *problems) add(field, msg string) {
	p.details = append(p.details, respErrorDetail{Field: field, Message: msg})
}

func (p *problems) empty() bool { return len(p.details) == 0 }

// amount parses transactionAmount into minor units. total may be a JSON
// string or number.
func (p *problems) amount(a *reqAmount, required bool) (int64, string) {
	if a == nil {
		if required {
			p.add("transactionAmount", "may not be null")
		}
		return 0, ""
	}
	digits, ok := currencies[a.Currency]
	if !ok {
		p.add("transactionAmount.currency", "Invalid currency")
		digits = 2 // judge the total on its own
	}
	raw := bytes.TrimSpace(a.Total)
	var text string
	if len(raw) > 0 && raw[0] == '"' {
		_ = json.Unmarshal(raw, &text)
	} else {
		text = string(raw)
	}
	cents, okAmt := parseTotal(text, digits)
	if !okAmt || cents <= 0 {
		p.add("transactionAmount.total", "must be a positive amount with at most "+strconv.Itoa(digits)+" decimals")
	}
	return cents, a.Currency
}

// parseTotal parses a non-negative decimal without exponent.
func parseTotal(s string, digits int) (int64, bool) {
	ip, frac, dot := strings.Cut(s, ".")
	if ip == "" || len(frac) > digits || (dot && frac == "") || len(ip) > 12 {
		return 0, false
	}
	for _, c := range ip + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	for len(frac) < digits {
		frac += "0"
	}
	n, err := strconv.ParseInt(ip+frac, 10, 64)
	return n, err == nil
}

// card checks a paymentCard and returns its kept info.
func (p *problems) card(c *reqCard, prefix string) (cardInfo, bool) {
	if c == nil {
		p.add(prefix, "may not be null")
		return cardInfo{}, false
	}
	ok := true
	switch {
	case c.Number == "":
		p.add(prefix+".number", "may not be null")
		p.cardCode, ok = true, false
	case len(c.Number) < 13 || len(c.Number) > 19 || !payment.LuhnValid(c.Number):
		p.add(prefix+".number", "Invalid credit card number")
		p.cardCode, ok = true, false
	}
	if c.SecurityCode != "" && !digitsLen(c.SecurityCode, 3, 4) {
		p.add(prefix+".securityCode", "must match [0-9]{3,4}")
	}
	var month, year int
	if c.ExpiryDate == nil {
		p.add(prefix+".expiryDate", "may not be null")
		ok = false
	} else {
		m, err := strconv.Atoi(c.ExpiryDate.Month)
		if err != nil || len(c.ExpiryDate.Month) != 2 || m < 1 || m > 12 {
			p.add(prefix+".expiryDate.month", "must match (0[1-9]|1[0-2])")
			ok = false
		}
		y, err := strconv.Atoi(c.ExpiryDate.Year)
		if err != nil || (len(c.ExpiryDate.Year) != 2 && len(c.ExpiryDate.Year) != 4) {
			p.add(prefix+".expiryDate.year", "must match [0-9]{2} or [0-9]{4}")
			ok = false
		}
		if y < 100 {
			y += 2000
		}
		month, year = m, y
	}
	if utf8.RuneCountInString(c.CardholderName) > 96 {
		p.add(prefix+".cardholderName", "size must be between 0 and 96")
	}
	if !ok {
		return cardInfo{}, false
	}
	return newCardInfo(c.Number, month, year), true
}

// common checks fields every transaction request may carry.
func (p *problems) common(b *reqBody) {
	if n := len(b.MerchantTransactionID); n > 40 {
		p.add("merchantTransactionId", "size must be between 0 and 40")
	}
	if b.Order != nil {
		if len(b.Order.OrderID) > 100 {
			p.add("order.orderId", "size must be between 0 and 100")
		}
		if e := b.Order.IndustrySpecificExtensions; e != nil && e.CarRental != nil {
			cr := e.CarRental
			for _, f := range []struct{ name, v string }{{"agreementNumber", cr.AgreementNumber}, {"renterName", cr.RenterName}, {"returnCity", cr.ReturnCity}} {
				if utf8.RuneCountInString(f.v) > 20 {
					p.add("order.industrySpecificExtensions.carRental."+f.name, "size must be between 0 and 20")
				}
			}
			for _, f := range []struct{ name, v string }{{"pickupDate", cr.PickupDate}, {"returnDate", cr.ReturnDate}} {
				if f.v != "" && !isDate(f.v) {
					p.add("order.industrySpecificExtensions.carRental."+f.name, "must be a date YYYY-MM-DD")
				}
			}
		}
	}
	if sc := b.StoredCredentials; sc != nil {
		if sc.Sequence != "FIRST" && sc.Sequence != "SUBSEQUENT" {
			p.add("storedCredentials.sequence", "must be FIRST or SUBSEQUENT")
		}
		if sc.Scheduled == nil {
			p.add("storedCredentials.scheduled", "may not be null")
		}
		if sc.Initiator != "" && sc.Initiator != "MERCHANT" && sc.Initiator != "CARDHOLDER" {
			p.add("storedCredentials.initiator", "must be MERCHANT or CARDHOLDER")
		}
		if len(sc.ReferencedSchemeTransactionID) > 50 {
			p.add("storedCredentials.referencedSchemeTransactionId", "size must be between 0 and 50")
		}
	}
}

func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range s {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func digitsLen(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// brandName names a card brand as the IPG does.
func brandName(number string) string {
	switch payment.DetectBrand(number) {
	case payment.BrandVisa:
		return "VISA"
	case payment.BrandMastercard:
		return "MASTERCARD"
	case payment.BrandMaestro:
		return "MAESTRO"
	case payment.BrandAmex:
		return "AMEX"
	case payment.BrandDiners:
		return "DINERSCLUB"
	case payment.BrandDiscover:
		return "DISCOVER"
	case payment.BrandJCB:
		return "JCB"
	case payment.BrandUnionPay:
		return "CHINAUNIONPAY"
	}
	return "UNKNOWN"
}
