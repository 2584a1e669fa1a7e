package api

import (
	"net/http"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
)

// BookingSecretHeader carries a booking's secret: with it a public key may
// read, change and cancel that one booking.
const BookingSecretHeader = "Booking-Secret"

// grant is one way a key scope may call an operation.
type grant struct {
	scope identity.Scope
	// bookingSecret: the request must carry the secret of the booking
	// named in the path (BookingSecretHeader).
	bookingSecret bool
}

// access lists who may call an operation; the OpenAPI document states the
// same per operation (security and x-mietwerk-scopes; a test checks both
// agree with what the server does).
type access []grant

var (
	public = identity.ScopePublic
	secret = identity.ScopeSecret
	staff  = identity.ScopeStaff

	anyKey       = access{{scope: public}, {scope: secret}, {scope: staff}}
	createAccess = access{{scope: public}, {scope: secret}}
	// a booking's own data and its money: the creator (public key with the
	// booking's secret) or the dealer's server
	ownerAccess = access{{scope: public, bookingSecret: true}, {scope: secret}}
	// reading a booking: also the tablet apps, which hand it over
	readAccess     = access{{scope: public, bookingSecret: true}, {scope: secret}, {scope: staff}}
	contractAccess = access{{scope: secret}, {scope: staff}}
	staffAccess    = access{{scope: staff}}
)

// operationAccess is who may call each operation under /api/v1.
var operationAccess = map[string]access{
	"GET /api/v1/stations":                    anyKey,
	"GET /api/v1/vehicle-categories":          anyKey,
	"GET /api/v1/availability":                anyKey,
	"GET /api/v1/availability/calendar":       anyKey,
	"POST /api/v1/bookings":                   createAccess,
	"GET /api/v1/bookings/{number}":           readAccess,
	"PATCH /api/v1/bookings/{number}":         ownerAccess,
	"POST /api/v1/bookings/{number}/cancel":   ownerAccess,
	"POST /api/v1/bookings/{number}/handover": staffAccess,
	"POST /api/v1/bookings/{number}/return":   staffAccess,
	"GET /api/v1/bookings/{number}/contract":  contractAccess,
}

// grantFor returns how scope may call the operation, if at all.
func (a access) grantFor(scope identity.Scope) (grant, bool) {
	for _, g := range a {
		if g.scope == scope {
			return g, true
		}
	}
	return grant{}, false
}

// scopeName is the catalog text naming scope ("öffentlich").
func scopeName(s identity.Scope) locale.Key { return locale.Key("api_key.scope_name." + string(s)) }

// names is the catalog text naming the scopes a (e.g. "geheim oder Personal").
func (a access) names() locale.Key {
	parts := make([]string, len(a))
	for i, g := range a {
		parts[i] = string(g.scope)
	}
	return locale.Key("api_key.scopes." + strings.Join(parts, "_"))
}

// mount registers an authenticated operation with its access rule.
func (s *server) mount(mux *http.ServeMux, pattern string, h handlerFunc) {
	acc, ok := operationAccess[pattern]
	if !ok {
		panic("api: no access rule for " + pattern)
	}
	mux.Handle(pattern, s.authed(acc, h))
}

// authorize checks that the key's scope may call the operation and, for a
// public key on a booking, that the request carries that booking's secret.
// Errors: KindForbidden with code "api_key_scope", "booking_secret_required"
// or "booking_secret_invalid".
func (s *server) authorize(r *http.Request, acc access, scope identity.Scope) error {
	g, ok := acc.grantFor(scope)
	if !ok {
		return errs.New(errs.KindForbidden, "api_key_scope", locale.Params{"scope": scopeName(scope), "allowed": acc.names()})
	}
	if !g.bookingSecret {
		return nil
	}
	sec := strings.TrimSpace(r.Header.Get(BookingSecretHeader))
	if sec == "" {
		return errs.New(errs.KindForbidden, "booking_secret_required")
	}
	return s.d.Bookings.CheckSecret(r.Context(), r.PathValue("number"), sec)
}
