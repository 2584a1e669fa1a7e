package web

import (
	"net/http"

	"mietwerk.dev/mietwerk/payer"
)

// payerNew shows the empty payer form (admins only).
func (a *app) payerNew(w http.ResponseWriter, r *http.Request) error {
	if a.Payers == nil {
		return errNotFound
	}
	f := payerFormOf(payer.Payer{Kind: payer.KindInsurer, Country: "DE", PaymentDays: 30, Active: true,
		Covers: map[string]bool{payer.PartRent: true}}, reqCtx(r).lang)
	f.New = true
	return a.renderPayerForm(w, r, http.StatusOK, f, nil)
}

// payerCreate validates and creates a payer (admins only).
func (a *app) payerCreate(w http.ResponseWriter, r *http.Request) error {
	if a.Payers == nil {
		return errNotFound
	}
	return a.payerSave(w, r, 0)
}

// payerEdit shows a payer's form (admins only).
func (a *app) payerEdit(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Payers == nil {
		return errNotFound
	}
	p, err := a.Payers.Payer(r.Context(), id)
	if err != nil {
		return err
	}
	return a.renderPayerForm(w, r, http.StatusOK, payerFormOf(p, reqCtx(r).lang), nil)
}

// payerUpdate validates and saves a payer (admins only).
func (a *app) payerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Payers == nil {
		return errNotFound
	}
	if _, err := a.Payers.Payer(r.Context(), id); err != nil {
		return err
	}
	return a.payerSave(w, r, id)
}

// payerSave creates (id 0) or updates a payer from the posted form; an
// invalid form comes back with a message per field and nothing is saved.
func (a *app) payerSave(w http.ResponseWriter, r *http.Request, id int64) error {
	cats, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	f := payerForm{ID: id, New: id == 0}
	p := payer.Payer{ID: id}
	problems := parsePayerForm(r, &f, &p, cats, lang)
	p.Normalize()
	payerProblems(lang, p.Validate(), p, problems)
	if len(problems) == 0 {
		if id == 0 {
			err = a.Payers.CreatePayer(r.Context(), &p)
		} else {
			err = a.Payers.UpdatePayer(r.Context(), &p)
		}
		if err == nil {
			done := "saved"
			if id == 0 {
				done = "created"
			}
			http.Redirect(w, r, "/admin/payers?done="+done, http.StatusSeeOther)
			return nil
		}
		if !payerProblems(lang, err, p, problems) {
			return err
		}
	}
	return a.renderPayerForm(w, r, http.StatusUnprocessableEntity, f, problems)
}

// renderPayerForm renders f with the tenant's categories for the rates.
func (a *app) renderPayerForm(w http.ResponseWriter, r *http.Request, status int, f payerForm, problems map[string]string) error {
	cats, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	f.Categories, f.Kinds, f.Parts = cats, payer.Kinds, payer.Parts
	title := "py.edit"
	if f.New {
		title = "py.new"
	}
	a.render(w, r, status, "payer_form", &view{Title: title, Nav: "payers", Data: f, Errors: problems})
	return nil
}
