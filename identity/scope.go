package identity

import (
	"strings"

	"mietwerk.dev/mietwerk/errs"
)

// Scope is what an API key may do, as Stripe has publishable and secret
// keys. The scope is fixed when the key is created and shows in the key's
// prefix (mwk_public_…, mwk_secret_…, mwk_staff_…).
type Scope string

const (
	// ScopePublic is for browsers (the dealer's website): stations,
	// categories, availability, creating a booking, and reading, changing
	// or cancelling a booking only with that booking's secret, which its
	// creator received.
	ScopePublic Scope = "public"
	// ScopeSecret is for the dealer's own server: every booking operation.
	ScopeSecret Scope = "secret"
	// ScopeStaff is for the dealership's tablet apps: handover and return
	// (with damage charges up to the tenant's limit per charge).
	ScopeStaff Scope = "staff"
)

// Scopes lists every scope, in the order forms and documents show them.
var Scopes = []Scope{ScopePublic, ScopeSecret, ScopeStaff}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopePublic || s == ScopeSecret || s == ScopeStaff }

// KeyPrefix is how every live key of the scope starts, e.g. "mwk_public_".
func (s Scope) KeyPrefix() string { return APIKeyPrefix + string(s) + "_" }

// ModePrefix is how keys of scope s start in test mode or live:
// "mwk_test_public_" or "mwk_public_".
func (s Scope) ModePrefix(test bool) string {
	if test {
		return TestKeyPrefix + string(s) + "_"
	}
	return s.KeyPrefix()
}

// ParseScope reads a scope name (case-insensitive). Errors: KindInvalid
// with a field error on field.
func ParseScope(field, v string) (Scope, error) {
	s := Scope(strings.ToLower(strings.TrimSpace(v)))
	if !s.Valid() {
		var f errs.Fields
		f.Add(field, "api_key.scope_choose")
		return "", f.Err()
	}
	return s, nil
}
