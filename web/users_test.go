package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/identity"
)

func TestAdminCreatesUser(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		tok := c.token("/admin/users/new")

		t.Run("invalid", func(t *testing.T) {
			p := c.post("/admin/users", url.Values{"csrf": {tok}, "email": {"kaputt"}, "name": {""}, "role": {"station"},
				"language": {"fr"}, "password": {"kurz"}})
			wantStatus(t, p, http.StatusUnprocessableEntity)
			got := p.fieldErrors()
			for _, f := range []string{"email", "name", "language", "stations", "password"} {
				if got[f] == "" {
					t.Errorf("no message for %s (got %v)", f, got)
				}
			}
			if got["password"] != "Bitte mindestens 10 Zeichen verwenden." {
				t.Errorf("password message %q", got["password"])
			}
		})
		t.Run("duplicate e-mail", func(t *testing.T) {
			p := c.post("/admin/users", url.Values{"csrf": {tok}, "email": {stationEmail}, "name": {"Doppelt"}, "role": {"admin"},
				"language": {"de"}, "password": {"ein-langes-passwort"}})
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if p.fieldErrors()["email"] == "" {
				t.Errorf("no e-mail message: %v", p.fieldErrors())
			}
		})
		users, err := e.store.ListUsers(e.sys())
		must(t, err)
		if len(users) != 2 {
			t.Fatalf("invalid forms created users: %d", len(users))
		}

		p := c.post("/admin/users", url.Values{"csrf": {tok}, "email": {"muenchen@autohaus-koenig.de"}, "name": {"Maria München"},
			"role": {"station"}, "language": {"en"}, "stations": {strconv.FormatInt(e.muc.ID, 10)}, "password": {"ein-langes-passwort"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Benutzer wurde angelegt.", "Maria München", "muenchen@autohaus-koenig.de")

		// The new user signs in, sees only München, in English.
		n := e.client(t)
		dash := n.login("muenchen@autohaus-koenig.de", "ein-langes-passwort")
		wantStatus(t, dash, http.StatusOK)
		wantContains(t, dash, "München Nord", "Sign out")
		wantLacks(t, dash, "Regensburg")
	})
}

var userRowRE = regexp.MustCompile(`data-user="(\d+)"`)

func TestAdminEditsUser(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		s := e.client(t)
		s.mustLogin(stationEmail)

		list := c.get("/admin/users")
		if len(userRowRE.FindAllString(list.body, -1)) != 2 {
			t.Fatalf("user list:\n%s", excerpt(list.body))
		}
		path := fmt.Sprintf("/admin/users/%d", e.station.ID)
		tok := c.token(path)
		p := c.post(path, url.Values{"csrf": {tok}, "email": {stationEmail}, "name": {"Stefan S."}, "role": {"station"},
			"language": {"de"}, "stations": {strconv.FormatInt(e.reg.ID, 10), strconv.FormatInt(e.muc.ID, 10)}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Änderungen wurden gespeichert.")
		u, err := e.store.User(e.sys(), e.station.ID)
		must(t, err)
		if u.Name != "Stefan S." || len(u.StationIDs) != 2 {
			t.Fatalf("saved %+v", u)
		}

		// A station of another tenant cannot be assigned.
		p = c.post(path, url.Values{"csrf": {tok}, "email": {stationEmail}, "name": {"X"}, "role": {"station"},
			"language": {"de"}, "stations": {strconv.FormatInt(e.foreign.ID, 10)}})
		wantStatus(t, p, http.StatusUnprocessableEntity)

		// Set password ends the user's sessions; the new password works.
		wantStatus(t, c.post(path+"/password", url.Values{"csrf": {tok}, "password": {"kurz"}}), http.StatusUnprocessableEntity)
		p = c.post(path+"/password", url.Values{"csrf": {tok}, "password": {"ganz-neues-passwort"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Das Passwort wurde gesetzt")
		if p := s.get("/admin/"); p.url.Path != "/admin/login" {
			t.Fatalf("station user still signed in after password change: %s", p.url)
		}
		if _, _, _, err := e.id.Login(context.Background(), stationEmail, "ganz-neues-passwort", "10.0.0.1", "test"); err != nil {
			t.Fatalf("new password: %v", err)
		}

		// Disable refuses sign-in; enable allows it again.
		p = c.post(path+"/disable", url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Benutzer wurde deaktiviert.")
		if p := e.client(t).login(stationEmail, "ganz-neues-passwort"); p.alert() != failedMsg {
			t.Fatalf("disabled user: %q", p.alert())
		}
		wantStatus(t, c.post(path+"/enable", url.Values{"csrf": {tok}}), http.StatusOK)
		if p := e.client(t).login(stationEmail, "ganz-neues-passwort"); p.url.Path != "/admin/" {
			t.Fatalf("enabled user cannot sign in: %s %q", p.url, p.alert())
		}

		// An admin cannot disable itself.
		self := fmt.Sprintf("/admin/users/%d", e.admin.ID)
		p = c.post(self+"/disable", url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if u, _ := e.store.User(e.sys(), e.admin.ID); u.Disabled() {
			t.Fatal("admin disabled itself")
		}
		// Users of other tenants do not exist here.
		other := identity.User{Email: "x@fremd.de", Name: "X", Role: identity.RoleAdmin, Language: "de"}
		must(t, e.id.CreateUser(identity.WithActor(context.Background(), identity.SystemFor(e.foreign.TenantID)), &other, password))
		wantStatus(t, c.get(fmt.Sprintf("/admin/users/%d", other.ID)), http.StatusNotFound)
		if strings.Contains(c.get("/admin/users").body, "x@fremd.de") {
			t.Fatal("user list shows another tenant's user")
		}
	})
}
