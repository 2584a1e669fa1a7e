package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/job"
)

// Backups are files DIR/mietwerk-YYYYMMDD-HHMMSS.db (UTC, the moment the
// snapshot was taken) with the photo files their rows refer to in
// DIR/mietwerk-YYYYMMDD-HHMMSS-photos/. Work in progress lives under names
// starting with ".mietwerk-" and ending in ".tmp"; a backup is complete once
// its .db name exists, which is claimed with a hard link (never replacing an
// existing file), so two processes finishing a backup of the same second
// leave one.
const backupStampLayout = "20060102-150405"

var backupNameRE = regexp.MustCompile(`^mietwerk-(\d{8}-\d{6})\.db$`)

// Automatic backups: every serve process with --backup-dir checks at start
// and then hourly whether the newest backup in the folder is older than a
// day (less a few minutes, so the hourly checks do not slip an hour a day)
// and, if so, writes one and deletes the oldest beyond --backup-keep.
const (
	BackupCheckInterval = time.Hour
	backupEvery         = 24*time.Hour - 5*time.Minute
	backupTempMaxAge    = 24 * time.Hour // leftovers of a crashed backup are deleted after this
)

// ErrBackupExists: a backup of the same second exists already (another
// process made it); nothing was written.
var ErrBackupExists = errors.New("a backup with this name exists already")

// BackupResult is what one backup wrote.
type BackupResult struct {
	Path         string
	PhotoDir     string // "" when the database keeps no photos in a folder
	Info         BackupInfo
	PhotoFiles   int   // files in PhotoDir (photos and thumbnails)
	PhotosLinked int   // of which hard-linked from the previous backup (same size)
	PhotoBytes   int64 // bytes copied
	Missing      []string
	Duration     time.Duration
}

// WriteBackup writes a checked backup of the SQLite database into dir, named after now
// (UTC): VACUUM INTO a temporary file in dir, VerifyBackup, then the photo
// files the backup's rows refer to from photoDir (hard-linked from the
// previous backup when it has the same file with the same size — photos are
// never changed under their key), then the final names. Photo files missing
// in photoDir are listed in Missing (the backup is kept); when the database
// refers to folder photos but photoDir is empty or has none of them, nothing
// is kept and an error says to pass --photo-dir. Returns ErrBackupExists
// when dir has a backup of this second.
func (s *Store) WriteBackup(ctx context.Context, dir, photoDir string, now time.Time) (res BackupResult, err error) {
	started := time.Now()
	stem := "mietwerk-" + now.UTC().Format(backupStampLayout)
	final := filepath.Join(dir, stem+".db")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("create backup folder: %w", err)
	}
	if _, err := os.Lstat(final); err == nil {
		return res, fmt.Errorf("%s: %w", final, ErrBackupExists)
	}
	prev := newestBackupStem(dir)
	f, err := os.CreateTemp(dir, "."+stem+"-*.db.tmp")
	if err != nil {
		return res, fmt.Errorf("create backup file: %w", err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp) // after the hard link only the temporary name goes
	if err := s.BackupTo(ctx, tmp); err != nil {
		return res, err
	}
	info, err := s.VerifyBackup(ctx, tmp)
	if err != nil {
		return res, err
	}
	info.Path = final
	res.Info = info

	var tmpPhotos string
	if len(info.PhotoFiles) > 0 {
		if photoDir == "" {
			return res, fmt.Errorf("the database keeps %d damage photos in a photo folder: pass the servers' --photo-dir (MIETWERK_PHOTO_DIR)", len(info.PhotoFiles))
		}
		if tmpPhotos, err = os.MkdirTemp(dir, "."+stem+"-photos-*.tmp"); err != nil {
			return res, fmt.Errorf("create photo backup folder: %w", err)
		}
		defer os.RemoveAll(tmpPhotos) // empty once renamed
		var prevPhotos string
		if prev != "" {
			prevPhotos = filepath.Join(dir, prev+"-photos")
		}
		for _, p := range info.PhotoFiles {
			for _, name := range []string{p.Key, p.Key + "-thumb"} {
				want := ""
				if name == p.Key {
					want = p.SHA256
				}
				linked, n, err := backupPhoto(filepath.Join(photoDir, name), filepath.Join(tmpPhotos, name), prevPhotos, want)
				switch {
				case errors.Is(err, fs.ErrNotExist):
					res.Missing = append(res.Missing, name)
					continue
				case err != nil:
					return res, err
				}
				res.PhotoFiles++
				res.PhotoBytes += n
				if linked {
					res.PhotosLinked++
				}
			}
		}
		if res.PhotoFiles == 0 {
			return res, fmt.Errorf("none of the %d photo files the database refers to is in --photo-dir %s: is it the servers' photo folder?", len(info.PhotoFiles), photoDir)
		}
		if err := syncDir(tmpPhotos); err != nil {
			return res, err
		}
	}

	// claim the name without ever replacing a file
	if err := os.Link(tmp, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return res, fmt.Errorf("%s: %w", final, ErrBackupExists)
		}
		// a file system without hard links: rename, after a last look
		if _, serr := os.Lstat(final); serr == nil {
			return res, fmt.Errorf("%s: %w", final, ErrBackupExists)
		}
		if err := os.Rename(tmp, final); err != nil {
			return res, fmt.Errorf("name the backup: %w", err)
		}
	}
	res.Path = final
	if tmpPhotos != "" {
		res.PhotoDir = filepath.Join(dir, stem+"-photos")
		if err := os.Rename(tmpPhotos, res.PhotoDir); err != nil {
			return res, fmt.Errorf("name the photo backup: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return res, err
	}
	res.Duration = time.Since(started)
	return res, nil
}

// backupPhoto puts the photo file src at dst: a hard link to the previous
// backup's file of the same name when its size is the same, else a copy
// (synced) whose SHA-256 must be wantSHA when given. It returns whether it
// linked and the bytes copied; fs.ErrNotExist when src is missing.
func backupPhoto(src, dst, prevDir, wantSHA string) (linked bool, n int64, err error) {
	fi, err := os.Stat(src)
	if err != nil {
		return false, 0, err
	}
	if prevDir != "" {
		old := filepath.Join(prevDir, filepath.Base(src))
		if ofi, err := os.Stat(old); err == nil && ofi.Mode().IsRegular() && ofi.Size() == fi.Size() && os.Link(old, dst) == nil {
			return true, 0, nil
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return false, 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, 0, fmt.Errorf("copy photo: %w", err)
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, n, fmt.Errorf("copy photo %s: %w", filepath.Base(src), err)
	}
	if wantSHA != "" && hex.EncodeToString(h.Sum(nil)) != wantSHA {
		return false, n, fmt.Errorf("photo file %s does not match the SHA-256 its database row records", src)
	}
	return false, n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// backupStems lists the complete backups in dir, oldest first, by stem
// ("mietwerk-20260101-030000") with their time.
func backupStems(dir string) ([]string, []time.Time) {
	ents, _ := os.ReadDir(dir)
	var stems []string
	for _, e := range ents {
		if m := backupNameRE.FindStringSubmatch(e.Name()); m != nil && e.Type().IsRegular() {
			stems = append(stems, strings.TrimSuffix(e.Name(), ".db"))
		}
	}
	sort.Strings(stems) // the stamp sorts by time
	times := make([]time.Time, len(stems))
	for i, s := range stems {
		times[i], _ = time.Parse(backupStampLayout, strings.TrimPrefix(s, "mietwerk-"))
	}
	return stems, times
}

func newestBackupStem(dir string) string {
	stems, _ := backupStems(dir)
	if len(stems) == 0 {
		return ""
	}
	return stems[len(stems)-1]
}

// PruneBackups deletes the oldest backups in dir beyond keep (the .db file,
// then its photo folder) and leftovers of crashed backups older than
// backupTempMaxAge. It returns the stems it deleted.
func PruneBackups(dir string, keep int, now time.Time) ([]string, error) {
	stems, _ := backupStems(dir)
	var removed []string
	var errList []error
	for i := 0; i < len(stems)-keep; i++ {
		if err := os.Remove(filepath.Join(dir, stems[i]+".db")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errList = append(errList, err)
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, stems[i]+"-photos")); err != nil {
			errList = append(errList, err)
		}
		removed = append(removed, stems[i])
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".mietwerk-") || !strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > backupTempMaxAge {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				errList = append(errList, err)
			}
		}
	}
	return removed, errors.Join(errList...)
}

