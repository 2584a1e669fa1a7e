package store_test

import (
	"context"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
)

// TestPlannerSamplesDropped: on SQLite DropPlannerSamples deletes the
// per-value samples (sqlite_stat4) an ANALYZE by hand left and keeps the
// averages (sqlite_stat1); on a database without samples, and on
// PostgreSQL, it does nothing.
func TestPlannerSamplesDropped(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		newWorld(t, s)
		ctx := context.Background()
		mustNil(t, s.DropPlannerSamples(ctx)) // none yet
		if s.Dialect() == store.Postgres {
			return
		}
		_, err := s.DB().Exec(`ANALYZE`) // an operator's, by hand
		mustNil(t, err)
		if n := count(t, s, `SELECT count(*) FROM sqlite_stat4`); n == 0 {
			t.Fatal("ANALYZE left no samples: this SQLite does not keep sqlite_stat4, the test proves nothing")
		}
		stat1 := count(t, s, `SELECT count(*) FROM sqlite_stat1`)
		mustNil(t, s.DropPlannerSamples(ctx))
		if n := count(t, s, `SELECT count(*) FROM sqlite_stat4`); n != 0 {
			t.Errorf("%d samples left in sqlite_stat4, want none (statements would be planned anew at each execution)", n)
		}
		if n := count(t, s, `SELECT count(*) FROM sqlite_stat1`); n != stat1 || n == 0 {
			t.Errorf("sqlite_stat1 has %d rows, want the %d ANALYZE wrote", n, stat1)
		}
	})
}
