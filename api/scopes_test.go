package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/api"
	"mietwerk.dev/mietwerk/identity"
)

// docAccess is what the OpenAPI document says about who may call one
// operation: the key scopes (x-mietwerk-scopes) and whether a public key
// needs the booking's secret (a security requirement pairing publicKey
// with bookingSecret).
type docAccess struct {
	scopes       []identity.Scope
	publicSecret bool
}

func documentedAccess(t *testing.T) map[string]docAccess {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	must(t, json.Unmarshal(api.OpenAPI(), &doc))
	out := map[string]docAccess{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" || path == "/api/v1/openapi.json" {
				continue
			}
			var op struct {
				Scopes   []identity.Scope      `json:"x-mietwerk-scopes"`
				Security []map[string][]string `json:"security"`
			}
			must(t, json.Unmarshal(raw, &op))
			if len(op.Scopes) == 0 || len(op.Security) != len(op.Scopes) {
				t.Fatalf("%s %s: x-mietwerk-scopes %v and security %v disagree", method, path, op.Scopes, op.Security)
			}
			a := docAccess{scopes: op.Scopes}
			for _, req := range op.Security {
				if _, ok := req["publicKey"]; ok {
					_, a.publicSecret = req["bookingSecret"]
				}
			}
			out[strings.ToUpper(method)+" "+path] = a
		}
	}
	return out
}

