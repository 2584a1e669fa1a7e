package testenv

import (
	"database/sql"
	"testing"
)

// TestPostgresCPU: a query that keeps the server busy shows in the
// cluster's CPU time, which this process's own CPU time does not hold.
func TestPostgresCPU(t *testing.T) {
	dsn := PostgresDSN(t)
	if _, ok := PostgresCPU(); !ok {
		unavailable(t, "the cluster is not this process's own (MIETWERK_TEST_POSTGRES_URL): its CPU cannot be read")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before, _ := PostgresCPU()
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM generate_series(1, 5000000) g WHERE g % 7 = 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	after, ok := PostgresCPU()
	if !ok || after-before <= 0 {
		t.Fatalf("the server counted %v of CPU for a query over 5 million rows", after-before)
	}
	t.Logf("server CPU for the query: %v", after-before)
}
