package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestLoginSessionsAndKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		svc := identity.NewService(s, identity.Config{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 2 * time.Hour, MaxFailures: 3}, clk.Now)
		ctx := sys(w.tenants[0].ID)
		u := identity.User{Email: "Anna.Berg@Example.de", Name: "Anna Berg", Role: identity.RoleStation, StationIDs: []int64{w.stations[0][1].ID}}
		mustNil(t, svc.CreateUser(ctx, &u, "correct horse battery"))
		bg := context.Background()

		// wrong password and unknown e-mail give the same error
		_, _, _, err1 := svc.Login(bg, "anna.berg@example.de", "wrong password!", "10.0.0.1", "ua")
		_, _, _, err2 := svc.Login(bg, "nobody@example.de", "wrong password!", "10.0.0.2", "ua")
		if err1 != identity.ErrBadCredentials || err2 != identity.ErrBadCredentials {
			t.Fatalf("bad logins: %v / %v", err1, err2)
		}
		tok, sess, got, err := svc.Login(bg, "ANNA.BERG@example.de", "correct horse battery", "10.0.0.1", "ua")
		mustNil(t, err)
		if got.ID != u.ID || len(got.StationIDs) != 1 || got.StationIDs[0] != w.stations[0][1].ID || sess.CSRFToken == "" {
			t.Fatalf("login user = %+v", got)
		}
		// the token is not stored, only its hash
		if _, err := s.SessionForAuth(bg, tok); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("raw token found as session id: %v", err)
		}
		clk.Advance(20 * time.Minute)
		if _, _, err := svc.Authenticate(bg, tok); err != nil {
			t.Fatalf("authenticate within idle timeout: %v", err)
		}
		clk.Advance(31 * time.Minute)
		if _, _, err := svc.Authenticate(bg, tok); err != identity.ErrSessionExpired {
			t.Fatalf("after idle timeout: %v", err)
		}
		// absolute timeout, even when active
		tok, _, _, err = svc.Login(bg, "anna.berg@example.de", "correct horse battery", "10.0.0.1", "ua")
		mustNil(t, err)
		for range 5 {
			clk.Advance(25 * time.Minute)
			_, _, err = svc.Authenticate(bg, tok)
		}
		if err != identity.ErrSessionExpired {
			t.Fatalf("after absolute timeout: %v", err)
		}
		// logout ends the session
		tok, _, _, err = svc.Login(bg, "anna.berg@example.de", "correct horse battery", "10.0.0.1", "ua")
		mustNil(t, err)
		mustNil(t, svc.Logout(bg, tok))
		if _, _, err := svc.Authenticate(bg, tok); err != identity.ErrSessionExpired {
			t.Fatalf("after logout: %v", err)
		}
		// throttling: after MaxFailures failures from one address even the
		// right password waits there (TestLoginThrottling has the details)
		for range 3 {
			svc.Login(bg, "anna.berg@example.de", "nope nope nope", "10.0.0.3", "ua")
		}
		if _, _, _, err := svc.Login(bg, "anna.berg@example.de", "correct horse battery", "10.0.0.3", "ua"); !errors.Is(err, identity.ErrTooManyAttempts) {
			t.Fatalf("throttled login: %v", err)
		}
		tok, _, _, err = svc.Login(bg, "anna.berg@example.de", "correct horse battery", "10.0.0.4", "ua")
		mustNil(t, err)
		// disabling ends sessions and refuses sign-in
		mustNil(t, svc.SetDisabled(ctx, u.ID, true))
		if _, _, err := svc.Authenticate(bg, tok); err != identity.ErrSessionExpired {
			t.Fatalf("disabled user's session: %v", err)
		}
		if _, _, _, err := svc.Login(bg, "anna.berg@example.de", "correct horse battery", "10.0.0.5", "ua"); err != identity.ErrBadCredentials {
			t.Fatalf("disabled login: %v", err)
		}

		// API keys: shown once, stored hashed, revocable, last use recorded
		c, key, err := svc.CreateAPIKey(ctx, "Website", identity.ScopePublic, 60)
		mustNil(t, err)
		got2, err := svc.AuthenticateAPIKey(bg, key)
		mustNil(t, err)
		if got2.ID != c.ID || got2.TenantID != w.tenants[0].ID || got2.LastUsedAt == nil || got2.Scope != identity.ScopePublic ||
			got2.Actor().Scope != identity.ScopePublic || !strings.HasPrefix(key, "mwk_public_") || !strings.HasPrefix(c.Prefix, "mwk_public_") {
			t.Fatalf("api client = %+v", got2)
		}
		list, err := s.ListAPIClients(ctx)
		mustNil(t, err)
		if len(list) != 1 || list[0].Prefix != key[:len(list[0].Prefix)] || list[0].LastUsedAt == nil || list[0].Scope != identity.ScopePublic {
			t.Fatalf("list = %+v", list)
		}
		if _, err := svc.AuthenticateAPIKey(bg, key+"x"); err != identity.ErrBadAPIKey {
			t.Fatalf("wrong key: %v", err)
		}
		mustNil(t, s.RevokeAPIClient(ctx, c.ID))
		if _, err := svc.AuthenticateAPIKey(bg, key); err != identity.ErrBadAPIKey {
			t.Fatalf("revoked key: %v", err)
		}
		// other tenant cannot revoke or see it
		if err := s.RevokeAPIClient(sys(w.tenants[1].ID), c.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("cross-tenant revoke: %v", err)
		}
	})
}

