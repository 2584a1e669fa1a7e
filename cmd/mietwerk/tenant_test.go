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
	st, _, errOut = run1("ein sicheres Passwort\n", "user", "add", "--tenant", "autohaus-huber", "--email", "chef@huber.de", "--name", "Franz Huber", "--role", "admin")
	if st != exitOK {
		t.Fatalf("first admin: %d %q", st, errOut)
	}
}
