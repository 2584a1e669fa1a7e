package mail

import "time"

// The retry schedule: BackoffBase after the first failed attempt, doubling
// each time, never more than BackoffCap.
const (
	BackoffBase = 30 * time.Second
	BackoffCap  = 1 * time.Hour
)

// Backoff returns how long to wait after the attempt-th failed attempt
// (1-based) before the next one: 30s, 1m, 2m, 4m, … capped at one hour.
// It is deterministic (no jitter); attempt < 1 counts as 1.
func Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := BackoffBase
	for i := 1; i < attempt; i++ {
		d *= 2
		if d >= BackoffCap {
			return BackoffCap
		}
	}
	return d
}

// BackoffFrom returns a schedule like Backoff that starts at base instead of
// BackoffBase: base, 2·base, 4·base, … capped at BackoffCap. A base ≤ 0
// gives Backoff itself.
func BackoffFrom(base time.Duration) func(attempt int) time.Duration {
	if base <= 0 {
		return Backoff
	}
	return func(attempt int) time.Duration {
		d := min(base, BackoffCap)
		for i := 1; i < attempt && d < BackoffCap; i++ {
			d = min(2*d, BackoffCap)
		}
		return d
	}
}

// ShouldGiveUp reports whether a message that has failed attempt times
// should not be tried again, given at most max attempts. max < 1 means one
// attempt.
func ShouldGiveUp(attempt, max int) bool {
	if max < 1 {
		max = 1
	}
	return attempt >= max
}

// Next decides what to do after a failed attempt (1-based) with error err:
// give up (a permanent error, or max attempts used) or retry after the
// returned delay.
func Next(err error, attempt, max int) (giveUp bool, delay time.Duration) {
	if Permanent(err) || ShouldGiveUp(attempt, max) {
		return true, 0
	}
	return false, Backoff(attempt)
}