func TestUserValidation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		svc := identity.NewService(s, identity.Config{}, clk.Now)
		ctx := sys(w.tenants[0].ID)
		bad := identity.User{Email: "not-an-email", Role: "boss"}
		err := svc.CreateUser(ctx, &bad, "short")
		e, ok := errs.As(err)
		if !ok || len(e.Fields) < 4 {
			t.Fatalf("err = %v", err)
		}
		u := identity.User{Email: "a@example.de", Name: "A", Role: identity.RoleAdmin}
		mustNil(t, svc.CreateUser(ctx, &u, "long enough password"))
		dup := identity.User{Email: "A@example.de", Name: "B", Role: identity.RoleAdmin}
		if err := svc.CreateUser(sys(w.tenants[1].ID), &dup, "long enough password"); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("duplicate e-mail across tenants: %v", err)
		}
		// a station of another tenant cannot be assigned
		x := identity.User{Email: "x@example.de", Name: "X", Role: identity.RoleStation, StationIDs: []int64{w.stations[1][0].ID}}
		if err := svc.CreateUser(ctx, &x, "long enough password"); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("foreign station: %v", err)
		}
		users, err := s.ListUsers(ctx)
		mustNil(t, err)
		if len(users) != 1 {
			t.Fatalf("failed creations left users behind: %d", len(users))
		}
	})
}

// TestStaffEmailOfAnotherTenantNotRevealed: an admin who enters an e-mail
// address another tenant's login uses is told only that it cannot be
// used, on create and on change; the same address of a login of the own
// tenant is named as taken. Nothing is stored.
func TestStaffEmailOfAnotherTenantNotRevealed(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		svc := identity.NewService(s, identity.Config{}, clk.Now)
		a, b := sys(w.tenants[0].ID), sys(w.tenants[1].ID)
		other := identity.User{Email: "chef@huber.example", Name: "Franz Huber", Role: identity.RoleAdmin}
		mustNil(t, svc.CreateUser(b, &other, "correct horse battery"))
		own := identity.User{Email: "anna@koenig.example", Name: "Anna", Role: identity.RoleAdmin}
		mustNil(t, svc.CreateUser(a, &own, "correct horse battery"))

		message := func(err error) string {
			t.Helper()
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "email" {
				t.Fatalf("want an invalid e-mail field, got %v", err)
			}
			return string(e.Fields[0].Code)
		}
		const unusable = "user.email_unusable" // says no more than "cannot be used"
		u := identity.User{Email: "CHEF@huber.example", Name: "Spy", Role: identity.RoleAdmin}
		if m := message(svc.CreateUser(a, &u, "correct horse battery")); m != unusable {
			t.Errorf("create with another tenant's login address: %q", m)
		}
		own.Email = "chef@huber.example"
		if m := message(s.UpdateUser(a, &own)); m != unusable {
			t.Errorf("change to another tenant's login address: %q", m)
		}
		dup := identity.User{Email: "Anna@Koenig.example", Name: "Anna 2", Role: identity.RoleAdmin}
		if m := message(svc.CreateUser(a, &dup, "correct horse battery")); m != "user.email_taken" {
			t.Errorf("create with an own login's address: %q", m)
		}
		us, err := s.ListUsers(a)
		mustNil(t, err)
		for _, x := range us {
			if x.Email != "anna@koenig.example" && x.Name != "Anna" {
				continue
			}
			if x.Email != "anna@koenig.example" {
				t.Errorf("own login changed to %q", x.Email)
			}
		}
	})
}

