package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// userForm is the user create/edit form.
type userForm struct {
	ID        int64
	New       bool
	Email     string
	Name      string
	Role      string
	Language  string
	Selected  []int64
	Stations  []tenancy.Station // all stations of the tenant, for the checkboxes
	Disabled  bool
	LastLogin *time.Time
	IsSelf    bool
}

// Checked reports whether station id is selected.
func (f userForm) Checked(id int64) bool { return slices.Contains(f.Selected, id) }

// userID reads the {id} path value.
func userID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// userList lists the tenant's users (admins only, checked by routes).
func (a *app) userList(w http.ResponseWriter, r *http.Request) error {
	users, err := a.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	v := &view{Title: "user.title", Nav: "users", Data: users}
	if r.URL.Query().Get("done") == "created" {
		v.Notice = translate(reqCtx(r).lang, "user.created")
	}
	a.render(w, r, http.StatusOK, "users", v)
	return nil
}

// userNew shows the empty user form.
func (a *app) userNew(w http.ResponseWriter, r *http.Request) error {
	f := userForm{New: true, Role: string(identity.RoleStation), Language: reqCtx(r).lang}
	if !a.loadStations(w, r, &f) {
		return nil
	}
	a.render(w, r, http.StatusOK, "user_form", &view{Title: "user.new", Nav: "users", Data: f})
	return nil
}

// loadStations fills the station checkboxes; on error it answers the error
// page and returns false.
func (a *app) loadStations(w http.ResponseWriter, r *http.Request, f *userForm) bool {
	list, err := a.Tenancy.ListStations(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return false
	}
	f.Stations = list
	return true
}

// parseUserForm reads the posted user fields into f and u. A station id that
// is not one of the tenant's stations is a field error.
func parseUserForm(r *http.Request, f *userForm, u *identity.User, lang string) map[string]string {
	pf := r.PostForm
	problems := map[string]string{}
	f.Email = strings.TrimSpace(pf.Get("email"))
	f.Name = strings.TrimSpace(pf.Get("name"))
	f.Role = pf.Get("role")
	f.Language = pf.Get("language")
	f.Selected = nil
	for _, s := range pf["stations"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || !slices.ContainsFunc(f.Stations, func(st tenancy.Station) bool { return st.ID == id }) {
			problems["stations"] = translate(lang, "form.invalid_field")
			continue
		}
		f.Selected = append(f.Selected, id)
	}
	u.Email, u.Name, u.Role, u.Language = f.Email, f.Name, identity.Role(f.Role), f.Language
	u.StationIDs = f.Selected
	if u.Role == identity.RoleAdmin {
		u.StationIDs = nil // admins see every station
	}
	return problems
}

// mergeUserProblems adds the translated field errors of err to problems and
// reports whether err was about the input (invalid or a duplicate e-mail).
func mergeUserProblems(lang string, err error, problems map[string]string) bool {
	if m, ok := fieldErrors(lang, err); ok {
		for k, v := range m {
			if _, dup := problems[k]; !dup {
				problems[k] = v
			}
		}
		return true
	}
	if errs.Is(err, errs.KindConflict) {
		problems["email"] = translate(lang, "form.email_taken")
		return true
	}
	return false
}

// userCreate validates and creates a user with its initial password; an
// invalid form comes back with every message and nothing is saved.
func (a *app) userCreate(w http.ResponseWriter, r *http.Request) error {
	lang := reqCtx(r).lang
	f := userForm{New: true}
	if !a.loadStations(w, r, &f) {
		return nil
	}
	var u identity.User
	problems := parseUserForm(r, &f, &u, lang)
	password := r.PostForm.Get("password")
	if len(problems) == 0 {
		err := a.Identity.CreateUser(r.Context(), &u, password)
		if err == nil {
			http.Redirect(w, r, "/admin/users?done=created", http.StatusSeeOther)
			return nil
		}
		if !mergeUserProblems(lang, err, problems) {
			return err
		}
	} else {
		// Report every problem at once: the domain's checks too.
		u.Normalize()
		mergeUserProblems(lang, u.Validate(), problems)
		mergeUserProblems(lang, identity.ValidatePassword(password), problems)
	}
	a.render(w, r, http.StatusUnprocessableEntity, "user_form", &view{Title: "user.new", Nav: "users", Data: f, Errors: problems})
	return nil
}

