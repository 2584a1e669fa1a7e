package web

import (
	"net/http"

	"mietwerk.dev/mietwerk/tenancy"
)

// The page where an admin keeps the tenant's rental terms (AGB), which the
// contract print carries; web/routes.go mounts it.

// rentalTermsData is the form: the text and when the version in force was set.
type rentalTermsData struct {
	Body    string
	Current tenancy.RentalTerms
	Has     bool
	Max     int
}

// rentalTermsPage shows the text in force with its date, in a form.
func (a *app) rentalTermsPage(w http.ResponseWriter, r *http.Request) error {
	cur, has, err := a.RentalTerms.RentalTermsAt(r.Context(), a.Now())
	if err != nil {
		return err
	}
	v := &view{Title: "terms.title", Nav: "settings", Data: rentalTermsData{Body: cur.Body, Current: cur, Has: has, Max: tenancy.MaxRentalTermsRunes}}
	if r.URL.Query().Get("saved") == "1" {
		v.Notice = translate(reqCtx(r).lang, "terms.saved")
	}
	a.render(w, r, http.StatusOK, "rental_terms", v)
	return nil
}

// rentalTermsSave stores the text as the new version; bad text comes back
// in the form with the field's message and changes nothing.
func (a *app) rentalTermsSave(w http.ResponseWriter, r *http.Request) error {
	body := r.PostForm.Get("rental_terms")
	if err := a.RentalTerms.SetRentalTerms(r.Context(), body); err != nil {
		m, ok := fieldErrors(reqCtx(r).lang, err)
		if !ok {
			return err
		}
		cur, has, cerr := a.RentalTerms.RentalTermsAt(r.Context(), a.Now())
		if cerr != nil {
			return cerr
		}
		a.render(w, r, http.StatusUnprocessableEntity, "rental_terms", &view{Title: "terms.title", Nav: "settings", Errors: m,
			Data: rentalTermsData{Body: body, Current: cur, Has: has, Max: tenancy.MaxRentalTermsRunes}})
		return nil
	}
	http.Redirect(w, r, "/admin/settings/terms?saved=1", http.StatusSeeOther)
	return nil
}
