package web

import (
	"net/http"
	"strconv"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

// apiKeysData is what the API-key list shows. Key is set only on the answer
// to a create, the one time the key is ever shown.
type apiKeysData struct {
	Keys    []identity.APIClient
	Key     string
	Created identity.APIClient
	Name    string
	Scope   identity.Scope // chosen in the form
	Test    bool           // chosen in the form
	Scopes  []identity.Scope
	// TestData counts the tenant's test-mode data (nil: not offered).
	TestData *booking.TestData
}

// apiKeyList lists the tenant's API keys by name and prefix (admins only).
func (a *app) apiKeyList(w http.ResponseWriter, r *http.Request) error {
	a.renderAPIKeys(w, r, http.StatusOK, apiKeysData{}, nil)
	return nil
}

// renderAPIKeys renders the list page with d and the form errors problems.
func (a *app) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, d apiKeysData, problems map[string]string) {
	keys, err := a.Users.ListAPIClients(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d.Keys = keys
	d.Scopes = identity.Scopes
	if d.Scope == "" {
		d.Scope = identity.ScopePublic
	}
	if a.TestData != nil {
		td, err := a.TestData.TestData(r.Context())
		if err != nil {
			a.fail(w, r, err)
			return
		}
		d.TestData = &td
	}
	v := &view{Title: "key.title", Nav: "apikeys", Data: d, Errors: problems}
	switch r.URL.Query().Get("done") {
	case "revoked":
		v.Notice = translate(reqCtx(r).lang, "key.revoked_ok")
	case "wiped":
		v.Notice = translate(reqCtx(r).lang, "testmode.wiped")
	}
	a.render(w, r, status, "apikeys", v)
}

// apiKeyCreate creates an API key and shows it exactly once, in this
// response (never in a URL, never again).
func (a *app) apiKeyCreate(w http.ResponseWriter, r *http.Request) error {
	name := r.PostForm.Get("name")
	scope := identity.Scope(r.PostForm.Get("scope"))
	test := r.PostForm.Get("test") == "1"
	c, key, err := a.Identity.CreateKey(r.Context(), name, scope, test, 0)
	if err != nil {
		if m, ok := fieldErrors(reqCtx(r).lang, err); ok {
			a.renderAPIKeys(w, r, http.StatusUnprocessableEntity, apiKeysData{Name: name, Scope: scope, Test: test}, m)
			return nil
		}
		if errs.Is(err, errs.KindConflict) {
			a.renderAPIKeys(w, r, http.StatusUnprocessableEntity, apiKeysData{Name: name, Scope: scope, Test: test},
				map[string]string{"name": translate(reqCtx(r).lang, "form.conflict")})
			return nil
		}
		return err
	}
	a.renderAPIKeys(w, r, http.StatusOK, apiKeysData{Key: key, Created: c}, nil)
	return nil
}

// apiKeyFor finds the API key of the {id} path value among the tenant's
// keys; an unknown id is answered with the 404 page.
func (a *app) apiKeyFor(r *http.Request) (identity.APIClient, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		keys, err := a.Users.ListAPIClients(r.Context())
		if err != nil {
			return identity.APIClient{}, err
		}
		for _, k := range keys {
			if k.ID == id {
				return k, nil
			}
		}
	}
	return identity.APIClient{}, errNotFound
}

// apiKeyRevokeConfirm asks before revoking.
func (a *app) apiKeyRevokeConfirm(w http.ResponseWriter, r *http.Request) error {
	k, err := a.apiKeyFor(r)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "apikey_revoke", &view{Title: "key.revoke_title", Nav: "apikeys", Data: k})
	return nil
}

// apiKeyRevoke revokes a key; the website can no longer use it.
func (a *app) apiKeyRevoke(w http.ResponseWriter, r *http.Request) error {
	k, err := a.apiKeyFor(r)
	if err != nil {
		return err
	}
	if k.RevokedAt == nil {
		if err := a.Users.RevokeAPIClient(r.Context(), k.ID); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/admin/api-keys?done=revoked", http.StatusSeeOther)
	return nil
}

// testDataConfirm asks before wiping the tenant's test data, saying what goes.
func (a *app) testDataConfirm(w http.ResponseWriter, r *http.Request) error {
	td, err := a.TestData.TestData(r.Context())
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "testdata_wipe", &view{Title: "testmode.wipe_title", Nav: "apikeys", Data: td})
	return nil
}

// testDataWipe deletes the tenant's test data (bookings, customers,
// payments, TEST- documents, their e-mails and webhook events).
func (a *app) testDataWipe(w http.ResponseWriter, r *http.Request) error {
	td, err := a.TestData.WipeTestData(r.Context())
	if err != nil {
		return err
	}
	a.log.InfoContext(r.Context(), "test data wiped", "bookings", td.Bookings, "customers", td.Customers, "invoices", td.Invoices,
		"payments", td.Payments, "request_id", requestID(r))
	http.Redirect(w, r, "/admin/api-keys?done=wiped", http.StatusSeeOther)
	return nil
}
