package errs

import (
	"strings"
	"testing"
)

// TestTextRules: which characters a single line and a free text take, and
// the length in characters (not bytes).
func TestTextRules(t *testing.T) {
	for _, c := range []struct {
		v           string
		line, multi bool // refused as a single line, as a free text
	}{
		{"Müller-Lüdenscheidt", false, false},
		{"Łódź 😀 العربية", false, false},
		{"Zeile 1\nZeile 2", true, false},
		{"a\r\nb", true, false},
		{"a\tb", true, false},
		{"a\u2028b", true, false},
		{"a\x00b", true, true},
		{"a\x1bb", true, true},
		{"a\x7fb", true, true},
		{"a\u0085b", true, true},
		{"a\xffb", true, true},
	} {
		if got := BadText(c.v, false); got != c.line {
			t.Errorf("BadText(%q, line) = %v", c.v, got)
		}
		if got := BadText(c.v, true); got != c.multi {
			t.Errorf("BadText(%q, multi-line) = %v", c.v, got)
		}
	}
	var f Fields
	f.Line("a", strings.Repeat("ä", 10), 10)
	f.Line("b", strings.Repeat("ä", 11), 10)
	f.Text("c", "x\ny", 3)
	f.Line("d", "x\ny", 3)
	f.Add("e", "field.required")
	f.Line("e", "\x00", 3) // one error per field: the first stays
	got := map[string]string{}
	for _, e := range f {
		got[e.Field] = string(e.Code)
	}
	want := map[string]string{"b": "field.too_long", "d": "field.single_line", "e": "field.required"}
	if len(got) != len(want) || len(f) != len(want) {
		t.Fatalf("errors %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
