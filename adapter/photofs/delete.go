package photofs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Delete removes the bytes under key (the retention job's photo purge). A
// key that does not exist is not an error, so a purge can be repeated.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("photofs: delete: %w", err)
	}
	return nil
}
