package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/tenancy"
)

// stationForm is a valid station form; tests change single fields.
func stationForm(csrf string) url.Values {
	return url.Values{
		"csrf": {csrf}, "code": {"BER"}, "name": {"Berlin Mitte"}, "active": {"1"},
		"street": {"Friedrichstraße 10"}, "postal_code": {"10117"}, "city": {"Berlin"}, "country": {"DE"},
		"phone": {"+49 30 123456"}, "email": {"berlin@autohaus-koenig.de"}, "time_zone": {"Europe/Berlin"},
		"hours.mon": {"08:00-12:00, 13:00-18:00"}, "hours.tue": {"08:00-18:00"}, "hours.sat": {"09:00-12:00"},
		"exc.0.date": {"2026-12-24"}, "exc.0.closed": {"1"}, "exc.0.note": {"Heiligabend"},
		"exc.7.date": {"2026-12-31"}, "exc.7.hours": {"09:00-13:00"}, "exc.7.note": {"Silvester"},
	}
}

func countStations(t *testing.T, e *env) int {
	t.Helper()
	list, err := e.store.ListStations(e.sys())
	must(t, err)
	return len(list)
}

func TestStationCreate(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		p := c.post("/admin/stations", stationForm(c.token("/admin/stations/new")))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Station wurde angelegt.", "Berlin Mitte")
		st, err := e.store.StationByCode(e.sys(), "BER")
		must(t, err)
		if got := tenancy.FormatSpans(st.Hours[1]); got != "08:00-12:00, 13:00-18:00" {
			t.Errorf("monday %q", got)
		}
		if len(st.Exceptions) != 2 || !st.Exceptions[0].Closed || st.Exceptions[1].Date != "2026-12-31" ||
			tenancy.FormatSpans(st.Exceptions[1].Hours) != "09:00-13:00" || st.Exceptions[1].Note != "Silvester" {
			t.Errorf("exceptions %+v", st.Exceptions)
		}
		// A duplicate code comes back as a field message.
		p = c.post("/admin/stations", stationForm(c.token("/admin/stations/new")))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["code"] == "" {
			t.Fatalf("no code message for a duplicate code: %v", p.fieldErrors())
		}
	})
}

func TestStationInvalidForm(t *testing.T) {
	bad := map[string]string{
		"code": "bad code!", "name": "", "street": "", "postal_code": "", "city": "", "country": "Deutschland",
		"email": "keine-mail", "time_zone": "Mars/Olympus",
		"hours.mon": "8 bis 12", "hours.tue": "18:00-08:00", "hours.wed": "08:00-12:00, 11:00-14:00",
		"exc.0.date": "24.12.2026", "exc.1.date": "2026-12-31", "exc.1.hours": "",
	}
	// exception rows are ordered by date: "2026-12-31" < "24.12.2026", so the
	// missing hours are exceptions.0 and the bad date exceptions.1.
	want := []string{"code", "name", "street", "postal_code", "city", "country", "email", "time_zone",
		"hours.mon", "hours.tue", "hours.wed", "exceptions.0", "exceptions.1"}
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(adminEmail)
		check := func(t *testing.T, p page) {
			t.Helper()
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantContains(t, p, "Bitte korrigieren Sie die markierten Eingaben. Es wurde nichts gespeichert.")
			got := p.fieldErrors()
			for _, f := range want {
				if got[f] == "" {
					t.Errorf("no message next to field %s", f)
				}
			}
			if len(got) != len(want) {
				t.Errorf("messages %v, want one per field of %v", got, want)
			}
			// what the user typed comes back
			wantContains(t, p, `value="8 bis 12"`, `value="Mars/Olympus"`, `value="24.12.2026"`)
		}
		t.Run("create", func(t *testing.T) {
			before := countStations(t, e)
			form := stationForm(c.token("/admin/stations/new"))
			form.Del("exc.7.date")
			form.Del("exc.7.hours")
			form.Del("exc.7.note")
			form.Del("exc.0.closed")
			form.Del("exc.0.note")
			for k, v := range bad {
				form.Set(k, v)
			}
			check(t, c.post("/admin/stations", form))
			if n := countStations(t, e); n != before {
				t.Fatalf("stations %d → %d: something was saved", before, n)
			}
		})
		t.Run("edit", func(t *testing.T) {
			path := fmt.Sprintf("/admin/stations/%d", e.muc.ID)
			before, err := e.store.Station(e.sys(), e.muc.ID)
			must(t, err)
			form := url.Values{"csrf": {c.token(path)}}
			for k, v := range bad {
				form.Set(k, v)
			}
			check(t, c.post(path, form))
			after, err := e.store.Station(e.sys(), e.muc.ID)
			must(t, err)
			if after.Name != before.Name || after.City != before.City || !after.UpdatedAt.Equal(before.UpdatedAt) ||
				len(after.Exceptions) != 0 || tenancy.FormatSpans(after.Hours[1]) != "08:00-18:00" {
				t.Fatalf("station changed: %+v", after)
			}
		})
		t.Run("english messages", func(t *testing.T) {
			c.get("/admin/lang?l=en")
			form := url.Values{"csrf": {c.token("/admin/stations/new")}}
			for k, v := range bad {
				form.Set(k, v)
			}
			p := c.post("/admin/stations", form)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.fieldErrors()["city"]; got != "Enter a town." {
				t.Errorf("city message %q", got)
			}
			wantContains(t, p, "Please correct the marked fields.")
		})
	})
}

