// Package testenv starts the real services tests need: a throwaway PostgreSQL
// cluster, mailpit, headless Chromium. Under CI=true a missing service fails
// the test instead of skipping it.
package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// PGBinDir is where Debian installs the PostgreSQL 15 server binaries.
const PGBinDir = "/usr/lib/postgresql/15/bin"

var (
	pgOnce   sync.Once
	pgAdmin  string // DSN of the maintenance database
	pgErr    error
	pgCmd    *exec.Cmd
	pgDir    string
	dbSerial atomic.Int64
)

// InCI reports whether the tests run under CI (CI=true), where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// unavailable skips the test, or fails it under CI.
func unavailable(t testing.TB, format string, a ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("required test service unavailable under CI=true: "+format, a...)
	}
	t.Skipf(format, a...)
}

// PostgresDSN returns the DSN of a new, empty database in a PostgreSQL
// server: the one at MIETWERK_TEST_POSTGRES_URL if set, else a throwaway
// cluster started once per test binary from the installed binaries. The
// database is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	pgOnce.Do(startPostgres)
	if pgErr != nil {
		unavailable(t, "PostgreSQL: %v", pgErr)
	}
	admin, err := sql.Open("pgx", pgAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("mw_test_%d_%d", os.Getpid(), dbSerial.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(pgAdmin, name)
}

func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	return dsn + " dbname=" + name
}

// StopPostgres stops the throwaway cluster; call it from TestMain after m.Run.
func StopPostgres() {
	if pgCmd != nil && pgCmd.Process != nil {
		pgCmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { pgCmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			pgCmd.Process.Kill()
		}
	}
	if pgDir != "" {
		os.RemoveAll(pgDir)
	}
}

func startPostgres() {
	if u := os.Getenv("MIETWERK_TEST_POSTGRES_URL"); u != "" {
		pgAdmin = u
		pgErr = ping(u, 10*time.Second)
		return
	}
	initdb := filepath.Join(PGBinDir, "initdb")
	if _, err := os.Stat(initdb); err != nil {
		pgErr = fmt.Errorf("no PostgreSQL binaries in %s (install postgresql-15) and MIETWERK_TEST_POSTGRES_URL unset", PGBinDir)
		return
	}
	dir, err := os.MkdirTemp("", "mietwerk-pg-")
	if err != nil {
		pgErr = err
		return
	}
	pgDir = dir
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			pgErr = fmt.Errorf("running as root needs the postgres OS user: %w", err)
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			pgErr = err
			return
		}
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		pgErr = fmt.Errorf("initdb: %v: %s", err, out)
		return
	}
	// Speed over durability for tests, in postgresql.conf rather than on the
	// command line so that PostgresDurable can switch it back (ALTER SYSTEM
	// cannot override command-line settings).
	conf, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		extra := ""
		if os.Getenv("MIETWERK_TEST_PG_STATEMENTS") != "" {
			// diagnosis: the server's time per statement (benchmarks log it)
			extra = "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\n"
		}
		_, err = conf.WriteString("\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" + extra)
		if cerr := conf.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		pgErr = fmt.Errorf("configure postgres: %w", err)
		return
	}
	pgCmd = exec.Command(filepath.Join(PGBinDir, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "max_connections=300", "-c", "shared_buffers=128MB")
	pgCmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	logf, _ := os.Create(filepath.Join(dir, "postgres.log"))
	if logf != nil {
		os.Chown(logf.Name(), int(credUID(cred)), -1)
		pgCmd.Stdout, pgCmd.Stderr = logf, logf
	}
	if err := pgCmd.Start(); err != nil {
		pgErr = fmt.Errorf("start postgres: %w", err)
		return
	}
	pgAdmin = fmt.Sprintf("host=%s user=postgres dbname=postgres sslmode=disable", dir)
	pgErr = ping(pgAdmin, 30*time.Second)
}

func credUID(c *syscall.Credential) uint32 {
	if c == nil {
		return uint32(os.Getuid())
	}
	return c.Uid
}

func ping(dsn string, within time.Duration) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("PostgreSQL not ready after %s: %w", within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PostgresDurable switches the shared test server to a production server's
// durability (fsync, synchronous_commit and full_page_writes on: a commit
// returns once it is on disk) until the test ends. The server runs without
// them otherwise, for speed. For benchmarks that must measure what a real
// deployment pays per commit; tests running at the same time in the same
// process see the slower server too.
func PostgresDurable(t testing.TB) {
	t.Helper()
	pgOnce.Do(startPostgres)
	if pgErr != nil {
		unavailable(t, "PostgreSQL: %v", pgErr)
	}
	if pgDir == "" { // a server of MIETWERK_TEST_POSTGRES_URL: never reconfigured, only checked
		a, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		var fsync, sync string
		if err := a.QueryRow("SELECT current_setting('fsync'), current_setting('synchronous_commit')").Scan(&fsync, &sync); err != nil {
			t.Fatal(err)
		}
		if fsync != "on" || sync != "on" {
			t.Logf("the PostgreSQL server at MIETWERK_TEST_POSTGRES_URL runs with fsync=%s, synchronous_commit=%s: "+
				"its figures are not those of a durable server", fsync, sync)
		}
		return
	}
	set := func(fsync string) error {
		a, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			return err
		}
		defer a.Close()
		for _, p := range []string{"fsync", "synchronous_commit", "full_page_writes"} {
			if _, err := a.Exec("ALTER SYSTEM SET " + p + " = " + fsync); err != nil {
				return err
			}
		}
		if _, err := a.Exec("SELECT pg_reload_conf()"); err != nil {
			return err
		}
		for range 100 { // the reload reaches new sessions within moments
			var v string
			if err := a.QueryRow("SHOW fsync").Scan(&v); err != nil {
				return err
			}
			if v == fsync {
				return nil
			}
			a.Exec("SELECT pg_sleep(0.02)")
		}
		return fmt.Errorf("fsync did not become %s after a reload", fsync)
	}
	if err := set("on"); err != nil {
		t.Fatalf("PostgreSQL durable settings: %v", err)
	}
	t.Cleanup(func() {
		if err := set("off"); err != nil {
			t.Errorf("PostgreSQL back to test settings: %v", err)
		}
	})
}
