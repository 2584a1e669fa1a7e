package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestTenantCommands: a new installation gets its first tenant and admin
// from the command line, and the admin can sign in.
func TestTenantCommands(t *testing.T) {
	dir := t.TempDir()
	run1 := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		args = append(args, "--data-dir", dir)
		var out, errb bytes.Buffer
		st := run(context.Background(), args, &cli{getenv: envOf(nil), stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb})
		return st, out.String(), errb.String()
	}
	st, out, errOut := run1("", "tenant", "create", "--slug", "autohaus-huber", "--name", "Autohaus Huber", "--legal-name", "Autohaus Huber GmbH")
	if st != exitOK || !strings.Contains(out, `tenant "autohaus-huber" created`) {
		t.Fatalf("create: %d %q %q", st, out, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tenant", "create", "--slug", "Bad Slug!", "--name", "X", "--legal-name", "X GmbH"}, "--slug"},
		{[]string{"tenant", "create", "--slug", "x-y", "--name", "X"}, "--legal-name"},
		{[]string{"tenant", "create", "--slug", "autohaus-huber", "--name", "X", "--legal-name", "X GmbH"}, "exists"},
	} {
		st, _, errOut := run1("", c.args...)
		if st == exitOK || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: status %d, stderr %q, want one line about %s", c.args, st, errOut, c.want)
		}
	}
	st, out, _ = run1("", "tenant", "list")
	if st != exitOK || !strings.Contains(out, "autohaus-huber") || !strings.Contains(out, "simulator") {
		t.Fatalf("list: %d %q", st, out)
	}
	// the operator points the tenant at a shared simulator process, and back
	st, out, errOut = run1("", "tenant", "set-simulator", "--tenant", "autohaus-huber", "--url", "http://127.0.0.1:9090")
	if st != exitOK || !strings.Contains(out, "http://127.0.0.1:9090/ipp/payments-gateway/v2") {
		t.Fatalf("set-simulator: %d %q %q", st, out, errOut)
	}
	if st, out, _ = run1("", "tenant", "list"); st != exitOK || !strings.Contains(out, "simulator http://127.0.0.1:9090/ipp/payments-gateway/v2") {
		t.Fatalf("list after set-simulator: %d %q", st, out)
	}
	st, _, errOut = run1("", "tenant", "set-simulator", "--tenant", "autohaus-huber", "--url", "127.0.0.1:9090")
	if st != exitUsage || !strings.Contains(errOut, "invalid --url") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("set-simulator without a scheme: %d %q, want one line naming --url", st, errOut)
	}
	if st, out, _ = run1("", "tenant", "list"); !strings.Contains(out, "simulator http://127.0.0.1:9090/ipp/payments-gateway/v2") {
		t.Fatalf("a refused URL changed the setting: %q", out)
	}
	if st, out, errOut = run1("", "tenant", "set-simulator", "--tenant", "autohaus-huber", "--url", ""); st != exitOK || !strings.Contains(out, "built-in") {
		t.Fatalf("reset: %d %q %q", st, out, errOut)
	}
	if _, out, _ = run1("", "tenant", "list"); strings.Contains(out, "9090") {
		t.Fatalf("list after reset: %q", out)
	}
	st, _, errOut = run1("ein sicheres Passwort\n", "user", "add", "--tenant", "autohaus-huber", "--email", "chef@huber.de", "--name", "Franz Huber", "--role", "admin")
	if st != exitOK {
		t.Fatalf("first admin: %d %q", st, errOut)
	}
}
