package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestDataDirPrivate: serve creates its data directory (SQLite file,
// demo credentials, kept e-mails, the secret key file) readable by its
// user only.
func TestDataDirPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mietwerk-data")
	cfg := Config{DataDir: dir, DatabaseURL: filepath.Join(dir, "mietwerk.db")}
	st, err := openStore(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %o, want 700", fi.Mode().Perm())
	}
}
