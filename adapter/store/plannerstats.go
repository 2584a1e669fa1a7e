package store

import (
	"context"
	"database/sql"
)

// DropPlannerSamples deletes the per-value samples (sqlite_stat4) that an
// ANALYZE run by hand on a SQLite database leaves for the query planner,
// keeping its per-index averages (sqlite_stat1). A statement planned with
// samples depends on the values bound to it, so SQLite plans it anew at
// every execution: for the free car's search and the availability count
// 0.5 ms of CPU per booking, a third of it inside the single write lock —
// more than the statements themselves cost. The store itself never runs
// ANALYZE: its statements are planned for a database without statistics
// (an index is named where SQLite would otherwise guess wrong), and were
// measured so (docs/performance.md). Housekeeping calls it on every pass;
// a no-op on PostgreSQL and where there are no samples.
func (s *Store) DropPlannerSamples(ctx context.Context) error {
	if !s.dialect.singleWriter() {
		return nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_stat4`).Scan(&n); err != nil || n == 0 {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE sqlite_schema`) // this connection: load the statistics again
		return err
	})
}
