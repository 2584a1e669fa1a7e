package photofs_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

var _ fleet.PhotoStore = (*photofs.Dir)(nil)

func TestPutGet(t *testing.T) {
	root := filepath.Join(t.TempDir(), "photos")
	d, err := photofs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := []byte("\xff\xd8\xff photo bytes")
	if err := d.Put(ctx, "damage-1-abc", data); err != nil {
		t.Fatal(err)
	}
	got, err := d.Get(ctx, "damage-1-abc")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := d.Put(ctx, "damage-1-abc", []byte("other")); !errs.Is(err, errs.KindConflict) {
		t.Fatalf("second Put: %v, want conflict", err)
	}
	if _, err := d.Get(ctx, "damage-1-missing"); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("missing: %v", err)
	}
	// No temporary files stay behind.
	ents, _ := os.ReadDir(root)
	if len(ents) != 1 {
		t.Fatalf("folder holds %d entries, want 1", len(ents))
	}
}

func TestKeysCannotEscape(t *testing.T) {
	root := t.TempDir()
	d, err := photofs.New(filepath.Join(root, "photos"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "secret"), []byte("x"), 0o600)
	for _, key := range []string{"", "../secret", "a/b", "..", ".hidden", "a.b", "/etc/passwd"} {
		if _, err := d.Get(context.Background(), key); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("Get(%q): %v, want invalid", key, err)
		}
		if err := d.Put(context.Background(), key, []byte("x")); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("Put(%q): %v, want invalid", key, err)
		}
	}
}
