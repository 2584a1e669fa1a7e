package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
)

// settingsForm returns a complete, valid settings form.
func validSettings(csrf string) url.Values {
	return url.Values{"csrf": {csrf},
		"name": {"Autohaus König"}, "legal_name": {"Autohaus König GmbH & Co. KG"}, "street": {"Hauptstraße 1"},
		"postal_code": {"93047"}, "city": {"Regensburg"}, "country": {"DE"}, "phone": {"0941 123"}, "email": {"info@autohaus-koenig.de"},
		"vat_id": {"DE123456789"}, "tax_number": {""}, "register_court": {"Amtsgericht Regensburg"}, "register_number": {"HRA 1234"},
		"managing_directors": {"Karin König"}, "bank_name": {"Sparkasse"}, "iban": {"DE02 7505 0000 0000 7601 54"}, "bic": {"BYLADEM1001"},
		"default_language": {"de"}, "invoice_number_pattern": {"RE-{YYYY}-{SEQ:6}"}, "credit_number_pattern": {"GS-{YYYY}-{SEQ:6}"},
		"booking_number_prefix": {"B"}, "vat_rate": {"19"}, "retention_years": {"10"}, "min_notice_minutes": {"120"}, "early_handover_minutes": {"90"},
		"max_rental_days": {"60"}, "photo_retention_days": {"365"}, "cancel_free_hours": {"24"}, "cancel_fee": {"25,00"}, "api_charge_limit": {"250,00"}, "fine_fee": {"19,50"},
		"test_drive_deductible": {"750,00"}, "test_drive_fee": {"25,00"}, "deposit_mode": {"preauth"}, "deposit_settlement": {"release"}, "mail_from": {"service@autohaus-koenig.de"},
		"mail_reply_to": {""}, "gateway_mode": {"sandbox"}, "gateway_store_id": {"120995000"}, "gateway_timeout_ms": {"20000"},
		"gateway_api_key": {"sandbox-key"}, "gateway_secret": {"top-secret-value"}, "one_way_allowed": {"1"},
	}
}

