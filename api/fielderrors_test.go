package api_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
)

// TestEveryEndpointListsEveryInvalidField: on both databases, a request
// that gets many fields wrong at once — unknown fields, values of the wrong
// type, malformed times, unknown codes and what the services check — is
// answered with one 422 naming every one of them, on every operation that
// takes input; each message that has a catalog code reads in German and in
// English as the catalog says.
func TestEveryEndpointListsEveryInvalidField(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		num := e.book(t, "felder@example.de", day(3, 9), day(5, 17), "fe1")
		staff := "Bearer " + e.keys[identity.ScopeStaff]
		cases := []struct {
			name, method, path string
			body               any
			auth               string
			want               []string // fields that must be named
		}{
			{"availability", "GET", "/api/v1/availability?station=XX&pickup=tomorrow&category=ZZZ&workshop=maybe", nil, "",
				[]string{"pickup", "return", "station", "category", "workshop"}},
			{"calendar", "GET", "/api/v1/availability/calendar?station=XX&category=ZZZ&month=13-2027", nil, "",
				[]string{"station", "category", "month"}},
			{"create", "POST", "/api/v1/bookings", map[string]any{"station": "NOPE", "category": "CDMR", "pickup": "morgen", "colour": "red",
				"customer": map[string]any{"email": 5, "first_name": "Eva", "last_name": "Huber", "street": "Weg 1", "postal_code": "1",
					"city": "Straubing", "birth_date": []int{1985}},
				"payment": map[string]any{"card": map[string]any{"number": "4111111111111112", "exp_month": "12", "exp_year": 2030, "cvv": "123"}}}, "",
				[]string{"station", "pickup", "return", "colour", "customer.email", "customer.birth_date", "customer.postal_code",
					"payment.card.exp_month"}},
			{"change", "PATCH", "/api/v1/bookings/" + num, map[string]any{"pickup": "morgen", "extra": true,
				"customer": map[string]any{"phone": 5, "postal_code": "1"}}, "",
				[]string{"pickup", "extra", "customer.phone", "customer.postal_code"}},
			{"handover", "POST", "/api/v1/bookings/" + num + "/handover", map[string]any{"km": "viel", "cleanliness": "glänzend",
				"drivers": "Eva", "signer_name": 7}, staff,
				[]string{"km", "fuel_eighths", "cleanliness", "drivers", "signer_name", "licence_checked"}},
		}
		for _, tc := range cases {
			var byLang [2]map[string]string
			for i, l := range locale.Langs {
				hdr := []string{"Accept-Language", string(l), "Idempotency-Key", fmt.Sprintf("fe-%s-%s", tc.name, l)}
				if tc.auth != "" {
					hdr = append(hdr, "Authorization", tc.auth)
				}
				r := e.do(tc.method, tc.path, tc.body, hdr...)
				if r.status != 422 {
					t.Fatalf("%s (%s): %d %s", tc.name, l, r.status, r.raw)
				}
				byLang[i] = map[string]string{}
				var fields []string
				for _, x := range r.body["errors"].([]any) {
					fe := x.(map[string]any)
					f, _ := fe["field"].(string)
					fields = append(fields, f)
					msg, _ := fe["message"].(string)
					if code, _ := fe["code"].(string); code != "" {
						if want := locale.Default().T(l, locale.Key(code)); !strings.Contains(want, "{") && msg != want {
							t.Errorf("%s (%s): %s reads %q, the catalog's %s %q", tc.name, l, f, msg, code, want)
						}
						byLang[i][f+" "+code] = msg
					}
				}
				for _, w := range tc.want {
					if !contains(fields, w) {
						t.Errorf("%s (%s): no error for %s in %v", tc.name, l, w, fields)
					}
				}
			}
			var coded []string
			for k, de := range byLang[0] {
				if en := byLang[1][k]; en == de {
					t.Errorf("%s: %s reads %q in German and in English", tc.name, k, de)
				}
				coded = append(coded, k)
			}
			sort.Strings(coded)
			t.Logf("%s: catalog-coded field errors in German and English: %v", tc.name, coded)
		}
		// the return: after a handover, its own fields at once
		if r := e.do("POST", "/api/v1/bookings/"+num+"/handover", handoverBody(), "Authorization", staff); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		r := e.do("POST", "/api/v1/bookings/"+num+"/return", map[string]any{"km": "x", "cleanliness": "glänzend", "return_station": "ZZ",
			"damages": []any{map[string]any{"view": "left", "x": "links"}}}, "Authorization", staff, "Accept-Language", "en")
		var fields []string
		for _, x := range r.body["errors"].([]any) {
			fields = append(fields, x.(map[string]any)["field"].(string))
		}
		for _, w := range []string{"km", "fuel_eighths", "cleanliness", "return_station", "damages.0.x"} {
			if r.status != 422 || !contains(fields, w) {
				t.Errorf("return: %d, no error for %s in %v", r.status, w, fields)
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
