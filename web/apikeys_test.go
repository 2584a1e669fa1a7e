package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var keyRE = regexp.MustCompile(`<code id="new-key">(mwk_[a-z0-9]+)</code>`)

func TestAdminAPIKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		tok := c.token("/admin/api-keys")

		p := c.post("/admin/api-keys", url.Values{"csrf": {tok}, "name": {"  "}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["name"] == "" {
			t.Fatalf("no name message: %v", p.fieldErrors())
		}

		p = c.post("/admin/api-keys", url.Values{"csrf": {tok}, "name": {"www.autohaus-koenig.de"}})
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
		if client.TenantID != e.tenant.ID {
			t.Fatalf("key of tenant %d", client.TenantID)
		}

		// Later only the prefix is shown.
		list := c.get("/admin/api-keys")
		wantContains(t, list, "www.autohaus-koenig.de", client.Prefix+"…")
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
