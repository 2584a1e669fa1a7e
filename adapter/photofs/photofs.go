// Package photofs keeps damage photos in a folder (--photo-dir), as a
// fleet.PhotoStore. For several server processes the folder must be shared
// (e.g. an NFS mount); the metadata and the station check stay in the
// database, so the folder is never served directly.
package photofs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"mietwerk.dev/mietwerk/errs"
)

// Dir is a folder of photos; keys become file names.
type Dir struct{ root string }

// New returns the photo folder at root, creating it when missing.
func New(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("photofs: empty folder name")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("photofs: create %s: %w", root, err)
	}
	return &Dir{root: root}, nil
}

// At returns the photo folder at root without touching the disk; the
// folder is created by the first Put.
func At(root string) *Dir { return &Dir{root: root} }

// Kind is "dir".
func (d *Dir) Kind() string { return "dir" }

// keyRE admits the keys fleet.PhotoService makes; anything else (slashes,
// dots) is refused so a key can never leave the folder.
var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

func (d *Dir) path(key string) (string, error) {
	if !keyRE.MatchString(key) {
		return "", errs.Invalid("photo.bad_key")
	}
	return filepath.Join(d.root, key), nil
}

// Put writes data under key atomically (temporary file, fsync, rename), so
// a reader never sees half a photo. An existing key is refused.
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.root, 0o750); err != nil {
		return fmt.Errorf("photofs: create %s: %w", d.root, err)
	}
	if _, err := os.Stat(p); err == nil {
		return errs.Conflict("photo.exists")
	}
	tmp, err := os.CreateTemp(d.root, ".upload-*")
	if err != nil {
		return fmt.Errorf("photofs: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("photofs: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("photofs: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("photofs: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("photofs: rename: %w", err)
	}
	return nil
}

// Get returns the bytes under key. Errors: KindNotFound.
func (d *Dir) Get(ctx context.Context, key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.NotFound("photo_not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("photofs: %w", err)
	}
	return b, nil
}
