package mail

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{-1, 30 * time.Second},
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{6, 16 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour}, // 64m capped
		{100, time.Hour},
		{1 << 30, time.Hour},
	}
	for _, tt := range tests {
		if got := Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %v; want %v", tt.attempt, got, tt.want)
		}
	}
	for a := 1; a < 50; a++ {
		if Backoff(a+1) < Backoff(a) {
			t.Fatalf("Backoff decreases at %d", a)
		}
	}
}

func TestShouldGiveUp(t *testing.T) {
	tests := []struct {
		attempt, max int
		want         bool
	}{
		{1, 5, false}, {4, 5, false}, {5, 5, true}, {6, 5, true}, {1, 0, true}, {0, 1, false},
	}
	for _, tt := range tests {
		if got := ShouldGiveUp(tt.attempt, tt.max); got != tt.want {
			t.Errorf("ShouldGiveUp(%d, %d) = %v", tt.attempt, tt.max, got)
		}
	}
}

func TestNextAndClassification(t *testing.T) {
	perm := PermanentError(550, errors.New("mailbox unavailable"))
	temp := TemporaryError(421, errors.New("try later"))
	tests := []struct {
		name      string
		err       error
		attempt   int
		giveUp    bool
		delay     time.Duration
		permanent bool
	}{
		{"permanent gives up at once", perm, 1, true, 0, true},
		{"wrapped permanent", fmt.Errorf("outbox: %w", perm), 1, true, 0, true},
		{"temporary retries", temp, 2, false, time.Minute, false},
		{"temporary at max", temp, 10, true, 0, false},
		{"unknown error is temporary", errors.New("boom"), 1, false, 30 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Permanent(tt.err); got != tt.permanent {
				t.Errorf("Permanent = %v", got)
			}
			giveUp, delay := Next(tt.err, tt.attempt, 10)
			if giveUp != tt.giveUp || delay != tt.delay {
				t.Errorf("Next = %v, %v; want %v, %v", giveUp, delay, tt.giveUp, tt.delay)
			}
		})
	}
	if s := perm.Error(); s != "mail: permanent failure (550): mailbox unavailable" {
		t.Errorf("Error() = %q", s)
	}
}

func TestBackoffFrom(t *testing.T) {
	tests := []struct {
		base    time.Duration
		attempt int
		want    time.Duration
	}{
		{200 * time.Millisecond, 0, 200 * time.Millisecond},
		{200 * time.Millisecond, 1, 200 * time.Millisecond},
		{200 * time.Millisecond, 2, 400 * time.Millisecond},
		{200 * time.Millisecond, 4, 1600 * time.Millisecond},
		{10 * time.Minute, 3, 40 * time.Minute},
		{10 * time.Minute, 4, BackoffCap},
		{10 * time.Minute, 1000, BackoffCap},
		{3 * time.Hour, 1, BackoffCap},
		{0, 3, Backoff(3)},
		{-time.Second, 1, BackoffBase},
	}
	for _, tc := range tests {
		if got := BackoffFrom(tc.base)(tc.attempt); got != tc.want {
			t.Errorf("BackoffFrom(%v)(%d) = %v, want %v", tc.base, tc.attempt, got, tc.want)
		}
	}
}
