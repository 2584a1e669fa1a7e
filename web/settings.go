package web

import (
	"bytes"
	"errors"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// maxLogoBytes bounds the tenant logo shown on documents and e-mails.
const maxLogoBytes = 512 << 10

// readLogo reads an uploaded logo: a PNG of at most 512 KB and 2000×2000
// pixels. ok is false (with a message in problems) for anything else; data
// is nil when nothing was uploaded.
func readLogo(r *http.Request, problems map[string]string, lang string) (data []byte, ok bool) {
	f, _, err := r.FormFile("logo")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, true
	}
	if err != nil {
		problems["logo"] = translate(lang, "set.err_logo")
		return nil, false
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxLogoBytes+1))
	if err != nil || len(data) == 0 {
		return nil, true
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if len(data) > maxLogoBytes || err != nil || cfg.Width > 2000 || cfg.Height > 2000 {
		problems["logo"] = translate(lang, "set.err_logo")
		return nil, false
	}
	return data, true
}

// settingsLogo sends the tenant's logo (404 when there is none).
func (a *app) settingsLogo(w http.ResponseWriter, r *http.Request) error {
	t, err := a.Tenancy.Tenant(r.Context())
	if err != nil {
		return err
	}
	if len(t.LogoPNG) == 0 {
		return errNotFound
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Write(t.LogoPNG)
	return nil
}

// settingsForm is the tenant settings form as typed; the gateway secret is
// write-only and never part of it.
type settingsForm struct {
	Values    map[string]string
	Checks    map[string]bool
	SecretSet bool
	HasLogo   bool
}

// settingsText lists the plain text settings: form name → field of the tenant.
var settingsText = []struct {
	name string
	get  func(*tenancy.Tenant) *string
}{
	{"name", func(t *tenancy.Tenant) *string { return &t.Name }},
	{"legal_name", func(t *tenancy.Tenant) *string { return &t.LegalName }},
	{"street", func(t *tenancy.Tenant) *string { return &t.Street }},
	{"postal_code", func(t *tenancy.Tenant) *string { return &t.PostalCode }},
	{"city", func(t *tenancy.Tenant) *string { return &t.City }},
	{"country", func(t *tenancy.Tenant) *string { return &t.Country }},
	{"phone", func(t *tenancy.Tenant) *string { return &t.Phone }},
	{"email", func(t *tenancy.Tenant) *string { return &t.Email }},
	{"website", func(t *tenancy.Tenant) *string { return &t.Website }},
	{"vat_id", func(t *tenancy.Tenant) *string { return &t.VATID }},
	{"tax_number", func(t *tenancy.Tenant) *string { return &t.TaxNumber }},
	{"register_court", func(t *tenancy.Tenant) *string { return &t.RegisterCourt }},
	{"register_number", func(t *tenancy.Tenant) *string { return &t.RegisterNumber }},
	{"managing_directors", func(t *tenancy.Tenant) *string { return &t.ManagingDirectors }},
	{"bank_name", func(t *tenancy.Tenant) *string { return &t.BankName }},
	{"iban", func(t *tenancy.Tenant) *string { return &t.IBAN }},
	{"bic", func(t *tenancy.Tenant) *string { return &t.BIC }},
	{"default_language", func(t *tenancy.Tenant) *string { return &t.DefaultLanguage }},
	{"invoice_number_pattern", func(t *tenancy.Tenant) *string { return &t.InvoiceNumberPattern }},
	{"credit_number_pattern", func(t *tenancy.Tenant) *string { return &t.CreditNumberPattern }},
	{"booking_number_prefix", func(t *tenancy.Tenant) *string { return &t.BookingNumberPrefix }},
	{"deposit_mode", func(t *tenancy.Tenant) *string { return &t.DepositMode }},
	{"deposit_settlement", func(t *tenancy.Tenant) *string { return &t.DepositSettlement }},
	{"mail_from", func(t *tenancy.Tenant) *string { return &t.MailFrom }},
	{"mail_reply_to", func(t *tenancy.Tenant) *string { return &t.MailReplyTo }},
	{"gateway_mode", func(t *tenancy.Tenant) *string { return &t.Gateway.Mode }},
	{"gateway_store_id", func(t *tenancy.Tenant) *string { return &t.Gateway.StoreID }},
	{"gateway_api_key", func(t *tenancy.Tenant) *string { return &t.Gateway.APIKey }},
}

// settingsInt lists the whole-number settings.
var settingsInt = []struct {
	name string
	get  func(*tenancy.Tenant) *int
}{
	{"min_notice_minutes", func(t *tenancy.Tenant) *int { return &t.MinNoticeMinutes }},
	{"early_handover_minutes", func(t *tenancy.Tenant) *int { return &t.EarlyHandoverMinutes }},
	{"max_rental_days", func(t *tenancy.Tenant) *int { return &t.MaxRentalDays }},
	{"cancel_free_hours", func(t *tenancy.Tenant) *int { return &t.CancelFreeHours }},
	{"retention_years", func(t *tenancy.Tenant) *int { return &t.RetentionYears }},
	{"photo_retention_days", func(t *tenancy.Tenant) *int { return &t.PhotoRetentionDays }},
	{"gateway_timeout_ms", func(t *tenancy.Tenant) *int { return &t.Gateway.TimeoutMS }},
}

func settingsFormOf(t tenancy.Tenant, lang string) settingsForm {
	f := settingsForm{Values: map[string]string{}, Checks: map[string]bool{"one_way_allowed": t.OneWayAllowed, "damage_taxable": t.DamageTaxable},
		SecretSet: t.Gateway.HasSecret(), HasLogo: len(t.LogoPNG) > 0}
	for _, x := range settingsText {
		f.Values[x.name] = *x.get(&t)
	}
	for _, x := range settingsInt {
		f.Values[x.name] = strconv.Itoa(*x.get(&t))
	}
	f.Values["vat_rate"] = percentText(lang, t.VATRateBP)
	f.Values["cancel_fee"] = moneyText(lang, t.CancelFeeCents)
	f.Values["api_charge_limit"] = moneyText(lang, t.APIChargeLimitCents)
	f.Values["fine_fee"] = moneyText(lang, t.FineFeeCents)
	f.Values["test_drive_deductible"] = moneyText(lang, t.TestDriveDeductibleCents)
	f.Values["test_drive_fee"] = moneyText(lang, t.TestDriveFeeCents)
	return f
}

// percentText renders basis points as a percentage ("19" / "7,5").
func percentText(lang string, bp int) string { return locale.Lang(lang).Quantity(int64(bp) * 10) }

// parsePercent parses "19", "19 %", "7,5" into basis points.
func parsePercent(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	c, ok := parseCents(s) // two decimals, same separators as money
	if !ok || c > 10000 {
		return 0, false
	}
	return int(c), true
}

// parseSettingsForm copies the posted settings onto t; problems get messages
// for values that are not even numbers.
func parseSettingsForm(r *http.Request, t *tenancy.Tenant, lang string) (settingsForm, map[string]string) {
	problems := map[string]string{}
	f := settingsForm{Values: map[string]string{}, Checks: map[string]bool{}, SecretSet: t.Gateway.HasSecret()}
	for _, x := range settingsText {
		v := strings.TrimSpace(r.PostFormValue(x.name))
		f.Values[x.name] = v
		*x.get(t) = v
	}
	for _, x := range settingsInt {
		v := strings.TrimSpace(r.PostFormValue(x.name))
		f.Values[x.name] = v
		n, err := strconv.Atoi(v)
		if err != nil {
			problems[x.name] = translate(lang, "fl.err_int")
		}
		*x.get(t) = n
	}
	f.Values["vat_rate"] = r.PostFormValue("vat_rate")
	if bp, ok := parsePercent(f.Values["vat_rate"]); ok {
		t.VATRateBP = bp
	} else {
		problems["vat_rate"] = translate(lang, "set.err_percent")
	}
	f.Values["cancel_fee"] = r.PostFormValue("cancel_fee")
	t.CancelFeeCents = formCents(r, "cancel_fee", problems, lang)
	f.Values["api_charge_limit"] = r.PostFormValue("api_charge_limit")
	t.APIChargeLimitCents = formCents(r, "api_charge_limit", problems, lang)
	f.Values["fine_fee"] = r.PostFormValue("fine_fee")
	t.FineFeeCents = formCents(r, "fine_fee", problems, lang)
	f.Values["test_drive_deductible"] = r.PostFormValue("test_drive_deductible")
	t.TestDriveDeductibleCents = formCents(r, "test_drive_deductible", problems, lang)
	f.Values["test_drive_fee"] = r.PostFormValue("test_drive_fee")
	t.TestDriveFeeCents = formCents(r, "test_drive_fee", problems, lang)
	t.OneWayAllowed = r.PostFormValue("one_way_allowed") != ""
	f.Checks["one_way_allowed"] = t.OneWayAllowed
	t.DamageTaxable = r.PostFormValue("damage_taxable") != ""
	f.Checks["damage_taxable"] = t.DamageTaxable
	// The secret is write-only: an empty field keeps the saved one.
	t.Gateway.Secret = r.PostFormValue("gateway_secret")
	if logo, ok := readLogo(r, problems, lang); ok && logo != nil {
		t.LogoPNG = logo
	} else if ok && r.PostFormValue("logo_remove") != "" {
		t.LogoPNG = nil
	}
	f.HasLogo = len(t.LogoPNG) > 0
	return f, problems
}

func (a *app) settingsPage(w http.ResponseWriter, r *http.Request) error {
	t, err := a.Tenancy.Tenant(r.Context())
	if err != nil {
		return err
	}
	v := &view{Title: "set.title", Nav: "settings", Data: settingsFormOf(t, reqCtx(r).lang)}
	if r.URL.Query().Get("done") == "saved" {
		v.Notice = translate(reqCtx(r).lang, "set.saved")
	}
	a.render(w, r, http.StatusOK, "settings", v)
	return nil
}

func (a *app) settingsSave(w http.ResponseWriter, r *http.Request) error {
	t, err := a.Tenancy.Tenant(r.Context())
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	f, problems := parseSettingsForm(r, &t, lang)
	// Check the whole form at once so every message shows, also next to a
	// number that did not even parse; the store checks again when saving.
	// (t keeps the stored, sealed secret: an empty field keeps it.)
	check := t
	check.Normalize()
	mergeProblems(lang, check.Validate(invoice.ValidatePattern), problems)
	if len(problems) == 0 {
		err := a.Tenancy.UpdateTenant(r.Context(), &t)
		if err == nil {
			http.Redirect(w, r, "/admin/settings?done=saved", http.StatusSeeOther)
			return nil
		}
		if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	a.render(w, r, http.StatusUnprocessableEntity, "settings", &view{Title: "set.title", Nav: "settings", Data: f, Errors: problems})
	return nil
}
