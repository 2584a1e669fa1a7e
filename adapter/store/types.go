package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeLayout is how instants are written: UTC, fixed width, so that SQLite's
// text comparison orders them correctly; PostgreSQL parses it into timestamptz.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts wraps an instant as a query argument understood by both databases.
type ts time.Time

func (t ts) Value() (driver.Value, error) { return time.Time(t).UTC().Format(timeLayout), nil }

// tsp wraps an optional instant; nil or zero is NULL.
func tsp(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return ts(*t)
}

// tsScan scans an instant from either database.
type tsScan struct{ T *time.Time }

func (s tsScan) Scan(v any) error {
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	*s.T = t
	return nil
}

// tspScan scans an optional instant.
type tspScan struct{ T **time.Time }

func (s tspScan) Scan(v any) error {
	if v == nil {
		*s.T = nil
		return nil
	}
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	*s.T = &t
	return nil
}

func parseTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		return parseTimeText(x)
	case []byte:
		return parseTimeText(string(x))
	}
	return time.Time{}, fmt.Errorf("cannot scan %T into an instant", v)
}

func parseTimeText(s string) (time.Time, error) {
	for _, l := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse instant %q", s)
}

// dateArg wraps a calendar date "YYYY-MM-DD" ("" = NULL) as a query argument.
func dateArg(d string) any {
	if d == "" {
		return nil
	}
	return d
}

// dateScan scans an optional calendar date into "YYYY-MM-DD" ("" for NULL).
type dateScan struct{ D *string }

func (s dateScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.D = ""
	case time.Time:
		*s.D = x.Format("2006-01-02")
	case string:
		if len(x) >= 10 {
			x = x[:10]
		}
		*s.D = x
	case []byte:
		return s.Scan(string(x))
	default:
		return fmt.Errorf("cannot scan %T into a date", v)
	}
	return nil
}

// nullInt64 turns 0 into NULL for optional references.
func nullInt64(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// nullString turns "" into NULL for optional text.
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// strScan scans optional text, NULL as "".
type strScan struct{ P *string }

func (s strScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.P = ""
	case string:
		*s.P = x
	case []byte:
		*s.P = string(x)
	default:
		return fmt.Errorf("cannot scan %T into a string", v)
	}
	return nil
}

// int64Scan scans an optional integer, NULL as 0.
// int64pScan scans an optional integer; NULL is nil.
type int64pScan struct{ P **int64 }

func (s int64pScan) Scan(v any) error {
	if v == nil {
		*s.P = nil
		return nil
	}
	var n int64
	if err := (int64Scan{&n}).Scan(v); err != nil {
		return err
	}
	*s.P = &n
	return nil
}

// intpScan scans an optional integer; NULL is nil.
type intpScan struct{ P **int }

func (s intpScan) Scan(v any) error {
	var n *int64
	if err := (int64pScan{&n}).Scan(v); err != nil {
		return err
	}
	*s.P = nil
	if n != nil {
		i := int(*n)
		*s.P = &i
	}
	return nil
}

// nullIntp turns nil into NULL.
func nullIntp(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}

type int64Scan struct{ P *int64 }

func (s int64Scan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.P = 0
	case int64:
		*s.P = x
	case int32:
		*s.P = int64(x)
	default:
		return fmt.Errorf("cannot scan %T into int64", v)
	}
	return nil
}
