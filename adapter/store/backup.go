package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// errBackupPostgres is the refusal on PostgreSQL: its backups belong to the
// database server (pg_dump, or the provider's base backups with WAL archiving
// for point-in-time recovery), not to a Mietwerk process.
func errBackupPostgres() error {
	return errs.New(errs.KindInvalid, "backup_postgres")
}

// BackupTo writes a consistent snapshot of the SQLite database to path with
// VACUUM INTO, while other connections and processes go on reading and
// writing: it reads one snapshot (a WAL read transaction), so it never takes
// the write lock and writers are not blocked. The file is a compact,
// rollback-journal database synced to disk before BackupTo returns. path must
// not exist or be an empty file. A half-written file is left behind on
// failure; callers write to a temporary name and check it with VerifyBackup
// before giving it its final name. Errors: KindInvalid on PostgreSQL (use
// pg_dump or the provider's backups) and when path exists with content;
// plain errors for I/O and database failures.
func (s *Store) BackupTo(ctx context.Context, path string) error {
	if err := s.dialect.fileBackup(); err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return errs.New(errs.KindInvalid, "backup.exists", locale.Params{"path": path})
	}
	// VACUUM cannot run inside a transaction; s.read runs on the pool on
	// SQLite, and VACUUM INTO reads one snapshot of the database.
	err := s.read(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `VACUUM INTO $1`, path)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: VACUUM INTO %s: %w", path, err)
	}
	// SQLite does not sync the file VACUUM INTO writes.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("backup: sync %s: %w", path, err)
	}
	return f.Close()
}

// BackupInfo describes a checked backup file.
type BackupInfo struct {
	Path          string
	SizeBytes     int64
	SchemaVersion int   // highest migration in the backup, equal to the source's
	Invoices      int64 // invoices and credit notes
	Documents     int64 // issued documents (PDFs: invoices, protocols, contracts)
	DocumentBytes int64
	EInvoices     int64
	Photos        int64 // damage photos, wherever their bytes are
	// PhotoFiles are the photos whose bytes live in the photo folder
	// (storage 'dir'): the index of the files a backup must copy next to
	// the database, each with the size and SHA-256 its row records.
	PhotoFiles []PhotoFile
}

// PhotoFile is one photo kept in the photo folder: its key (the file name;
// the thumbnail is the file key+"-thumb"), size and hex SHA-256.
type PhotoFile struct {
	Key       string
	SizeBytes int64
	SHA256    string
}

