package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// addFolderPhoto records a damage on tenant 0's first vehicle with a photo
// (a small real JPEG of the given shade) kept in photoDir, as the admin web
// does with --photo-dir.
func addFolderPhoto(t *testing.T, st *store.Store, w *world, photoDir string, shade uint8) {
	t.Helper()
	ctx := sys(w.tenants[0].ID)
	d := fleet.Damage{VehicleID: w.vehicles[0][0].ID, View: "left", X: 40, Y: 50, Kind: "scratch", Severity: "minor", Description: "Kratzer"}
	mustNil(t, st.CreateDamage(ctx, &d))
	ps := fleet.PhotoService{Damages: st, Blobs: photofs.At(photoDir)}
	_, err := ps.Add(ctx, d.ID, testenv.JPEG(t, 40, 30, shade))
	mustNil(t, err)
}

// TestBackupJobRotation drives the automatic backup with a test clock: one
// backup at start and then one a day from hourly checks, the oldest beyond
// keep deleted with their photo folders, unchanged photos hard-linked from
// the previous backup, stale temporary files cleaned up, a second backup of
// the same second refused, failures logged without stopping anything.
func TestBackupJobRotation(t *testing.T) {
	ctx := context.Background()
	photos, out := t.TempDir(), t.TempDir()
	st, _ := openDB(t, store.SQLite)
	w := newWorld(t, st)
	addFolderPhoto(t, st, w, photos, 10)

	now := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	var logs bytes.Buffer
	j := &store.BackupJob{Store: st, Dir: out, PhotoDir: photos, Keep: 3, Now: func() time.Time { return now },
		Log: slog.New(slog.NewJSONHandler(&logs, nil))}

	stale := filepath.Join(out, ".mietwerk-20260101-000000-123.db.tmp")
	if err := os.WriteFile(stale, []byte("left by a crash"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}

	var written []string
	var linked []int
	for h := range 5 * 24 { // five days of hourly checks
		if h == 50 {
			addFolderPhoto(t, st, w, photos, 200) // a new photo on day 3
		}
		if r := j.TickForTest(ctx); r != nil {
			written = append(written, filepath.Base(r.Path))
			linked = append(linked, r.PhotosLinked)
		}
		now = now.Add(time.Hour)
	}
	want := []string{"mietwerk-20260301-023000.db", "mietwerk-20260302-023000.db", "mietwerk-20260303-023000.db",
		"mietwerk-20260304-023000.db", "mietwerk-20260305-023000.db"}
	if strings.Join(written, " ") != strings.Join(want, " ") {
		t.Fatalf("backups written %v, want one at start and one a day: %v\nlogs:\n%s", written, want, logs.String())
	}
	// day 1 copies both files (photo, thumbnail), days 2 and 3 link them; the photo added
	// after day 3's backup is copied on day 4 and linked on day 5
	if fmt.Sprint(linked) != "[0 2 2 2 4]" {
		t.Errorf("photo files linked from the previous backup per day = %v, want [0 2 2 2 4]", linked)
	}
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	wantNames := []string{"mietwerk-20260303-023000-photos", "mietwerk-20260303-023000.db", "mietwerk-20260304-023000-photos",
		"mietwerk-20260304-023000.db", "mietwerk-20260305-023000-photos", "mietwerk-20260305-023000.db"}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("backup folder after rotation:\n got %v\nwant %v", names, wantNames)
	}
	for stem, photos := range map[string]int{"mietwerk-20260303-023000": 1, "mietwerk-20260305-023000": 2} {
		info, err := st.VerifyBackup(ctx, filepath.Join(out, stem+".db"))
		if err != nil {
			t.Fatal(err)
		}
		files, _ := os.ReadDir(filepath.Join(out, stem+"-photos"))
		if len(info.PhotoFiles) != photos || len(files) != 2*photos {
			t.Errorf("%s: %d photo rows, %d files; want %d and %d (photo and thumbnail each)", stem, len(info.PhotoFiles), len(files), photos, 2*photos)
		}
	}

	// another process's backup of the same second: refused, nothing left behind
	if _, err := st.WriteBackup(ctx, out, photos, time.Date(2026, 3, 5, 2, 30, 0, 0, time.UTC)); !errors.Is(err, store.ErrBackupExists) {
		t.Errorf("a second backup of the same second: %v, want ErrBackupExists", err)
	}
	if ents2, _ := os.ReadDir(out); len(ents2) != len(ents) {
		t.Errorf("the refused backup left files: %d entries, want %d", len(ents2), len(ents))
	}
	// the database refers to folder photos: without --photo-dir the backup is refused and nothing stays
	empty := t.TempDir()
	if _, err := st.WriteBackup(ctx, empty, "", now); err == nil || !strings.Contains(err.Error(), "--photo-dir") {
		t.Errorf("backup without --photo-dir: %v", err)
	}
	if e, _ := os.ReadDir(empty); len(e) != 0 {
		t.Errorf("a failed backup left %d entries", len(e))
	}
	// a failure is logged at error level and the job goes on
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	bad := &store.BackupJob{Store: st, Dir: notADir, PhotoDir: photos, Keep: 3, Now: time.Now, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	if r := bad.TickForTest(ctx); r != nil || !strings.Contains(logs.String(), `"level":"ERROR","msg":"backup failed"`) {
		t.Errorf("failing backup: %v, logs %s", r, logs.String())
	}
	// Run stops with its context
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { bad.Run(cctx, time.Hour); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
}
