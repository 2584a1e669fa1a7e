package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/payer"
)

// payerForm is the payer form as typed; amounts in euros.
type payerForm struct {
	ID                                            int64
	New                                           bool
	Kind, Name, Street, PostalCode, City, Country string
	VATID, BuyerReference, PaymentDays, CapDays   string
	Email                                         string
	Cap                                           string
	Covers                                        map[string]bool
	Rates                                         map[int64]string // category id → rate as typed
	Active                                        bool
	Collective                                    bool
	Categories                                    []fleet.Category
	Kinds, Parts                                  []string
}

func payerFormOf(p payer.Payer, lang string) payerForm {
	f := payerForm{ID: p.ID, Kind: p.Kind, Name: p.Name, Street: p.Street, PostalCode: p.PostalCode, City: p.City,
		Country: p.Country, VATID: p.VATID, BuyerReference: p.BuyerReference, Email: p.Email, PaymentDays: strconv.Itoa(p.PaymentDays),
		CapDays: "", Cap: "", Covers: map[string]bool{}, Rates: map[int64]string{}, Active: p.Active, Collective: p.Collective}
	if p.CapDays > 0 {
		f.CapDays = strconv.Itoa(p.CapDays)
	}
	if p.CapCents > 0 {
		f.Cap = moneyText(lang, p.CapCents)
	}
	for part, on := range p.Covers {
		f.Covers[part] = on
	}
	for _, r := range p.Rates {
		f.Rates[r.CategoryID] = moneyText(lang, r.PricePerDayCents)
	}
	return f
}

// parsePayerForm reads the posted form into f and p; problems name the
// fields that are not numbers or amounts.
func parsePayerForm(r *http.Request, f *payerForm, p *payer.Payer, cats []fleet.Category, lang string) map[string]string {
	problems := map[string]string{}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Kind, f.Name, f.Street, f.PostalCode, f.City, f.Country = get("kind"), get("name"), get("street"), get("postal_code"), get("city"), get("country")
	f.VATID, f.BuyerReference, f.PaymentDays, f.CapDays, f.Cap = get("vat_id"), get("buyer_reference"), get("payment_days"), get("cap_days"), get("cap")
	f.Email = get("email")
	f.Active = r.PostFormValue("active") != ""
	f.Collective = r.PostFormValue("collective") != ""
	f.Covers, f.Rates = map[string]bool{}, map[int64]string{}
	*p = payer.Payer{ID: p.ID, Kind: f.Kind, Name: f.Name, Street: f.Street, PostalCode: f.PostalCode, City: f.City,
		Country: f.Country, VATID: f.VATID, BuyerReference: f.BuyerReference, Email: f.Email, Active: f.Active, Collective: f.Collective,
		Covers: map[string]bool{}}
	for _, part := range r.PostForm["covers"] {
		f.Covers[part], p.Covers[part] = true, true
	}
	p.PaymentDays = int(formInt(r, "payment_days", problems, lang))
	p.CapDays = int(formInt(r, "cap_days", problems, lang))
	p.CapCents = formCents(r, "cap", problems, lang)
	for _, c := range cats {
		name := fmt.Sprintf("rate_%d", c.ID)
		if s := get(name); s != "" {
			f.Rates[c.ID] = s
			p.Rates = append(p.Rates, payer.Rate{CategoryID: c.ID, PricePerDayCents: formCents(r, name, problems, lang)})
		}
	}
	return problems
}

// payerProblems merges the field errors of err into problems, a rate's
// error ("rates.2") under its category's input.
func payerProblems(lang string, err error, p payer.Payer, problems map[string]string) bool {
	m := map[string]string{}
	ok := mergeProblems(lang, err, m)
	for k, v := range m {
		if i, err := strconv.Atoi(strings.TrimPrefix(k, "rates.")); err == nil && strings.HasPrefix(k, "rates.") && i < len(p.Rates) {
			k = fmt.Sprintf("rate_%d", p.Rates[i].CategoryID)
		}
		if k == "cap_cents" {
			k = "cap"
		}
		if _, dup := problems[k]; !dup {
			problems[k] = v
		}
	}
	return ok
}

// payerList shows the tenant's payers (admins only).
func (a *app) payerList(w http.ResponseWriter, r *http.Request) error {
	if a.Payers == nil {
		return errNotFound
	}
	list, err := a.Payers.ListPayers(r.Context())
	if err != nil {
		return err
	}
	v := &view{Title: "py.title", Nav: "payers", Data: struct {
		List  []payer.Payer
		Parts []string
	}{list, payer.Parts}}
	switch r.URL.Query().Get("done") {
	case "created":
		v.Notice = translate(reqCtx(r).lang, "py.created")
	case "saved":
		v.Notice = translate(reqCtx(r).lang, "common.saved")
	}
	a.render(w, r, http.StatusOK, "payers", v)
	return nil
}
