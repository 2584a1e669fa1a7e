// Package demo seeds the demo tenant "Autohaus König": a dealership group
// with three stations in Lower Bavaria, four vehicle categories, thirty
// vehicles, standard and workshop-replacement tariffs, an administrator, one
// login per station and an API key.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/tenancy"
)

// CredentialsFile is the name of the credentials file in the data directory.
const CredentialsFile = "demo-credentials.json"

// Login is one demo sign-in.
type Login struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Station  string `json:"station,omitempty"` // station code for station logins
}

// Credentials are the demo's secrets, generated once and kept in
// <data-dir>/demo-credentials.json so that they stay valid across restarts.
type Credentials struct {
	Tenant   string  `json:"tenant"`
	Admin    Login   `json:"admin"`
	Stations []Login `json:"stations"`
	// APIKey is the public key (the example integration at /demo/booking
	// uses it); the name is kept from before keys had scopes.
	APIKey       string `json:"api_key"`
	SecretAPIKey string `json:"secret_api_key"` // for the dealer's server
	StaffAPIKey  string `json:"staff_api_key"`  // for tablet apps
	// The same three in test mode: their bookings are test bookings, paid
	// through the simulator, kept apart from the real business.
	TestAPIKey       string `json:"test_api_key"`
	TestSecretAPIKey string `json:"test_secret_api_key"`
	TestStaffAPIKey  string `json:"test_staff_api_key"`
}

// Seed makes sure the demo tenant exists with all its data and returns its
// credentials. It is idempotent: it finds the tenant by Slug and creates only
// what is missing (stations, categories, vehicles and tariffs by code or
// plate, users by e-mail). Passwords and the API key are generated once and
// kept in <dataDir>/demo-credentials.json (mode 0600): a restart reuses them;
// a user whose password is not in the file gets a new one; a lost or revoked
// API key is replaced. The store must be migrated.
func Seed(ctx context.Context, st *store.Store, idsvc *identity.Service, dataDir string) (Credentials, error) {
	path := filepath.Join(dataDir, CredentialsFile)
	prev, err := readCredentials(path)
	if err != nil {
		return Credentials{}, err
	}
	t, err := ensureTenant(identity.WithActor(ctx, identity.System()), st)
	if err != nil {
		return Credentials{}, fmt.Errorf("demo tenant: %w", err)
	}
	ctx = identity.WithActor(ctx, identity.SystemFor(t.ID))
	defs := stations()
	stationIDs, err := ensureStations(ctx, st, defs)
	if err != nil {
		return Credentials{}, fmt.Errorf("demo stations: %w", err)
	}
	categoryIDs, err := ensureCategories(ctx, st)
	if err != nil {
		return Credentials{}, fmt.Errorf("demo categories: %w", err)
	}
	if err := ensureVehicles(ctx, st, defs, stationIDs, categoryIDs); err != nil {
		return Credentials{}, fmt.Errorf("demo vehicles: %w", err)
	}
	if err := ensureTariffs(ctx, st, categoryIDs); err != nil {
		return Credentials{}, fmt.Errorf("demo tariffs: %w", err)
	}
	if err := ensurePayers(ctx, st, categoryIDs); err != nil {
		return Credentials{}, fmt.Errorf("demo payers: %w", err)
	}
	if err := ensureBookings(ctx, st, stationIDs, categoryIDs, st.Now()); err != nil {
		return Credentials{}, fmt.Errorf("demo bookings: %w", err)
	}
	creds := Credentials{Tenant: Slug}
	creds.Admin, err = ensureUser(ctx, st, idsvc, prev, Login{Email: AdminEmail, Name: "Thomas König", Role: string(identity.RoleAdmin)}, 0)
	if err != nil {
		return Credentials{}, fmt.Errorf("demo admin: %w", err)
	}
	for _, d := range defs {
		l, err := ensureUser(ctx, st, idsvc, prev, Login{Email: d.user.email, Name: d.user.name,
			Role: string(identity.RoleStation), Station: d.Code}, stationIDs[d.Code])
		if err != nil {
			return Credentials{}, fmt.Errorf("demo station user %s: %w", d.user.email, err)
		}
		creds.Stations = append(creds.Stations, l)
	}
	for _, k := range []struct {
		scope identity.Scope
		test  bool
		prev  string
		dst   *string
	}{{identity.ScopePublic, false, prev.APIKey, &creds.APIKey}, {identity.ScopeSecret, false, prev.SecretAPIKey, &creds.SecretAPIKey},
		{identity.ScopeStaff, false, prev.StaffAPIKey, &creds.StaffAPIKey},
		{identity.ScopePublic, true, prev.TestAPIKey, &creds.TestAPIKey}, {identity.ScopeSecret, true, prev.TestSecretAPIKey, &creds.TestSecretAPIKey},
		{identity.ScopeStaff, true, prev.TestStaffAPIKey, &creds.TestStaffAPIKey}} {
		if *k.dst, err = ensureAPIKey(ctx, st, idsvc, t.ID, k.scope, k.test, k.prev); err != nil {
			return Credentials{}, fmt.Errorf("demo %s API key (test %v): %w", k.scope, k.test, err)
		}
	}
	if err := writeCredentials(path, creds); err != nil {
		return Credentials{}, err
	}
	return creds, nil
}

