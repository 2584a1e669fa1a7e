package fleet

import "testing"

func TestReadinessAfterReturn(t *testing.T) {
	cases := []struct {
		clean   string
		damages int
		want    string
	}{
		{"clean", 0, Ready}, {"normal", 0, ToClean}, {"dirty", 0, ToClean}, {"very_dirty", 0, ToClean},
		{"clean", 1, ToInspect}, {"very_dirty", 2, ToInspect},
	}
	for _, c := range cases {
		if got := ReadinessAfterReturn(c.clean, c.damages); got != c.want {
			t.Errorf("%s with %d new damages: %s, want %s", c.clean, c.damages, got, c.want)
		}
	}
}

func TestInspectionDueBy(t *testing.T) {
	cases := []struct {
		hu, service, day string
		due              bool
	}{
		{"", "", "2026-12-10", false},
		{"2026-12-10", "", "2026-12-10", false}, // valid through its last day
		{"2026-12-09", "", "2026-12-10", true},
		{"", "2026-12-01", "2026-12-10", true},
		{"2027-05-01", "2027-01-01", "2026-12-10", false},
	}
	for _, c := range cases {
		if got := (Vehicle{NextInspection: c.hu, NextService: c.service}).InspectionDueBy(c.day); got != c.due {
			t.Errorf("HU %q service %q on %s: %v", c.hu, c.service, c.day, got)
		}
	}
}
