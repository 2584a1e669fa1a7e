package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// addDamagePhoto records a damage on the tenant's first vehicle and stores a
// photo of it in photoDir, as the admin web does with --photo-dir. It
// returns the admin URL path of the photo and its bytes.
func addDamagePhoto(t *testing.T, st *store.Store, photoDir string, shade uint8) (string, []byte) {
	t.Helper()
	ctx := context.Background()
	ten, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	tctx := identity.WithActor(ctx, identity.SystemFor(ten.ID))
	vs, _, err := st.ListVehicles(tctx, fleet.VehicleFilter{Limit: 1})
	if err != nil || len(vs) == 0 {
		t.Fatalf("vehicles: %v %v", vs, err)
	}
	d := fleet.Damage{VehicleID: vs[0].ID, View: "left", X: 40, Y: 50, Kind: "scratch", Severity: "minor", Description: "Kratzer Tür hinten links"}
	if err := st.CreateDamage(tctx, &d); err != nil {
		t.Fatal(err)
	}
	data := testenv.JPEG(t, 40, 30, shade)
	ps := fleet.PhotoService{Damages: st, Blobs: photofs.At(photoDir)}
	p, err := ps.Add(tctx, d.ID, data)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("/admin/vehicles/%d/damages/%d/photos/%d", vs[0].ID, d.ID, p.ID), data
}

// bookDemo books a car of the demo tenant at station SR through the API,
// daysAhead days from now; it returns the booking number, or "" when nothing
// is free that day.
func bookDemo(t *testing.T, base, key string, daysAhead int, email string) (string, error) {
	pickup := weekdayAt(daysAhead, 10)
	ret := pickup.AddDate(0, 0, 1)
	for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
		ret = ret.AddDate(0, 0, 1)
	}
	q := url.Values{"station": {"SR"}, "pickup": {pickup.Format(time.RFC3339)}, "return": {ret.Format(time.RFC3339)}}
	status, _, body, err := apiCall(t, "GET", base+"/api/v1/availability?"+q.Encode(), key, nil)
	if err != nil || status != 200 {
		return "", fmt.Errorf("availability: %d %v %v", status, body, err)
	}
	cat := ""
	for _, o := range body["offers"].([]any) {
		if o := o.(map[string]any); o["available"] == true {
			cat = o["category"].(map[string]any)["code"].(string)
			break
		}
	}
	if cat == "" {
		return "", nil // nothing free that day (holidays, the demo's own bookings)
	}
	req := map[string]any{
		"customer": map[string]any{"email": email, "first_name": "Eva", "last_name": "Huber",
			"street": "Weg 1", "postal_code": "94315", "city": "Straubing", "phone": "+49 9421 55555", "birth_date": "1985-04-12"},
		"station": "SR", "category": cat, "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
		"payment": map[string]any{"card": map[string]any{"number": "4111111111111111", "exp_month": 12, "exp_year": 2030, "cvv": "123"}},
	}
	status, _, body, err = apiCall(t, "POST", base+"/api/v1/bookings", key, req, "Idempotency-Key", "backup-"+email)
	if err != nil || status != 201 {
		return "", fmt.Errorf("booking: %d %v %v", status, body, err)
	}
	return body["number"].(string), nil
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

var backupLineRE = regexp.MustCompile(`(?m)^backup: (\S+mietwerk-\d{8}-\d{6}\.db) \(`)

