package mailtmpl

import (
	"strings"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/internal/textsafe"
)

// Any character a person can type may reach a message (names, addresses,
// a tenant's company data). Mail clients print emoji, right-to-left text
// and combining marks themselves, so those pass unchanged; what a message
// must not carry is cleaned on the way out:
//
//   - bodyText (text and HTML bodies, calendar values): invalid UTF-8 and
//     control characters other than tab and line feed become U+FFFD ("�"),
//     CR LF and a lone CR a line feed;
//   - headerText (subject, display names): the same on one line (line
//     breaks and tabs as spaces), without the bidi embedding, override and
//     isolate controls, which would turn the rest of a subject around.

// bodyText returns s fit for a message body (see above).
func bodyText(s string) string { return clean(s, false) }

// headerText returns s fit for a header field (see above).
func headerText(s string) string { return clean(s, true) }

func clean(s string, header bool) string {
	if cleanAlready(s, header) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for r := range textsafe.Runes(s) {
		switch {
		case r == '\n' || r == '\t':
			if header {
				r = ' '
			}
			b.WriteRune(r)
		case textsafe.IsControl(r):
			b.WriteRune(textsafe.Replacement)
		case header && bidiControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanAlready reports whether clean would return s unchanged.
func cleanAlready(s string, header bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if header {
				return false
			}
		case textsafe.IsControl(r) || r == '\u2028' || r == '\u2029':
			return false
		case header && bidiControl(r):
			return false
		}
	}
	return true
}

// bidiControl reports whether r is an explicit bidi embedding, override
// or isolate control (U+202A–U+202E, U+2066–U+2069).
func bidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// fileNamePart returns s fit for an attachment's file name: path
// separators, quotes and what headerText cleans replaced by "-".
func fileNamePart(s string) string {
	s = headerText(s)
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '"' || r == 0xFFFD {
			return '-'
		}
		return r
	}, s)
}