// TestLoginThrottling: failures slow down sign-in per account and address
// with waits that double (1 s, 2 s, …), never lock the account: after an
// attacker's failures from one address (or all staff behind one proxy),
// the user still signs in with the right password from a device she
// signed in with before — even from that address —, a colleague behind
// the same address signs in, and the user from another address too. A
// known device's own failures slow that device down.
func TestLoginThrottling(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		svc := identity.NewService(s, identity.Config{MaxFailures: 3}, clk.Now)
		ctx := sys(w.tenants[0].ID)
		for _, e := range []string{"anna@example.de", "bob@example.de"} {
			u := identity.User{Email: e, Name: e, Role: identity.RoleAdmin}
			mustNil(t, svc.CreateUser(ctx, &u, "correct horse battery"))
		}
		bg := context.Background()
		in := func(email, pw, addr, device string) (identity.LoginResult, error) {
			return svc.SignIn(bg, identity.LoginRequest{Email: email, Password: pw, RemoteAddr: addr, Device: device})
		}
		first, err := in("anna@example.de", "correct horse battery", "10.0.0.1", "")
		mustNil(t, err)
		if first.Device == "" {
			t.Fatal("no device token")
		}
		const proxy = "10.0.0.9" // every client behind the proxy
		var th *identity.Throttled
		for i := 0; i < 3; i++ {
			if _, err := in("anna@example.de", "guess", proxy, ""); err != identity.ErrBadCredentials {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		// the 4th attempt from there waits 1 s; the password is not checked meanwhile
		if _, err := in("anna@example.de", "correct horse battery", proxy, ""); !errors.As(err, &th) || th.Wait != time.Second {
			t.Fatalf("after 3 failures: %v", err)
		}
		clk.Advance(time.Second)
		if _, err := in("anna@example.de", "guess", proxy, ""); err != identity.ErrBadCredentials {
			t.Fatalf("after the wait: %v", err)
		}
		if _, err := in("anna@example.de", "guess", proxy, ""); !errors.As(err, &th) || th.Wait != 2*time.Second {
			t.Fatalf("after 4 failures the wait doubles: %v", err)
		}
		// the user on her known device, through the same proxy: in
		again, err := in("anna@example.de", "correct horse battery", proxy, first.Device)
		if err != nil {
			t.Fatalf("known device behind the proxy: %v", err)
		}
		if again.Device == "" || again.Device == first.Device {
			t.Error("the device token is not renewed")
		}
		if _, err := in("anna@example.de", "correct horse battery", proxy, first.Device); !errors.Is(err, identity.ErrTooManyAttempts) {
			t.Errorf("the replaced device token still counts as known: %v", err)
		}
		// a colleague behind the same proxy, and the user elsewhere: in
		if _, err := in("bob@example.de", "correct horse battery", proxy, ""); err != nil {
			t.Errorf("colleague behind the proxy: %v", err)
		}
		if _, err := in("anna@example.de", "correct horse battery", "10.0.0.2", ""); err != nil {
			t.Errorf("the user from another address: %v", err)
		}
		// a device token of another user does not help
		bob, err := in("bob@example.de", "correct horse battery", "10.0.0.5", "")
		mustNil(t, err)
		if _, err := in("anna@example.de", "correct horse battery", proxy, bob.Device); !errors.Is(err, identity.ErrTooManyAttempts) {
			t.Errorf("another user's device: %v", err)
		}
		// the known device's own failures slow it down
		dev := again.Device
		for range 3 {
			in("anna@example.de", "typo", "10.0.0.7", dev)
		}
		if _, err := in("anna@example.de", "correct horse battery", "10.0.0.7", dev); !errors.As(err, &th) {
			t.Errorf("known device after its own failures: %v", err)
		}
		clk.Advance(time.Second)
		if _, err := in("anna@example.de", "correct horse battery", "10.0.0.7", dev); err != nil {
			t.Errorf("known device after the wait: %v", err)
		}
	})
}

// TestKeysFromBeforeScopesArePublic: migration 0009 makes every API key
// created before keys had scopes a public key (they were made for websites
// and may sit in a browser page), and gives existing tenants the default
// limit per damage charge by a staff key.
func TestKeysFromBeforeScopesArePublic(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "old.db")
			if d == store.Postgres {
				dsn = testenv.PostgresDSN(t)
			}
			bg := context.Background()
			s, err := store.Open(bg, dsn, store.Options{})
			mustNil(t, err)
			defer s.Close()
			mustNil(t, s.MigrateToForTest(bg, 8))
			key := "mwk_oldstylekeywithoutscope0123456789"
			mustNil(t, s.WriteForTest(bg, false, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(bg, `INSERT INTO tenants (id, slug, name, legal_name, created_at, updated_at)
					VALUES (1, 'alt', 'Alt', 'Alt GmbH', '2025-01-01 00:00:00', '2025-01-01 00:00:00')`); err != nil {
					return err
				}
				_, err := tx.ExecContext(bg, `INSERT INTO api_clients (tenant_id, name, prefix, key_hash, created_at)
					VALUES (1, 'Website', 'mwk_oldstyle', $1, '2025-01-01 00:00:00')`, identity.HashToken(key))
				return err
			}))
			_, err = s.Migrate(bg)
			mustNil(t, err)
			c, err := identity.NewService(s, identity.Config{}, nil).AuthenticateAPIKey(bg, key)
			mustNil(t, err)
			if c.Scope != identity.ScopePublic {
				t.Fatalf("old key has scope %q; want public", c.Scope)
			}
			tn, err := s.Tenant(sys(1))
			mustNil(t, err)
			if tn.APIChargeLimitCents != tenancy.DefaultAPIChargeLimitCents {
				t.Fatalf("old tenant's charge limit %d", tn.APIChargeLimitCents)
			}
		})
	}
}
