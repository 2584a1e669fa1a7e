package webhook

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Schedule is the default retry schedule, the one the Standard Webhooks
// specification gives as its example: the first attempt at once, then
// after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 14 h — eight attempts over
// 31 h 35 min. A delivery whose last attempt fails is given up.
var Schedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour}

// Span is the time from the first to the last attempt of schedule s.
func Span(s []time.Duration) time.Duration {
	var d time.Duration
	for _, x := range s[min(1, len(s)):] {
		d += x
	}
	return d
}

// ParseSchedule reads a schedule written as comma-separated Go durations,
// the first attempt's wait first ("0,5s,5m,30m,2h,5h,10h,14h"). Every
// delay must be ≥ 0 and the schedule must have at least one attempt.
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a duration like 5s, 30m or 2h", strings.TrimSpace(part))
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the schedule needs at least one attempt")
	}
	return out, nil
}

// FormatSchedule writes s as ParseSchedule reads it.
func FormatSchedule(s []time.Duration) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

// NextDelay returns how long to wait after the attempt-th failed attempt
// (1-based) under schedule s, and whether the delivery is given up instead
// (every attempt of the schedule failed). Delays of a minute and more get
// up to 10 % random jitter, so that retries of many deliveries that failed
// together do not all come back at the same second; a receiver's
// Retry-After (after a 429 or 503) is honoured when it asks for longer, up
// to the next step but one.
func NextDelay(s []time.Duration, attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if attempt < 1 {
		attempt = 1
	}
	if attempt >= len(s) {
		return 0, true
	}
	d := s[attempt]
	if d >= time.Minute {
		d += time.Duration(rand.Int64N(int64(d / 10)))
	}
	if retryAfter > d {
		limit := d
		if attempt+1 < len(s) {
			limit = max(d, s[attempt+1])
		}
		d = min(retryAfter, limit)
	}
	return d, false
}
