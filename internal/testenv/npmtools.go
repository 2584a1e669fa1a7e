package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// NPMTools installs the npm packages pinned by the package.json and
// package-lock.json in dir (exact versions and integrity hashes) into a
// cache folder named after the lock file's hash, once per machine, and
// returns that folder's node_modules/.bin. Later runs find it there and
// install nothing. Without node and npm the test is skipped, or failed under
// CI=true (the machine's Node.js; .ci/run installs it when missing).
func NPMTools(t testing.TB, dir string) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " not found on PATH (apt-get install nodejs npm)"
			if InCI() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	pkg, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(append(pkg, 0), lock...))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	root := filepath.Join(cache, "mietwerk-test", "npm-"+hex.EncodeToString(sum[:8]))
	bin := filepath.Join(root, "node_modules", ".bin")
	if _, err := os.Stat(filepath.Join(root, ".installed")); err == nil {
		return bin
	}
	// Install into a fresh folder and rename it into place, so that an
	// interrupted install is never taken for a finished one.
	tmp, err := os.MkdirTemp(filepath.Dir(root), "install-")
	if err != nil {
		if err = os.MkdirAll(filepath.Dir(root), 0o755); err == nil {
			tmp, err = os.MkdirTemp(filepath.Dir(root), "install-")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	defer os.RemoveAll(tmp)
	for name, b := range map[string][]byte{"package.json": pkg, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".installed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, root); err != nil && !exists(filepath.Join(root, ".installed")) {
		t.Fatal(err)
	}
	return bin
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
