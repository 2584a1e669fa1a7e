package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// eachDB runs fn as a subtest against a fresh, migrated SQLite and PostgreSQL
// database: the storage conformance suite is every test that uses it.
func eachDB(t *testing.T, fn func(t *testing.T, s *store.Store, clk *clock)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			s, clk := openDB(t, d)
			fn(t, s, clk)
		})
	}
}

func openDB(t testing.TB, d store.Dialect) (*store.Store, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	var dsn string
	if d == store.SQLite {
		dsn = filepath.Join(t.TempDir(), "mietwerk.db")
	} else {
		dsn = testenv.PostgresDSN(t)
	}
	s, err := store.Open(context.Background(), dsn, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, clk
}
