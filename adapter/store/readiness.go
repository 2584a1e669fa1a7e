package store

import (
	"context"
	"database/sql"
	"path/filepath"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// DefaultMinFreeBytes is the free space CheckWritable wants on the SQLite
// database's file system: below it, invoices, documents and photos may no
// longer fit, and SQLite answers "database or disk is full".
const DefaultMinFreeBytes = 256 << 20

// CheckWritable proves that the database takes a durable write now: it
// commits an update of the readiness row (a read-only database, a standby,
// a full disk, a lost connection fail it) and, on SQLite, wants at least
// minFree bytes free on the database's file system. Errors: KindUnavailable
// (code "database_unavailable", "database_read_only" or "disk_full") with
// the reason in its message.
func (s *Store) CheckWritable(ctx context.Context, minFree int64) error {
	if s.path != "" {
		free, err := freeBytes(filepath.Dir(s.path))
		if err == nil && free < minFree {
			return errs.New(errs.KindUnavailable, "disk_full", locale.Params{"free": free >> 20, "needed": minFree >> 20})
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1)
			ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, ts(s.Now()))
		return err
	})
	if err == nil {
		return nil
	}
	if isReadOnly(err) {
		return errs.Wrap(errs.KindUnavailable, "database_read_only", err)
	}
	if e, ok := errs.As(mapErr(err)); ok && e.Kind == errs.KindUnavailable {
		return err
	}
	return ErrUnavailable(err)
}
