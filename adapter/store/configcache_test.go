package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/cfgver"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/tenancy"
)

// openTwo opens two stores on one fresh database: two pools, as two
// processes of the application have.
func openTwo(t *testing.T, d store.Dialect) (a, b *store.Store) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "mietwerk.db")
	if d == store.Postgres {
		dsn = testenv.PostgresDSN(t)
	}
	for _, p := range []**store.Store{&a, &b} {
		s, err := store.Open(context.Background(), dsn, store.Options{})
		mustNil(t, err)
		t.Cleanup(func() { s.Close() })
		*p = s
	}
	_, err := a.Migrate(context.Background())
	mustNil(t, err)
	return a, b
}

// TestConfigCacheTwoProcesses: configuration changed through one process
// (a tariff's price, a station's opening-hour exception, the tenant's
// booking prefix) is seen by the next request of another process sharing
// the database, although that process serves those reads from its cache —
// and a request with nothing changed reads none of them again (PostgreSQL,
// where the statements are counted: the API key's lookup only).
func TestConfigCacheTwoProcesses(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			a, b := openTwo(t, d)
			w := newWorld(t, a)
			admin := as(w.actor(0, -1))
			client := identity.APIClient{Name: "Website", Prefix: "mw_cfg", Scope: identity.ScopeSecret, RatePerMinute: 100}
			mustNil(t, a.CreateAPIClient(admin, &client, "hash-cfg"))

			// request is one API request on process b: the key's lookup, then
			// what a booking's validation reads
			type seen struct {
				price    int64
				closedOn []string
				prefix   string
				stmts    int64
			}
			request := func() seen {
				t.Helper()
				n0 := b.Statements()
				ctx := cfgver.With(context.Background())
				c, err := b.APIClientForAuth(ctx, "hash-cfg")
				mustNil(t, err)
				ctx = identity.WithActor(ctx, c.Actor())
				tn, err := b.Tenant(ctx)
				mustNil(t, err)
				st, err := b.StationByCode(ctx, w.stations[0][0].Code)
				mustNil(t, err)
				tfs, err := b.ListTariffs(ctx)
				mustNil(t, err)
				_, err = b.ListCategories(ctx)
				mustNil(t, err)
				var out seen
				for _, tf := range tfs {
					if tf.ID == w.tariffs[0].ID {
						out.price = tf.PricePerDayCents
					}
				}
				for _, e := range st.Exceptions {
					out.closedOn = append(out.closedOn, e.Date)
				}
				out.prefix = tn.BookingNumberPrefix
				out.stmts = b.Statements() - n0
				return out
			}
			first := request()
			if first.price != 4900 || len(first.closedOn) != 0 {
				t.Fatalf("first request saw %+v", first)
			}
			again := request()
			if d == store.Postgres && again.stmts != 1 {
				t.Errorf("a request with nothing changed sent %d statements, want 1 (the key's lookup): the cache is not used", again.stmts)
			}

			tf := w.tariffs[0]
			tf.PricePerDayCents = 5900
			mustNil(t, a.UpdateTariff(admin, &tf))
			if got := request(); got.price != 5900 {
				t.Errorf("after the price change through the other process: price %d, want 5900", got.price)
			}

			st := w.stations[0][0]
			day := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			st.Exceptions = []tenancy.Exception{{Date: day, Closed: true, Note: "Heiligabend"}}
			mustNil(t, a.UpdateStation(admin, &st))
			if got := request(); len(got.closedOn) != 1 || got.closedOn[0] != day {
				t.Errorf("after the exception through the other process: exceptions %v, want [%s]", got.closedOn, day)
			}

			tn, err := a.Tenant(admin)
			mustNil(t, err)
			tn.BookingNumberPrefix = "KX"
			tn.Street, tn.PostalCode, tn.City, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE123456789"
			mustNil(t, a.UpdateTenant(admin, &tn))
			if got := request(); got.prefix != "KX" {
				t.Errorf("after the settings change through the other process: prefix %q, want KX", got.prefix)
			}
		})
	}
}