// VerifyBackup opens the SQLite backup file at path read-only and checks it:
// PRAGMA integrity_check is "ok", PRAGMA foreign_key_check finds nothing,
// schema_migrations is at the store's own schema version, and every issued
// document, e-invoice and photo kept in the database still has the SHA-256
// recorded when it was stored (integrity_check checks the b-trees, not the
// bytes in them). It changes nothing, neither in the file nor beside it.
// Errors: KindInvalid when the file is missing, is no SQLite database or
// fails a check (the message says which); KindInvalid on PostgreSQL, as
// BackupTo.
func (s *Store) VerifyBackup(ctx context.Context, path string) (BackupInfo, error) {
	if err := s.dialect.fileBackup(); err != nil {
		return BackupInfo{}, err
	}
	bad := func(format string, a ...any) error {
		return errs.New(errs.KindInvalid, "backup.unsound", locale.Params{"path": path, "reason": fmt.Sprintf(format, a...)})
	}
	fi, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, errs.Wrap(errs.KindInvalid, "backup.unreadable", err, locale.Params{"path": path})
	}
	if !fi.Mode().IsRegular() {
		return BackupInfo{}, bad("not a regular file")
	}
	want, err := s.SchemaVersion(ctx)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("verify backup: source schema version: %w", err)
	}
	// mode=ro opens without creating -wal/-shm files; the backup is in
	// rollback-journal mode, so nothing else is needed to read it.
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: "mode=ro&_pragma=query_only(1)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return BackupInfo{}, fmt.Errorf("verify backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	info := BackupInfo{Path: path, SizeBytes: fi.Size()}

	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return BackupInfo{}, bad("%v", err)
	}
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return BackupInfo{}, bad("%v", err)
		}
		if len(problems) < 3 {
			problems = append(problems, msg)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupInfo{}, bad("%v", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return BackupInfo{}, bad("integrity_check: %s", strings.Join(problems, "; "))
	}

	rows, err = db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return BackupInfo{}, bad("%v", err)
	}
	fkBad := rows.Next()
	var fkTable string
	if fkBad {
		var rowid, parent, fkid any
		_ = rows.Scan(&fkTable, &rowid, &parent, &fkid)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupInfo{}, bad("%v", err)
	}
	if fkBad {
		return BackupInfo{}, bad("foreign_key_check: a row of %s refers to a missing row", fkTable)
	}

	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&info.SchemaVersion); err != nil {
		return BackupInfo{}, bad("schema_migrations: %v", err)
	}
	if info.SchemaVersion != want {
		return BackupInfo{}, bad("schema version %d, the database is at %d", info.SchemaVersion, want)
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM einvoices),
		(SELECT count(*) FROM damage_photos)`).Scan(&info.Invoices, &info.EInvoices, &info.Photos); err != nil {
		return BackupInfo{}, bad("%v", err)
	}

	// The bytes of what must be kept for ten years, against their recorded hashes.
	for _, t := range []struct {
		table, query string
		count, bytes *int64
	}{
		{"documents", `SELECT id, sha256, data FROM documents ORDER BY id`, &info.Documents, &info.DocumentBytes},
		{"einvoices", `SELECT id, sha256, data FROM einvoices ORDER BY id`, nil, nil},
		{"damage_photos", `SELECT id, sha256, data FROM damage_photos WHERE storage = 'db' AND data IS NOT NULL ORDER BY id`, nil, nil},
	} {
		rows, err := db.QueryContext(ctx, t.query)
		if err != nil {
			return BackupInfo{}, bad("%s: %v", t.table, err)
		}
		for rows.Next() {
			var id int64
			var sum string
			var data []byte
			if err := rows.Scan(&id, &sum, &data); err != nil {
				rows.Close()
				return BackupInfo{}, bad("%s: %v", t.table, err)
			}
			if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
				rows.Close()
				return BackupInfo{}, bad("%s row %d: content does not match its SHA-256", t.table, id)
			}
			if t.count != nil {
				*t.count++
				*t.bytes += int64(len(data))
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return BackupInfo{}, bad("%s: %v", t.table, err)
		}
	}

	rows, err = db.QueryContext(ctx, `SELECT storage_key, size_bytes, sha256 FROM damage_photos WHERE storage = 'dir' ORDER BY id`)
	if err != nil {
		return BackupInfo{}, bad("damage_photos: %v", err)
	}
	for rows.Next() {
		var p PhotoFile
		if err := rows.Scan(&p.Key, &p.SizeBytes, &p.SHA256); err != nil {
			rows.Close()
			return BackupInfo{}, bad("damage_photos: %v", err)
		}
		info.PhotoFiles = append(info.PhotoFiles, p)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupInfo{}, bad("damage_photos: %v", err)
	}
	return info, nil
}

// BackupUnsupported returns the refusal BackupTo gives when dsn (as Open
// takes it) names a PostgreSQL database, without connecting; nil for SQLite.
// Errors: KindInvalid.
func BackupUnsupported(dsn string) error {
	return dialectOf(dsn).fileBackup()
}

// SQLitePath returns the file of a SQLite dsn as Open takes it ("" for
// PostgreSQL), so callers can tell whether the database exists before Open
// creates it.
func SQLitePath(dsn string) string {
	if BackupUnsupported(dsn) != nil {
		return ""
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}
