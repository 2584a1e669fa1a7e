package pdf

import (
	"testing"
	"unicode/utf8"
)

func TestPrintable(t *testing.T) {
	for _, c := range []struct {
		name, in string
		oneLine  bool
		want     string
	}{
		{"ascii", "Straubing 94315", true, "Straubing 94315"},
		{"german", "Jörg Müßig, Äußere Straße 3 – 12,50 €", true, "Jörg Müßig, Äußere Straße 3 – 12,50 €"},
		{"emoji", "Straubing 😀", true, "Straubing \uFFFD"},
		{"emoji sequences count once", "👨\u200d👩\u200d👧 🇩🇪👍🏽!", true, "\uFFFD \uFFFD\uFFFD!"},
		{"emoji with variation selector", "❤\uFE0F ok", true, "❤ ok"},
		{"astral letter", "𝔄𝔅 \U00020000", true, "\uFFFD\uFFFD \uFFFD"},
		{"no glyph in DejaVu", "王 Li", true, "\uFFFD Li"},
		{"noncharacter", "a\uFFFFb", true, "a\uFFFDb"},
		{"NUL and controls", "a\x00b\x01c\x7fd\u0085e", true, "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe"},
		{"invalid UTF-8", "ab\xff\xfecd\xc3", true, "ab\uFFFDcd\uFFFD"},
		{"tab", "a\tb", true, "a b"},
		{"line breaks in one line", "a\r\nb\rc\nd\u2028e", true, "a b c d e"},
		{"line breaks wrapped", "a\r\nb\rc\nd\u2029e", false, "a\nb\nc\nd\ne"},
		{"invisible format characters", "a\u200bb\u202ec\u2066d\uFEFFe\u00adf\u200fg", true, "abcdefg"},
		{"decomposed umlaut normalised", "Mu\u0308ller", true, "Müller"},
		{"combining marks kept, in canonical order", "x\u0301\u0323", true, "x\u0323\u0301"},
		{"cyrillic greek", "Дмитрий Ωμέγα", true, "Дмитрий Ωμέγα"},
		{"right-to-left left in logical order", "שלום", true, "שלום"},
		{"replacement kept", "a\uFFFDb", true, "a\uFFFDb"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := printable(c.in, c.oneLine); got != c.want {
				t.Errorf("printable(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestPrintableOnlyPrintable checks the promise fpdf relies on for every
// rune of a mixed input: valid UTF-8, BMP, with a glyph, no controls.
func TestPrintableOnlyPrintable(t *testing.T) {
	var in []byte
	for r := rune(0); r < 0x11000; r += 7 {
		in = utf8.AppendRune(in, r)
	}
	in = append(in, 0xff, 0xc0, 0x80)
	for _, oneLine := range []bool{true, false} {
		out := printable(string(in), oneLine)
		if !utf8.ValidString(out) {
			t.Fatal("invalid UTF-8")
		}
		for _, r := range out {
			if r == '\n' && !oneLine {
				continue
			}
			if r < 0x20 || r >= 0x7f && r < 0xa0 || r > 0xFFFF || !hasGlyph(r) || invisible(r) {
				t.Fatalf("printable left %U", r)
			}
		}
		if printable(out, oneLine) != out {
			t.Error("printable is not idempotent")
		}
	}
}

func TestVisual(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Straße 12 (Hof)", "Straße 12 (Hof)"},
		{"שלום", "םולש"},
		{"80331 שלום כהן", "80331 ןהכ םולש"},
		{"12 שלום", "12 םולש"},
		{"Tel Aviv תל אביב 5", "Tel Aviv 5 ביבא לת"},
		{"רחוב הרצל 12, תל אביב", "ביבא לת ,12 לצרה בוחר"},
		{"(שלום)", "(םולש)"},
		{"שלום (כהן)", "(ןהכ) םולש"},
		{"שלום 3.500,00 € ok", "3.500,00 םולש € ok"},
		{"שלום 12€ ok", "12€ םולש ok"},
		{"שלום 19% ok", "19% םולש ok"},
		{"שָׁלוֹם", "םוֹלשָׁ"},
		{"شارع ٢٥", "٢٥ عراش"},
		{"Herr שלום Müller", "Herr םולש Müller"},
	} {
		if got := visual(c.in); got != c.want {
			t.Errorf("visual(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
