package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// dbErrKind classifies a driver error by code (SQLite extended result codes,
// PostgreSQL SQLSTATE), never by message text.
type dbErrKind int

const (
	dbErrOther dbErrKind = iota
	dbErrUnique
	dbErrOverlap
	dbErrForeignKey
	dbErrCheck
	dbErrImmutable
	dbErrBusy
	dbErrUnavailable // the database cannot be reached or cannot write (down, disk full, read-only)
	dbErrText        // a text PostgreSQL cannot store (NUL, malformed UTF-8)
)

// SQLite extended result codes (sqlite3.h).
const (
	sqliteBusy          = 5
	sqliteLocked        = 6
	sqliteReadOnly      = 8
	sqliteIOErr         = 10
	sqliteFull          = 13
	sqliteCantOpen      = 14
	sqliteConstraintChk = 275
	sqliteConstraintFK  = 787
	sqliteConstraintPK  = 1555
	sqliteConstraintTrg = 1811
	sqliteConstraintUnq = 2067
)

func classify(err error) dbErrKind {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return dbErrUnique
		case "23P01":
			return dbErrOverlap
		case "23503":
			return dbErrForeignKey
		case "23514":
			return dbErrCheck
		case "P0001":
			return dbErrImmutable
		case "40001", "40P01", "55P03":
			return dbErrBusy
		case "25006", // read_only_sql_transaction (standby, default_transaction_read_only)
			"53100", "53200", "53300", // disk full, out of memory, too many connections
			"57P01", "57P02", "57P03", // admin or crash shutdown, cannot connect now
			"58030": // io_error
			return dbErrUnavailable
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return dbErrText
		}
		if strings.HasPrefix(pe.Code, "08") { // connection exception
			return dbErrUnavailable
		}
		return dbErrOther
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return dbErrUnavailable
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintUnq, sqliteConstraintPK:
			return dbErrUnique
		case sqliteConstraintFK:
			return dbErrForeignKey
		case sqliteConstraintChk:
			return dbErrCheck
		case sqliteConstraintTrg:
			return dbErrImmutable
		}
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return dbErrBusy
		case sqliteReadOnly, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return dbErrUnavailable
		}
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err) {
		return dbErrUnavailable
	}
	return dbErrOther
}

// mapErr turns driver errors into domain errors where the meaning is clear;
// other errors pass through unchanged (and become a logged 500).
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	switch classify(err) {
	case dbErrUnique:
		return errs.Wrap(errs.KindConflict, "duplicate", err)
	case dbErrOverlap:
		return errs.Wrap(errs.KindConflict, "vehicle_overlap", err)
	case dbErrForeignKey:
		return errs.Wrap(errs.KindInvalid, "reference", err)
	case dbErrCheck:
		return errs.Wrap(errs.KindInvalid, "check", err)
	case dbErrImmutable:
		return errs.Wrap(errs.KindConflict, "immutable", err)
	case dbErrBusy:
		return errs.Wrap(errs.KindUnavailable, "database_busy", err)
	case dbErrUnavailable:
		return ErrUnavailable(err)
	case dbErrText: // the last line: every input is checked for control characters before it gets here
		return errs.Wrap(errs.KindInvalid, "text_not_storable", err)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.KindNotFound, "not_found", err)
	}
	return err
}

// isReadOnly reports whether err says the database refuses writes
// (SQLite SQLITE_READONLY, PostgreSQL read_only_sql_transaction).
func isReadOnly(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "25006"
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteReadOnly
}

// ErrUnavailable wraps an infrastructure failure of the database — it
// cannot be reached, is shutting down, its disk is full, it is read-only —
// as KindUnavailable with code "database_unavailable" (503 with
// Retry-After at the HTTP layers): nothing was changed, the client may
// retry in a while. The cause is kept for the log.
func ErrUnavailable(cause error) error {
	return errs.Wrap(errs.KindUnavailable, "database_unavailable", cause)
}

// notFound maps sql.ErrNoRows to a KindNotFound error with code (e.g. "vehicle_not_found").
func notFound(err error, code locale.Key) error {
	if errors.Is(err, sql.ErrNoRows) {
		e := errs.NotFound(code)
		e.Err = err
		return e
	}
	return mapErr(err)
}
