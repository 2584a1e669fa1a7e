package tenancy

import (
	"math/big"
	"net/mail"
	"regexp"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

var (
	vatIDRE   = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z+*.]{2,12}$`)
	ibanRE    = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[0-9A-Z]{10,30}$`)
	bicRE     = regexp.MustCompile(`^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Normalize trims the tenant's text settings and upper-cases codes.
func (t *Tenant) Normalize() {
	for _, p := range []*string{&t.Name, &t.LegalName, &t.Street, &t.PostalCode, &t.City, &t.Phone, &t.Email,
		&t.Website, &t.TaxNumber, &t.RegisterCourt, &t.RegisterNumber, &t.ManagingDirectors, &t.BankName,
		&t.InvoiceNumberPattern, &t.CreditNumberPattern, &t.BookingNumberPrefix, &t.MailFrom, &t.MailReplyTo,
		&t.Gateway.StoreID, &t.Gateway.APIKey, &t.Gateway.SimulatorURL} {
		*p = strings.TrimSpace(*p)
	}
	t.Country = strings.ToUpper(strings.TrimSpace(t.Country))
	t.VATID = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(t.VATID), " ", ""))
	t.IBAN = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(t.IBAN), " ", ""))
	t.BIC = strings.ToUpper(strings.TrimSpace(t.BIC))
}

// ValidIBAN reports whether iban (no spaces, upper case) passes the ISO 13616
// mod-97 check.
func ValidIBAN(iban string) bool {
	if !ibanRE.MatchString(iban) {
		return false
	}
	var digits strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// Validate returns a KindInvalid error naming every invalid setting, or nil.
// validPattern checks an invoice number pattern (see invoice.ValidatePattern);
// it is passed in so that this package does not depend on invoicing.
// Field names match the settings form.
func (t Tenant) Validate(validPattern func(string) error) error {
	var f errs.Fields
	t.documentsInto(&f, validPattern)
	if t.IBAN != "" && !ValidIBAN(t.IBAN) {
		f.Add("iban", "tenant.iban_invalid")
	}
	if t.BIC != "" && !bicRE.MatchString(t.BIC) {
		f.Add("bic", "tenant.bic_format")
	}
	if t.DefaultLanguage != "de" && t.DefaultLanguage != "en" {
		f.Add("default_language", "field.language_choose")
	}
	if !regexp.MustCompile(`^[A-Z0-9]{1,4}$`).MatchString(t.BookingNumberPrefix) {
		f.Add("booking_number_prefix", "tenant.booking_prefix_format")
	}
	t.rulesInto(&f)
	return f.Err()
}

// ReadyForBookings reports what the tenant's setup lacks for a booking to
// issue its invoice and e-mail, checked before any card is charged: the
// supplier data every invoice needs (§14 UStG), valid number patterns, the
// currency, sender addresses, and names that fit on one line. Errors:
// KindUnavailable "booking_setup_incomplete" with a field error per
// setting (named as in the settings form, prefixed "settings.").
func (t Tenant) ReadyForBookings(validPattern func(string) error) error {
	var f errs.Fields
	t.documentsInto(&f, validPattern)
	if t.Currency != "EUR" {
		f.Add("currency", "field.invalid")
	}
	return notReady("settings.", f)
}

// notReady turns what a setup lacks into the error of a booking that
// cannot go ahead (nil when nothing is missing).
func notReady(prefix string, f errs.Fields) error {
	if len(f) == 0 {
		return nil
	}
	e := errs.New(errs.KindUnavailable, "booking_setup_incomplete")
	for _, fe := range f {
		fe.Field = prefix + fe.Field
		e.Fields = append(e.Fields, fe)
	}
	return e
}

// Longest values of the tenant's text settings (characters).
const (
	MaxTenantText = 200 // names, address lines, bank and register data
	MaxTenantCode = 40  // tax number, VAT id, postal code, phone
)

// documentsInto checks what every invoice and e-mail of the tenant prints:
// company and address, tax id, number patterns, sender addresses, each
// text on one line and not too long.
func (t Tenant) documentsInto(f *errs.Fields, validPattern func(string) error) {
	if t.Name == "" {
		f.Add("name", "tenant.name_required")
	}
	if t.LegalName == "" {
		f.Add("legal_name", "tenant.legal_name_required")
	}
	if t.Street == "" {
		f.Add("street", "tenant.street_required")
	}
	if t.PostalCode == "" {
		f.Add("postal_code", "tenant.postal_code_required")
	}
	if t.City == "" {
		f.Add("city", "tenant.city_required")
	}
	if !countryRE.MatchString(t.Country) {
		f.Add("country", "address.country_code")
	}
	if t.VATID == "" && t.TaxNumber == "" {
		f.Add("vat_id", "tenant.tax_id_required")
	}
	if t.VATID != "" && !vatIDRE.MatchString(t.VATID) {
		f.Add("vat_id", "tenant.vat_id_format")
	}
	for field, addr := range map[string]string{"email": t.Email, "mail_from": t.MailFrom, "mail_reply_to": t.MailReplyTo} {
		if addr != "" {
			if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
				f.Add(field, "tenant.email_plain")
			}
		}
	}
	if t.VATRateBP < 0 || t.VATRateBP > 10000 {
		f.Add("vat_rate", "field.between", locale.Params{"min": locale.Percent(0), "max": locale.Percent(10000)})
	}
	for field, p := range map[string]string{"invoice_number_pattern": t.InvoiceNumberPattern, "credit_number_pattern": t.CreditNumberPattern} {
		if p == "" {
			f.Add(field, "tenant.pattern_required")
		} else {
			f.AddFrom(field, validPattern(p))
		}
	}
	if t.InvoiceNumberPattern != "" && t.InvoiceNumberPattern == t.CreditNumberPattern {
		f.Add("credit_number_pattern", "tenant.credit_pattern_own")
	}
	l := errs.Limited
	f.Lines("", l("name", t.Name, MaxTenantText), l("legal_name", t.LegalName, MaxTenantText), l("street", t.Street, MaxTenantText),
		l("postal_code", t.PostalCode, MaxTenantCode), l("city", t.City, MaxTenantText), l("phone", t.Phone, MaxTenantCode),
		l("email", t.Email, MaxTenantText), l("website", t.Website, MaxTenantText), l("vat_id", t.VATID, MaxTenantCode),
		l("tax_number", t.TaxNumber, MaxTenantCode), l("register_court", t.RegisterCourt, MaxTenantText),
		l("register_number", t.RegisterNumber, MaxTenantCode), l("managing_directors", t.ManagingDirectors, MaxTenantText),
		l("bank_name", t.BankName, MaxTenantText), l("mail_from", t.MailFrom, MaxTenantText), l("mail_reply_to", t.MailReplyTo, MaxTenantText))
}

// rulesInto checks the tenant's rental and payment rules.
func (t Tenant) rulesInto(f *errs.Fields) {
	if t.DepositMode != "charge" && t.DepositMode != "preauth" {
		f.Add("deposit_mode", "tenant.deposit_mode_choose")
	}
	if t.DepositSettlement != "release" && t.DepositSettlement != "set_off" {
		f.Add("deposit_settlement", "tenant.deposit_settlement_choose")
	}
	rangeCheck := func(field string, v, lo, hi int, code locale.Key) {
		if v < lo || v > hi {
			f.Add(field, code, locale.Params{"min": lo, "max": hi})
		}
	}
	rangeCheck("min_notice_minutes", t.MinNoticeMinutes, 0, 7*24*60, "field.between_minutes")
	rangeCheck("early_handover_minutes", t.EarlyHandoverMinutes, 0, 7*24*60, "field.between_minutes")
	rangeCheck("max_rental_days", t.MaxRentalDays, 1, 366, "field.between_days")
	rangeCheck("cancel_free_hours", t.CancelFreeHours, 0, 720, "field.between_hours")
	rangeCheck("retention_years", t.RetentionYears, 6, 30, "tenant.retention_years_range")
	rangeCheck("photo_retention_days", t.PhotoRetentionDays, 1, 3650, "field.between_days")
	if t.CancelFeeCents < 0 {
		f.Add("cancel_fee", "field.not_negative")
	}
	if t.APIChargeLimitCents < 0 || t.APIChargeLimitCents > MaxAPIChargeLimitCents {
		f.Add("api_charge_limit", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxAPIChargeLimitCents)})
	}
	if t.FineFeeCents < 0 || t.FineFeeCents > MaxFineFeeCents {
		f.Add("fine_fee", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxFineFeeCents)})
	}
	if t.TestDriveDeductibleCents < 0 || t.TestDriveDeductibleCents > MaxTestDriveDeductibleCents {
		f.Add("test_drive_deductible", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxTestDriveDeductibleCents)})
	}
	if t.TestDriveFeeCents < 0 || t.TestDriveFeeCents > MaxTestDriveFeeCents {
		f.Add("test_drive_fee", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxTestDriveFeeCents)})
	}
	switch t.Gateway.Mode {
	case "simulator", "sandbox", "production":
	default:
		f.Add("gateway_mode", "tenant.gateway_mode_choose")
	}
	if t.Gateway.Mode != "simulator" {
		if t.Gateway.APIKey == "" {
			f.Add("gateway_api_key", "tenant.gateway_api_key_required")
		}
		if !t.Gateway.HasSecret() {
			f.Add("gateway_secret", "tenant.gateway_secret_required")
		}
	}
	if !ValidSimulatorURL(t.Gateway.SimulatorURL) {
		f.Add("gateway_simulator_url", SimulatorURLInvalid)
	}
	if len(t.Gateway.StoreID) > 20 {
		f.Add("gateway_store_id", "field.too_long", locale.Params{"n": 20})
	}
	rangeCheck("gateway_timeout_ms", t.Gateway.TimeoutMS, 1000, 120000, "field.between_ms")
}