// userEdit shows a user with the forms to change data and password and to
// disable or enable it.
func (a *app) userEdit(w http.ResponseWriter, r *http.Request) error {
	f, ok := a.userFormFor(w, r)
	if !ok {
		return nil
	}
	v := &view{Title: "user.edit", Nav: "users", Data: f}
	if key, ok := map[string]string{"saved": "common.saved", "password": "user.password_set",
		"disabled": "user.disabled_ok", "enabled": "user.enabled_ok"}[r.URL.Query().Get("done")]; ok {
		v.Notice = translate(reqCtx(r).lang, locale.Key(key))
	}
	a.render(w, r, http.StatusOK, "user_form", v)
	return nil
}

// userFormFor loads the user of the {id} path value into a form; on error it
// answers the error page (404 for a user of another tenant) and reports false.
func (a *app) userFormFor(w http.ResponseWriter, r *http.Request) (userForm, bool) {
	id, ok := userID(r)
	if !ok {
		a.errorPage(w, r, http.StatusNotFound, "")
		return userForm{}, false
	}
	u, err := a.Users.User(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return userForm{}, false
	}
	f := userForm{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Language: u.Language,
		Selected: u.StationIDs, Disabled: u.Disabled(), LastLogin: u.LastLoginAt, IsSelf: u.ID == actorOf(r).UserID}
	if !a.loadStations(w, r, &f) {
		return userForm{}, false
	}
	return f, true
}

// userUpdate validates and saves a user's data.
func (a *app) userUpdate(w http.ResponseWriter, r *http.Request) error {
	lang := reqCtx(r).lang
	f, ok := a.userFormFor(w, r)
	if !ok {
		return nil
	}
	u, err := a.Users.User(r.Context(), f.ID)
	if err != nil {
		return err
	}
	problems := parseUserForm(r, &f, &u, lang)
	if f.IsSelf && u.Role != identity.RoleAdmin {
		problems["role"] = translate(lang, "form.invalid_field") // an admin cannot demote itself
	}
	u.Normalize()
	mergeUserProblems(lang, u.Validate(), problems)
	if len(problems) == 0 {
		err := a.Users.UpdateUser(r.Context(), &u)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=saved", u.ID), http.StatusSeeOther)
			return nil
		}
		if !mergeUserProblems(lang, err, problems) {
			return err
		}
	}
	a.render(w, r, http.StatusUnprocessableEntity, "user_form", &view{Title: "user.edit", Nav: "users", Data: f, Errors: problems})
	return nil
}

// userSetPassword sets a new password; the user's sessions end.
func (a *app) userSetPassword(w http.ResponseWriter, r *http.Request) error {
	f, ok := a.userFormFor(w, r)
	if !ok {
		return nil
	}
	err := a.Identity.SetPassword(r.Context(), f.ID, r.PostForm.Get("password"))
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=password", f.ID), http.StatusSeeOther)
		return nil
	}
	problems := map[string]string{}
	if !mergeUserProblems(reqCtx(r).lang, err, problems) {
		return err
	}
	a.render(w, r, http.StatusUnprocessableEntity, "user_form", &view{Title: "user.edit", Nav: "users", Data: f, Errors: problems})
	return nil
}

func (a *app) userDisable(w http.ResponseWriter, r *http.Request) error {
	return a.userSetDisabled(w, r, true)
}
func (a *app) userEnable(w http.ResponseWriter, r *http.Request) error {
	return a.userSetDisabled(w, r, false)
}

// userSetDisabled disables (ending its sessions) or enables a user. An
// admin cannot disable itself.
func (a *app) userSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	f, ok := a.userFormFor(w, r)
	if !ok {
		return nil
	}
	if disabled && f.IsSelf {
		v := &view{Title: "user.edit", Nav: "users", Data: f, Alert: translate(reqCtx(r).lang, "user.not_self")}
		a.render(w, r, http.StatusUnprocessableEntity, "user_form", v)
		return nil
	}
	if err := a.Identity.SetDisabled(r.Context(), f.ID, disabled); err != nil {
		return err
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?done=%s", f.ID, done), http.StatusSeeOther)
	return nil
}
