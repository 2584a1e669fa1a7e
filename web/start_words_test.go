package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/fleet"
)

// TestStartNamedInLogAndPrint: a test drive, an internal trip and a
// transfer are named by their kind — never "Reservierung" — in the change
// log on their page (its first line, the booking's creation) and in their
// printout (title, heading), in German and English; a rental (a walk-in at
// the counter) keeps "Reservierung". Like the page, the printout of a
// start shows no expected rental price, a rental's does. The reservation
// list badges a start's kind; the printed day list, the search results, the planning board's
// notice after a move and the contract page's link to the booking name it.
func TestStartNamedInLogAndPrint(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(adminEmail, password)
		bookings := startEach(t, ce, c)
		bookings[booking.KindRental] = walkInRental(t, ce, c)
		created := regexp.MustCompile(`<li data-action="create">([^<]*)</li>`)
		for _, lang := range []string{"de", "en"} {
			u, err := url.Parse(ce.srv.URL)
			must(t, err)
			c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mw_lang", Value: lang, Path: "/"}})
			rental, forWord, printWord, price := "Reservierung", " für ", " drucken", "Voraussichtlicher Preis"
			if lang == "en" {
				rental, forWord, printWord, price = "Reservation", " for ", "", "Expected price"
			}
			for _, k := range booking.Kinds {
				r := bookings[k]
				word := startWords[k].de
				if lang == "en" {
					word = startWords[k].en
				}
				t.Run(lang+"/"+string(k), func(t *testing.T) {
					path := fmt.Sprintf("/admin/reservations/%d", r.ID)
					p := c.get(path)
					m := created.FindStringSubmatch(p.body)
					if m == nil {
						t.Fatalf("%s: no creation in the change log: %d %s", path, p.status, p.alert())
					}
					if !strings.HasPrefix(m[1], word+forWord) {
						t.Errorf("change log of %s %s: %q, want it to start %q", k, r.Number, m[1], word+forWord)
					}
					wantContains(t, p, `href="`+path+`/print" id="print-link"`)
					pr := c.get(path + "/print")
					wantContains(t, pr, "<h1>"+word+" "+r.Number+"</h1>")
					if lang == "de" {
						wantContains(t, pr, "<title>"+word+printWord+" · ")
					} else {
						wantContains(t, pr, "<title>Print "+strings.ToLower(word[:1])+word[1:]+" · ")
					}
					if start := k != booking.KindRental; start {
						for what, body := range map[string]string{"change log": auditSection(p.body), "printout": pr.body} {
							if strings.Contains(body, rental) {
								t.Errorf("%s of %s %s says %q:\n%s", what, k, r.Number, rental, body)
							}
						}
					}
					if strings.Contains(pr.body, price) != (k == booking.KindRental) {
						t.Errorf("printout of %s %s: shows %q %v, want only a rental's", k, r.Number, price, strings.Contains(pr.body, price))
					}
				})
			}
		}
		// in German: the list badges a start's kind, the planning board's
		// notice after a move and the contract's link to its booking name
		// it, a rental's none of them
		u, err := url.Parse(ce.srv.URL)
		must(t, err)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mw_lang", Value: "de", Path: "/"}})
		for _, k := range booking.Kinds {
			r, word := bookings[k], startWords[k].de
			list := c.get("/admin/reservations?q=" + url.QueryEscape(r.Number))
			if badge := `<span class="badge kind-`; strings.Contains(list.body, badge+string(k)+`">`+word+"</span>") != (k != booking.KindRental) ||
				(k == booking.KindRental && strings.Contains(list.body, badge)) {
				t.Errorf("reservation list of %s %s: kind badge wrong:\n%s", k, r.Number, list.body)
			}
			day := c.get(fmt.Sprintf("/admin/reservations/day-list?day=%s&station=%d", r.Pickup.In(berlinLoc).Format("2006-01-02"), ce.reg.ID))
			if named := "<td>" + r.Number + " · " + word + "</td>"; k == booking.KindRental {
				wantContains(t, day, "<td>"+r.Number+"</td>")
			} else {
				wantContains(t, day, named)
			}
			hit := c.get("/admin/search?q=" + url.QueryEscape(r.Number))
			if k == booking.KindRental {
				wantContains(t, hit, r.Number+`</a> <span class="muted">Walter Kunde · `)
			} else {
				wantContains(t, hit, r.Number+`</a> <span class="muted">`+word+" · ")
			}
			move := c.post("/admin/planning/move", url.Values{"csrf": {list.csrf(t)}, "reservation": {fmt.Sprint(r.ID)}, "vehicle": {fmt.Sprint(r.VehicleID)},
				"pickup": {r.Pickup.Add(15 * time.Minute).Format(time.RFC3339)}, "station": {fmt.Sprint(ce.reg.ID)}}, "HX-Request", "true")
			wantContains(t, move, `role="status">`+word+" "+r.Number+" wurde verschoben.</p>")
			ct := handOverUse(t, ce, c, r.ID, "5100", "Eva")
			wantContains(t, c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID)), fmt.Sprintf(`%s: <a href="/admin/reservations/%d" id="ct-booking">%s</a>`, word, r.ID, r.Number))
		}
	})
}

// auditSection is the change log list of a booking's page ("" when none).
func auditSection(body string) string {
	i := strings.Index(body, `id="audit-list"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</ol>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// walkInRental takes a rental at the counter of Regensburg (the walk-in
// form) with a car of its own and returns the booking.
func walkInRental(t *testing.T, ce *ctEnv, c *client) booking.Reservation {
	t.Helper()
	reg := ce.res["reg"]
	tariffID := tariffOf(t, ce, reg.CategoryID)
	v := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: "R-WI 2", VIN: "WVWZZZ1KZAW200002", Make: "Skoda", Model: "Fabia", OdometerKM: 100, FuelEighths: 8}
	must(t, ce.store.CreateVehicle(ce.sys(), &v))
	form := url.Values{"csrf": {c.token("/admin/contracts/new")}, "email": {"walk@example.de"}, "first_name": {"Walter"}, "last_name": {"Kunde"},
		"street": {"Weg 2"}, "postal_code": {"93047"}, "city": {"Regensburg"}, "station_id": {fmt.Sprint(ce.reg.ID)},
		"vehicle_id": {fmt.Sprint(v.ID)}, "tariff_id": {fmt.Sprint(tariffID)},
		"return": {ce.clk.Now().Add(50 * time.Hour).In(berlinLoc).Format("2006-01-02T15:04")}}
	p := c.post("/admin/contracts/new", form)
	m := handoverPathRE.FindStringSubmatch(p.url.Path)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("walk-in: %d %s %s %v", p.status, p.url, p.alert(), p.fieldErrors())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	r, err := ce.store.Reservation(ce.sys(), id)
	must(t, err)
	return r
}

// tariffOf is the id of the (last) tariff of category categoryID.
func tariffOf(t *testing.T, ce *ctEnv, categoryID int64) int64 {
	t.Helper()
	ts, err := ce.store.ListTariffs(ce.sys())
	must(t, err)
	var id int64
	for _, tf := range ts {
		if tf.CategoryIDs[0] == categoryID {
			id = tf.ID
		}
	}
	return id
}