// TestProcessBackupRestore runs the real binary: `mietwerk demo` with a
// photo folder serves and takes bookings while `mietwerk backup --out DIR`
// runs; the backup (database and photo files) is then copied to a new data
// directory and a second server, `mietwerk serve` on it, answers with the
// same booking, the same admin login and the same photo bytes. That server
// runs with --backup-dir and writes its start-up backup.
func TestProcessBackupRestore(t *testing.T) {
	dir, photos, out := t.TempDir(), t.TempDir(), t.TempDir()
	p := start(t, childEnv("MIETWERK_DATA_DIR="+dir), "demo", "--addr", "127.0.0.1:0", "--photo-dir", photos)
	creds := readCreds(t, dir)
	number, err := bookDemo(t, p.url, creds.APIKey, 9, "vorher@example.de")
	if err != nil || number == "" {
		t.Fatalf("booking before the backup: %q %v", number, err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "mietwerk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	photoPath, photo := addDamagePhoto(t, st, photos, 40)
	st.Close()

	// the server keeps taking bookings while the backup runs
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var during []string
	var duringErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ { // the API allows 120 requests a minute per key, counted in the database

			select {
			case <-stop:
				return
			default:
			}
			n, err := bookDemo(t, p.url, creds.APIKey, 12+i, fmt.Sprintf("waehrend%d@example.de", i))
			if err != nil {
				duringErr = err
				return
			}
			if n != "" {
				during = append(during, n)
			}
			time.Sleep(50 * time.Millisecond) // spread them over the backup's run
		}
	}()
	time.Sleep(200 * time.Millisecond)
	cmd := exec.Command(binary(t), "backup", "--out", out, "--photo-dir", photos)
	cmd.Env = childEnv("MIETWERK_DATA_DIR=" + dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	close(stop)
	wg.Wait()
	if runErr != nil {
		t.Fatalf("backup: %v\nstdout:\n%s\nstderr:\n%s", runErr, stdout.String(), stderr.String())
	}
	if duringErr != nil {
		t.Fatalf("booking while the backup ran: %v", duringErr)
	}
	t.Logf("backup output:\n%s(%d bookings made meanwhile)", stdout.String(), len(during))
	m := backupLineRE.FindStringSubmatch(stdout.String())
	if m == nil || !strings.Contains(stdout.String(), "photo files: ") || !strings.Contains(stdout.String(), "(2 files: 2 copied") ||
		!strings.Contains(stdout.String(), "duration: ") {
		t.Fatalf("backup output lacks the file, photo or duration line:\n%s", stdout.String())
	}
	dbFile := m[1]
	stem := strings.TrimSuffix(filepath.Base(dbFile), ".db")
	ents, _ := os.ReadDir(out)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != stem+"-photos" || names[1] != stem+".db" {
		t.Fatalf("backup folder holds %v, want %s.db and %s-photos only", names, stem, stem)
	}
	if resp, _ := get(t, client(t), p.url+"/readyz"); resp.StatusCode != 200 {
		t.Fatalf("the running server after the backup: /readyz %d", resp.StatusCode)
	}

	// restore: the backup file as the database of a new data directory, the photos as its photo folder
	dir2, photos2, out2 := t.TempDir(), t.TempDir(), t.TempDir()
	b, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "mietwerk.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(out, stem+"-photos"), photos2)
	p2 := start(t, childEnv("MIETWERK_DATA_DIR="+dir2, "MIETWERK_SECURE_COOKIES=false", "MIETWERK_MAIL_TRANSPORT=keep"),
		"serve", "--addr", "127.0.0.1:0", "--photo-dir", photos2, "--backup-dir", out2)

	for _, n := range []string{number} {
		status, _, body, err := apiCall(t, "GET", p2.url+"/api/v1/bookings/"+n, creds.SecretAPIKey, nil)
		if err != nil || status != 200 || body["number"] != n {
			t.Fatalf("restored server: booking %s: %d %v %v", n, status, body, err)
		}
	}
	admin := signIn(t, p2.url, creds.Admin.Email, creds.Admin.Password)
	resp, body := get(t, admin, p2.url+photoPath)
	if resp.StatusCode != 200 || body != string(photo) {
		t.Fatalf("restored server: photo %s: %d, %d bytes (want %d)", photoPath, resp.StatusCode, len(body), len(photo))
	}
	if resp, _ := get(t, admin, p2.url+photoPath+"/thumb"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("restored server: thumbnail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// every booking the backup holds is whole: the API answers for it (those made after the snapshot are 404)
	restored := 0
	for _, n := range during {
		status, _, body, err := apiCall(t, "GET", p2.url+"/api/v1/bookings/"+n, creds.SecretAPIKey, nil)
		switch {
		case err != nil:
			t.Fatal(err)
		case status == 200:
			restored++
		case status != 404:
			t.Fatalf("restored server: booking %s: %d %v", n, status, body)
		}
	}
	t.Logf("%d of the %d bookings made during the backup are in it", restored, len(during))

	// the restored server with --backup-dir writes its start-up backup
	testenv.WaitFor(t, 30*time.Second, "start-up backup in --backup-dir", func() bool {
		done, _ := filepath.Glob(filepath.Join(out2, "mietwerk-*.db"))
		return len(done) == 1
	})
	testenv.WaitFor(t, 10*time.Second, "\"backup written\" log line", func() bool { return strings.Contains(p2.stderr.String(), `"msg":"backup written"`) })
	p2.stop()
	p.stop()
}

// TestBackupCommandRefusals: the one-line refusals with exit status 2.
func TestBackupCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no out", []string{"backup", "--data-dir", dir}, nil, "--out"},
		{"no database", []string{"backup", "--data-dir", filepath.Join(dir, "none"), "--out", dir}, nil, "no SQLite database"},
		{"postgres", []string{"backup", "--out", dir}, map[string]string{"MIETWERK_DATABASE_URL": "postgres://u:secret@db.example/mw"}, "pg_dump"},
		{"bad flag", []string{"backup", "--keep", "3"}, nil, "-keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &cli{getenv: envOf(tt.env), stdout: &stdout, stderr: &stderr})
			msg := strings.TrimSpace(stderr.String())
			if code != exitUsage || strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "secret") {
				t.Fatalf("status %d, stderr %q: want %d and one line naming %q", code, msg, exitUsage, tt.want)
			}
		})
	}
	var help bytes.Buffer
	if code := run(context.Background(), []string{"backup", "--help"}, &cli{getenv: envOf(nil), stdout: &help, stderr: &help}); code != exitOK {
		t.Errorf("backup --help: status %d", code)
	}
	for _, want := range []string{"--out", "--data-dir", "MIETWERK_DATABASE_URL", "--photo-dir", "MIETWERK_PHOTO_DIR", "pg_dump"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("backup --help lacks %q", want)
		}
	}
	if strings.Contains(help.String(), "--addr") || strings.Contains(help.String(), "--backup-keep") {
		t.Errorf("backup --help lists server options:\n%s", help.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused backup created the data directory: %v", err)
	}
	// serve refuses --backup-dir on PostgreSQL as a configuration error
	_, err := parseConfig(t, modeServe, []string{"--backup-dir", dir}, map[string]string{"MIETWERK_DATABASE_URL": "postgres://u:p@db.example/mw"})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Option != "backup-dir" || !strings.Contains(ce.Reason, "pg_dump") {
		t.Errorf("serve --backup-dir on PostgreSQL: %v", err)
	}
	cfg, err := parseConfig(t, modeServe, nil, map[string]string{"MIETWERK_BACKUP_DIR": dir})
	if err != nil || cfg.BackupDir != dir || cfg.BackupKeep != 14 {
		t.Errorf("MIETWERK_BACKUP_DIR: %+v %v, want the folder and keep 14", cfg, err)
	}
	if _, err := parseConfig(t, modeServe, []string{"--backup-dir", dir, "--backup-keep", "0"}, nil); err == nil || !strings.Contains(err.Error(), "--backup-keep") {
		t.Errorf("--backup-keep 0: %v", err)
	}
}
