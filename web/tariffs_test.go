package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

func tariffForm(tok string, catIDs ...int64) url.Values {
	f := url.Values{"csrf": {tok}, "code": {"WERK"}, "name": {"Werkstattersatz"}, "kind": {"workshop"}, "active": {"1"},
		"valid_from": {"2026-01-01"}, "valid_to": {"2026-12-31"}, "price_per_day": {"29,90"}, "included_km_per_day": {"150"},
		"extra_km": {"0,19"}, "refuel_per_eighth": {"12,50"}, "refuel_per_litre": {"2,10"}, "cleaning_fee": {"35"},
		"deposit": {"300,00"}, "day_counting": {"calendar"}, "grace_minutes": {"30"}, "vat_rate": {"19"}}
	for _, id := range catIDs {
		f.Add("categories", fmt.Sprint(id))
	}
	return f
}

func TestTariffPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(adminEmail)
		p := c.get("/admin/tariffs")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "STD", "49,90 €", "0,25 €", "24-Stunden-Tage", "CDMR")
		tok := c.token("/admin/tariffs/new")

		// Invalid: every problem named, nothing saved.
		bad := tariffForm(tok)
		bad.Set("price_per_day", "neunzig")
		bad.Set("extra_km", "0,199")
		bad.Set("valid_to", "2025-01-01")
		bad.Set("day_counting", "weekly")
		bad.Set("vat_rate", "")
		bad.Set("code", "STD")
		p = c.post("/admin/tariffs", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		for _, f := range []string{"price_per_day", "extra_km", "valid_to", "day_counting", "vat_rate", "categories"} {
			if fe[f] == "" {
				t.Errorf("no message for %s: %v", f, fe)
			}
		}
		if fe["categories"] != "Bitte mindestens eine Fahrzeuggruppe wählen." {
			t.Errorf("categories message %q", fe["categories"])
		}
		// A taken code and another tenant's category are refused too.
		dup := tariffForm(tok, w.cat.ID)
		dup.Set("code", "STD")
		p = c.post("/admin/tariffs", dup)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["code"] == "" {
			t.Fatalf("taken code accepted: %v", p.fieldErrors())
		}
		p = c.post("/admin/tariffs", tariffForm(tok, w.foreignCat.ID))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["categories"] == "" {
			t.Fatalf("foreign category accepted: %v", p.fieldErrors())
		}
		if list, _ := e.store.ListTariffs(e.sys()); len(list) != 1 {
			t.Fatalf("%d tariffs after refused creates", len(list))
		}

		p = c.post("/admin/tariffs", tariffForm(tok, w.cat.ID))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Tarif wurde angelegt.", "WERK", "29,90 €", "Kalendertage")
		list, err := e.store.ListTariffs(e.sys())
		must(t, err)
		var id int64
		for _, tr := range list {
			if tr.Code == "WERK" {
				id = tr.ID
				if tr.PricePerDayCents != 2990 || tr.ExtraKMCents != 19 || tr.RefuelPerEighthCents != 1250 || tr.RefuelPerLitreCents != 210 ||
					tr.CleaningFeeCents != 3500 || tr.DepositCents != 30000 || tr.DayCounting != "calendar" || tr.VATRateBP != 1900 ||
					tr.GraceMinutes != 30 || tr.IncludedKMPerDay != 150 || tr.ValidTo != "2026-12-31" || tr.Kind != "workshop" {
					t.Fatalf("saved tariff %+v", tr)
				}
			}
		}
		// Edit: validity open-ended, 24h counting, English amounts.
		path := fmt.Sprintf("/admin/tariffs/%d", id)
		p = c.get(path)
		wantContains(t, p, `value="29,90"`, `value="calendar" checked`)
		f := tariffForm(tok, w.cat.ID)
		f.Set("valid_to", "")
		f.Set("day_counting", "24h")
		f.Set("price_per_day", "1.234,50")
		p = c.post(path, f)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Änderungen wurden gespeichert.", `value="1234,50"`)
		tr, err := e.store.Tariff(e.sys(), id)
		must(t, err)
		if tr.ValidTo != "" || tr.DayCounting != "24h" || tr.PricePerDayCents != 123450 {
			t.Fatalf("updated tariff %+v", tr)
		}
		// Invalid edit changes nothing.
		f.Set("deposit", "-5")
		p = c.post(path, f)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["deposit"] == "" {
			t.Fatalf("negative deposit accepted: %v", p.fieldErrors())
		}
		if tr2, _ := e.store.Tariff(e.sys(), id); tr2.DepositCents != 30000 {
			t.Fatalf("refused edit changed the deposit: %d", tr2.DepositCents)
		}

		// A station user sees the tariff read-only.
		st := e.client(t)
		st.mustLogin(stationEmail)
		p = st.get(path)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Nur Administratoren können Tarife ändern.", "<fieldset disabled>")
		wantLacks(t, p, `id="tariff-save"`, `id="tariff-new"`)
	})
}

func TestCategoryPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(adminEmail)
		p := c.get("/admin/categories")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "CDMR", "Kompaktklasse")
		wantLacks(t, p, "XFOR")
		tok := c.token("/admin/categories/new")
		form := url.Values{"csrf": {tok}, "code": {"suv 1"}, "name_de": {""}, "seats": {"x"}, "doors": {"7"}, "transmission": {"cvt"}, "fuel": {"petrol"}}
		p = c.post("/admin/categories", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		for _, f := range []string{"code", "name_de", "seats", "doors", "transmission"} {
			if fe[f] == "" {
				t.Errorf("no message for %s: %v", f, fe)
			}
		}
		form = url.Values{"csrf": {tok}, "code": {"ifar"}, "name_de": {"SUV"}, "name_en": {"SUV"}, "seats": {"5"}, "doors": {"5"},
			"transmission": {"automatic"}, "fuel": {"diesel"}, "example_model": {"VW Tiguan"}, "sort_order": {"2"}, "active": {"1"}}
		p = c.post("/admin/categories", form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Fahrzeuggruppe wurde angelegt.", "IFAR", "VW Tiguan", "Automatik")
		// Edit CDMR: a taken code is refused, a valid change saved.
		path := fmt.Sprintf("/admin/categories/%d", w.cat.ID)
		edit := url.Values{"csrf": {tok}, "code": {"IFAR"}, "name_de": {"Kompakt"}, "seats": {"5"}, "doors": {"5"}, "transmission": {"manual"}, "fuel": {"petrol"}}
		p = c.post(path, edit)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.fieldErrors()["code"]; got != "Dieses Kürzel hat schon eine andere Fahrzeuggruppe." {
			t.Fatalf("taken code message %q", got)
		}
		edit.Set("code", "CDMR")
		edit.Set("seats", "4")
		p = c.post(path, edit)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Änderungen wurden gespeichert.", `value="Kompakt"`)
		got, err := e.store.Category(e.sys(), w.cat.ID)
		must(t, err)
		if got.NameDE != "Kompakt" || got.Seats != 4 {
			t.Fatalf("saved category %+v", got)
		}
	})
}
