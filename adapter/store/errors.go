package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"mietwerk.dev/mietwerk/errs"
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
)

// SQLite extended result codes (sqlite3.h).
const (
	sqliteBusy          = 5
	sqliteLocked        = 6
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
		}
		return dbErrOther
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
		}
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
		return errs.Wrap(errs.KindConflict, "this already exists", err).WithCode("duplicate")
	case dbErrOverlap:
		return errs.Wrap(errs.KindConflict, "the vehicle is already taken in this period", err).WithCode("vehicle_overlap")
	case dbErrForeignKey:
		return errs.Wrap(errs.KindInvalid, "a referenced record does not exist", err).WithCode("reference")
	case dbErrCheck:
		return errs.Wrap(errs.KindInvalid, "a value is out of range", err).WithCode("check")
	case dbErrImmutable:
		return errs.Wrap(errs.KindConflict, "issued documents cannot be changed or deleted", err).WithCode("immutable")
	case dbErrBusy:
		return errs.Wrap(errs.KindUnavailable, "the database is busy, please retry", err)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.KindNotFound, "not found", err)
	}
	return err
}

// notFound maps sql.ErrNoRows to a KindNotFound error naming what.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		e := errs.NotFound(what)
		e.Err = err
		return e
	}
	return mapErr(err)
}
