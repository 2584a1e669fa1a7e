package tenancy

import (
	"errors"
	"testing"

	"mietwerk.dev/mietwerk/errs"
)

func validTenant() Tenant {
	t := Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH & Co. KG", Street: "Hauptstr. 1", PostalCode: "93047",
		City: "Regensburg", VATID: "DE123456789", IBAN: "DE02750500000000760154", BIC: "BYLADEM1001"}
	t.Defaults()
	return t
}

func okPattern(p string) error {
	if p == "bad" {
		return errors.New("unknown placeholder")
	}
	return nil
}

func TestValidIBAN(t *testing.T) {
	for iban, want := range map[string]bool{
		"DE02750500000000760154": true, "DE89370400440532013000": true, "GB82WEST12345698765432": true,
		"DE02750500000000760155": false, "DE0275050000": false, "XX": false, "": false,
	} {
		if got := ValidIBAN(iban); got != want {
			t.Errorf("ValidIBAN(%q) = %v, want %v", iban, got, want)
		}
	}
}

func TestTenantValidate(t *testing.T) {
	if err := validTenant().Validate(okPattern); err != nil {
		t.Fatalf("valid tenant: %v", err)
	}
	cases := []struct {
		field string
		mod   func(*Tenant)
	}{
		{"legal_name", func(t *Tenant) { t.LegalName = "" }},
		{"vat_id", func(t *Tenant) { t.VATID, t.TaxNumber = "", "" }},
		{"vat_id", func(t *Tenant) { t.VATID = "123" }},
		{"iban", func(t *Tenant) { t.IBAN = "DE02750500000000760155" }},
		{"bic", func(t *Tenant) { t.BIC = "X" }},
		{"mail_from", func(t *Tenant) { t.MailFrom = "Service <a@b.de>" }},
		{"invoice_number_pattern", func(t *Tenant) { t.InvoiceNumberPattern = "bad" }},
		{"credit_number_pattern", func(t *Tenant) { t.CreditNumberPattern = t.InvoiceNumberPattern }},
		{"deposit_mode", func(t *Tenant) { t.DepositMode = "cash" }},
		{"retention_years", func(t *Tenant) { t.RetentionYears = 2 }},
		{"gateway_api_key", func(t *Tenant) { t.Gateway.Mode = "production" }},
		{"gateway_timeout_ms", func(t *Tenant) { t.Gateway.TimeoutMS = 10 }},
		{"gateway_simulator_url", func(t *Tenant) { t.Gateway.SimulatorURL = "127.0.0.1:9090" }},
		{"gateway_simulator_url", func(t *Tenant) { t.Gateway.SimulatorURL = "ftp://sim.local/ipp/payments-gateway/v2" }},
		{"gateway_simulator_url", func(t *Tenant) { t.Gateway.SimulatorURL = "http://user:pw@sim.local:9090" }},
	}
	for _, c := range cases {
		tn := validTenant()
		c.mod(&tn)
		e, ok := errs.As(tn.Validate(okPattern))
		if !ok || !errs.Fields(e.Fields).Has(c.field) {
			t.Errorf("%s: errors %v", c.field, e)
		}
	}
	// a tax number alone is enough
	tn := validTenant()
	tn.VATID, tn.TaxNumber = "", "244/123/45678"
	if err := tn.Validate(okPattern); err != nil {
		t.Fatalf("tax number only: %v", err)
	}
}

func TestValidSimulatorURL(t *testing.T) {
	for v, ok := range map[string]bool{
		"": true, "http://127.0.0.1:9090/ipp/payments-gateway/v2": true, "https://sim.intern.example:8443/ipp/payments-gateway/v2": true,
		"http://sim:9090": true,
		"127.0.0.1:9090":  false, "ftp://sim/x": false, "http://": false, "http://u:p@sim:9090": false,
		"http://sim:9090/?x=1": false, "http://sim:9090/#top": false, "http://sim:9090/a b": false, "javascript:alert(1)": false,
	} {
		if got := ValidSimulatorURL(v); got != ok {
			t.Errorf("ValidSimulatorURL(%q) valid = %v, want %v", v, got, ok)
		}
	}
}