// TestKeyScopesEveryOperation calls every operation of the document with a
// key of every scope: a scope the document does not name gets 403
// api_key_scope; a public key on a booking gets 403 without that booking's
// secret (booking_secret_required) or with another booking's
// (booking_secret_invalid); everyone else is let through (and then gets
// what the operation answers this request: the requests are built to
// change nothing). Refused requests change nothing either.
func TestKeyScopesEveryOperation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		own := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)),
			"Idempotency-Key", "own", "Authorization", "Bearer "+e.keys[identity.ScopePublic])
		if own.status != 201 || !strings.HasPrefix(fmt.Sprint(own.body["booking_secret"]), identity.BookingSecretPrefix) {
			t.Fatalf("public key books: %d %s", own.status, own.raw)
		}
		other := e.do("POST", "/api/v1/bookings", bookingBody("otto@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)),
			"Idempotency-Key", "other", "Authorization", "Bearer "+e.keys[identity.ScopePublic])
		if other.status != 201 {
			t.Fatalf("second booking: %d %s", other.status, other.raw)
		}
		num, secret, otherSecret := own.body["number"].(string), own.body["booking_secret"].(string), other.body["booking_secret"].(string)
		if secret == otherSecret {
			t.Fatal("two bookings got the same secret")
		}
		requests := map[string]struct {
			path string
			body any
		}{
			"GET /api/v1/stations":                          {"/api/v1/stations", nil},
			"GET /api/v1/vehicle-categories":                {"/api/v1/vehicle-categories", nil},
			"GET /api/v1/availability":                      {"/api/v1/availability?station=SR&pickup=" + esc2(day(3, 9)) + "&return=" + esc2(day(5, 17)), nil},
			"GET /api/v1/availability/calendar":             {"/api/v1/availability/calendar?station=SR&month=" + day(3, 9).Format("2006-01"), nil},
			"POST /api/v1/bookings":                         {"/api/v1/bookings", map[string]any{}},
			"GET /api/v1/bookings/{number}":                 {"/api/v1/bookings/" + num, nil},
			"PATCH /api/v1/bookings/{number}":               {"/api/v1/bookings/" + num, map[string]any{}},
			"POST /api/v1/bookings/{number}/cancel":         {"/api/v1/bookings/" + num + "/cancel", map[string]any{"reason": "x"}},
			"POST /api/v1/bookings/{number}/handover":       {"/api/v1/bookings/" + num + "/handover", map[string]any{}},
			"POST /api/v1/bookings/{number}/return":         {"/api/v1/bookings/" + num + "/return", map[string]any{}},
			"GET /api/v1/bookings/{number}/contract":        {"/api/v1/bookings/" + num + "/contract", nil},
			"POST /api/v1/workshop-orders/{ref}/completed":  {"/api/v1/workshop-orders/WO-NONE/completed", nil},
			"GET /api/v1/payers":                            {"/api/v1/payers", nil},
			"GET /api/v1/payers/{id}":                       {"/api/v1/payers/999999", nil},
			"GET /api/v1/payers/{id}/open-items":            {"/api/v1/payers/999999/open-items", nil},
			"POST /api/v1/payer-invoices/{number}/payments": {"/api/v1/payer-invoices/RE-NONE/payments", map[string]any{}},
		}
		ops := documentedAccess(t)
		var names []string
		for op := range ops {
			names = append(names, op)
		}
		sort.Strings(names)
		if len(names) != len(requests) {
			t.Fatalf("the document has operations %v; the test knows %d", names, len(requests))
		}
		for i, op := range names {
			acc := ops[op]
			req, ok := requests[op]
			if !ok {
				t.Fatalf("no request for %s", op)
			}
			method, _, _ := strings.Cut(op, " ")
			for _, sc := range identity.Scopes {
				call := func(hdr ...string) resp {
					t.Helper()
					h := append([]string{"Authorization", "Bearer " + e.keys[sc], "Idempotency-Key", fmt.Sprintf("k%d-%s-%d", i, sc, len(hdr))}, hdr...)
					return e.do(method, req.path, req.body, h...)
				}
				if !slices.Contains(acc.scopes, sc) {
					r := call("Accept-Language", "en")
					if d := fmt.Sprint(r.body["detail"]); r.status != 403 || r.body["code"] != "api_key_scope" || !strings.HasPrefix(d, "A "+string(sc)+" API key") ||
						strings.Contains(d, "api_key.") || strings.Contains(d, "{") {
						t.Errorf("%s with a %s key: %d %s; want 403 api_key_scope naming the scopes", op, sc, r.status, r.raw)
					}
					if r := call(); !strings.Contains(fmt.Sprint(r.body["detail"]), "Ein API-Schlüssel der Art") || strings.Contains(fmt.Sprint(r.body["detail"]), "api_key.") {
						t.Errorf("%s with a %s key, in German: %s", op, sc, r.raw)
					}
					continue
				}
				if sc == identity.ScopePublic && acc.publicSecret {
					if r := call(); r.status != 403 || r.body["code"] != "booking_secret_required" {
						t.Errorf("%s with a public key and no secret: %d %s", op, r.status, r.raw)
					}
					if r := call(api.BookingSecretHeader, otherSecret); r.status != 403 || r.body["code"] != "booking_secret_invalid" {
						t.Errorf("%s with a public key and another booking's secret: %d %s", op, r.status, r.raw)
					}
					if r := call(api.BookingSecretHeader, secret); r.status == 403 || r.status == 401 {
						t.Errorf("%s with a public key and the booking's secret: %d %s", op, r.status, r.raw)
					}
					continue
				}
				if r := call(); r.status == 403 || r.status == 401 {
					t.Errorf("%s with a %s key: %d %s; the document allows it", op, sc, r.status, r.raw)
				}
			}
		}
		// nothing happened to the booking: still confirmed, no contract
		if r := e.do("GET", "/api/v1/bookings/"+num, nil); r.status != 200 || r.body["status"] != "confirmed" || r.body["contract"] != nil {
			t.Fatalf("booking after the calls: %d %s", r.status, r.raw)
		}
	})
}