func ensureTenant(ctx context.Context, st *store.Store) (tenancy.Tenant, error) {
	t, err := st.TenantBySlug(ctx, Slug)
	if !errs.Is(err, errs.KindNotFound) {
		return t, err
	}
	t = tenant()
	err = st.CreateTenant(ctx, &t)
	if errs.Is(err, errs.KindConflict) { // another process seeded it just now
		return st.TenantBySlug(ctx, Slug)
	}
	return t, err
}

func ensureStations(ctx context.Context, st *store.Store, defs []stationDef) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, d := range defs {
		s, err := st.StationByCode(ctx, d.Code)
		if errs.Is(err, errs.KindNotFound) {
			s = d.Station
			err = st.CreateStation(ctx, &s)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Code, err)
		}
		ids[d.Code] = s.ID
	}
	return ids, nil
}

func ensureCategories(ctx context.Context, st *store.Store) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, c := range categories() {
		got, err := st.CategoryByCode(ctx, c.Code)
		if errs.Is(err, errs.KindNotFound) {
			got = c
			err = st.CreateCategory(ctx, &got)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Code, err)
		}
		ids[c.Code] = got.ID
	}
	return ids, nil
}

func ensureVehicles(ctx context.Context, st *store.Store, defs []stationDef, stationIDs, categoryIDs map[string]int64) error {
	existing, err := allVehicles(ctx, st)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, v := range existing {
		have[v.Plate] = true
	}
	for n, d := range defs {
		for _, vd := range vehicles(d, n) {
			if have[vd.Plate] {
				continue
			}
			v := vd.Vehicle
			v.StationID, v.CategoryID = stationIDs[vd.station], categoryIDs[vd.category]
			if err := st.CreateVehicle(ctx, &v); err != nil {
				return fmt.Errorf("%s: %w", v.Plate, err)
			}
		}
	}
	return nil
}

// allVehicles lists every vehicle the actor in ctx sees, page by page.
func allVehicles(ctx context.Context, st *store.Store) ([]fleet.Vehicle, error) {
	var all []fleet.Vehicle
	for {
		page, total, err := st.ListVehicles(ctx, fleet.VehicleFilter{Limit: 500, Offset: len(all)})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) == 0 || len(all) >= total {
			return all, nil
		}
	}
}