// BackupJob is the automatic backup of one serve process (--backup-dir):
// Store backed up into Dir with the photo files of PhotoDir, keeping the
// Keep newest backups; Now is the clock.
type BackupJob struct {
	Store    *Store
	Dir      string
	PhotoDir string
	Keep     int
	Now      func() time.Time
	Log      *slog.Logger
}

// Run checks at once and then every interval until ctx ends; a backup in
// progress is interrupted by the end of ctx (its temporary files go). A
// crashing check is logged with its stack and the next one runs as planned.
func (j *BackupJob) Run(ctx context.Context, interval time.Duration) {
	job.Every(ctx, j.Log, "backup", 0, interval, func(ctx context.Context) error {
		j.tick(ctx)
		return nil
	})
}

// tick writes a backup when the newest one in the folder is older than
// backupEvery, then prunes. Failures are logged at error level; it returns
// the backup written, if any.
func (j *BackupJob) tick(ctx context.Context) *BackupResult {
	now := j.Now()
	if _, times := backupStems(j.Dir); len(times) > 0 && now.Sub(times[len(times)-1]) < backupEvery {
		return nil
	}
	res, err := j.Store.WriteBackup(ctx, j.Dir, j.PhotoDir, now)
	switch {
	case errors.Is(err, ErrBackupExists):
		j.Log.InfoContext(ctx, "backup: another process wrote this second's backup", "dir", j.Dir)
		return nil
	case err != nil && ctx.Err() != nil:
		return nil // shutting down
	case err != nil:
		j.Log.ErrorContext(ctx, "backup failed", "dir", j.Dir, "error", err.Error())
		return nil
	}
	level := slog.LevelInfo
	if len(res.Missing) > 0 {
		level = slog.LevelError
	}
	j.Log.Log(ctx, level, "backup written", "file", res.Path, "bytes", res.Info.SizeBytes, "invoices", res.Info.Invoices,
		"documents", res.Info.Documents, "photos", res.Info.Photos, "photo_files", res.PhotoFiles,
		"photo_files_missing", len(res.Missing), "duration_ms", res.Duration.Milliseconds())
	removed, err := PruneBackups(j.Dir, j.Keep, now)
	if len(removed) > 0 {
		j.Log.InfoContext(ctx, "old backups deleted", "dir", j.Dir, "keep", j.Keep, "deleted", strings.Join(removed, ","))
	}
	if err != nil {
		j.Log.ErrorContext(ctx, "deleting old backups failed", "dir", j.Dir, "error", err.Error())
	}
	return &res
}
