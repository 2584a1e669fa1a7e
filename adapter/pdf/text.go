package pdf

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"mietwerk.dev/mietwerk/internal/textsafe"
)

// Every text that reaches fpdf passes printable first, so that any
// character a person can type prints as something and never crashes the
// PDF library (fpdf indexes its glyph tables by rune and panics on runes
// outside the Basic Multilingual Plane and on invalid UTF-8):
//
//   - invalid UTF-8 becomes U+FFFD (the replacement character "�");
//   - text is normalised to NFC, so a decomposed "u"+"¨" prints as "ü"
//     (and stays on the fast WinAnsi path);
//   - line breaks (CR LF, CR, U+2028, U+2029) become "\n" in wrapped text
//     and a space in one-line cells; a tab becomes a space;
//   - invisible format characters (bidi controls, zero-width joiners,
//     variation selectors, soft hyphens, the byte-order mark) are dropped;
//   - control characters (NUL and the rest of C0 and C1) and every
//     character the DejaVu fonts have no glyph for (emoji and everything
//     else outside the BMP, CJK, private use) print as "�", one per emoji
//     (a sequence joined by ZWJ, with skin tone or as a flag counts once);
//   - right-to-left text (Hebrew, Arabic, ...) is put in visual order
//     (see visual), as PDF text is drawn left to right.

// replacement is what a character prints as when it cannot be printed.
const replacement = textsafe.Replacement

// glyphs is the set of BMP characters both embedded fonts have a glyph
// for, one bit per rune, read once from the fonts' cmap tables.
var glyphs = sync.OnceValue(computeGlyphs)

func computeGlyphs() *[1 << 16 / 64]uint64 {
	var set [1 << 16 / 64]uint64
	var fonts []*sfnt.Font
	for _, ttf := range [][]byte{fontRegular, fontBold} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("pdf: embedded font: " + err.Error()) // the embedded files are fixed: caught by every test
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 1<<16; r++ {
		has := true
		for _, f := range fonts {
			if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
				has = false
				break
			}
		}
		if has {
			set[r/64] |= 1 << (r % 64)
		}
	}
	return &set
}

// hasGlyph reports whether both fonts can print r.
func hasGlyph(r rune) bool {
	return r >= 0 && r < 1<<16 && glyphs()[r/64]&(1<<(r%64)) != 0
}

// printable returns s as the embedded fonts can print it (see above); with
// oneLine, line breaks become spaces. Right-to-left text is left in logical
// order: visual reorders one line.
func printable(s string, oneLine bool) string {
	if plain(s, oneLine) {
		return s
	}
	s = norm.NFC.String(strings.ToValidUTF8(s, string(replacement)))
	var b strings.Builder
	b.Grow(len(s))
	var (
		lastMissing bool // the last character written is a replaced emoji or unknown character
		joined      bool // a zero-width joiner followed it
	)
	for r := range textsafe.Runes(s) {
		switch {
		case r == '\n':
			if oneLine {
				b.WriteByte(' ')
			} else {
				b.WriteByte('\n')
			}
			lastMissing = false
		case r == '\t':
			b.WriteByte(' ')
			lastMissing = false
		case r == '\u200d': // zero-width joiner: an emoji sequence goes on
			joined = lastMissing
		case invisible(r):
		case textsafe.IsControl(r) || r == replacement:
			b.WriteRune(replacement)
			lastMissing = false
		case !hasGlyph(r):
			if lastMissing && (joined || emojiModifier(r)) {
				joined = false
				continue
			}
			b.WriteRune(replacement)
			lastMissing, joined = true, false
		default:
			b.WriteRune(r)
			lastMissing, joined = false, false
		}
	}
	return b.String()
}

// plain reports whether s prints as it is: printable ASCII, or other
// characters with a glyph in NFC, with no right-to-left text.
func plain(s string, oneLine bool) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			ascii = false
			break
		}
		if c < 0x20 && (c != '\n' || oneLine) || c == 0x7f {
			return false
		}
	}
	if ascii {
		return true
	}
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && (r != '\n' || oneLine) || r >= 0x7f && r < 0xa0 ||
			r == '\u2028' || r == '\u2029' || r == '\u200d' || invisible(r) || !hasGlyph(r) || rtl(r) {
			return false
		}
	}
	return norm.NFC.IsNormalString(s)
}

// invisible reports whether r is a format character that prints as
// nothing (or only steers shaping and bidi, which the PDF does not do).
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}

// emojiModifier reports whether r only modifies the emoji before it (skin
// tones, a flag's second regional indicator, tag characters).
func emojiModifier(r rune) bool {
	return r >= 0x1F3FB && r <= 0x1F3FF || r >= 0x1F1E6 && r <= 0x1F1FF || r >= 0xE0020 && r <= 0xE007F
}

