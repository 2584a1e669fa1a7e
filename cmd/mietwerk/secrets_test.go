package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
)

// runCmd runs mietwerk args in process and returns its status and output.
// A command still running after 30 s is stopped (a server that should
// have refused to start).
func runCmd(ctx context.Context, args ...string) (int, string, string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out, errb syncBuffer
	status := run(ctx, args, &cli{getenv: envOf(nil), stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return status, out.String(), errb.String()
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// serveUntilListening runs `mietwerk serve args…` in process until it
// listens, then stops it; it returns the log. The test fails if it does not
// listen within 30 s.
func serveUntilListening(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--mail-transport", "keep", "--shutdown-timeout", "2s"}, args...),
			&cli{getenv: envOf(nil), stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(errb.String(), `"msg":"listening"`) {
			break
		}
		select {
		case st := <-done:
			t.Fatalf("serve ended with %d before listening:\n%s", st, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen:\n%s", errb.String())
		}
	}
	cancel()
	if st := <-done; st != exitOK {
		t.Fatalf("serve: status %d\n%s", st, errb.String())
	}
	return errb.String()
}

// TestSecretKeyLifecycle, on both databases, with the real commands: a
// tenant's API secret stored as plain text before encryption at rest stops
// `serve` without a key (naming the tenant), is encrypted by `serve` with a
// key; `secrets generate-key` makes a new key file (0600, never
// overwritten); `secrets rotate` with the new key primary and the old one
// previous puts every secret on the new key, after which the new key alone
// serves and the old one alone is refused with the key ids named.
func TestSecretKeyLifecycle(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			dir := t.TempDir()
			dsn := filepath.Join(dir, "mietwerk.db")
			if d == "postgres" {
				dsn = testenv.PostgresDSN(t)
			}
			ctx := context.Background()
			st, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			tn := tenancy.Tenant{Slug: "autohaus-koenig", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
			if err := st.CreateTenant(identity.WithActor(ctx, identity.System()), &tn); err != nil {
				t.Fatal(err)
			}
			const plain = "legacy-telecash-secret"
			raw := func() string {
				var v string
				if err := st.DB().QueryRow(`SELECT gateway_secret FROM tenants WHERE id = $1`, tn.ID).Scan(&v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			if _, err := st.DB().Exec(`UPDATE tenants SET gateway_secret = $1 WHERE id = $2`, plain, tn.ID); err != nil {
				t.Fatal(err)
			}
			db := []string{"--data-dir", dir, "--database-url", dsn}

			// no key: refused, the tenant named, nothing changed
			status, _, stderr := runCmd(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--mail-transport", "keep"}, db...)...)
			if status != exitFailed || !strings.Contains(stderr, "autohaus-koenig") || !strings.Contains(stderr, "MIETWERK_SECRET_KEY_FILE") ||
				strings.Contains(stderr, plain) || !strings.HasPrefix(lastLine(stderr), "mietwerk serve: ") {
				t.Fatalf("serve without a key: status %d\n%s", status, stderr)
			}
			if raw() != plain {
				t.Fatal("a refused start changed the stored secret")
			}

			// keys: generate-key writes new files, 0600, and never overwrites one
			oldFile, newFile := filepath.Join(dir, "old.key"), filepath.Join(dir, "new.key")
			for _, f := range []string{oldFile, newFile} {
				if status, out, errOut := runCmd(ctx, "secrets", "generate-key", "--out", f); status != exitOK || !strings.Contains(out, "key id") {
					t.Fatalf("generate-key: %d %s %s", status, out, errOut)
				}
				if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("key file %s: %v %v, want mode 0600", f, err, fi.Mode())
				}
			}
			before, _ := os.ReadFile(oldFile)
			if status, _, errOut := runCmd(ctx, "secrets", "generate-key", "--out", oldFile); status != exitUsage || !strings.Contains(errOut, "exists") {
				t.Fatalf("generate-key over an existing file: %d %s", status, errOut)
			}
			if after, _ := os.ReadFile(oldFile); !bytes.Equal(before, after) {
				t.Fatal("generate-key overwrote a key file")
			}
			oldID, _ := secrets.ParseKey(string(before))
			newText, _ := os.ReadFile(newFile)
			newID, _ := secrets.ParseKey(string(newText))

			// the old key: serve encrypts the plain-text secret at start-up
			logs := serveUntilListening(t, append(db, "--secret-key-file", oldFile)...)
			if !strings.Contains(logs, "stored Telecash API secrets encrypted") || strings.Contains(logs, plain) {
				t.Errorf("start-up log:\n%s", logs)
			}
			if id, _ := secrets.KeyID(raw()); id != oldID || strings.Contains(raw(), plain) {
				t.Fatalf("after start-up the stored secret is %q, want sealed with key %s", raw(), oldID)
			}

			// rotate: the new key primary, the old one previous
			status, out, errOut := runCmd(ctx, append([]string{"secrets", "rotate", "--secret-key-file", newFile, "--secret-key-previous-file", oldFile}, db...)...)
			if status != exitOK || !strings.Contains(out, "re-encrypted from a previous key: 1") || !strings.Contains(out, "every stored secret is on key "+newID) {
				t.Fatalf("rotate: %d\n%s\n%s", status, out, errOut)
			}
			if id, _ := secrets.KeyID(raw()); id != newID {
				t.Fatalf("after rotate the secret is on key %q, want %s", id, newID)
			}
			k, _ := secrets.NewKeyring(string(newText), nil)
			back := tn
			back.Gateway.SealedSecret = raw()
			if got, err := k.OpenGatewaySecret(back); err != nil || got != plain {
				t.Fatalf("the new key alone opens %q, %v", got, err)
			}
			// the new key alone serves; the old key alone is refused, both key ids named
			serveUntilListening(t, append(db, "--secret-key-file", newFile)...)
			status, _, stderr = runCmd(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--mail-transport", "keep", "--secret-key-file", oldFile}, db...)...)
			if status != exitFailed || !strings.Contains(stderr, oldID) || !strings.Contains(stderr, newID) {
				t.Fatalf("serve with the retired key: %d\n%s", status, stderr)
			}
			// rotate without a key is a usage error
			if status, _, errOut := runCmd(ctx, append([]string{"secrets", "rotate"}, db...)...); status != exitUsage || !strings.Contains(errOut, "--secret-key-file") {
				t.Fatalf("rotate without a key: %d %s", status, errOut)
			}
		})
	}
}
