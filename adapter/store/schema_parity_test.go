package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
)

// schema is the shape of a migrated database, written so that the same
// design reads the same on SQLite and PostgreSQL: one line per fact.
type schema map[string]bool

func (s schema) add(format string, a ...any) { s[fmt.Sprintf(format, a...)] = true }

func (s schema) lines() []string {
	out := make([]string, 0, len(s))
	for l := range s {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// typeClass maps a declared column type to what it stores, the same on both
// databases: SQLite keeps booleans as integers and times, dates and JSON as
// text (the store writes them so); PostgreSQL has types of their own.
func typeClass(declared string) string {
	t := strings.ToLower(declared)
	switch t {
	case "bigint", "integer", "smallint", "boolean", "bigserial", "serial":
		return "integer"
	case "text", "character varying", "jsonb", "json", "date", "timestamp with time zone", "uuid":
		return "text"
	case "bytea":
		return "blob"
	case "real", "double precision", "numeric":
		return "real"
	}
	// SQLite's affinity rules (https://sqlite.org/datatype3.html, 3.1)
	switch {
	case strings.Contains(t, "int"):
		return "integer"
	case strings.Contains(t, "char"), strings.Contains(t, "clob"), strings.Contains(t, "text"):
		return "text"
	case t == "", strings.Contains(t, "blob"):
		return "blob"
	case strings.Contains(t, "real"), strings.Contains(t, "floa"), strings.Contains(t, "doub"):
		return "real"
	}
	return "numeric:" + t
}

func queryStrings(t *testing.T, db *sql.DB, query string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var checkRE = regexp.MustCompile(`(?i)\bCHECK\s*\(`)

// sqliteSchema reads the schema of a migrated SQLite database.
func sqliteSchema(t *testing.T, db *sql.DB) schema {
	s := schema{}
	for _, tr := range queryStrings(t, db, `SELECT name, sql FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' ORDER BY name`) {
		table, ddl := tr[0], tr[1]
		s.add("table %s", table)
		s.add("table %s: %d check constraints", table, len(checkRE.FindAllString(ddl, -1)))
		var pk []string
		for _, c := range queryStrings(t, db, `SELECT name, type, "notnull", pk, dflt_value IS NOT NULL FROM pragma_table_info(?) ORDER BY cid`, table) {
			null := "null"
			if c[2] == "1" || c[3] != "0" { // a primary key column is never NULL
				null = "not null"
			}
			def := ""
			if c[4] == "1" {
				def = ", default"
			}
			s.add("column %s.%s %s %s%s", table, c[0], typeClass(c[1]), null, def)
			if c[3] != "0" {
				pk = append(pk, c[3]+":"+c[0])
			}
		}
		sort.Strings(pk)
		for i := range pk {
			_, pk[i], _ = strings.Cut(pk[i], ":")
		}
		if len(pk) > 0 {
			s.add("primary key %s(%s)", table, strings.Join(pk, ","))
		}
		for _, ix := range queryStrings(t, db, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, table) {
			var cols []string
			for _, c := range queryStrings(t, db, `SELECT coalesce(name, '(expression)') FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, ix[0]) {
				cols = append(cols, c[0])
			}
			switch ix[2] {
			case "pk":
				// listed with the columns above
			case "u":
				s.add("unique %s(%s)", table, strings.Join(cols, ","))
			default:
				kind := "index"
				if ix[1] == "1" {
					kind = "unique index"
				}
				partial := ""
				if ix[3] == "1" {
					partial = " partial"
				}
				s.add("%s %s on %s(%s)%s", kind, ix[0], table, strings.Join(cols, ","), partial)
			}
		}
		fks := map[string][]string{} // id → from, table, to, on delete
		for _, fk := range queryStrings(t, db, `SELECT id, seq, "table", "from", coalesce("to", ''), on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table) {
			f := fks[fk[0]]
			if f == nil {
				f = []string{"", fk[2], "", fk[5]}
			}
			f[0] = strings.Trim(f[0]+","+fk[3], ",")
			f[2] = strings.Trim(f[2]+","+fk[4], ",")
			fks[fk[0]] = f
		}
		for _, f := range fks {
			to := f[2]
			if to == "" {
				to = "(primary key)"
			}
			s.add("foreign key %s(%s) → %s(%s) on delete %s", table, f[0], f[1], to, strings.ToLower(f[3]))
		}
	}
	for _, tr := range queryStrings(t, db, `SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'`) {
		m := regexp.MustCompile(`(?is)\b(BEFORE|AFTER|INSTEAD OF)\s+(INSERT|UPDATE|DELETE)\b`).FindStringSubmatch(tr[1])
		if m == nil {
			t.Fatalf("trigger on %s: cannot read its timing and event: %s", tr[0], tr[1])
		}
		s.add("trigger %s %s on %s", strings.ToLower(m[1]), strings.ToLower(m[2]), tr[0])
	}
	return s
}

// postgresSchema reads the schema of a migrated PostgreSQL database (its
// current schema only).
func postgresSchema(t *testing.T, db *sql.DB) schema {
	s := schema{}
	for _, tr := range queryStrings(t, db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`) {
		s.add("table %s", tr[0])
	}
	for _, c := range queryStrings(t, db, `SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL,
		coalesce(column_default, '') LIKE 'nextval(%' FROM information_schema.columns
		WHERE table_schema = current_schema()`) {
		null := "null"
		if c[3] == "NO" {
			null = "not null"
		}
		def := ""
		if c[4] == "true" && c[5] != "true" { // a serial's sequence is SQLite's rowid, no default
			def = ", default"
		}
		s.add("column %s.%s %s %s%s", c[0], c[1], typeClass(c[2]), null, def)
	}
	// constraints: primary keys, unique, foreign keys, checks, exclusions
	cons := queryStrings(t, db, `SELECT cl.relname, co.contype, co.conname,
		(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum),
		coalesce((SELECT relname FROM pg_class WHERE oid = co.confrelid), ''),
		coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.attnum), ''),
		co.confdeltype
		FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
		WHERE n.nspname = current_schema()`)
	checks := map[string]int{}
	backing := map[string]bool{} // indexes that back a constraint
	for _, c := range cons {
		table, kind, name, cols := c[0], c[1], c[2], c[3]
		switch kind {
		case "p":
			s.add("primary key %s(%s)", table, cols)
			backing[name] = true
		case "u":
			s.add("unique %s(%s)", table, cols)
			backing[name] = true
		case "f":
			onDelete := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[c[6]]
			s.add("foreign key %s(%s) → %s(%s) on delete %s", table, cols, c[4], c[5], onDelete)
		case "c":
			checks[table]++
		case "x":
			s.add("exclusion constraint %s on %s", name, table)
			backing[name] = true
		}
	}
	for _, tr := range queryStrings(t, db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`) {
		s.add("table %s: %d check constraints", tr[0], checks[tr[0]])
	}
	for _, ix := range queryStrings(t, db, `SELECT ct.relname, ci.relname, i.indisunique, i.indpred IS NOT NULL,
		(SELECT string_agg(coalesce(a.attname, '(expression)'), ',' ORDER BY k.ord)
			FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
			LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
			WHERE k.ord <= i.indnkeyatts)
		FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class ct ON ct.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = ct.relnamespace WHERE n.nspname = current_schema()`) {
		if backing[ix[1]] {
			continue
		}
		kind := "index"
		if ix[2] == "true" {
			kind = "unique index"
		}
		partial := ""
		if ix[3] == "true" {
			partial = " partial"
		}
		s.add("%s %s on %s(%s)%s", kind, ix[1], ix[0], ix[4], partial)
	}
	for _, tr := range queryStrings(t, db, `SELECT DISTINCT event_object_table, action_timing, event_manipulation
		FROM information_schema.triggers WHERE trigger_schema = current_schema()`) {
		s.add("trigger %s %s on %s", strings.ToLower(tr[1]), strings.ToLower(tr[2]), tr[0])
	}
	return s
}

// schemaDifferences are the deliberate differences between the two
// databases' schemas, each with its reason. A line here that no longer
// differs fails the test, so the list stays true.
var schemaDifferences = map[string]string{
	"postgres only: exclusion constraint allocations_no_overlap on allocations": "PostgreSQL refuses overlapping allocations " +
		"with an EXCLUDE USING gist constraint; SQLite has no exclusion constraints: the store checks for overlaps in the " +
		"same write transaction (dialect.countOverlaps), which SQLite's single writer makes safe",
	"postgres only: exclusion constraint allocations_test_no_overlap on allocations": "the same for the test-mode world " +
		"(allocations of test bookings, which never overlap each other; migration 0015): SQLite checks in the write transaction",
}

// TestSchemaParity migrates a SQLite and a PostgreSQL database and compares
// their live schemas: the same tables, columns (kind of value, nullability,
// whether there is a default), primary keys, unique constraints, foreign
// keys with their delete rule, indexes by name (columns, uniqueness,
// partial or not), number of CHECK constraints per table, and BEFORE/AFTER
// triggers per table and event. A migration added for one database only,
// or written differently for the two, fails here.
func TestSchemaParity(t *testing.T) {
	lite, _ := openDB(t, store.SQLite)
	pg, _ := openDB(t, store.Postgres)
	a, b := sqliteSchema(t, lite.DB()), postgresSchema(t, pg.DB())
	if len(a) < 100 || len(b) < 100 {
		t.Fatalf("read only %d (SQLite) and %d (PostgreSQL) facts; is the reader broken?", len(a), len(b))
	}
	var diffs []string
	for _, l := range a.lines() {
		if !b[l] {
			diffs = append(diffs, "sqlite only: "+l)
		}
	}
	for _, l := range b.lines() {
		if !a[l] {
			diffs = append(diffs, "postgres only: "+l)
		}
	}
	for _, d := range diffs {
		if _, ok := schemaDifferences[d]; !ok {
			t.Error(d)
		}
	}
	for d := range schemaDifferences {
		if !slices.Contains(diffs, d) {
			t.Errorf("listed difference %q no longer differs: delete it from schemaDifferences", d)
		}
	}
}