// TestConfigVersionBumps lists every table whose rows are cached
// configuration: inserting, changing or deleting a row of any of them (by
// whatever code: here plain SQL) moves its tenant's configuration version
// in the same transaction, and only its tenant's; an API key's use stamp
// and a webhook endpoint's failure mark do not.
func TestConfigVersionBumps(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		t0, t1 := w.tenants[0].ID, w.tenants[1].ID
		admin := as(w.actor(0, -1))
		client := identity.APIClient{Name: "Website", Prefix: "mw_ver", Scope: identity.ScopeSecret, RatePerMinute: 100}
		mustNil(t, s.CreateAPIClient(admin, &client, "hash-ver"))
		st, cat, tf := w.stations[0][0].ID, w.cats[0].ID, w.tariffs[0].ID
		now := time.Now().UTC().Format(time.RFC3339)
		cases := []struct {
			name string
			sql  string
			args []any
			bump bool
		}{
			{"tenant settings", `UPDATE tenants SET booking_number_prefix = 'X' WHERE id = $1`, []any{t0}, true},
			{"station insert", `INSERT INTO stations (tenant_id, code, name, street, postal_code, city, country, time_zone, opening_hours, created_at, updated_at)
				VALUES ($1, 'NEW', 'Neu', 'a', '1', 'b', 'DE', 'Europe/Berlin', '[]', $2, $2)`, []any{t0, now}, true},
			{"station update", `UPDATE stations SET name = 'Umbenannt' WHERE id = $1`, []any{st}, true},
			{"exception insert", `INSERT INTO station_exceptions (tenant_id, station_id, on_date, closed) VALUES ($1, $2, '2026-12-24', true)`, []any{t0, st}, true},
			{"exception update", `UPDATE station_exceptions SET note = 'x' WHERE station_id = $1`, []any{st}, true},
			{"exception delete", `DELETE FROM station_exceptions WHERE station_id = $1`, []any{st}, true},
			{"station delete", `DELETE FROM stations WHERE tenant_id = $1 AND code = 'NEW'`, []any{t0}, true},
			{"category update", `UPDATE vehicle_categories SET name_de = 'Klein' WHERE id = $1`, []any{cat}, true},
			{"tariff update", `UPDATE tariffs SET price_per_day_cents = 100 WHERE id = $1`, []any{tf}, true},
			{"tariff category delete", `DELETE FROM tariff_categories WHERE tariff_id = $1`, []any{tf}, true},
			{"tariff category insert", `INSERT INTO tariff_categories (tenant_id, tariff_id, category_id) VALUES ($1, $2, $3)`, []any{t0, tf, cat}, true},
			{"API key revoked", `UPDATE api_clients SET revoked_at = $2 WHERE id = $1`, []any{client.ID, now}, true},
			{"API key used", `UPDATE api_clients SET last_used_at = $2 WHERE id = $1`, []any{client.ID, now}, false},
			{"webhook endpoint insert", `INSERT INTO webhook_endpoints (tenant_id, url, description, events, test, secret, enabled, created_at, updated_at)
				VALUES ($1, 'https://example.de/hook', '', '', false, 'sealed', true, $2, $2)`, []any{t0, now}, true},
			{"webhook endpoint failing", `UPDATE webhook_endpoints SET failing_since = $2 WHERE tenant_id = $1`, []any{t0, now}, false},
			{"webhook endpoint disabled", `UPDATE webhook_endpoints SET enabled = false WHERE tenant_id = $1`, []any{t0}, true},
			{"webhook endpoint delete", `DELETE FROM webhook_endpoints WHERE tenant_id = $1`, []any{t0}, true},
		}
		for _, c := range cases {
			v0, err := s.ConfigVersion(sys(t0))
			mustNil(t, err)
			o0, err := s.ConfigVersion(sys(t1))
			mustNil(t, err)
			if _, err := s.DB().Exec(c.sql, c.args...); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			v1, err := s.ConfigVersion(sys(t0))
			mustNil(t, err)
			o1, err := s.ConfigVersion(sys(t1))
			mustNil(t, err)
			if got := v1 > v0; got != c.bump {
				t.Errorf("%s: version %d → %d, want a bump: %v", c.name, v0, v1, c.bump)
			}
			if o1 != o0 {
				t.Errorf("%s: the other tenant's version moved %d → %d", c.name, o0, o1)
			}
		}
	})
}
