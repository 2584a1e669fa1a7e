package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

// categoryForm is the category form as typed.
type categoryForm struct {
	ID                                   int64
	New, Active                          bool
	Code, NameDE, NameEN, DescDE, DescEN string
	Seats, Doors, Transmission, Fuel     string
	ExampleModel, SortOrder              string
	FuelTypes                            []string
}

func categoryFormOf(c fleet.Category) categoryForm {
	return categoryForm{ID: c.ID, Active: c.Active, Code: c.Code, NameDE: c.NameDE, NameEN: c.NameEN, DescDE: c.DescriptionDE,
		DescEN: c.DescriptionEN, Seats: strconv.Itoa(c.Seats), Doors: strconv.Itoa(c.Doors), Transmission: c.Transmission,
		Fuel: c.Fuel, ExampleModel: c.ExampleModel, SortOrder: strconv.Itoa(c.SortOrder), FuelTypes: fuelTypes}
}

func parseCategoryForm(r *http.Request, f *categoryForm, c *fleet.Category, lang string) map[string]string {
	p := map[string]string{}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Code, f.NameDE, f.NameEN, f.DescDE, f.DescEN = get("code"), get("name_de"), get("name_en"), get("description_de"), get("description_en")
	f.Seats, f.Doors, f.Transmission, f.Fuel = get("seats"), get("doors"), get("transmission"), get("fuel")
	f.ExampleModel, f.SortOrder, f.Active = get("example_model"), get("sort_order"), r.PostFormValue("active") != ""
	f.FuelTypes = fuelTypes
	c.Code, c.NameDE, c.NameEN, c.DescriptionDE, c.DescriptionEN = f.Code, f.NameDE, f.NameEN, f.DescDE, f.DescEN
	c.Transmission, c.Fuel, c.ExampleModel, c.Active = f.Transmission, f.Fuel, f.ExampleModel, f.Active
	c.Seats = int(formInt(r, "seats", p, lang))
	c.Doors = int(formInt(r, "doors", p, lang))
	c.SortOrder = int(formInt(r, "sort_order", p, lang))
	if c.Fuel != "" && !oneOf(c.Fuel, fuelTypes) {
		p["fuel"] = translate(lang, "fl.err_choose")
	}
	return p
}

// categoryList shows the categories (admins only).
func (a *app) categoryList(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Fleet.ListCategories(r.Context())
	if err != nil {
		return err
	}
	v := &view{Title: "cat.title", Nav: "categories", Data: list}
	if r.URL.Query().Get("done") == "created" {
		v.Notice = translate(reqCtx(r).lang, "cat.created")
	}
	a.render(w, r, http.StatusOK, "categories", v)
	return nil
}

// categoryNew shows the empty form (admins only).
func (a *app) categoryNew(w http.ResponseWriter, r *http.Request) error {
	f := categoryFormOf(fleet.Category{Seats: 5, Doors: 5, Transmission: "manual", Fuel: "petrol", Active: true})
	f.New = true
	a.render(w, r, http.StatusOK, "category_form", &view{Title: "cat.new", Nav: "categories", Data: f})
	return nil
}

// categoryCreate validates and creates a category (admins only).
func (a *app) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	return a.categorySave(w, r, 0)
}

// categoryEdit shows a category's form (admins only).
func (a *app) categoryEdit(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	c, err := a.Categories.Category(r.Context(), id)
	if err != nil {
		return err
	}
	v := &view{Title: "cat.edit", Nav: "categories", Data: categoryFormOf(c)}
	if r.URL.Query().Get("done") == "saved" {
		v.Notice = translate(reqCtx(r).lang, "common.saved")
	}
	a.render(w, r, http.StatusOK, "category_form", v)
	return nil
}

// categoryUpdate validates and saves a category (admins only).
func (a *app) categoryUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	if _, err := a.Categories.Category(r.Context(), id); err != nil {
		return err
	}
	return a.categorySave(w, r, id)
}

// categorySave creates (id 0) or updates a category; an invalid form comes
// back with a message per field and nothing is saved.
func (a *app) categorySave(w http.ResponseWriter, r *http.Request, id int64) error {
	lang := reqCtx(r).lang
	f := categoryForm{ID: id, New: id == 0}
	c := fleet.Category{ID: id}
	problems := parseCategoryForm(r, &f, &c, lang)
	mergeProblems(lang, c.Check(), problems)
	if len(problems) == 0 {
		var err error
		if id == 0 {
			err = a.Fleet.CreateCategory(r.Context(), &c)
		} else {
			err = a.Categories.UpdateCategory(r.Context(), &c)
		}
		if err == nil {
			if id == 0 {
				http.Redirect(w, r, "/admin/categories?done=created", http.StatusSeeOther)
			} else {
				http.Redirect(w, r, fmt.Sprintf("/admin/categories/%d?done=saved", id), http.StatusSeeOther)
			}
			return nil
		}
		if errs.Is(err, errs.KindConflict) {
			problems["code"] = translate(lang, "form.code_taken")
		} else if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	title := "cat.edit"
	if id == 0 {
		title = "cat.new"
	}
	a.render(w, r, http.StatusUnprocessableEntity, "category_form", &view{Title: title, Nav: "categories", Data: f, Errors: problems})
	return nil
}
