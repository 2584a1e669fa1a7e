package textsafe

import (
	"slices"
	"testing"
)

func TestRunes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\r\nb\rc\nd\u2028e\u2029f", "a\nb\nc\nd\ne\nf"},
		{"\r\r\n\n", "\n\n\n"},
		{"x\xff\xfe\xc3y\xe2\x82", "x\uFFFDy\uFFFD"},
		{"😀 \uFFFD", "😀 \uFFFD"},
	} {
		if got := string(slices.Collect(Runes(c.in))); got != c.want {
			t.Errorf("Runes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