func TestStationEdit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/stations/%d", e.reg.ID)
		edit := c.get(path)
		wantStatus(t, edit, http.StatusOK)
		wantContains(t, edit, `value="08:00-18:00"`, "Regensburg")
		wantLacks(t, edit, `name="active"`) // only admins switch stations on and off
		form := url.Values{"csrf": {edit.csrf(t)}, "code": {"REG"}, "name": {"Regensburg Ost"}, "street": {"Landshuter Str. 5"},
			"postal_code": {"93053"}, "city": {"Regensburg"}, "country": {"de"}, "time_zone": {"Europe/Berlin"},
			"hours.mon": {"07:30-17:00"}, "hours.fri": {"07:30-12:00,13:00-16:00"}, "exc.5.date": {"2026-12-24"}, "exc.5.closed": {"1"}}
		p := c.post(path, form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Änderungen wurden gespeichert.", `value="07:30-17:00"`, `value="07:30-12:00, 13:00-16:00"`, `value="2026-12-24"`)
		st, err := e.store.Station(e.sys(), e.reg.ID)
		must(t, err)
		if st.Name != "Regensburg Ost" || st.Country != "DE" || !st.Active || len(st.Exceptions) != 1 || len(st.Hours[5]) != 2 {
			t.Fatalf("saved %+v", st)
		}
	})
}

func TestStationUserScope(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		c := e.client(t)
		dash := c.mustLogin(stationEmail)
		wantContains(t, dash, "Regensburg", `id="home-today-pickups"`)
		wantLacks(t, dash, `id="home-station"`) // one station: no switcher
		wantLacks(t, dash, "München Nord", `href="/admin/users"`, `href="/admin/api-keys"`)

		list := c.get("/admin/stations")
		wantStatus(t, list, http.StatusOK)
		wantContains(t, list, "Regensburg")
		wantLacks(t, list, "München Nord", "Fremdstation", "/admin/stations/new")

		gets := []struct {
			path string
			want int
		}{
			{fmt.Sprintf("/admin/stations/%d", e.muc.ID), http.StatusNotFound},
			{fmt.Sprintf("/admin/stations/%d", e.foreign.ID), http.StatusNotFound},
			{"/admin/stations/999999", http.StatusNotFound},
			{"/admin/stations/abc", http.StatusNotFound},
			{"/admin/stations/new", http.StatusForbidden},
			{"/admin/users", http.StatusForbidden},
			{"/admin/users/new", http.StatusForbidden},
			{fmt.Sprintf("/admin/users/%d", e.admin.ID), http.StatusForbidden},
			{"/admin/api-keys", http.StatusForbidden},
			{"/admin/nothing-here", http.StatusNotFound},
		}
		for _, g := range gets {
			t.Run("GET "+g.path, func(t *testing.T) {
				p := c.get(g.path)
				wantStatus(t, p, g.want)
				wantLacks(t, p, "München Nord", "Fremdstation", adminEmail)
			})
		}

		tok := dash.csrf(t)
		posts := []struct {
			path string
			form url.Values
			want int
		}{
			{fmt.Sprintf("/admin/stations/%d", e.muc.ID), stationForm(tok), http.StatusNotFound},
			{"/admin/stations", stationForm(tok), http.StatusForbidden},
			{"/admin/users", url.Values{"csrf": {tok}, "email": {"neu@example.com"}, "name": {"Neu"}, "role": {"admin"},
				"language": {"de"}, "password": {"ein-langes-passwort"}}, http.StatusForbidden},
			{"/admin/api-keys", url.Values{"csrf": {tok}, "name": {"Hack"}}, http.StatusForbidden},
		}
		for _, p := range posts {
			t.Run("POST "+p.path, func(t *testing.T) {
				wantStatus(t, c.post(p.path, p.form), p.want)
			})
		}
		if n := countStations(t, e); n != 2 {
			t.Errorf("stations: %d", n)
		}
		if muc, _ := e.store.Station(e.sys(), e.muc.ID); muc.Name != "München Nord" {
			t.Errorf("foreign station changed: %q", muc.Name)
		}
		users, err := e.store.ListUsers(e.sys())
		must(t, err)
		keys, err := e.store.ListAPIClients(e.sys())
		must(t, err)
		if len(users) != 2 || len(keys) != 0 {
			t.Errorf("users %d, keys %d after refused posts", len(users), len(keys))
		}
	})
}

func TestExceptionRowFragment(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	c := e.client(t)
	c.mustLogin(adminEmail)
	p := c.get("/admin/stations/exception-row")
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(p.body, "<html") || !strings.Contains(p.body, `class="exc-row`) || !strings.Contains(p.body, `type="date"`) {
		t.Fatalf("fragment:\n%s", p.body)
	}
}
