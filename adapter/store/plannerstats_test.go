package store_test

import (
	"context"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
)

// TestPlannerStats: on SQLite RefreshPlannerStats leaves the planner the
// per-index averages (sqlite_stat1) and no per-value samples
// (sqlite_stat4), also where an ANALYZE by hand had left samples; on
// PostgreSQL it does nothing.
func TestPlannerStats(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		newWorld(t, s)
		ctx := context.Background()
		mustNil(t, s.RefreshPlannerStats(ctx))
		if s.Dialect() == store.Postgres {
			return
		}
		check := func(when string) {
			t.Helper()
			if n := count(t, s, `SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'allocations' OR tbl = 'vehicles'`); n == 0 {
				t.Errorf("%s: no statistics of allocations and vehicles in sqlite_stat1", when)
			}
			if n := count(t, s, `SELECT count(*) FROM sqlite_stat4`); n != 0 {
				t.Errorf("%s: %d samples in sqlite_stat4, want none (statements would be planned anew at each execution)", when, n)
			}
		}
		check("refreshed")
		conn, err := s.DB().Conn(ctx) // an operator's ANALYZE, by hand (no limit)
		mustNil(t, err)
		_, err = conn.ExecContext(ctx, `PRAGMA analysis_limit = 0`)
		mustNil(t, err)
		_, err = conn.ExecContext(ctx, `ANALYZE`)
		mustNil(t, err)
		mustNil(t, conn.Close())
		if n := count(t, s, `SELECT count(*) FROM sqlite_stat4`); n == 0 {
			t.Fatal("ANALYZE left no samples: this SQLite does not keep sqlite_stat4, the test proves nothing")
		}
		mustNil(t, s.RefreshPlannerStats(ctx))
		check("refreshed after an ANALYZE by hand")
	})
}
