package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/pricing"
)

// tariffForm is the tariff form as typed; amounts in euros.
type tariffForm struct {
	ID                                                     int64
	New, ReadOnly                                          bool
	Code, Name, Kind, PricePerDay, IncludedKM, ExtraKM     string
	RefuelEighth, RefuelLitre, Cleaning, Deposit, Counting string
	Grace, VAT, ValidFrom, ValidTo                         string
	ChargingRule, ChargingPrice                            string
	ChargingRules                                          []string
	CategoryIDs                                            map[int64]bool
	Active                                                 bool
	Categories                                             []fleet.Category
}

func tariffFormOf(t pricing.Tariff, lang string) tariffForm {
	f := tariffForm{ID: t.ID, Code: t.Code, Name: t.Name, Kind: t.Kind, PricePerDay: moneyText(lang, t.PricePerDayCents),
		IncludedKM: strconv.Itoa(t.IncludedKMPerDay), ExtraKM: moneyText(lang, t.ExtraKMCents),
		RefuelEighth: moneyText(lang, t.RefuelPerEighthCents), RefuelLitre: moneyText(lang, t.RefuelPerLitreCents),
		Cleaning: moneyText(lang, t.CleaningFeeCents), Deposit: moneyText(lang, t.DepositCents), Counting: t.DayCounting,
		Grace: strconv.Itoa(t.GraceMinutes), VAT: moneyText(lang, int64(t.VATRateBP)), ValidFrom: t.ValidFrom,
		ValidTo: t.ValidTo, Active: t.Active, CategoryIDs: map[int64]bool{},
		ChargingRule: t.ChargingRule, ChargingPrice: moneyText(lang, t.ChargingPriceCents), ChargingRules: pricing.ChargingRules}
	if f.ChargingRule == "" {
		f.ChargingRule = pricing.ChargeNone
	}
	for _, id := range t.CategoryIDs {
		f.CategoryIDs[id] = true
	}
	return f
}

// parseTariffForm reads the posted form into f and t.
func parseTariffForm(r *http.Request, f *tariffForm, t *pricing.Tariff, lang string) map[string]string {
	p := map[string]string{}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Code, f.Name, f.Kind, f.Counting = strings.ToUpper(get("code")), get("name"), get("kind"), get("day_counting")
	f.PricePerDay, f.IncludedKM, f.ExtraKM = get("price_per_day"), get("included_km_per_day"), get("extra_km")
	f.RefuelEighth, f.RefuelLitre, f.Cleaning, f.Deposit = get("refuel_per_eighth"), get("refuel_per_litre"), get("cleaning_fee"), get("deposit")
	f.Grace, f.VAT, f.ValidFrom, f.ValidTo = get("grace_minutes"), get("vat_rate"), get("valid_from"), get("valid_to")
	f.Active = r.PostFormValue("active") != ""
	f.ChargingRule, f.ChargingPrice, f.ChargingRules = get("charging_rule"), get("charging_price"), pricing.ChargingRules
	f.CategoryIDs = map[int64]bool{}
	t.CategoryIDs = nil
	for _, s := range r.PostForm["categories"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 && !f.CategoryIDs[id] {
			f.CategoryIDs[id] = true
			t.CategoryIDs = append(t.CategoryIDs, id)
		}
	}
	t.Code, t.Name, t.Kind, t.DayCounting, t.Active = f.Code, f.Name, f.Kind, f.Counting, f.Active
	t.ValidFrom, t.ValidTo = f.ValidFrom, f.ValidTo
	t.PricePerDayCents = formCents(r, "price_per_day", p, lang)
	t.ExtraKMCents = formCents(r, "extra_km", p, lang)
	t.RefuelPerEighthCents = formCents(r, "refuel_per_eighth", p, lang)
	t.RefuelPerLitreCents = formCents(r, "refuel_per_litre", p, lang)
	t.CleaningFeeCents = formCents(r, "cleaning_fee", p, lang)
	t.DepositCents = formCents(r, "deposit", p, lang)
	t.ChargingRule = f.ChargingRule
	t.ChargingPriceCents = formCents(r, "charging_price", p, lang)
	t.IncludedKMPerDay = int(formInt(r, "included_km_per_day", p, lang))
	t.GraceMinutes = int(formInt(r, "grace_minutes", p, lang))
	vat, ok := parseCents(f.VAT)
	if !ok || f.VAT == "" {
		p["vat_rate"] = translate(lang, "tf.err_vat")
	}
	t.VATRateBP = int(vat)
	if f.PricePerDay == "" {
		p["price_per_day"] = translate(lang, "fl.err_money")
	}
	return p
}

