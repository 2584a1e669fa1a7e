package main

import (
	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/fleet"
)

// photoStore returns where damage photo bytes go: the --photo-dir folder, or
// nil (the database) when none is configured.
func photoStore(cfg Config) fleet.PhotoStore {
	if cfg.PhotoDir == "" {
		return nil
	}
	return photofs.At(cfg.PhotoDir)
}
