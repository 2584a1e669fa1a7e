package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
)

// TestSQLiteFilesPrivate: a new SQLite database is created readable by its
// user only: its folder 0700, the database, its WAL and shared-memory
// files 0600 (they hold customers' data and the gateway credentials).
func TestSQLiteFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "db")
	path := filepath.Join(dir, "mietwerk.db")
	s, err := store.Open(context.Background(), path, store.Options{})
	mustNil(t, err)
	defer s.Close()
	_, err = s.Migrate(context.Background())
	mustNil(t, err)
	check := func(p string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(p)
		mustNil(t, err)
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(p), got, want)
		}
	}
	check(dir, 0o700)
	check(path, 0o600)
	check(path+"-wal", 0o600)
	check(path+"-shm", 0o600)
}