// tariffFieldMap maps domain field names to form field names.
var tariffFieldMap = map[string]string{
	"price_per_day_cents": "price_per_day", "extra_km_cents": "extra_km", "refuel_per_eighth_cents": "refuel_per_eighth",
	"refuel_per_litre_cents": "refuel_per_litre", "cleaning_fee_cents": "cleaning_fee", "deposit_cents": "deposit",
	"vat_rate_bp": "vat_rate",
}

// tariffProblems merges the field errors of err, renamed to form fields.
func tariffProblems(lang string, err error, problems map[string]string) bool {
	m := map[string]string{}
	ok := mergeProblems(lang, err, m)
	for k, v := range m {
		if n, ok := tariffFieldMap[k]; ok {
			k = n
		}
		if _, dup := problems[k]; !dup {
			problems[k] = v
		}
	}
	return ok
}

// tariffList shows the tenant's tariffs (everyone may view; admins edit).
func (a *app) tariffList(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Pricing.ListTariffs(r.Context())
	if err != nil {
		return err
	}
	cats, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, c := range cats {
		names[c.ID] = c.Code
	}
	type row struct {
		pricing.Tariff
		Cats string
	}
	rows := make([]row, 0, len(list))
	for _, t := range list {
		var cs []string
		for _, id := range t.CategoryIDs {
			cs = append(cs, names[id])
		}
		rows = append(rows, row{Tariff: t, Cats: strings.Join(cs, ", ")})
	}
	v := &view{Title: "tf.title", Nav: "tariffs", Data: rows}
	if r.URL.Query().Get("done") == "created" {
		v.Notice = translate(reqCtx(r).lang, "tf.created")
	}
	a.render(w, r, http.StatusOK, "tariffs", v)
	return nil
}

// tariffNew shows the empty tariff form (admins only).
func (a *app) tariffNew(w http.ResponseWriter, r *http.Request) error {
	cats, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	f := tariffFormOf(pricing.Tariff{Kind: "standard", DayCounting: "24h", GraceMinutes: 59, VATRateBP: 1900,
		ValidFrom: a.Now().In(berlin).Format("2006-01-02"), Active: true}, lang)
	f.New, f.Categories = true, cats
	f.PricePerDay = ""
	a.render(w, r, http.StatusOK, "tariff_form", &view{Title: "tf.new", Nav: "tariffs", Data: f})
	return nil
}

// tariffCreate validates and creates a tariff (admins only).
func (a *app) tariffCreate(w http.ResponseWriter, r *http.Request) error {
	return a.tariffSave(w, r, 0)
}

// tariffEdit shows a tariff: an editable form for admins, read-only for
// station users.
func (a *app) tariffEdit(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	t, err := a.Pricing.Tariff(r.Context(), id)
	if err != nil {
		return err
	}
	cats, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	f := tariffFormOf(t, reqCtx(r).lang)
	f.Categories, f.ReadOnly = cats, !actorOf(r).IsAdmin()
	v := &view{Title: "tf.edit", Nav: "tariffs", Data: f}
	if r.URL.Query().Get("done") == "saved" {
		v.Notice = translate(reqCtx(r).lang, "common.saved")
	}
	a.render(w, r, http.StatusOK, "tariff_form", v)
	return nil
}

// tariffUpdate validates and saves a tariff (admins only).
func (a *app) tariffUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	if _, err := a.Pricing.Tariff(r.Context(), id); err != nil {
		return err
	}
	return a.tariffSave(w, r, id)
}

// tariffSave creates (id 0) or updates a tariff from the posted form; an
// invalid form comes back with a message per field and nothing is saved.
func (a *app) tariffSave(w http.ResponseWriter, r *http.Request, id int64) error {
	cats, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	f := tariffForm{ID: id, New: id == 0}
	t := pricing.Tariff{ID: id}
	problems := parseTariffForm(r, &f, &t, lang)
	f.Categories = cats
	tariffProblems(lang, t.Validate(), problems)
	if len(problems) == 0 {
		if id == 0 {
			err = a.Pricing.CreateTariff(r.Context(), &t)
		} else {
			err = a.Tariffs.UpdateTariff(r.Context(), &t)
		}
		if err == nil {
			if id == 0 {
				http.Redirect(w, r, "/admin/tariffs?done=created", http.StatusSeeOther)
			} else {
				http.Redirect(w, r, fmt.Sprintf("/admin/tariffs/%d?done=saved", id), http.StatusSeeOther)
			}
			return nil
		}
		if errs.Is(err, errs.KindConflict) {
			problems["code"] = translate(lang, "form.code_taken")
		} else if !tariffProblems(lang, err, problems) {
			return err
		}
	}
	title := "tf.edit"
	if id == 0 {
		title = "tf.new"
	}
	a.render(w, r, http.StatusUnprocessableEntity, "tariff_form", &view{Title: title, Nav: "tariffs", Data: f, Errors: problems})
	return nil
}
