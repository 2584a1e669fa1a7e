package payment

import "strings"

// Brand is a card scheme.
type Brand string

// The card brands Mietwerk knows.
const (
	BrandVisa       Brand = "visa"
	BrandMastercard Brand = "mastercard"
	BrandMaestro    Brand = "maestro"
	BrandAmex       Brand = "amex"
	BrandDiners     Brand = "diners"
	BrandDiscover   Brand = "discover"
	BrandJCB        Brand = "jcb"
	BrandUnionPay   Brand = "unionpay"
	BrandUnknown    Brand = "unknown"
)

// DetectBrand returns the brand of a card number from its leading digits
// (the BIN ranges published by the schemes), or BrandUnknown. Only the
// prefix is looked at; the number need not be complete or valid.
func DetectBrand(number string) Brand {
	if !allDigits(number) {
		return BrandUnknown
	}
	p1, p2, p3, p4 := prefixNum(number, 1), prefixNum(number, 2), prefixNum(number, 3), prefixNum(number, 4)
	switch {
	case p2 == 34 || p2 == 37:
		return BrandAmex
	case p4 >= 3528 && p4 <= 3589:
		return BrandJCB
	case (p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39 || p4 == 3095:
		return BrandDiners
	case p1 == 4:
		return BrandVisa
	case (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720):
		return BrandMastercard
	case p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65:
		return BrandDiscover
	case p2 == 62:
		return BrandUnionPay
	case p2 == 50 || (p2 >= 56 && p2 <= 69):
		return BrandMaestro
	}
	return BrandUnknown
}

// ParseBrand maps a brand name as gateways spell it ("VISA", "MasterCard",
// "AMERICAN EXPRESS", "DINERSCLUB" ...) to a Brand; unknown names give
// BrandUnknown and the empty string gives "".
func ParseBrand(s string) Brand {
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
	switch n {
	case "":
		return ""
	case "visa", "visaelectron", "vpay":
		return BrandVisa
	case "mastercard", "mc", "mastercarddebit":
		return BrandMastercard
	case "maestro":
		return BrandMaestro
	case "amex", "americanexpress":
		return BrandAmex
	case "diners", "dinersclub":
		return BrandDiners
	case "discover":
		return BrandDiscover
	case "jcb":
		return BrandJCB
	case "unionpay", "chinaunionpay", "cup":
		return BrandUnionPay
	}
	return BrandUnknown
}
