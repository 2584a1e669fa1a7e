package invoice

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

func TestFormat(t *testing.T) {
	issued := time.Date(2026, 3, 7, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		pattern, station string
		seq              int64
		want             string
	}{
		{"RE-{YYYY}-{SEQ:6}", "", 42, "RE-2026-000042"},
		{"GS-{YYYY}-{SEQ:6}", "", 1, "GS-2026-000001"},
		{"RE{YY}{MM}-{SEQ:4}", "", 7, "RE2603-0007"},
		{"{STATION}/{YYYY}/{SEQ}", "HH1", 123, "HH1/2026/123"},
		{"R-{SEQ:3}", "", 123456, "R-123456"}, // never truncated
		{"{SEQ:1}", "", 9, "9"},
	}
	for _, tt := range tests {
		if got := FormatStation(tt.pattern, tt.station, issued, tt.seq); got != tt.want {
			t.Errorf("FormatStation(%q, %q, %d) = %q; want %q", tt.pattern, tt.station, tt.seq, got, tt.want)
		}
	}
	if got := Format("RE-{YYYY}-{SEQ:6}", issued, 5); got != "RE-2026-000005" {
		t.Errorf("Format = %q", got)
	}
}

func TestFormatUsesLocationOfIssueTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	// 31 Dec 2026 23:30 UTC is already 2027 in Berlin.
	issued := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC).In(berlin)
	if got := Format("RE-{YYYY}-{SEQ:2}", issued, 1); got != "RE-2027-01" {
		t.Errorf("got %q", got)
	}
	if got := PeriodKey("RE-{YYYY}-{SEQ:2}", issued); got != "2027" {
		t.Errorf("PeriodKey = %q", got)
	}
}

func TestPeriodKey(t *testing.T) {
	issued := time.Date(2026, 3, 7, 10, 0, 0, 0, time.UTC)
	tests := []struct{ pattern, want string }{
		{"RE-{YYYY}-{SEQ:6}", "2026"},
		{"RE-{YY}-{SEQ:6}", "2026"},
		{"RE-{YYYY}{MM}-{SEQ:6}", "2026-03"},
		{"RE-{SEQ:6}", ""},
		{"{STATION}-{SEQ}", ""},
	}
	for _, tt := range tests {
		if got := PeriodKey(tt.pattern, issued); got != tt.want {
			t.Errorf("PeriodKey(%q) = %q; want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestValidatePattern(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
	}{
		{"RE-{YYYY}-{SEQ:6}", true},
		{"GS-{YY}{MM}-{SEQ}", true},
		{"{STATION}.{YYYY}/{SEQ:12}", true},
		{"", false},
		{"   ", false},
		{"RE-{YYYY}", false},        // no SEQ
		{"RE-{SEQ}-{SEQ:2}", false}, // two SEQ
		{"RE-{SEQ:0}", false},       // width too small
		{"RE-{SEQ:13}", false},      // width too large
		{"RE-{SEQ:x}", false},       // width not a number
		{"RE-{MM}-{SEQ}", false},    // month without year
		{"RE-{YEAR}-{SEQ}", false},  // unknown placeholder
		{"RE-{YYYY-{SEQ}", false},   // unknown placeholder "YYYY-{SEQ"
		{"RE-{SEQ", false},          // unclosed
		{"RE {SEQ}", false},         // space
		{"RÄ-{SEQ}", false},         // non-ASCII
		{"RE}-{SEQ}", false},        // stray brace
		{"RE-{SEQ}-" + string(make([]byte, 70)), false},
	}
	for _, tt := range tests {
		err := ValidatePattern(tt.pattern)
		if (err == nil) != tt.ok {
			t.Errorf("ValidatePattern(%q) = %v; want ok=%v", tt.pattern, err, tt.ok)
		}
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "pattern" {
				t.Errorf("ValidatePattern(%q) error %#v is not an invalid-pattern field error", tt.pattern, err)
			}
		}
	}
}
