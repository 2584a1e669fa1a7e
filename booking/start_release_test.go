package booking

import (
	"testing"
	"time"
)

// TestStartReleaseAt: a start on a red plate nobody handed over is
// released at its planned return, at most StartHoldMax after its start;
// a start without a plate, or no longer confirmed, is never due.
func TestStartReleaseAt(t *testing.T) {
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	onPlate := func(ret time.Duration, st Status, plate int64) Reservation {
		return Reservation{Pickup: start, Return: start.Add(ret), Status: st, Use: Use{Kind: KindTestDrive, DealerPlateID: plate}}
	}
	for _, c := range []struct {
		name string
		r    Reservation
		want time.Time
		due  time.Duration // after the start: due from then on (0: never)
	}{
		{"test drive of 2 h: at its return", onPlate(2*time.Hour, StatusConfirmed, 7), start.Add(2 * time.Hour), 2 * time.Hour},
		{"transfer over 3 days: 4 h after the start", onPlate(72*time.Hour, StatusConfirmed, 7), start.Add(StartHoldMax), StartHoldMax},
		{"handed over", onPlate(2*time.Hour, StatusActive, 7), start.Add(2 * time.Hour), 0},
		{"on the car's own plate", onPlate(2*time.Hour, StatusConfirmed, 0), start.Add(2 * time.Hour), 0},
	} {
		if got := c.r.StartReleaseAt(); !got.Equal(c.want) {
			t.Errorf("%s: released at %v, want %v", c.name, got, c.want)
		}
		for _, after := range []time.Duration{0, time.Hour, 2*time.Hour - time.Second, 2 * time.Hour, StartHoldMax, 100 * time.Hour} {
			want := c.due != 0 && after >= c.due
			if got := c.r.StartReleaseDue(start.Add(after)); got != want {
				t.Errorf("%s: due %v after the start = %v, want %v", c.name, after, got, want)
			}
		}
	}
}

// TestCancelMailed: only a rental's cancellation e-mails its customer
// (an old row without a kind is a rental); a start of any other kind does not.
func TestCancelMailed(t *testing.T) {
	for k, want := range map[Kind]bool{"": true, KindRental: true, KindTestDrive: false, KindInternal: false, KindTransfer: false} {
		if got := (Reservation{Use: Use{Kind: k}}).CancelMailed(); got != want {
			t.Errorf("%q: CancelMailed = %v, want %v", k, got, want)
		}
		if got := (Reservation{Use: Use{Kind: k}}).Mailed(); got != want {
			t.Errorf("%q: Mailed = %v, want %v", k, got, want)
		}
	}
}
