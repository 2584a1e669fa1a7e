package web

import (
	"net/http"
	"strconv"

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
	Scopes  []identity.Scope
}

// apiKeyList lists the tenant's API keys by name and prefix (admins only).
func (a *app) apiKeyList(w http.ResponseWriter, r *http.Request) {
	a.renderAPIKeys(w, r, http.StatusOK, apiKeysData{}, nil)
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
	v := &view{Title: "key.title", Nav: "apikeys", Data: d, Errors: problems}
	if r.URL.Query().Get("done") == "revoked" {
		v.Notice = translate(reqCtx(r).lang, "key.revoked_ok")
	}
	a.render(w, r, status, "apikeys", v)
}

// apiKeyCreate creates an API key and shows it exactly once, in this
// response (never in a URL, never again).
func (a *app) apiKeyCreate(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("name")
	scope := identity.Scope(r.PostForm.Get("scope"))
	c, key, err := a.Identity.CreateAPIKey(r.Context(), name, scope, 0)
	if err != nil {
		if m, ok := fieldErrors(reqCtx(r).lang, err); ok {
			a.renderAPIKeys(w, r, http.StatusUnprocessableEntity, apiKeysData{Name: name, Scope: scope}, m)
			return
		}
		if errs.Is(err, errs.KindConflict) {
			a.renderAPIKeys(w, r, http.StatusUnprocessableEntity, apiKeysData{Name: name, Scope: scope},
				map[string]string{"name": translate(reqCtx(r).lang, "form.conflict")})
			return
		}
		a.fail(w, r, err)
		return
	}
	a.renderAPIKeys(w, r, http.StatusOK, apiKeysData{Key: key, Created: c}, nil)
}

// apiKeyFor finds the API key of the {id} path value among the tenant's
// keys; an unknown id is answered with the 404 page.
func (a *app) apiKeyFor(w http.ResponseWriter, r *http.Request) (identity.APIClient, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		keys, err := a.Users.ListAPIClients(r.Context())
		if err != nil {
			a.fail(w, r, err)
			return identity.APIClient{}, false
		}
		for _, k := range keys {
			if k.ID == id {
				return k, true
			}
		}
	}
	a.errorPage(w, r, http.StatusNotFound, "")
	return identity.APIClient{}, false
}

// apiKeyRevokeConfirm asks before revoking.
func (a *app) apiKeyRevokeConfirm(w http.ResponseWriter, r *http.Request) {
	k, ok := a.apiKeyFor(w, r)
	if !ok {
		return
	}
	a.render(w, r, http.StatusOK, "apikey_revoke", &view{Title: "key.revoke_title", Nav: "apikeys", Data: k})
}

// apiKeyRevoke revokes a key; the website can no longer use it.
func (a *app) apiKeyRevoke(w http.ResponseWriter, r *http.Request) {
	k, ok := a.apiKeyFor(w, r)
	if !ok {
		return
	}
	if k.RevokedAt == nil {
		if err := a.Users.RevokeAPIClient(r.Context(), k.ID); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/admin/api-keys?done=revoked", http.StatusSeeOther)
}
