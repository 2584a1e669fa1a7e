package demo

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// eachDB runs fn as a subtest against a fresh, migrated SQLite and PostgreSQL database.
func eachDB(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, openDB(t, d))
		})
	}
}

func openDB(t *testing.T, d store.Dialect) *store.Store {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "mietwerk.db")
	if d == store.Postgres {
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
	return st
}

// counts are the numbers of demo records, as the tenant's system actor sees them.
type counts struct{ stations, categories, vehicles, tariffs, users, apiClients, activeKeys, bookings int }

func countAll(t *testing.T, st *store.Store) counts {
	t.Helper()
	ctx := identity.WithActor(context.Background(), identity.System())
	ten, err := st.TenantBySlug(ctx, Slug)
	if err != nil {
		t.Fatal(err)
	}
	ctx = identity.WithActor(context.Background(), identity.SystemFor(ten.ID))
	var c counts
	ss, err := st.ListStations(ctx)
	must(t, err)
	cs, err := st.ListCategories(ctx)
	must(t, err)
	vs, err := allVehicles(ctx, st)
	must(t, err)
	ts, err := st.ListTariffs(ctx)
	must(t, err)
	us, err := st.ListUsers(ctx)
	must(t, err)
	ks, err := st.ListAPIClients(ctx)
	must(t, err)
	_, nb, err := st.ListReservations(ctx, booking.Filter{Limit: 1})
	must(t, err)
	c = counts{len(ss), len(cs), len(vs), len(ts), len(us), len(ks), 0, nb}
	for _, k := range ks {
		if k.RevokedAt == nil {
			c.activeKeys++
		}
	}
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkCredentials signs every login in and authenticates the API key.
func checkCredentials(t *testing.T, idsvc *identity.Service, c Credentials) {
	t.Helper()
	ctx := context.Background()
	for _, l := range append([]Login{c.Admin}, c.Stations...) {
		_, _, u, err := idsvc.Login(ctx, l.Email, l.Password, "192.0.2.1", "test")
		if err != nil {
			t.Errorf("login %s: %v", l.Email, err)
			continue
		}
		if string(u.Role) != l.Role {
			t.Errorf("%s has role %s, want %s", l.Email, u.Role, l.Role)
		}
		if l.Role == string(identity.RoleStation) && len(u.StationIDs) != 1 {
			t.Errorf("station user %s has stations %v, want one", l.Email, u.StationIDs)
		}
	}
	for _, k := range []struct {
		key   string
		scope identity.Scope
		test  bool
	}{{c.APIKey, identity.ScopePublic, false}, {c.SecretAPIKey, identity.ScopeSecret, false}, {c.StaffAPIKey, identity.ScopeStaff, false},
		{c.TestAPIKey, identity.ScopePublic, true}, {c.TestSecretAPIKey, identity.ScopeSecret, true}, {c.TestStaffAPIKey, identity.ScopeStaff, true}} {
		if got, err := idsvc.AuthenticateAPIKey(ctx, k.key); err != nil || got.Scope != k.scope || got.Test != k.test {
			t.Errorf("%s API key (test %v): %+v %v", k.scope, k.test, got, err)
		}
	}
}

func TestSeedIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		idsvc := identity.NewService(st, identity.Config{}, time.Now)
		first, err := Seed(ctx, st, idsvc, dir)
		if err != nil {
			t.Fatal(err)
		}
		want := counts{stations: 3, categories: 4, vehicles: 30, tariffs: 5, users: 4, apiClients: 6, activeKeys: 6, bookings: 12}
		if got := countAll(t, st); got != want {
			t.Fatalf("after first seed: %+v, want %+v", got, want)
		}
		if first.Admin.Email != AdminEmail || len(first.Stations) != 3 || first.APIKey == "" {
			t.Fatalf("credentials %+v", first)
		}
		checkCredentials(t, idsvc, first)
		fi, err := os.Stat(filepath.Join(dir, CredentialsFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
		}

		second, err := Seed(ctx, st, idsvc, dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := countAll(t, st); got != want {
			t.Errorf("after second seed: %+v, want %+v", got, want)
		}
		if second.Admin != first.Admin || second.APIKey != first.APIKey || second.SecretAPIKey != first.SecretAPIKey ||
			second.StaffAPIKey != first.StaffAPIKey || second.TestAPIKey != first.TestAPIKey || second.TestSecretAPIKey != first.TestSecretAPIKey ||
			second.TestStaffAPIKey != first.TestStaffAPIKey || len(second.Stations) != 3 || second.Stations[2] != first.Stations[2] {
			t.Errorf("credentials changed on restart:\n%+v\n%+v", first, second)
		}
		checkCredentials(t, idsvc, second)

		// the credentials file is lost: new passwords and key, old key revoked, no duplicates
		must(t, os.Remove(filepath.Join(dir, CredentialsFile)))
		third, err := Seed(ctx, st, idsvc, dir)
		if err != nil {
			t.Fatal(err)
		}
		if third.Admin.Password == first.Admin.Password || third.APIKey == first.APIKey || third.TestAPIKey == first.TestAPIKey {
			t.Errorf("lost file: want new secrets")
		}
		checkCredentials(t, idsvc, third)
		for _, k := range []string{first.APIKey, first.TestAPIKey} {
			if _, err := idsvc.AuthenticateAPIKey(ctx, k); err == nil {
				t.Errorf("the lost API key %s still authenticates", k)
			}
		}
		if _, _, _, err := idsvc.Login(ctx, first.Admin.Email, first.Admin.Password, "192.0.2.2", "test"); err == nil {
			t.Errorf("the lost admin password still works")
		}
		want.apiClients = 12
		if got := countAll(t, st); got != want {
			t.Errorf("after lost file: %+v, want %+v", got, want)
		}
	})
}

// A fresh database with the credentials file of an earlier one (e.g. the
// PostgreSQL database was recreated) keeps the same passwords and key.
func TestSeedFreshDatabaseKeepsCredentials(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openDB(t, store.SQLite)
	first, err := Seed(ctx, a, identity.NewService(a, identity.Config{}, time.Now), dir)
	if err != nil {
		t.Fatal(err)
	}
	b := openDB(t, store.SQLite)
	idsvc := identity.NewService(b, identity.Config{}, time.Now)
	second, err := Seed(ctx, b, idsvc, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(second, first) {
		t.Errorf("credentials changed:\n%+v\n%+v", first, second)
	}
	checkCredentials(t, idsvc, second)
}

func TestSeedDamagedCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, CredentialsFile), []byte("{not json"), 0o600))
	st := openDB(t, store.SQLite)
	if _, err := Seed(context.Background(), st, identity.NewService(st, identity.Config{}, time.Now), dir); err == nil {
		t.Fatal("want an error for a damaged credentials file")
	}
}
