package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/identity"
)

var keyRE = regexp.MustCompile(`<code id="new-key">(mwk_[a-z0-9_]+)</code>`)

func TestAdminAPIKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		tok := c.token("/admin/api-keys")

		p := c.post("/admin/api-keys", url.Values{"csrf": {tok}, "name": {"  "}, "scope": {"root"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); fe["name"] == "" || !strings.Contains(fe["scope"], "öffentlich, geheim oder Personal") {
			t.Fatalf("no name and scope messages: %v", fe)
		}
		// the form offers the three scopes, each explained
		wantContains(t, p, `<option value="staff"`, "Öffentlich (Website)", "Geheim (Server)", "Personal (Tablet-App)", "nie im Browser")

		p = c.post("/admin/api-keys", url.Values{"csrf": {tok}, "name": {"www.autohaus-koenig.de"}, "scope": {"staff"}})
		wantStatus(t, p, http.StatusOK)
		m := keyRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("key not shown:\n%s", excerpt(p.body))
		}
		key := m[1]
		wantContains(t, p, "Er wird nur dieses eine Mal angezeigt.")
		if strings.Contains(p.url.String(), key) {
			t.Fatal("key in URL")
		}
		client, err := e.id.AuthenticateAPIKey(context.Background(), key)
		must(t, err)
		if client.TenantID != e.tenant.ID || client.Scope != identity.ScopeStaff || !strings.HasPrefix(key, "mwk_staff_") {
			t.Fatalf("key %q of tenant %d, scope %q", key, client.TenantID, client.Scope)
		}
		wantContains(t, p, "www.autohaus-koenig.de – Personal (Tablet-App)")

		// Later only the prefix is shown, with the scope.
		list := c.get("/admin/api-keys")
		wantContains(t, list, "www.autohaus-koenig.de", client.Prefix+"…", `<td data-scope="staff">Personal (Tablet-App)</td>`)
		wantLacks(t, list, key, `id="new-key"`)

		// Revoke asks first, then revokes.
		confirm := c.get(fmt.Sprintf("/admin/api-keys/%d/revoke", client.ID))
		wantStatus(t, confirm, http.StatusOK)
		wantContains(t, confirm, "wirklich widerrufen")
		if _, err := e.id.AuthenticateAPIKey(context.Background(), key); err != nil {
			t.Fatal("the confirmation page revoked the key")
		}
		p = c.post(fmt.Sprintf("/admin/api-keys/%d/revoke", client.ID), url.Values{"csrf": {confirm.csrf(t)}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der API-Zugang wurde widerrufen.")
		wantLacks(t, p, fmt.Sprintf(`href="/admin/api-keys/%d/revoke"`, client.ID))
		if _, err := e.id.AuthenticateAPIKey(context.Background(), key); err == nil {
			t.Fatal("revoked key still authenticates")
		}
		wantStatus(t, c.get("/admin/api-keys/99999/revoke"), http.StatusNotFound)
	})
}
