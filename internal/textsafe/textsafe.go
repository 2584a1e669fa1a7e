// Package textsafe holds what the outbound adapters share to make any text
// a person can type safe for their format (PDF, e-mail): reading it as
// runes with the line breaks and invalid bytes every format wants the
// same way, and telling control characters apart. What each format then
// keeps, replaces or drops is the adapter's.
package textsafe

import (
	"iter"
	"unicode/utf8"
)

// Replacement is what a character prints as when it cannot be printed.
const Replacement = '\uFFFD'

// Runes yields the runes of s with every line break (CR LF, CR, LF,
// U+2028, U+2029) as one '\n' and each run of invalid UTF-8 bytes as one
// U+FFFD.
func Runes(s string) iter.Seq[rune] {
	return func(yield func(rune) bool) {
		afterCR, afterBad := false, false
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			bad := r == utf8.RuneError && n == 1
			if bad && afterBad {
				continue
			}
			afterBad = bad
			if afterCR && r == '\n' {
				afterCR = false
				continue
			}
			afterCR = r == '\r'
			if r == '\r' || r == '\u2028' || r == '\u2029' {
				r = '\n'
			}
			if !yield(r) {
				return
			}
		}
	}
}

// IsControl reports whether r is a control character: C0, DEL or C1.
func IsControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }
