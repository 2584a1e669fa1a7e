package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// db is one fresh, migrated database with the path of its file (SQLite).
type db struct {
	st   *store.Store
	file string
}

var root = identity.WithActor(context.Background(), identity.System())

// eachDB runs fn on a fresh SQLite and a fresh PostgreSQL database.
func eachDB(t *testing.T, fn func(t *testing.T, d db)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			var d db
			dsn := ""
			if dialect == "sqlite" {
				d.file = filepath.Join(t.TempDir(), "m.db")
				dsn = d.file
			} else {
				dsn = testenv.PostgresDSN(t)
			}
			st, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			d.st = st
			fn(t, d)
		})
	}
}

// tenant creates a tenant straight in the store.
func (d db) tenant(t *testing.T, slug string) tenancy.Tenant {
	t.Helper()
	tn := tenancy.Tenant{Slug: slug, Name: slug, LegalName: slug + " GmbH", Street: "Domplatz 1", PostalCode: "93047",
		City: "Regensburg", VATID: "DE123456789"}
	if err := d.st.CreateTenant(root, &tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

// raw reads the stored column as it is.
func (d db) raw(t *testing.T, tenantID int64) string {
	t.Helper()
	var v string
	if err := d.st.DB().QueryRow(`SELECT gateway_secret FROM tenants WHERE id = $1`, tenantID).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// setRaw writes the column as it is: a value from before encryption at rest,
// or one sealed elsewhere.
func (d db) setRaw(t *testing.T, tenantID int64, v string) {
	t.Helper()
	if _, err := d.st.DB().Exec(`UPDATE tenants SET gateway_secret = $1 WHERE id = $2`, v, tenantID); err != nil {
		t.Fatal(err)
	}
}

// opens checks that the stored secret of tn opens with k to want.
func (d db) opens(t *testing.T, k *secrets.Keyring, tn tenancy.Tenant, want string) {
	t.Helper()
	tn.Gateway.SealedSecret = d.raw(t, tn.ID)
	got, err := k.OpenGatewaySecret(tn)
	if err != nil || got != want {
		t.Fatalf("tenant %s: opened %q, %v; want %q", tn.Slug, got, err, want)
	}
}

// fileHas reports whether the SQLite files (database and WAL) hold b.
func fileHas(t *testing.T, path string, b []byte) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(data, b) {
			return true
		}
	}
	return false
}

// TestTenantSecretStoredSealed: a secret entered for a tenant is stored
// sealed (the raw column and, on SQLite, the database files hold no plain
// text), read back sealed, opens to what was entered; saving the tenant
// without a new secret keeps it; the store refuses a plain-text secret;
// without a key, entering one is a field error and changes nothing.
func TestTenantSecretStoredSealed(t *testing.T) {
	eachDB(t, func(t *testing.T, d db) {
		k := keyring(t, newKey(t))
		tenants := secrets.Tenants(d.st, k)
		koenig := d.tenant(t, "koenig")
		ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: koenig.ID, Role: identity.RoleAdmin})
		const plain = "Telecash-Secret-4711-geheim"

		tn, err := tenants.Tenant(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tn.Gateway.Mode, tn.Gateway.APIKey, tn.Gateway.Secret = "sandbox", "key-1", plain
		if err := tenants.UpdateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
		if tn.Gateway.Secret != "" {
			t.Error("the plain text stays in the tenant after saving")
		}
		stored := d.raw(t, koenig.ID)
		if strings.Contains(stored, plain) || !strings.HasPrefix(stored, "v1:"+k.PrimaryID()+":") {
			t.Fatalf("stored %q: want v1:%s:… without the plain text", stored, k.PrimaryID())
		}
		if d.file != "" && fileHas(t, d.file, []byte(plain)) {
			t.Fatal("the SQLite files hold the plain-text secret")
		}
		back, err := tenants.Tenant(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if back.Gateway.Secret != "" || back.Gateway.SealedSecret != stored {
			t.Fatalf("read back: plain %q, sealed %q; want none and the stored value", back.Gateway.Secret, back.Gateway.SealedSecret)
		}
		d.opens(t, k, koenig, plain)

		// another setting saved, no new secret: the secret stays, sealed as it was
		back.City = "Regensburg"
		if err := tenants.UpdateTenant(ctx, &back); err != nil {
			t.Fatal(err)
		}
		if d.raw(t, koenig.ID) != stored {
			t.Fatal("saving without a new secret changed the stored one")
		}
		// a stale sealed value passed back is not written (a rotation may have replaced it)
		stale := back
		stale.Gateway.SealedSecret = "v1:00000000:stale"
		if err := tenants.UpdateTenant(ctx, &stale); err != nil || d.raw(t, koenig.ID) != stored {
			t.Fatalf("a passed-back sealed value was written: %v, stored %q", err, d.raw(t, koenig.ID))
		}

		// the store alone never takes plain text
		direct := back
		direct.Gateway.Secret = "plain-through-the-back-door"
		if err := d.st.UpdateTenant(ctx, &direct); err == nil || errs.KindOf(err) != errs.KindInternal {
			t.Fatalf("the store took a plain-text secret: %v", err)
		}
		if d.raw(t, koenig.ID) != stored {
			t.Fatal("a refused plain-text secret changed the stored one")
		}

		// a new tenant with a secret: sealed for its own id
		created := tenancy.Tenant{Slug: "neu", Name: "Neu", LegalName: "Neu GmbH",
			Gateway: tenancy.GatewaySettings{Mode: "sandbox", APIKey: "k", Secret: "secret-of-neu"}}
		if err := tenants.CreateTenant(root, &created); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d.raw(t, created.ID), "secret-of-neu") {
			t.Fatal("a created tenant's secret is stored in plain text")
		}
		d.opens(t, k, created, "secret-of-neu")

		// no key: a clear field error, nothing changed
		noKey := secrets.Tenants(d.st, nil)
		back.Gateway.Secret = "another-secret"
		err = noKey.UpdateTenant(ctx, &back)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "gateway_secret" || e.Fields[0].Code != secrets.NoKeyCode {
			t.Fatalf("without a key: %v, want a field error on gateway_secret", err)
		}
		if d.raw(t, koenig.ID) != stored {
			t.Fatal("a refused secret changed the stored one")
		}
	})
}

// TestRotate: with the new key primary and the old one previous, rotate
// re-seals the old key's values and seals plain-text ones; values already
// on the new key stay; one no key opens is reported by tenant and key id,
// left as it is, and does not stop the others. Afterwards the new key
// alone opens everything that could be opened.
func TestRotate(t *testing.T) {
	eachDB(t, func(t *testing.T, d db) {
		oldKey, newKeyText, lostKey := newKey(t), newKey(t), newKey(t)
		oldRing, newRing, lostRing := keyring(t, oldKey), keyring(t, newKeyText), keyring(t, lostKey)
		a, b, c, lost := d.tenant(t, "a-old"), d.tenant(t, "b-plain"), d.tenant(t, "c-new"), d.tenant(t, "d-lost")
		none := d.tenant(t, "e-none")
		seal := func(k *secrets.Keyring, tn tenancy.Tenant, plain string) string {
			s, err := k.SealGatewaySecret(tn.ID, plain)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		d.setRaw(t, a.ID, seal(oldRing, a, "secret-a"))
		d.setRaw(t, b.ID, "secret-b")
		cSealed := seal(newRing, c, "secret-c")
		d.setRaw(t, c.ID, cSealed)
		lostSealed := seal(lostRing, lost, "secret-d")
		d.setRaw(t, lost.ID, lostSealed)

		both := keyring(t, newKeyText, oldKey)
		r, err := secrets.Rotate(root, d.st, both)
		if err != nil {
			t.Fatal(err)
		}
		if r.Total != 4 || r.Current != 3 || r.Rotated != 1 || r.Sealed != 1 || r.Changed != 0 || len(r.Failed) != 1 {
			t.Fatalf("report %+v", r)
		}
		f := r.Failed[0]
		if f.TenantSlug != "d-lost" || f.KeyID != lostRing.PrimaryID() || !errors.Is(f, secrets.ErrUnknownKey) ||
			!strings.Contains(f.Error(), "d-lost") || !strings.Contains(f.Error(), lostRing.PrimaryID()) || strings.Contains(f.Error(), "secret-d") {
			t.Fatalf("failure %+v: %v", f, f)
		}
		if d.raw(t, lost.ID) != lostSealed || d.raw(t, c.ID) != cSealed || d.raw(t, none.ID) != "" {
			t.Fatal("rotate changed a value it could not open, one already on the primary key, or an empty one")
		}
		newOnly := keyring(t, newKeyText)
		for _, x := range []struct {
			tn    tenancy.Tenant
			plain string
		}{{a, "secret-a"}, {b, "secret-b"}, {c, "secret-c"}} {
			if id, _ := secrets.KeyID(d.raw(t, x.tn.ID)); id != newRing.PrimaryID() {
				t.Fatalf("tenant %s is on key %q after rotate, want %s", x.tn.Slug, id, newRing.PrimaryID())
			}
			d.opens(t, newOnly, x.tn, x.plain)
		}
		if _, err := oldRing.OpenGatewaySecret(tenancy.Tenant{ID: a.ID, Gateway: tenancy.GatewaySettings{SealedSecret: d.raw(t, a.ID)}}); err == nil {
			t.Fatal("the old key still opens a rotated value")
		}
		// a second pass finds everything current but the lost one
		r, err = secrets.Rotate(root, d.st, newOnly)
		if err != nil || r.Current != 3 || r.Rotated != 0 || r.Sealed != 0 || len(r.Failed) != 1 {
			t.Fatalf("second pass: %+v %v", r, err)
		}
		if _, err := secrets.Rotate(root, d.st, nil); !errors.Is(err, secrets.ErrNoKey) {
			t.Fatalf("rotate without a key: %v", err)
		}
		// only the all-tenants system may list or replace stored secrets
		one := identity.WithActor(context.Background(), identity.SystemFor(a.ID))
		if _, err := d.st.GatewaySecrets(one); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("a tenant's actor listed the stored secrets: %v", err)
		}
		if _, err := d.st.ReplaceGatewaySecret(one, a.ID, "", "x"); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("a tenant's actor replaced a stored secret: %v", err)
		}
		// a value changed meanwhile is not replaced
		if done, err := d.st.ReplaceGatewaySecret(root, a.ID, "not-what-is-stored", "x"); done || err != nil {
			t.Fatalf("replace of a changed value: done %v, %v", done, err)
		}
	})
}

// TestStartUp: a server refuses to start when it could not read the stored
// secrets (no key: the tenants are named; a key that opens none: the key
// ids are named) and changes nothing then; with the right key it seals the
// plain-text values and leaves previous-key values for rotate; a single
// value that does not open is reported and does not stop the start.
func TestStartUp(t *testing.T) {
	eachDB(t, func(t *testing.T, d db) {
		if r, err := secrets.StartUp(root, d.st, nil); err != nil || r.Total != 0 {
			t.Fatalf("no secrets stored, no key: %+v %v", r, err)
		}
		oldKey, cur := newKey(t), newKey(t)
		oldRing := keyring(t, oldKey)
		legacy, sealedOld := d.tenant(t, "autohaus-alt"), d.tenant(t, "autohaus-versiegelt")
		d.setRaw(t, legacy.ID, "plain-from-before")

		_, err := secrets.StartUp(root, d.st, nil)
		var noKey *secrets.NoKeyError
		if !errors.As(err, &noKey) || !errors.Is(err, secrets.ErrNoKey) || !strings.Contains(err.Error(), "autohaus-alt") ||
			!strings.Contains(err.Error(), "MIETWERK_SECRET_KEY") || strings.Contains(err.Error(), "plain-from-before") {
			t.Fatalf("stored secret, no key: %v", err)
		}
		oldSealed, _ := oldRing.SealGatewaySecret(sealedOld.ID, "sealed-before")
		d.setRaw(t, sealedOld.ID, oldSealed)

		// the wrong key: refused, nothing sealed with it
		wrong := keyring(t, cur)
		_, err = secrets.StartUp(root, d.st, wrong)
		var wk *secrets.WrongKeyError
		if !errors.As(err, &wk) || !strings.Contains(err.Error(), oldRing.PrimaryID()) || !strings.Contains(err.Error(), wrong.PrimaryID()) {
			t.Fatalf("a key that opens nothing: %v", err)
		}
		if d.raw(t, legacy.ID) != "plain-from-before" {
			t.Fatal("a refused start sealed a value with the wrong key")
		}

		// the new key with the old one as previous: the plain text is sealed, the old value stays for rotate
		both := keyring(t, cur, oldKey)
		r, err := secrets.StartUp(root, d.st, both)
		if err != nil || r.Sealed != 1 || r.Rotated != 0 || len(r.Failed) != 0 {
			t.Fatalf("start-up: %+v %v", r, err)
		}
		if d.raw(t, sealedOld.ID) != oldSealed {
			t.Fatal("start-up re-sealed a previous key's value (another process may not have the new key yet)")
		}
		if id, _ := secrets.KeyID(d.raw(t, legacy.ID)); id != both.PrimaryID() {
			t.Fatalf("the plain-text value is on key %q, want %s", id, both.PrimaryID())
		}
		d.opens(t, both, legacy, "plain-from-before")

		// the new key alone: the old value does not open, but the other does: start, report it
		r, err = secrets.StartUp(root, d.st, keyring(t, cur))
		if err != nil || len(r.Failed) != 1 || r.Failed[0].TenantSlug != "autohaus-versiegelt" || r.Failed[0].KeyID != oldRing.PrimaryID() {
			t.Fatalf("one value of a missing key: %+v %v", r, err)
		}
	})
}
