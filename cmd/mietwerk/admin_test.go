package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/identity"
)

// adminEnv is a data directory with the demo tenant seeded, and a runner of
// mietwerk commands (in process) against it.
type adminEnv struct {
	t   *testing.T
	dir string
	st  *store.Store
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "mietwerk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, st, identity.NewService(st, identity.Config{}, nil), dir); err != nil {
		t.Fatal(err)
	}
	return &adminEnv{t: t, dir: dir, st: st}
}

// run runs mietwerk args with --data-dir and --tenant added, stdin and env.
func (e *adminEnv) run(stdin string, env map[string]string, args ...string) (status int, stdout, stderr string) {
	e.t.Helper()
	args = append(args, "--data-dir", e.dir, "--tenant", demo.Slug)
	var out, errb bytes.Buffer
	status = run(context.Background(), args, &cli{getenv: envOf(env), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
	return status, out.String(), errb.String()
}

func (e *adminEnv) login(email, password string) error {
	_, _, _, err := identity.NewService(e.st, identity.Config{}, nil).Login(context.Background(), email, password, "198.51.100.7", "test")
	return err
}

func TestUserCommands(t *testing.T) {
	e := newAdminEnv(t)
	const email = "lena.maier@autohaus-koenig.de"

	// password from stdin
	st, out, errOut := e.run("first-password-1\n", nil, "user", "add", "--email", email, "--name", "Lena Maier", "--role", "station", "--station", "sr", "--station", "LA")
	if st != exitOK || !strings.Contains(out, "created user") {
		t.Fatalf("user add: %d %q %q", st, out, errOut)
	}
	if err := e.login(email, "first-password-1"); err != nil {
		t.Fatalf("new user cannot sign in: %v", err)
	}
	st, out, _ = e.run("", nil, "user", "list")
	if st != exitOK || !strings.Contains(out, email) || !strings.Contains(out, "SR,LA") || !strings.Contains(out, demo.AdminEmail) {
		t.Errorf("user list: %d\n%s", st, out)
	}

	// password from the environment, then from a file
	if st, _, errOut := e.run("", map[string]string{"MIETWERK_PASSWORD": "second-password-2"}, "user", "set-password", "--email", strings.ToUpper(email)); st != exitOK {
		t.Fatalf("set-password: %d %s", st, errOut)
	}
	if e.login(email, "first-password-1") == nil || e.login(email, "second-password-2") != nil {
		t.Errorf("set-password from env did not take effect")
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	must(t, os.WriteFile(pwFile, []byte("third-password-3\n"), 0o600))
	if st, _, errOut := e.run("", nil, "user", "set-password", "--email", email, "--password-file", pwFile); st != exitOK {
		t.Fatalf("set-password from file: %d %s", st, errOut)
	}
	if e.login(email, "third-password-3") != nil {
		t.Errorf("set-password from file did not take effect")
	}

	if st, _, _ := e.run("", nil, "user", "disable", "--email", email); st != exitOK {
		t.Fatalf("disable: %d", st)
	}
	if e.login(email, "third-password-3") == nil {
		t.Errorf("disabled user can sign in")
	}
	if st, _, _ := e.run("", nil, "user", "enable", "--email", email); st != exitOK {
		t.Fatalf("enable: %d", st)
	}
	if err := e.login(email, "third-password-3"); err != nil {
		t.Errorf("re-enabled user cannot sign in: %v", err)
	}

	bad := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"weak password", "short\n", []string{"user", "add", "--email", "x@autohaus-koenig.de", "--name", "X", "--role", "admin"}, "invalid --password"},
		{"bad email", "long-enough-pw\n", []string{"user", "add", "--email", "not-an-email", "--name", "X", "--role", "admin"}, "invalid --email"},
		{"duplicate", "long-enough-pw\n", []string{"user", "add", "--email", email, "--name", "X", "--role", "admin"}, "already uses this e-mail"},
		{"bad role", "", []string{"user", "add", "--email", "y@autohaus-koenig.de", "--name", "Y", "--role", "boss"}, "invalid --role"},
		{"unknown station", "", []string{"user", "add", "--email", "y@autohaus-koenig.de", "--name", "Y", "--role", "station", "--station", "MUC"}, "invalid --station"},
		{"station user without station", "", []string{"user", "add", "--email", "y@autohaus-koenig.de", "--name", "Y", "--role", "station"}, "missing --station"},
		{"missing name", "", []string{"user", "add", "--email", "y@autohaus-koenig.de", "--role", "admin"}, "missing --name"},
		{"no password", "", []string{"user", "add", "--email", "y@autohaus-koenig.de", "--name", "Y", "--role", "admin"}, "no password"},
		{"unknown user", "", []string{"user", "disable", "--email", "nobody@example.com"}, "invalid --email"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			st, _, errOut := e.run(tt.stdin, nil, tt.args...)
			if st == exitOK || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("status %d, stderr %q: want a failure with one line containing %q", st, errOut, tt.want)
			}
		})
	}
	var out2, errb bytes.Buffer
	if st := run(context.Background(), []string{"user", "list", "--data-dir", e.dir, "--tenant", "nobody"},
		&cli{getenv: envOf(nil), stdout: &out2, stderr: &errb}); st != exitUsage || !strings.Contains(errb.String(), "invalid --tenant") {
		t.Errorf("unknown tenant: %d %q", st, errb.String())
	}
}

