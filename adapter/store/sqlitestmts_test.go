package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
)

// TestSQLiteStatementCache covers what reusing prepared statements must not
// change on SQLite: the same query run again while its rows are still open
// (inside a transaction, on the same connection) reads its own results; a
// statement that failed works again once its cause is gone; more distinct
// statements than the cache holds still run; rows of a cached statement
// left half read are reset when closed.
func TestSQLiteStatementCache(t *testing.T) {
	s, _ := openDB(t, store.SQLite)
	db := s.DB()
	ctx := context.Background()
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`CREATE TABLE cache_probe (id integer PRIMARY KEY, v text NOT NULL UNIQUE)`)
	for i := 1; i <= 5; i++ {
		mustExec(`INSERT INTO cache_probe (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i))
	}

	t.Run("nested same query", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		mustNil(t, err)
		defer tx.Rollback()
		const q = `SELECT id FROM cache_probe WHERE id >= $1 ORDER BY id`
		outer, err := tx.QueryContext(ctx, q, 1)
		mustNil(t, err)
		var got []string
		for outer.Next() {
			var id int
			mustNil(t, outer.Scan(&id))
			inner, err := tx.QueryContext(ctx, q, id) // same text while outer is open
			mustNil(t, err)
			n := 0
			for inner.Next() {
				n++
			}
			mustNil(t, inner.Err())
			inner.Close()
			got = append(got, fmt.Sprintf("%d:%d", id, n))
		}
		mustNil(t, outer.Err())
		outer.Close()
		if strings.Join(got, " ") != "1:5 2:4 3:3 4:2 5:1" {
			t.Fatalf("nested reads gave %v", got)
		}
	})

	t.Run("failed statement recovers", func(t *testing.T) {
		const ins = `INSERT INTO cache_probe (id, v) VALUES ($1, $2)`
		if _, err := db.ExecContext(ctx, ins, 6, "v1"); err == nil {
			t.Fatal("duplicate value was accepted")
		}
		mustExec(ins, 6, "v6")
		var n int
		mustNil(t, db.QueryRowContext(ctx, `SELECT count(*) FROM cache_probe`).Scan(&n))
		if n != 6 {
			t.Fatalf("%d rows, want 6", n)
		}
	})

	t.Run("more statements than the cache holds", func(t *testing.T) {
		for i := range 300 {
			var v string
			// a distinct text each time (the alias), so every one is prepared
			q := fmt.Sprintf(`SELECT v AS c%d FROM cache_probe WHERE id = $1`, i)
			mustNil(t, db.QueryRowContext(ctx, q, i%6+1).Scan(&v))
			if want := fmt.Sprint("v", i%6+1); v != want {
				t.Fatalf("query %d read %q, want %q", i, v, want)
			}
		}
	})

	t.Run("rows closed early", func(t *testing.T) {
		const q = `SELECT v FROM cache_probe ORDER BY id`
		for range 3 {
			rows, err := db.QueryContext(ctx, q)
			mustNil(t, err)
			if !rows.Next() {
				t.Fatal("no rows")
			}
			var v string
			mustNil(t, rows.Scan(&v))
			rows.Close() // four rows left unread
			if v != "v1" {
				t.Fatalf("first row %q after an early close, want v1", v)
			}
		}
	})
}