// TestPublicKeyReachesOnlyItsOwnBooking: with sequential booking numbers, a
// public key (which sits in a web page) reads, changes and cancels the
// booking it made, through the secret it got once, and reads nothing of
// any other booking: not the customer's name, e-mail or licence.
func TestPublicKeyReachesOnlyItsOwnBooking(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		pub := "Bearer " + e.keys[identity.ScopePublic]
		// a booking made on the dealer's server for another customer
		theirs := e.do("POST", "/api/v1/bookings", bookingBody("fremd@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)),
			"Idempotency-Key", "theirs")
		if theirs.status != 201 {
			t.Fatalf("secret key books: %d %s", theirs.status, theirs.raw)
		}
		body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17))
		mine := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "mine", "Authorization", pub)
		if mine.status != 201 {
			t.Fatalf("public key books: %d %s", mine.status, mine.raw)
		}
		num, secret := mine.body["number"].(string), mine.body["booking_secret"].(string)
		// a replay of the create hands the same secret to the same caller
		if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "mine", "Authorization", pub); r.body["booking_secret"] != secret {
			t.Fatalf("replay: %s", r.raw)
		}
		theirNum := theirs.body["number"].(string)
		for _, path := range []string{"/api/v1/bookings/" + theirNum, "/api/v1/bookings/B99-99999"} {
			r := e.do("GET", path, nil, "Authorization", pub, api.BookingSecretHeader, secret)
			if r.status != 403 || strings.Contains(string(r.raw), "fremd@example.de") {
				t.Fatalf("GET %s with my secret: %d %s", path, r.status, r.raw)
			}
		}
		if r := e.do("POST", "/api/v1/bookings/"+theirNum+"/cancel", nil, "Authorization", pub, api.BookingSecretHeader, secret); r.status != 403 {
			t.Fatalf("cancel another booking with my secret: %d %s", r.status, r.raw)
		}
		r := e.do("GET", "/api/v1/bookings/"+num, nil, "Authorization", pub, api.BookingSecretHeader, secret)
		if r.status != 200 || r.body["customer"].(map[string]any)["email"] != "eva@example.de" || r.body["booking_secret"] != nil {
			t.Fatalf("GET my booking: %d %s", r.status, r.raw)
		}
		r = e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil, "Authorization", pub, api.BookingSecretHeader, secret)
		if r.status != 200 || r.body["status"] != "cancelled" {
			t.Fatalf("cancel my booking: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/api/v1/bookings/"+theirNum, nil); r.status != 200 || r.body["status"] != "confirmed" {
			t.Fatalf("their booking: %d %s", r.status, r.raw)
		}
	})
}

// TestStaffKeyChargeLimit: a staff key (tablet app) hands over and takes
// back a car; a damage charge over the tenant's limit per charge is refused
// with a field error before anything is recorded, one within it is billed.
func TestStaffKeyChargeLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		staffKey := "Bearer " + e.keys[identity.ScopeStaff]
		b := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)), "Idempotency-Key", "b")
		if b.status != 201 {
			t.Fatalf("book: %d %s", b.status, b.raw)
		}
		num := b.body["number"].(string)
		hand := handoverBody()
		if r := e.do("POST", "/api/v1/bookings/"+num+"/handover", hand, "Authorization", staffKey); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		damage := func(cents int64) map[string]any {
			return map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean", "damages": []map[string]any{
				{"view": "left", "x": 40, "y": 50, "kind": "scratch", "severity": "minor", "description": "Kratzer Tür", "charge_cents": 1000},
				{"view": "front", "x": 50, "y": 20, "kind": "dent", "severity": "major", "description": "Delle", "charge_cents": cents}}}
		}
		r := e.do("POST", "/api/v1/bookings/"+num+"/return", damage(99999999), "Authorization", staffKey)
		if r.status != 422 || !strings.Contains(string(r.raw), `"field":"damages.1.charge_cents"`) || strings.Contains(string(r.raw), "damages.0.") ||
			!strings.Contains(string(r.raw), "höchstens 500,00 € je Schaden") {
			t.Fatalf("return with 999,999.99 € damage: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/api/v1/bookings/"+num+"/contract", nil, "Authorization", staffKey); r.status != 200 || r.body["status"] != "open" ||
			len(r.body["protocols"].([]any)) != 1 {
			t.Fatalf("contract after the refused return: %d %s", r.status, r.raw)
		}
		r = e.do("POST", "/api/v1/bookings/"+num+"/return", damage(50000), "Authorization", staffKey)
		if r.status != 200 || r.body["status"] != "billed" {
			t.Fatalf("return with damages within the limit: %d %s", r.status, r.raw)
		}
		billed := r.body["balance"].(map[string]any)["billed_cents"].(float64)
		if billed < 4900+1000+50000 {
			t.Fatalf("billed %v: want the rent and both damages", billed)
		}
	})
}

// handoverBody is a complete handover of a booking for Eva Huber at 1,000 km
// with her licence checked.
func handoverBody() map[string]any {
	return map[string]any{"km": 1000, "fuel_eighths": 8, "cleanliness": "clean", "licence_checked": true, "timing_confirmed": true, "unsigned_reason": "Kunde telefonisch zugestimmt",
		"drivers": []map[string]any{{"role": "main", "first_name": "Eva", "last_name": "Huber", "licence_number": "B072RRE2I55",
			"licence_class": "B", "birth_date": "1980-04-12", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
}
