package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

func TestMigrateIdempotent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		ctx := context.Background()
		applied, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, want nothing", applied)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("SchemaVersion = %d, %v", v, err)
		}
	})
}

// TestMigrateConcurrentProcesses starts several stores (as separate processes
// would) on one empty database at once; every migration is applied exactly once.
func TestMigrateConcurrentProcesses(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			var dsn string
			if d == store.SQLite {
				dsn = filepath.Join(t.TempDir(), "m.db")
			} else {
				dsn = testenv.PostgresDSN(t)
			}
			ctx := context.Background()
			const n = 4
			var wg sync.WaitGroup
			applied := make([][]int, n)
			errsSeen := make([]error, n)
			for i := range n {
				s, err := store.Open(ctx, dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				wg.Add(1)
				go func() {
					defer wg.Done()
					applied[i], errsSeen[i] = s.Migrate(ctx)
				}()
			}
			wg.Wait()
			total := 0
			for i := range n {
				if errsSeen[i] != nil {
					t.Fatalf("store %d: %v", i, errsSeen[i])
				}
				total += len(applied[i])
			}
			s, _ := store.Open(ctx, dsn, store.Options{})
			defer s.Close()
			v, _ := s.SchemaVersion(ctx)
			if total != v {
				t.Fatalf("migrations applied %d times in total, schema version %d", total, v)
			}
		})
	}
}