func ensureTariffs(ctx context.Context, st *store.Store, categoryIDs map[string]int64) error {
	existing, err := st.ListTariffs(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, t := range existing {
		have[t.Code] = true
	}
	for _, td := range tariffs() {
		if have[td.Code] {
			continue
		}
		t := td.Tariff
		for _, c := range td.categories {
			t.CategoryIDs = append(t.CategoryIDs, categoryIDs[c])
		}
		if err := st.CreateTariff(ctx, &t); err != nil {
			return fmt.Errorf("%s: %w", t.Code, err)
		}
	}
	return nil
}

// ensureUser makes sure the user of want exists and returns its login with a
// password that works: the one from prev when prev has one, else a new one.
func ensureUser(ctx context.Context, st *store.Store, idsvc *identity.Service, prev Credentials, want Login, stationID int64) (Login, error) {
	password := prev.password(want.Email)
	known := password != ""
	if !known {
		password = newPassword()
	}
	want.Password = password
	users, err := st.ListUsers(ctx)
	if err != nil {
		return Login{}, err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, want.Email) {
			if !known { // the password was lost with the file: set the new one
				if err := idsvc.SetPassword(ctx, u.ID, password); err != nil {
					return Login{}, err
				}
			}
			return want, nil
		}
	}
	u := identity.User{Email: want.Email, Name: want.Name, Role: identity.Role(want.Role), Language: "de"}
	if stationID != 0 {
		u.StationIDs = []int64{stationID}
	}
	if err := idsvc.CreateUser(ctx, &u, password); err != nil {
		return Login{}, err
	}
	return want, nil
}

// ensureAPIKey returns a working API key of scope, in test mode or live, for
// tenant tenantID: key itself when it still authenticates with that scope
// and mode; key restored when the
// database no longer knows it (a fresh database with an old credentials
// file); else a new one, revoking earlier demo keys of the scope whose
// secret is lost.
func ensureAPIKey(ctx context.Context, st *store.Store, idsvc *identity.Service, tenantID int64, scope identity.Scope, test bool, key string) (string, error) {
	name := APIKeyNames[scope]
	if test {
		name += " (Test)"
	}
	if key != "" {
		c, err := idsvc.AuthenticateAPIKey(ctx, key)
		if err == nil && c.TenantID == tenantID && c.Scope == scope && c.Test == test {
			return key, nil
		}
		_, lookupErr := st.APIClientForAuth(ctx, identity.HashToken(key))
		if p := scope.ModePrefix(test); errs.Is(lookupErr, errs.KindNotFound) && strings.HasPrefix(key, p) && len(key) > len(p)+8 {
			c := identity.APIClient{Name: name, Prefix: key[:len(p)+8], Scope: scope, Test: test, RatePerMinute: 120}
			if err := st.CreateAPIClient(ctx, &c, identity.HashToken(key)); err == nil {
				return key, nil
			}
		}
	}
	clients, err := st.ListAPIClients(ctx)
	if err != nil {
		return "", err
	}
	for _, c := range clients {
		if c.Name == name && c.Scope == scope && c.Test == test && c.RevokedAt == nil {
			if err := st.RevokeAPIClient(ctx, c.ID); err != nil {
				return "", err
			}
		}
	}
	_, key, err = idsvc.CreateKey(ctx, name, scope, test, 120)
	return key, err
}

func (c Credentials) password(email string) string {
	for _, l := range append([]Login{c.Admin}, c.Stations...) {
		if strings.EqualFold(l.Email, email) {
			return l.Password
		}
	}
	return ""
}

// newPassword returns a random password that is easy to type: three groups
// of four lower-case letters and digits without look-alikes (about 79 bits).
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	var sb strings.Builder
	for i := range 16 {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(b[i])%len(alphabet)])
	}
	return sb.String()
}

// readCredentials reads the credentials file; a missing file gives zero
// Credentials.
func readCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read demo credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("demo credentials file %s is damaged (delete it to get new passwords): %w", path, err)
	}
	return c, nil
}

// writeCredentials writes c to path with mode 0600, atomically.
func writeCredentials(path string, c Credentials) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".demo-credentials-*")
	if err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write demo credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	return nil
}
