package secrets

import (
	"context"
	"fmt"
	"strconv"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// gatewayContext is what a tenant's gateway secret is sealed for: the
// column and the tenant, so that it opens for no other tenant.
func gatewayContext(tenantID int64) string {
	return "tenants.gateway_secret:" + strconv.FormatInt(tenantID, 10)
}

// SealGatewaySecret seals the plain-text gateway secret of tenant tenantID
// for storage. Errors: as Seal.
func (k *Keyring) SealGatewaySecret(tenantID int64, plain string) (string, error) {
	return k.Seal(plain, gatewayContext(tenantID))
}

// OpenGatewaySecret returns the plain-text gateway secret of t (from
// t.Gateway.SealedSecret; "" when it has none). The error names the tenant
// and the key the value was sealed with, and wraps ErrNoKey, ErrUnknownKey,
// ErrNotOpened or ErrNotSealed.
func (k *Keyring) OpenGatewaySecret(t tenancy.Tenant) (string, error) {
	if t.Gateway.SealedSecret == "" {
		return "", nil
	}
	plain, err := k.Open(t.Gateway.SealedSecret, gatewayContext(t.ID))
	if err != nil {
		return "", fmt.Errorf("tenant %q (id %d): the stored Telecash API secret cannot be read: %w", t.Slug, t.ID, err)
	}
	return plain, nil
}

// Stored is one tenant's stored gateway secret, as the store keeps it.
type Stored struct {
	TenantID   int64
	TenantSlug string
	Value      string // sealed, or plain text from before encryption at rest
}

// Store is what this package needs from storage. Both methods are for the
// all-tenants system actor only.
type Store interface {
	// GatewaySecrets lists every tenant's gateway secret that is not empty,
	// by tenant id.
	GatewaySecrets(ctx context.Context) ([]Stored, error)
	// ReplaceGatewaySecret sets the stored gateway secret of tenant
	// tenantID to new if it still is old, and reports whether it did (a
	// concurrent change wins).
	ReplaceGatewaySecret(ctx context.Context, tenantID int64, old, new string) (bool, error)
}

// TenantStore is a tenancy store with the methods above.
type TenantStore interface {
	tenancy.Store
	Store
}

// NoKeyCode is the catalog key of the field error when a gateway secret is
// entered while the server has no secret key.
const NoKeyCode locale.Key = "secrets.no_key"

// Tenants returns st as a tenancy.Store that seals a plain-text gateway
// secret (Gateway.Secret) with k before the tenant is saved, so that the
// store only ever gets the sealed value. Everything else is st's.
func Tenants(st TenantStore, k *Keyring) tenancy.Store {
	return sealingTenants{TenantStore: st, keys: k}
}

type sealingTenants struct {
	TenantStore
	keys *Keyring
}

// CreateTenant creates the tenant; a plain-text gateway secret is sealed for
// the new tenant's id and stored right after. Errors: those of the store;
// KindInvalid on gateway_secret when there is no key.
func (s sealingTenants) CreateTenant(ctx context.Context, t *tenancy.Tenant) error {
	plain := t.Gateway.Secret
	if plain != "" && s.keys == nil {
		return noKey()
	}
	t.Gateway.Secret = ""
	if err := s.TenantStore.CreateTenant(ctx, t); err != nil {
		return err
	}
	if plain == "" {
		return nil
	}
	sealed, err := s.keys.SealGatewaySecret(t.ID, plain)
	if err != nil {
		return err
	}
	if _, err := s.ReplaceGatewaySecret(ctx, t.ID, t.Gateway.SealedSecret, sealed); err != nil {
		return err
	}
	t.Gateway.SealedSecret = sealed
	return nil
}

// UpdateTenant saves the actor's tenant. The stored gateway secret changes
// only when a new plain-text Gateway.Secret is given, which is sealed first
// (and cleared from t); a Gateway.SealedSecret passed in is not written back
// (it may be one read before a rotation). Errors: those of the store;
// KindInvalid on gateway_secret when there is no key.
func (s sealingTenants) UpdateTenant(ctx context.Context, t *tenancy.Tenant) error {
	t.Gateway.SealedSecret = "" // the store keeps the stored one
	if t.Gateway.Secret != "" {
		a, ok := identity.ActorFrom(ctx)
		if !ok || a.TenantID == 0 {
			return errs.Unauthorized("unauthorized.not_signed_in")
		}
		if s.keys == nil {
			return noKey()
		}
		sealed, err := s.keys.SealGatewaySecret(a.TenantID, t.Gateway.Secret)
		if err != nil {
			return err
		}
		t.Gateway.SealedSecret, t.Gateway.Secret = sealed, ""
	}
	return s.TenantStore.UpdateTenant(ctx, t)
}

func noKey() error {
	var f errs.Fields
	f.Add("gateway_secret", NoKeyCode)
	e, _ := errs.As(f.Err())
	e.Err = ErrNoKey
	return e
}

// Failure is a stored secret that the keyring cannot open.
type Failure struct {
	TenantID   int64
	TenantSlug string
	KeyID      string // the key it names; "" when it is not in the sealed format
	Err        error  // wraps ErrNoKey, ErrUnknownKey, ErrNotOpened or ErrNotSealed
}

func (f Failure) Error() string {
	return fmt.Sprintf("tenant %q (id %d): the stored Telecash API secret cannot be read: %v", f.TenantSlug, f.TenantID, f.Err)
}

func (f Failure) Unwrap() error { return f.Err }

// Report says what a pass over the stored secrets found and did.
type Report struct {
	Total   int       // stored secrets
	Current int       // already sealed with the primary key
	Sealed  int       // plain-text values sealed now
	Rotated int       // values re-sealed from a previous key to the primary key
	Changed int       // changed by someone else during the pass, left alone (run again)
	Failed  []Failure // values that do not open
}

// Rotate seals every stored gateway secret with the primary key: plain-text
// values (from before encryption at rest) are sealed, values sealed with a
// previous key are opened and sealed again. A value that does not open is
// reported in Failed and left as it is; the others go on. After a Report
// with Current == Total the previous keys are no longer needed. Errors:
// ErrNoKey for a nil keyring; the store's.
func Rotate(ctx context.Context, st Store, k *Keyring) (Report, error) {
	if k == nil {
		return Report{}, ErrNoKey
	}
	return pass(ctx, st, k, true)
}

// StartUp is the step a server runs before it serves: it checks that the
// keyring opens the stored gateway secrets and seals those still stored as
// plain text (values sealed with a previous key stay as they are until
// Rotate: another process may not have the new key yet). It refuses, with
// an error and changing nothing, when secrets are stored but there is no
// keyring (NoKeyError), or when sealed values are stored and not one of
// them opens (a wrong key: WrongKeyError). Other values that do not open
// are in Failed: the server starts, and only those tenants cannot pay
// until the key is added or the secret entered again.
func StartUp(ctx context.Context, st Store, k *Keyring) (Report, error) {
	stored, err := st.GatewaySecrets(ctx)
	if err != nil {
		return Report{}, err
	}
	if len(stored) == 0 {
		return Report{}, nil
	}
	if k == nil {
		e := &NoKeyError{}
		for _, s := range stored {
			e.Tenants = append(e.Tenants, s.TenantSlug)
		}
		return Report{}, e
	}
	sealed, opened := 0, 0
	wrong := &WrongKeyError{Configured: k.IDs()}
	for _, s := range stored {
		id, ok := KeyID(s.Value)
		if !ok {
			continue
		}
		sealed++
		if _, err := k.Open(s.Value, gatewayContext(s.TenantID)); err == nil {
			opened++
		} else if !contains(wrong.Stored, id) {
			wrong.Stored = append(wrong.Stored, id)
		}
	}
	if sealed > 0 && opened == 0 {
		return Report{}, wrong
	}
	return pass(ctx, st, k, false)
}

// pass goes over the stored secrets: it seals plain-text values, and with
// rotate also re-seals those of previous keys.
func pass(ctx context.Context, st Store, k *Keyring, rotate bool) (Report, error) {
	stored, err := st.GatewaySecrets(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Report{Total: len(stored)}
	for _, s := range stored {
		id, isSealed := KeyID(s.Value)
		plain := s.Value
		if isSealed {
			var err error
			if plain, err = k.Open(s.Value, gatewayContext(s.TenantID)); err != nil {
				r.Failed = append(r.Failed, Failure{TenantID: s.TenantID, TenantSlug: s.TenantSlug, KeyID: id, Err: err})
				continue
			}
			if id == k.PrimaryID() || !rotate {
				r.Current += b2i(id == k.PrimaryID())
				continue
			}
		}
		resealed, err := k.SealGatewaySecret(s.TenantID, plain)
		if err != nil {
			return r, err
		}
		done, err := st.ReplaceGatewaySecret(ctx, s.TenantID, s.Value, resealed)
		switch {
		case err != nil:
			return r, err
		case !done:
			r.Changed++
		case isSealed:
			r.Rotated++
			r.Current++
		default:
			r.Sealed++
			r.Current++
		}
	}
	return r, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// NoKeyError: gateway secrets are stored, but no secret key is configured.
type NoKeyError struct {
	Tenants []string // slugs of the tenants with a stored secret
}

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("%d tenant(s) have a stored Telecash API secret (%s), but no secret key is configured to read it: "+
		"set MIETWERK_SECRET_KEY_FILE (or MIETWERK_SECRET_KEY, --secret-key-file) to the key the secrets were stored with",
		len(e.Tenants), joinMax(e.Tenants, 5))
}

func (e *NoKeyError) Unwrap() error { return ErrNoKey }

// WrongKeyError: sealed gateway secrets are stored, and none of them opens
// with the configured keys.
type WrongKeyError struct {
	Stored     []string // key ids the stored values name
	Configured []string // key ids of the keyring
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("the configured secret keys (key ids %s) open none of the stored Telecash API secrets (sealed with key ids %s): "+
		"is MIETWERK_SECRET_KEY the right key? A key being replaced goes into MIETWERK_SECRET_KEY_PREVIOUS",
		joinMax(e.Configured, 5), joinMax(e.Stored, 5))
}

func (e *WrongKeyError) Unwrap() error { return ErrUnknownKey }

func joinMax(list []string, n int) string {
	out := ""
	for i, s := range list {
		if i == n {
			return out + fmt.Sprintf(" and %d more", len(list)-n)
		}
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
