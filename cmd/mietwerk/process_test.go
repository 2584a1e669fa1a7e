package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/secrets"
)

var (
	binOnce    sync.Once
	binPath    string
	binErr     error
	binDirOnce sync.Once
	binDir     string
	binDirErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	testenv.StopChromium()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds cmd/mietwerk once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	return build(t, &binOnce, &binPath, &binErr, "mietwerk")
}

var (
	faultOnce sync.Once
	faultPath string
	faultErr  error
)

// faultBinary builds cmd/mietwerk with the faultinject tag (faultinject.go)
// once per test run and returns its path.
func faultBinary(t *testing.T) string {
	t.Helper()
	return build(t, &faultOnce, &faultPath, &faultErr, "mietwerk-faultinject", "-tags", "faultinject")
}

func build(t *testing.T, once *sync.Once, path *string, buildErr *error, name string, flags ...string) string {
	t.Helper()
	once.Do(func() {
		binDirOnce.Do(func() { binDir, binDirErr = os.MkdirTemp("", "mietwerk-bin-") })
		if *buildErr = binDirErr; binDirErr != nil {
			return
		}
		*path = filepath.Join(binDir, name)
		out, err := exec.Command("go", append(append([]string{"build"}, flags...), "-o", *path, ".")...).CombinedOutput()
		if err != nil {
			*buildErr = fmt.Errorf("go build %v: %v\n%s", flags, err, out)
		}
	})
	if *buildErr != nil {
		t.Fatal(*buildErr)
	}
	return *path
}

// childEnv is this process's environment without MIETWERK_* settings, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MIETWERK_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// syncBuffer collects output from concurrent writers.
type syncBuffer = testenv.SyncBuffer

// proc is a running mietwerk server process.
type proc struct {
	t       *testing.T
	cmd     *exec.Cmd
	stdout  *syncBuffer
	stderr  *syncBuffer
	url     string
	started time.Time
	ready   time.Duration // from start to the first 200 of /readyz
	exited  chan struct{} // closed when the process has ended; then waitErr is set
	waitErr error
}

// start runs mietwerk with args, waits for its "listening" log line and for
// /readyz to answer 200, and stops it (SIGKILL) when the test ends if the test
// did not stop it.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p, err := launch(t, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch is start for any goroutine: it reports failure as an error.
func launch(t *testing.T, env []string, args ...string) (*proc, error) {
	return launchBinary(t, binary(t), env, args...)
}

// launchBinary is launch with the binary at bin.
func launchBinary(t *testing.T, bin string, env []string, args ...string) (*proc, error) {
	p := &proc{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout = p.stdout
	pr, pw := io.Pipe()
	p.cmd.Stderr = io.MultiWriter(p.stderr, pw)
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				addrc <- rec.Addr
			}
		}
	}()
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.waitErr = p.cmd.Wait(); pw.Close(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case addr := <-addrc:
		p.url = baseURL(addr)
	case <-p.exited:
		return nil, fmt.Errorf("mietwerk %v exited before listening: %v\nstderr:\n%s", args, p.waitErr, p.stderr.String())
	case <-time.After(90 * time.Second):
		return nil, fmt.Errorf("mietwerk %v did not listen within 90s\nstderr:\n%s", args, p.stderr.String())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				p.ready = time.Since(p.started)
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("/readyz not 200 within 30s (last: %v)\nstderr:\n%s", err, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and checks a clean exit within 30 seconds.
func (p *proc) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.waitErr != nil {
			p.t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", p.waitErr, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		p.t.Fatalf("no exit within 30s of SIGTERM")
	}
	if !strings.Contains(p.stderr.String(), `"msg":"stopped"`) {
		p.t.Errorf("no \"stopped\" log line:\n%s", p.stderr.String())
	}
}

// client is a browser-like HTTP client with cookies that does not follow redirects.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the login form (CSRF token from the page and its
// cookie, Origin header as a browser sends it) and returns the signed-in client.
func signIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	c := client(t)
	resp, body := get(t, c, base+"/admin/login")
	m := csrfRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("login page: status %d, no csrf field:\n%.500s", resp.StatusCode, body)
	}
	form := url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest("POST", base+"/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: status %d, want 303", email, resp.StatusCode)
	}
	resp, body = get(t, c, base+"/admin/")
	if resp.StatusCode != 200 {
		t.Fatalf("/admin/ after sign-in: status %d\n%.300s", resp.StatusCode, body)
	}
	return c
}