func TestSettingsPage(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		// a new tenant's limit per damage charge by a tablet app
		wantContains(t, c.get("/admin/settings"), `name="api_charge_limit" type="text" value="500,00"`,
			`name="fine_fee" type="text" value="15,00"`, "Bearbeitungsgebühr je Bußgeld/Maut (€, inkl. MwSt.)",
			`name="test_drive_deductible" type="text" value="1000,00"`, "Selbstbeteiligung bei Probefahrten",
			`name="test_drive_fee" type="text" value="0,00"`, "Gebühr je Probefahrt (€)")
		form := validSettings(c.token("/admin/settings"))
		p := c.post("/admin/settings", form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Einstellungen wurden gespeichert.", "gespeichert")
		// the secret is saved but never sent back
		wantLacks(t, p, "top-secret-value")
		tn, err := e.store.Tenant(e.sys())
		must(t, err)
		if strings.Contains(tn.Gateway.SealedSecret, "top-secret-value") {
			t.Fatal("the gateway secret is stored in plain text")
		}
		if e.gatewaySecret(t) != "top-secret-value" || tn.IBAN != "DE02750500000000760154" || tn.CancelFeeCents != 2500 || tn.APIChargeLimitCents != 25000 ||
			tn.VATRateBP != 1900 || !tn.OneWayAllowed || tn.Gateway.Mode != "sandbox" || tn.LegalName != "Autohaus König GmbH & Co. KG" {
			t.Fatalf("saved tenant = %+v", tn)
		}
		if tn.DamageTaxable {
			t.Fatalf("damage compensation taxed without being asked to")
		}
		if tn.TestDriveDeductibleCents != 75000 {
			t.Errorf("test-drive deductible %d cents after saving 750,00", tn.TestDriveDeductibleCents)
		}
		if tn.TestDriveFeeCents != 2500 {
			t.Errorf("test-drive fee %d cents after saving 25,00", tn.TestDriveFeeCents)
		}
		if tn.FineFeeCents != 1950 {
			t.Errorf("processing fee per fine %d cents after saving 19,50", tn.FineFeeCents)
		}
		if tn.EarlyHandoverMinutes != 90 {
			t.Errorf("early handover tolerance %d minutes after saving 90", tn.EarlyHandoverMinutes)
		}
		// damage charges with VAT is a choice of the dealer's tax adviser
		wantContains(t, c.get("/admin/settings"), `name="damage_taxable"`, "nicht umsatzsteuerbar (Abschn. 1.3 Abs. 1 UStAE)")
		form = validSettings(c.token("/admin/settings"))
		form.Set("damage_taxable", "1")
		wantStatus(t, c.post("/admin/settings", form), http.StatusOK)
		if tn, _ = e.store.Tenant(e.sys()); !tn.DamageTaxable {
			t.Fatalf("damage_taxable not saved")
		}
		wantContains(t, c.get("/admin/settings"), `id="f-damage_taxable" checked`)
		// saving again with an empty secret keeps it
		form = validSettings(c.token("/admin/settings"))
		form.Set("gateway_secret", "")
		form.Set("vat_rate", "7,5")
		wantStatus(t, c.post("/admin/settings", form), http.StatusOK)
		tn, _ = e.store.Tenant(e.sys())
		if e.gatewaySecret(t) != "top-secret-value" || tn.VATRateBP != 750 {
			t.Fatalf("after second save: secret kept %v, vat %d", e.gatewaySecret(t) == "top-secret-value", tn.VATRateBP)
		}
		// invalid input: every message at once, nothing saved
		bad := validSettings(c.token("/admin/settings"))
		bad.Set("iban", "DE02750500000000760155")
		bad.Set("invoice_number_pattern", "RE-{NOPE}")
		bad.Set("vat_id", "123")
		bad.Set("vat_rate", "neunzehn")
		bad.Set("retention_years", "2")
		bad.Set("city", "")
		bad.Set("api_charge_limit", "200.000,00")
		bad.Set("fine_fee", "600,00")
		bad.Set("test_drive_deductible", "60000,00")
		bad.Set("test_drive_fee", "1000,01")
		p = c.post("/admin/settings", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		got := p.fieldErrors()
		if got["api_charge_limit"] != "Zwischen 0,00 € und 100.000,00 €." {
			t.Errorf("charge limit message %q", got["api_charge_limit"])
		}
		if got["fine_fee"] != "Zwischen 0,00 € und 500,00 €." {
			t.Errorf("fine fee message %q", got["fine_fee"])
		}
		if got["test_drive_deductible"] != "Zwischen 0,00 € und 50.000,00 €." {
			t.Errorf("test-drive deductible message %q", got["test_drive_deductible"])
		}
		if got["test_drive_fee"] != "Zwischen 0,00 € und 1.000,00 €." {
			t.Errorf("test-drive fee message %q", got["test_drive_fee"])
		}
		for _, f := range []string{"iban", "invoice_number_pattern", "vat_id", "vat_rate", "retention_years", "city"} {
			if got[f] == "" {
				t.Errorf("no message for %s (got %v)", f, got)
			}
		}
		wantContains(t, p, `value="RE-{NOPE}"`)
		after, _ := e.store.Tenant(e.sys())
		if after.City != "Regensburg" || after.TestDriveFeeCents != 2500 || after.InvoiceNumberPattern != "RE-{YYYY}-{SEQ:6}" {
			t.Fatalf("invalid form changed the tenant: %+v", after)
		}
		// English messages
		c.get("/admin/lang?l=en")
		p = c.post("/admin/settings", bad)
		if !strings.Contains(p.fieldErrors()["iban"], "check digits") {
			t.Errorf("English IBAN message = %q", p.fieldErrors()["iban"])
		}
	})
}

// TestSettingsSecretWithoutKey: on a server without a secret key, entering
// the Telecash API secret is refused next to the field with what to do, in
// the reader's language; nothing is saved. The other settings save.
func TestSettingsSecretWithoutKey(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d, func(s *store.Store, _ tenancy.Store) tenancy.Store { return secrets.Tenants(s, nil) })
			c := e.client(t)
			c.mustLogin(adminEmail)
			before, err := e.store.Tenant(e.sys())
			must(t, err)
			p := c.post("/admin/settings", validSettings(c.token("/admin/settings")))
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if msg := p.fieldErrors()["gateway_secret"]; !strings.Contains(msg, "keinen Schlüssel") || !strings.Contains(msg, "MIETWERK_SECRET_KEY_FILE") {
				t.Fatalf("message next to the secret: %q (all: %v)", msg, p.fieldErrors())
			}
			wantLacks(t, p, "top-secret-value")
			after, _ := e.store.Tenant(e.sys())
			if after.Gateway.SealedSecret != before.Gateway.SealedSecret || after.Gateway.Mode != before.Gateway.Mode {
				t.Fatal("a refused secret changed the settings")
			}
			// without a new secret (simulator mode) the settings save
			form := validSettings(c.token("/admin/settings"))
			form.Set("gateway_mode", "simulator")
			form.Set("gateway_secret", "")
			wantStatus(t, c.post("/admin/settings", form), http.StatusOK)
			c.get("/admin/lang?l=en")
			p = c.post("/admin/settings", validSettings(c.token("/admin/settings")))
			if msg := p.fieldErrors()["gateway_secret"]; !strings.Contains(msg, "no key") {
				t.Fatalf("English message next to the secret: %q", msg)
			}
		})
	}
}