// rtl reports whether r is a strong right-to-left character (Hebrew,
// Arabic, Syriac, Thaana, N'Ko and their presentation forms).
func rtl(r rune) bool {
	switch {
	case r < 0x0590:
		return false
	case r <= 0x08FF, r >= 0xFB1D && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFF:
		return !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Me, r) && !unicode.IsDigit(r) &&
			!unicode.Is(unicode.Cf, r)
	}
	return false
}

// hasRTL reports whether s has right-to-left text.
func hasRTL(s string) bool {
	for _, r := range s {
		if rtl(r) {
			return true
		}
	}
	return false
}

// visual returns one line of printable text in the order it is drawn, left
// to right, in a left-to-right document (the Unicode bidirectional
// algorithm for a paragraph with base direction left-to-right and no
// explicit embeddings, which printable removed): each stretch from a
// right-to-left character to the last right-to-left character or number
// before the next left-to-right letter is reversed, keeping numbers in
// their order, combining marks after their base character and mirroring
// brackets.
func visual(line string) string {
	if !hasRTL(line) {
		return line
	}
	cl := clusters(line)
	out := make([]string, 0, len(cl))
	for i := 0; i < len(cl); {
		if cl[i].class != classR {
			out = append(out, cl[i].s)
			i++
			continue
		}
		// the stretch ends at the last R or number reached without a
		// strong left-to-right character in between
		end := i
		var open []string // brackets opened in the stretch, not yet closed
		for j := i + 1; j < len(cl) && cl[j].class != classL; j++ {
			switch {
			case cl[j].class == classR || cl[j].class == classNum:
				end = j
			case closing[cl[j].s] != "":
				open = append(open, cl[j].s)
			case len(open) > 0 && closing[open[len(open)-1]] == cl[j].s:
				// a bracket pair around right-to-left text is right-to-left
				open = open[:len(open)-1]
				end = j
			}
		}
		out = append(out, reverseClusters(cl[i:end+1])...)
		i = end + 1
	}
	return strings.Join(out, "")
}

type bidiClass int

const (
	classNeutral bidiClass = iota // spaces, punctuation, symbols
	classL                        // left-to-right letters
	classR                        // right-to-left letters
	classNum                      // digits
)

// cluster is a character with the combining marks that follow it.
type cluster struct {
	s     string
	class bidiClass
}

func clusters(s string) []cluster {
	var out []cluster
	for i, r := range s {
		if (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r)) && len(out) > 0 {
			out[len(out)-1].s += string(r)
			continue
		}
		c := cluster{s: s[i : i+utf8.RuneLen(r)]}
		switch {
		case rtl(r):
			c.class = classR
		case unicode.IsDigit(r):
			c.class = classNum
		case unicode.IsLetter(r):
			c.class = classL
		}
		out = append(out, c)
	}
	// a currency sign, percent or degree sign next to a number belongs to it
	for i := range out {
		if out[i].class == classNeutral && terminator(out[i].s) &&
			(i > 0 && out[i-1].class == classNum || i+1 < len(out) && out[i+1].class == classNum) {
			out[i].class = classNum
		}
	}
	return out
}

// terminator reports whether s is a European number terminator.
func terminator(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Sc, r) || strings.ContainsRune("%‰°#+", r)
}

// reverseClusters returns a right-to-left stretch in drawing order: the
// clusters reversed, runs of digits (with the separators between them)
// kept in their order, brackets mirrored.
func reverseClusters(cl []cluster) []string {
	var out []string
	for i := len(cl) - 1; i >= 0; {
		if cl[i].class == classNum {
			j := i
			for j > 0 && (cl[j-1].class == classNum || j > 1 && cl[j-2].class == classNum && numberSeparator(cl[j-1].s)) {
				j--
			}
			for k := j; k <= i; k++ {
				out = append(out, cl[k].s)
			}
			i = j - 1
			continue
		}
		out = append(out, mirror(cl[i].s))
		i--
	}
	return out
}

func numberSeparator(s string) bool {
	return s == "." || s == "," || s == ":" || s == "/" || s == "-"
}

// closing are the paired brackets of the bidirectional algorithm (BidiBrackets.txt, the common ones).
var closing = map[string]string{"(": ")", "[": "]", "{": "}"}

var mirrored = map[string]string{"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "<": ">", ">": "<",
	"«": "»", "»": "«", "‹": "›", "›": "‹"}

func mirror(s string) string {
	if m, ok := mirrored[s]; ok {
		return m
	}
	return s
}