func readCreds(t *testing.T, dir string) demo.Credentials {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, demo.CredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var c demo.Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// demoCounts counts the demo tenant's records in the SQLite file of dir.
func demoCounts(t *testing.T, dir string) [5]int {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mietwerk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ten, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	ctx = identity.WithActor(ctx, identity.SystemFor(ten.ID))
	ss, err1 := st.ListStations(ctx)
	cs, err2 := st.ListCategories(ctx)
	_, nv, err3 := st.ListVehicles(ctx, fleet.VehicleFilter{})
	us, err4 := st.ListUsers(ctx)
	ks, err5 := st.ListAPIClients(ctx)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	return [5]int{len(ss), len(cs), nv, len(us), len(ks)}
}

// TestDemoProcess runs the real binary: first start, sign-in, health,
// metrics, SIGTERM, restart with the same credentials and data.
func TestDemoProcess(t *testing.T) {
	dir := t.TempDir()
	env := childEnv("MIETWERK_DATA_DIR=" + dir)
	p := start(t, env, "demo", "--addr", "127.0.0.1:0")
	t.Logf("demo first start: %v to ready (creates the database, migrates, seeds)", p.ready.Round(time.Millisecond))
	// the demo tenant is in simulator mode without a simulator of its own:
	// the built-in one starts with the server (before it listens)
	if !strings.Contains(p.stderr.String(), `"msg":"built-in telecash simulator started"`) {
		t.Errorf("the demo did not start the built-in simulator:\n%s", p.stderr.String())
	}

	creds := readCreds(t, dir)
	for key, prefix := range map[string]string{creds.APIKey: "mwk_public_", creds.SecretAPIKey: "mwk_secret_", creds.StaffAPIKey: "mwk_staff_",
		creds.TestAPIKey: "mwk_test_public_", creds.TestSecretAPIKey: "mwk_test_secret_", creds.TestStaffAPIKey: "mwk_test_staff_"} {
		if !strings.HasPrefix(key, prefix) {
			t.Errorf("demo API key %q: want one starting with %s (one key of each scope, live and test)", key, prefix)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, demo.CredentialsFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	// stdout reaches us through a pipe copied by another goroutine: give it a moment.
	out := p.stdout.String()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out, creds.APIKey) && time.Now().Before(deadline); out = p.stdout.String() {
		time.Sleep(20 * time.Millisecond)
	}
	// the secret key: created with the data, readable by the user only, printed where it is
	keyFile := filepath.Join(dir, demoKeyFile)
	key, err := os.ReadFile(keyFile)
	if fi, serr := os.Stat(keyFile); err != nil || serr != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret key file: %v %v; want one with mode 0600", err, serr)
	}
	if _, err := secrets.ParseKey(string(key)); err != nil {
		t.Fatalf("the secret key file holds no key: %v", err)
	}
	for _, want := range []string{creds.Admin.Email, creds.Admin.Password, creds.APIKey, creds.SecretAPIKey, creds.StaffAPIKey,
		creds.TestAPIKey, creds.TestSecretAPIKey, creds.TestStaffAPIKey, creds.Stations[0].Password, p.url + "/admin/", keyFile} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}

	plain := client(t)
	if resp, body := get(t, plain, p.url+"/healthz"); resp.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz: %d %q", resp.StatusCode, body)
	}
	if resp, _ := get(t, plain, p.url+"/"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/admin/" {
		t.Errorf("/: %d to %q, want a redirect to /admin/", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, plain, p.url+"/healthz"); resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("no X-Request-Id on a response")
	}
	signIn(t, p.url, creds.Admin.Email, creds.Admin.Password)
	signIn(t, p.url, creds.Stations[1].Email, creds.Stations[1].Password)

	_, metrics := get(t, plain, p.url+"/metrics")
	for _, want := range []string{
		`http_requests_total{method="GET",route="GET /healthz",status="200"} 2`,
		`http_requests_total{method="GET",route="GET /readyz",status="200"}`,
		`http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"} 2`,
		`status="303"`,
		`go_sql_open_connections{db_name="sqlite"}`,
		"mietwerk_sqlite_write_transactions_total ",
		"mietwerk_sqlite_commits_total ",
		"mietwerk_sqlite_wal_syncs_total ",
		"mietwerk_sqlite_write_lock_seconds_total ",
		"mietwerk_invoices_foreseen_total ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// the demo's website bookings went through the booking API's stages
	for _, stage := range []string{"validate", "car", "payment", "issue", "answer"} {
		if !regexp.MustCompile(`booking_stage_seconds_count\{stage="` + stage + `"\} [1-9]`).MatchString(metrics) {
			t.Errorf("/metrics lacks the booking stage %q", stage)
		}
	}
	p.stop()
	checkJSONLogs(t, p.stderr.String())
	before := demoCounts(t, dir)
	if before != [5]int{3, 4, 30, 4, 6} {
		t.Errorf("counts after first start %v, want stations 3, categories 4, vehicles 30, users 4, API keys 6 (one per scope, live and test)", before)
	}

	// a Telecash API secret saved with the demo's key (as the settings page does)
	keys, err := secrets.NewKeyring(string(key), nil)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		st, err := store.Open(context.Background(), filepath.Join(dir, "mietwerk.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx := identity.WithActor(context.Background(), identity.System())
		tn, err := st.TenantBySlug(ctx, demo.Slug)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := keys.SealGatewaySecret(tn.ID, "demo-secret")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ReplaceGatewaySecret(ctx, tn.ID, "", sealed); err != nil {
			t.Fatal(err)
		}
	}()

	p2 := start(t, env, "demo", "--addr", "127.0.0.1:0")
	// the restart reads the same key (a new one would open nothing: the start would be refused)
	if again, _ := os.ReadFile(keyFile); !bytes.Equal(again, key) {
		t.Error("the restart changed the secret key file")
	}
	if strings.Contains(p2.stderr.String(), "cannot be read") {
		t.Errorf("the restart cannot read the stored secret:\n%s", p2.stderr.String())
	}
	t.Logf("demo restart: %v to ready", p2.ready.Round(time.Millisecond))
	if again := readCreds(t, dir); again.Admin != creds.Admin || again.APIKey != creds.APIKey || again.SecretAPIKey != creds.SecretAPIKey ||
		again.StaffAPIKey != creds.StaffAPIKey || again.TestAPIKey != creds.TestAPIKey || again.TestStaffAPIKey != creds.TestStaffAPIKey {
		t.Errorf("credentials changed on restart")
	}
	if !strings.Contains(p2.stdout.String(), creds.Admin.Password) {
		t.Errorf("restart does not print the same admin password")
	}
	signIn(t, p2.url, creds.Admin.Email, creds.Admin.Password)
	p2.stop()
	if after := demoCounts(t, dir); after != before {
		t.Errorf("counts after restart %v, want %v", after, before)
	}
	// the API key still authenticates
	st, err := store.Open(context.Background(), filepath.Join(dir, "mietwerk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for key, scope := range map[string]identity.Scope{creds.APIKey: identity.ScopePublic, creds.SecretAPIKey: identity.ScopeSecret,
		creds.StaffAPIKey: identity.ScopeStaff, creds.TestAPIKey: identity.ScopePublic, creds.TestSecretAPIKey: identity.ScopeSecret,
		creds.TestStaffAPIKey: identity.ScopeStaff} {
		test := strings.HasPrefix(key, identity.TestKeyPrefix)
		if c, err := identity.NewService(st, identity.Config{}, nil).AuthenticateAPIKey(context.Background(), key); err != nil || c.Scope != scope || c.Test != test {
			t.Errorf("%s API key (test %v) after restart: %+v %v", scope, test, c, err)
		}
	}
}

// checkJSONLogs checks every line is a JSON object and every access log line
// has a request id.
func checkJSONLogs(t *testing.T, logs string) {
	t.Helper()
	accessLines := 0
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["msg"] == "request" {
			accessLines++
			if id, _ := rec["request_id"].(string); id == "" {
				t.Errorf("access log line without request_id: %q", line)
			}
			if rec["route"] == nil || rec["status"] == nil || rec["duration_ms"] == nil {
				t.Errorf("access log line incomplete: %q", line)
			}
		}
	}
	if accessLines == 0 {
		t.Errorf("no access log lines")
	}
}

// TestProcessInvalidConfig checks the real exit status and the one error line.
func TestProcessInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"addr flag", []string{"serve", "--addr", "nonsense"}, nil, "--addr"},
		{"database env", []string{"serve"}, []string{"MIETWERK_DATABASE_URL=mysql://x"}, "MIETWERK_DATABASE_URL"},
		{"demo log format", []string{"demo", "--log-format", "yaml"}, nil, "--log-format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), tt.args...)
			cmd.Dir = t.TempDir()
			cmd.Env = childEnv(tt.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
				t.Fatalf("exit %v, want status %d", err, exitUsage)
			}
			msg := strings.TrimSpace(stderr.String())
			if strings.Contains(msg, "\n") || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q: want one line naming %s", msg, tt.want)
			}
		})
	}
}

