package testenv

import (
	"testing"
	"time"
)

// WaitFor polls cond every 50 ms until it holds, and fails the test with
// what when it does not hold within the given time.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
