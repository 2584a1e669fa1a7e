package api_test

import (
	"encoding/json"
	"testing"
)

// TestNonJSONBodyIs415: a body sent as application/jsonx, text/plain, form
// data or JSON in another charset is answered 415 problem+json (code
// unsupported_media_type) before anything happens — also before the
// Idempotency-Key is taken, so the same key then books with
// application/json (with or without charset=utf-8).
func TestNonJSONBodyIs415(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		b, _ := json.Marshal(bookingBody("media@example.de", "4111111111111111", day(3, 9), day(4, 9)))
		for _, ct := range []string{"application/jsonx", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1",
			"application/json-patch+json", "application/json; x=1", "json"} {
			r := e.do("POST", "/api/v1/bookings", string(b), "Content-Type", ct, "Idempotency-Key", "media-1")
			if r.status != 415 || r.header.Get("Content-Type") != "application/problem+json" || r.body["code"] != "unsupported_media_type" {
				t.Fatalf("%s: %d %s", ct, r.status, r.raw)
			}
		}
		r := e.do("POST", "/api/v1/bookings/B00-00001/cancel", "{}", "Content-Type", "application/jsonx")
		if r.status != 415 {
			t.Fatalf("cancel with application/jsonx: %d %s", r.status, r.raw)
		}
		r = e.do("POST", "/api/v1/bookings", string(b), "Content-Type", "application/json; charset=UTF-8", "Idempotency-Key", "media-1")
		if r.status != 201 {
			t.Fatalf("then as JSON with the same key: %d %s", r.status, r.raw)
		}
	})
}
