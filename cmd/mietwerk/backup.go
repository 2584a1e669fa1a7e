package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
)

const backupSynopsis = `mietwerk backup --out DIR [options]

Writes a consistent, checked backup of the SQLite database while servers keep running:
DIR/mietwerk-YYYYMMDD-HHMMSS.db (UTC; never overwrites) and the damage photo files of the
photo folder its rows refer to in DIR/mietwerk-YYYYMMDD-HHMMSS-photos/. The copy is checked
(integrity_check, foreign_key_check, schema version, document hashes) before it gets its
name. Put DIR on another disk or machine. To restore, stop the servers and point
--database-url (and --photo-dir) at the copies. PostgreSQL: use pg_dump or your provider's
backups.`

// cmdBackup runs "mietwerk backup".
func cmdBackup(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	out := fs.String("out", "", "folder to write the backup to (default: MIETWERK_BACKUP_DIR)")
	resolve := configFlags(fs, modeBackup)
	if st, ok := parseFlags(c, fs, args, func(w io.Writer) { usage(w, backupSynopsis, fs, modeBackup, []string{"out"}) }); !ok {
		return st
	}
	cfg, err := resolve(c.getenv)
	if err != nil {
		return configError(c, "backup", err)
	}
	dir := *out
	if dir == "" {
		dir = c.getenv("MIETWERK_BACKUP_DIR")
	}
	if strings.TrimSpace(dir) == "" {
		return configError(c, "backup", errors.New("want --out DIR (or MIETWERK_BACKUP_DIR): the folder for the backup, on another disk or machine"))
	}
	if err := store.BackupUnsupported(cfg.DatabaseURL); err != nil {
		return configError(c, "backup", errors.New(userMessage(err)))
	}
	path := store.SQLitePath(cfg.DatabaseURL)
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return configError(c, "backup", fmt.Errorf("no SQLite database at %s: name it with --data-dir or --database-url (env MIETWERK_DATA_DIR, MIETWERK_DATABASE_URL)", path))
	}
	if abs, err := filepath.Abs(dir); err == nil {
		if dbAbs, err := filepath.Abs(filepath.Dir(path)); err == nil && abs == dbAbs {
			fmt.Fprintf(c.stderr, "mietwerk backup: warning: the backup goes into the database's own folder; copy it to another disk or machine\n")
		}
	}
	// no migration: a backup copies the database as it is
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{})
	if err != nil {
		return failed(c, "backup", fmt.Errorf("open database (--database-url): %w", err))
	}
	defer st.Close()
	res, err := st.WriteBackup(ctx, filepath.Clean(dir), cfg.PhotoDir, time.Now())
	if errors.Is(err, store.ErrBackupExists) {
		return failed(c, "backup", fmt.Errorf("%w (a backup of the same second); run it again", err))
	}
	if err != nil {
		return failed(c, "backup", errors.New(userMessage(err)))
	}
	printBackup(c.stdout, res)
	if len(res.Missing) > 0 {
		return failed(c, "backup", fmt.Errorf("%d photo files the database refers to are missing in --photo-dir %s (deleted meanwhile, or the wrong folder): %s",
			len(res.Missing), cfg.PhotoDir, strings.Join(res.Missing[:min(len(res.Missing), 5)], ", ")))
	}
	return exitOK
}

// userMessage is the user-safe message of an errs error with its cause, or err's text.
func userMessage(err error) string {
	if e, ok := errs.As(err); ok {
		if e.Err != nil {
			return e.Message + ": " + e.Err.Error()
		}
		return e.Message
	}
	return err.Error()
}

// printBackup reports what a backup wrote.
func printBackup(w io.Writer, r store.BackupResult) {
	i := r.Info
	fmt.Fprintf(w, "backup: %s (%s, schema version %d)\n", r.Path, mib(i.SizeBytes), i.SchemaVersion)
	fmt.Fprintf(w, "invoices and credit notes: %d, documents: %d (%s), e-invoices: %d, damage photos: %d (%d in the photo folder)\n",
		i.Invoices, i.Documents, mib(i.DocumentBytes), i.EInvoices, i.Photos, len(i.PhotoFiles))
	if r.PhotoDir != "" {
		fmt.Fprintf(w, "photo files: %s (%d files: %d copied, %s; %d linked from the previous backup)\n",
			r.PhotoDir, r.PhotoFiles, r.PhotoFiles-r.PhotosLinked, mib(r.PhotoBytes), r.PhotosLinked)
	}
	fmt.Fprintf(w, "checked: integrity_check ok, foreign keys ok, document hashes ok\n")
	fmt.Fprintf(w, "duration: %s\n", r.Duration.Round(time.Millisecond))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
