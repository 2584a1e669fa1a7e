package store

import (
	"context"
	"database/sql"

	"mietwerk.dev/mietwerk/booking"
)

// WriteForTest runs fn as the store's own write transactions run.
func (s *Store) WriteForTest(ctx context.Context, lazy bool, fn func(tx *sql.Tx) error) error {
	return s.writeRetrying(ctx, lazy, fn)
}

// GroupsForTest counts the SQLite commits shared by more than one transaction.
func (s *Store) GroupsForTest() int64 { return s.group.groups.Load() }

// WaitingForTest counts the SQLite write transactions waiting for the lock.
func (s *Store) WaitingForTest() int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.pending)
}

// TickForTest runs one check of the automatic backup (see BackupJob.Run).
func (j *BackupJob) TickForTest(ctx context.Context) *BackupResult { return j.tick(ctx) }

// MigrateToForTest applies the pending migrations up to version upTo (a
// database as an older release left it).
func (s *Store) MigrateToForTest(ctx context.Context, upTo int) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Version > upTo {
			break
		}
		if _, err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// FreeCarQueryForTest is the statement that finds r's car by preference
// (as takeVehicleTx and takeOnceTx search) for tenant, with its arguments.
func (s *Store) FreeCarQueryForTest(tenant int64, r *booking.Reservation) (string, []any) {
	a := args{tenant}
	return `SELECT v.id FROM vehicles v WHERE ` + s.freeVehicles(&a, r) + ` ORDER BY ` + byPreference + ` LIMIT 1`, a
}

// SetWALSyncForTest replaces the fsync of the WAL that durable commits wait
// for after the write lock.
func (s *Store) SetWALSyncForTest(sync func() error) { s.group.sync = sync }

// SyncWALForTest runs the store's own fsync of the WAL.
func (s *Store) SyncWALForTest() error { return s.syncWAL() }

// PathForTest is the SQLite database file.
func (s *Store) PathForTest() string { return s.path }

// ForeseenForTest counts the invoices committed on SQLite whose number was
// foreseen and whose PDF was rendered outside the write lock, and all
// announced ones committed.
func (s *Store) ForeseenForTest() (foreseen, numbered int64) {
	if s.group == nil {
		return 0, 0
	}
	return s.group.foreseen.Load(), s.group.numbered.Load()
}
