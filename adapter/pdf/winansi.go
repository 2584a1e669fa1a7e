package pdf

import (
	"bufio"
	"bytes"
	_ "embed"
	"strconv"
	"strings"
	"sync"

	"codeberg.org/go-pdf/fpdf"
)

// Two ways to put the DejaVu fonts into a document:
//
//   - WinAnsi (the fast path, used whenever every character of the document
//     is in Windows-1252, which covers German, the other western European
//     languages and €): a fixed font program with the 218 Windows-1252
//     glyphs of DejaVu, prepared once (fonts/*-winansi.json and .z, made by
//     `go test ./pdf -run TestWinAnsiFonts -update` from the TTFs) and copied
//     into the PDF as it is. A document costs about 1 ms.
//   - Unicode (fpdf's UTF-8 fonts, subset per document): any character
//     DejaVu has (Polish, Czech, Turkish, Greek, Cyrillic names). Subsetting
//     and compressing the font program costs 5–9 ms per document.
//
// render tries WinAnsi first; when text outside Windows-1252 was written it
// renders the document again the Unicode way. Which path is taken depends
// only on the document's text, so output stays deterministic.

var (
	//go:embed fonts/DejaVuSans-winansi.json
	winAnsiRegularJSON []byte
	//go:embed fonts/DejaVuSans-winansi.z
	winAnsiRegularZ []byte
	//go:embed fonts/DejaVuSans-Bold-winansi.json
	winAnsiBoldJSON []byte
	//go:embed fonts/DejaVuSans-Bold-winansi.z
	winAnsiBoldZ []byte
	//go:embed fonts/cp1252.map
	cp1252Map []byte
)

// useWinAnsi is switched off by tests to compare against the Unicode path.
var useWinAnsi = true

// addWinAnsiFonts adds the prepared WinAnsi fonts to f.
func addWinAnsiFonts(f *fpdf.Fpdf) {
	f.AddFontFromBytes(fontFamily, "", winAnsiRegularJSON, winAnsiRegularZ)
	f.AddFontFromBytes(fontFamily, "B", winAnsiBoldJSON, winAnsiBoldZ)
}

// cp1252 maps the runes of Windows-1252 (beyond ASCII) to their bytes.
var cp1252 = sync.OnceValue(func() map[rune]byte {
	m := map[rune]byte{}
	sc := bufio.NewScanner(bytes.NewReader(cp1252Map))
	for sc.Scan() {
		// "!80 U+20AC Euro"
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || !strings.HasPrefix(fields[0], "!") || !strings.HasPrefix(fields[1], "U+") ||
			fields[2] == ".notdef" {
			continue
		}
		b, err1 := strconv.ParseUint(fields[0][1:], 16, 8)
		r, err2 := strconv.ParseUint(fields[1][2:], 16, 32)
		if err1 != nil || err2 != nil || b < 0x80 {
			continue
		}
		m[rune(r)] = byte(b)
	}
	return m
})

// winAnsi encodes text for the WinAnsi fonts and remembers whether a
// character had no Windows-1252 byte (the document must then be rendered
// the Unicode way).
type winAnsi struct{ missing bool }

// encode returns s in Windows-1252; characters it cannot encode become "?"
// and set missing.
func (e *winAnsi) encode(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 && s[i] != '\n' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	m := cp1252()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r >= 0x20 && r < 0x7f:
			b.WriteByte(byte(r))
		case m[r] != 0:
			b.WriteByte(m[r])
		default:
			e.missing = true
			b.WriteByte('?')
		}
	}
	return b.String()
}
