//go:build !unix

package store

import "errors"

// freeBytes is unknown on this system: CheckWritable relies on its write.
func freeBytes(string) (int64, error) { return 0, errors.New("free space unknown") }