func TestProcessServeHelp(t *testing.T) {
	out, err := exec.Command(binary(t), "serve", "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options() {
		if !o.has(modeServe) {
			continue
		}
		def := o.defDoc
		if def == "" {
			def = `"` + o.def(modeServe) + `"`
		}
		for _, want := range []string{"--" + o.name, o.env, "default " + def} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("serve --help lacks %q", want)
			}
		}
	}
}

func TestProcessVersion(t *testing.T) {
	out, err := exec.Command(binary(t), "version").Output()
	if err != nil || !bytes.HasPrefix(out, []byte("mietwerk ")) || !bytes.Contains(out, []byte("go: go1.")) {
		t.Errorf("version: %v %q", err, out)
	}
}

func TestProcessMigratePostgres(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for i := range 2 { // the second run finds nothing to do
		cmd := exec.Command(binary(t), "migrate", "--data-dir", t.TempDir())
		cmd.Env = childEnv("MIETWERK_DATABASE_URL=" + dsn)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("database (postgres) is at schema version")) {
			t.Fatalf("migrate run %d: %v\n%s", i+1, err, out)
		}
	}
}

// Two servers start at once on one PostgreSQL database: both migrate safely
// and serve.
func TestProcessTwoServersOnePostgres(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	env := childEnv("MIETWERK_DATABASE_URL="+dsn, "MIETWERK_SECURE_COOKIES=false")
	var wg sync.WaitGroup
	procs := make([]*proc, 2)
	for i := range procs {
		wg.Add(1)
		dataDir := t.TempDir()
		go func() {
			defer wg.Done()
			p, err := launch(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--mail-transport", "keep")
			if err != nil {
				t.Error(err)
			}
			procs[i] = p
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, p := range procs {
		if resp, _ := get(t, client(t), p.url+"/readyz"); resp.StatusCode != 200 {
			t.Errorf("%s/readyz: %d", p.url, resp.StatusCode)
		}
		if resp, _ := get(t, client(t), p.url+"/admin/login"); resp.StatusCode != 200 {
			t.Errorf("%s/admin/login: %d", p.url, resp.StatusCode)
		}
		// no tenant yet, so none in simulator mode: no built-in simulator
		if strings.Contains(p.stderr.String(), "built-in telecash simulator started") {
			t.Errorf("%s started the built-in simulator without a tenant that uses it", p.url)
		}
	}
	for _, p := range procs {
		p.stop()
	}
}