func TestSettingsAdminOnly(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(stationEmail)
		wantStatus(t, c.get("/admin/settings"), http.StatusForbidden)
		before, _ := e.store.Tenant(e.sys())
		p := c.post("/admin/settings", validSettings(c.token("/admin/")))
		wantStatus(t, p, http.StatusForbidden)
		after, _ := e.store.Tenant(e.sys())
		if after.Gateway.SealedSecret != before.Gateway.SealedSecret || after.LegalName != before.LegalName {
			t.Fatal("station user changed the settings")
		}
	})
}

func TestSettingsLogo(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		logo := testImage(t, "png", 300, 80)
		form := validSettings(c.token("/admin/settings"))
		p := c.postMultipart("/admin/settings", form, map[string]map[string][]byte{"logo": {"logo.png": logo}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="logo-preview"`)
		tn, err := e.store.Tenant(e.sys())
		must(t, err)
		if string(tn.LogoPNG) != string(logo) {
			t.Fatalf("stored logo: %d bytes, want %d", len(tn.LogoPNG), len(logo))
		}
		if got := c.get("/admin/settings/logo.png"); got.status != http.StatusOK || got.body != string(logo) {
			t.Fatalf("logo download: %d, %d bytes", got.status, len(got.body))
		}
		// a JPEG is refused with a message and the old logo stays
		form = validSettings(c.token("/admin/settings"))
		p = c.postMultipart("/admin/settings", form, map[string]map[string][]byte{"logo": {"logo.jpg": testImage(t, "jpeg", 300, 80)}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["logo"] == "" {
			t.Fatalf("no logo message: %v", p.fieldErrors())
		}
		if tn, _ := e.store.Tenant(e.sys()); string(tn.LogoPNG) != string(logo) {
			t.Fatal("a refused upload changed the logo")
		}
		// saving without a file keeps it; ticking "remove" removes it
		wantStatus(t, c.post("/admin/settings", validSettings(c.token("/admin/settings"))), http.StatusOK)
		if tn, _ := e.store.Tenant(e.sys()); len(tn.LogoPNG) == 0 {
			t.Fatal("saving without a file removed the logo")
		}
		form = validSettings(c.token("/admin/settings"))
		form.Set("logo_remove", "1")
		wantStatus(t, c.post("/admin/settings", form), http.StatusOK)
		if tn, _ := e.store.Tenant(e.sys()); len(tn.LogoPNG) != 0 {
			t.Fatal("remove kept the logo")
		}
		wantStatus(t, c.get("/admin/settings/logo.png"), http.StatusNotFound)
	})
}

// TestBrowserSettingsGatewaySecret: the admin goes from the dashboard to
// Einstellungen, switches Telecash to the sandbox and enters the API key
// and secret; after saving, the page says a secret is saved without
// showing it, and the database holds it only encrypted (it opens with the
// server's key to what was typed).
func TestBrowserSettingsGatewaySecret(t *testing.T) {
	e := newEnv(t, store.SQLite, nil)
	tn, err := e.store.Tenant(e.sys())
	must(t, err)
	tn.Street, tn.PostalCode, tn.City, tn.VATID = "Hauptstraße 1", "93047", "Regensburg", "DE123456789"
	must(t, e.store.UpdateTenant(e.sys(), &tn))
	const secret = "Sandbox-Secret-äöü-4711"

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := testenv.StepFailer(t, tab)
	fail("sign in and open the settings", chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/admin/lang?l=de"), // the shared browser may keep another test's language cookie
		chromedp.Navigate(e.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.Click(chromedp.ID("admin-menu-toggle")),
		chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/settings"]`)),
		chromedp.WaitVisible(chromedp.ID("settings-form")),
	))
	fail("enter the Telecash credentials", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-gateway_mode"), "sandbox"),
		chromedp.SendKeys(chromedp.ID("f-gateway_api_key"), "sandbox-api-key"),
		chromedp.SendKeys(chromedp.ID("f-gateway_secret"), secret),
	))
	testenv.Screenshot(t, ctx, "01-secret-typed")
	fail("save", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("settings-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	))
	testenv.Screenshot(t, ctx, "02-saved")
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	fail("read page", err)
	placeholder, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-gateway_secret").placeholder`))
	fail("read placeholder", err)
	if strings.Contains(html, secret) || !strings.Contains(placeholder, "gespeichert") {
		t.Fatalf("after saving: secret on the page %v, placeholder %q", strings.Contains(html, secret), placeholder)
	}
	var raw string
	must(t, e.store.DB().QueryRow(`SELECT gateway_secret FROM tenants WHERE id = $1`, e.tenant.ID).Scan(&raw))
	if strings.Contains(raw, secret) || !strings.HasPrefix(raw, "v1:"+e.keys.PrimaryID()+":") {
		t.Fatalf("stored %q: want it sealed with key %s", raw, e.keys.PrimaryID())
	}
	if got := e.gatewaySecret(t); got != secret {
		t.Fatalf("the stored secret opens to %q, want %q", got, secret)
	}
}