func TestAPIKeyCommands(t *testing.T) {
	e := newAdminEnv(t)
	st, out, errOut := e.run("", nil, "apikey", "create", "--name", "Werkstattportal", "--scope", "Secret")
	key := strings.TrimSpace(out)
	if st != exitOK || !strings.HasPrefix(key, "mwk_secret_") || strings.Contains(out, "\n"+key) || !strings.Contains(errOut, "created secret API key") {
		t.Fatalf("apikey create: %d %q %q", st, out, errOut)
	}
	idsvc := identity.NewService(e.st, identity.Config{}, nil)
	c, err := idsvc.AuthenticateAPIKey(context.Background(), key)
	if err != nil || c.Scope != identity.ScopeSecret {
		t.Fatalf("new key does not authenticate as a secret key: %+v %v", c, err)
	}
	st, out, _ = e.run("", nil, "apikey", "list")
	if st != exitOK || !strings.Contains(out, "Werkstattportal") || !strings.Contains(out, c.Prefix) || strings.Contains(out, key) ||
		!strings.Contains(out, "SCOPE") || !strings.Contains(out, "secret") {
		t.Errorf("apikey list: %d\n%s", st, out)
	}
	st, out, errOut = e.run("", nil, "apikey", "create", "--name", "Werkstattportal Test", "--scope", "secret", "--test")
	testKey := strings.TrimSpace(out)
	if st != exitOK || !strings.HasPrefix(testKey, "mwk_test_secret_") || !strings.Contains(errOut, "created test secret API key") {
		t.Fatalf("apikey create --test: %d %q %q", st, out, errOut)
	}
	if tc, err := idsvc.AuthenticateAPIKey(context.Background(), testKey); err != nil || !tc.Test || tc.Scope != identity.ScopeSecret {
		t.Errorf("the test key does not authenticate as a test secret key: %+v %v", tc, err)
	}
	if _, out, _ = e.run("", nil, "apikey", "list"); !regexp.MustCompile(`(?m)secret\s+test\s+mwk_test_secret_`).MatchString(out) ||
		!regexp.MustCompile(`(?m)secret\s+live\s+mwk_secret_`).MatchString(out) {
		t.Errorf("apikey list does not show the modes:\n%s", out)
	}
	if st, _, errOut := e.run("", nil, "apikey", "create", "--name", "x"); st != exitUsage || !strings.Contains(errOut, "missing --scope") {
		t.Errorf("create without scope: %d %q", st, errOut)
	}
	if st, _, errOut := e.run("", nil, "apikey", "create", "--name", "x", "--scope", "admin"); st != exitUsage ||
		!strings.Contains(errOut, "invalid --scope: Choose the kind of key: public, secret or staff") {
		t.Errorf("create with an unknown scope: %d %q", st, errOut)
	}
	if st, _, errOut := e.run("", nil, "apikey", "revoke", "--id", "abc"); st != exitUsage || !strings.Contains(errOut, "invalid --id") {
		t.Errorf("revoke bad id: %d %q", st, errOut)
	}
	if st, _, errOut := e.run("", nil, "apikey", "create"); st != exitUsage || !strings.Contains(errOut, "missing --name") {
		t.Errorf("create without name: %d %q", st, errOut)
	}
	if st, _, errOut := e.run("", nil, "apikey", "revoke", "--id", itoa(c.ID)); st != exitOK {
		t.Fatalf("revoke: %d %q", st, errOut)
	}
	if _, err := idsvc.AuthenticateAPIKey(context.Background(), key); err == nil {
		t.Errorf("revoked key still authenticates")
	}
	if st, _, _ := e.run("", nil, "apikey", "revoke", "--id", "99999"); st == exitOK {
		t.Errorf("revoking an unknown key succeeded")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
