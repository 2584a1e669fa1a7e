// Package gctune sets the garbage collector for a long-running server
// process, unless the operator set GOGC or GOMEMLIMIT.
//
// Mietwerk's live heap is small (12–15 MiB under booking load), so Go's
// default of collecting whenever the heap has doubled ran the collector
// dozens of times a second and cost 15–20 % of the CPU of a booking. Growing
// to five times the live heap first, with a soft limit as a guard, spends a
// few tens of MiB on that CPU instead.
package gctune

import (
	"os"
	"runtime/debug"
)

// Defaults applied by Apply.
const (
	GCPercent   = 400
	MemoryLimit = 768 << 20 // bytes; the collector works harder near it
)

// Apply sets GCPercent and MemoryLimit where GOGC and GOMEMLIMIT are unset.
func Apply() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
