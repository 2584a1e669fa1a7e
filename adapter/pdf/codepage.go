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
//   - A code page (the fast path): a fixed font program with the glyphs of
//     one single-byte Windows code page, prepared once (fonts/*.json and
//     .z, made by `go test ./adapter/pdf -run TestCodePageFonts -update`
//     from the TTFs) and copied into the PDF as it is. A document costs
//     about 1 ms. Windows-1252 (WinAnsi: German, the other western European
//     languages and €) is tried first; a document with characters beyond it
//     is rendered with the first other code page that has every character
//     of the document: Windows-1250 (Polish, Czech, Slovak, Hungarian,
//     Croatian, Slovenian), Windows-1254 (Turkish), Windows-1257 (Lithuanian,
//     Latvian, Estonian) — each with the German letters and €.
//   - Unicode (fpdf's UTF-8 fonts, subset per document): any character
//     DejaVu has (Greek, Cyrillic, Hebrew, Arabic, mixed scripts). Parsing
//     the fonts and subsetting and compressing them costs 10–15 ms per
//     document.
//
// Which path is taken depends only on the document's text, so output
// stays deterministic.

// codePage is a single-byte encoding with the DejaVu fonts prepared for it.
type codePage struct {
	name              string // "cp1252"
	regularJSON       []byte
	regularZ          []byte
	boldJSON, boldZ   []byte
	mapFile           []byte
	runes             func() map[rune]byte // beyond ASCII
	regular, boldName string               // font file stems in fonts/
}

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

	//go:embed fonts/DejaVuSans-cp1250.json
	cp1250RegularJSON []byte
	//go:embed fonts/DejaVuSans-cp1250.z
	cp1250RegularZ []byte
	//go:embed fonts/DejaVuSans-Bold-cp1250.json
	cp1250BoldJSON []byte
	//go:embed fonts/DejaVuSans-Bold-cp1250.z
	cp1250BoldZ []byte
	//go:embed fonts/cp1250.map
	cp1250Map []byte

	//go:embed fonts/DejaVuSans-cp1254.json
	cp1254RegularJSON []byte
	//go:embed fonts/DejaVuSans-cp1254.z
	cp1254RegularZ []byte
	//go:embed fonts/DejaVuSans-Bold-cp1254.json
	cp1254BoldJSON []byte
	//go:embed fonts/DejaVuSans-Bold-cp1254.z
	cp1254BoldZ []byte
	//go:embed fonts/cp1254.map
	cp1254Map []byte

	//go:embed fonts/DejaVuSans-cp1257.json
	cp1257RegularJSON []byte
	//go:embed fonts/DejaVuSans-cp1257.z
	cp1257RegularZ []byte
	//go:embed fonts/DejaVuSans-Bold-cp1257.json
	cp1257BoldJSON []byte
	//go:embed fonts/DejaVuSans-Bold-cp1257.z
	cp1257BoldZ []byte
	//go:embed fonts/cp1257.map
	cp1257Map []byte
)

func newCodePage(name string, mapFile, regularJSON, regularZ, boldJSON, boldZ []byte, regular, bold string) *codePage {
	return &codePage{name: name, mapFile: mapFile, regularJSON: regularJSON, regularZ: regularZ, boldJSON: boldJSON, boldZ: boldZ,
		runes: sync.OnceValue(func() map[rune]byte { return parseMap(mapFile) }), regular: regular, boldName: bold}
}

// codePages are the fast paths in the order they are tried; the first is
// WinAnsi.
var codePages = []*codePage{
	newCodePage("cp1252", cp1252Map, winAnsiRegularJSON, winAnsiRegularZ, winAnsiBoldJSON, winAnsiBoldZ,
		"DejaVuSans-winansi", "DejaVuSans-Bold-winansi"),
	newCodePage("cp1250", cp1250Map, cp1250RegularJSON, cp1250RegularZ, cp1250BoldJSON, cp1250BoldZ,
		"DejaVuSans-cp1250", "DejaVuSans-Bold-cp1250"),
	newCodePage("cp1254", cp1254Map, cp1254RegularJSON, cp1254RegularZ, cp1254BoldJSON, cp1254BoldZ,
		"DejaVuSans-cp1254", "DejaVuSans-Bold-cp1254"),
	newCodePage("cp1257", cp1257Map, cp1257RegularJSON, cp1257RegularZ, cp1257BoldJSON, cp1257BoldZ,
		"DejaVuSans-cp1257", "DejaVuSans-Bold-cp1257"),
}

// useCodePages is switched off by tests to compare against the Unicode path.
var useCodePages = true

// addFonts adds the page's prepared fonts to f.
func (cp *codePage) addFonts(f *fpdf.Fpdf) {
	f.AddFontFromBytes(fontFamily, "", cp.regularJSON, cp.regularZ)
	f.AddFontFromBytes(fontFamily, "B", cp.boldJSON, cp.boldZ)
}

// covers reports whether the page has every rune of set.
func (cp *codePage) covers(set map[rune]struct{}) bool {
	m := cp.runes()
	for r := range set {
		if m[r] == 0 {
			return false
		}
	}
	return true
}

// parseMap reads an fpdf map file ("!80 U+20AC Euro") into the runes beyond
// ASCII and their bytes.
func parseMap(file []byte) map[rune]byte {
	m := map[rune]byte{}
	sc := bufio.NewScanner(bytes.NewReader(file))
	for sc.Scan() {
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
}

// cp1252 maps the runes of Windows-1252 (beyond ASCII) to their bytes.
func cp1252() map[rune]byte { return codePages[0].runes() }

// encoder encodes text for a code page's fonts and remembers whether a
// character had no byte there (the document must then be rendered another
// way) and which characters beyond ASCII the document has.
type encoder struct {
	m       map[rune]byte
	missing bool
	seen    map[rune]struct{}
}

func newEncoder(cp *codePage) *encoder {
	return &encoder{m: cp.runes(), seen: map[rune]struct{}{}}
}

// encode returns s in the code page; characters it cannot encode become
// "?" and set missing.
func (e *encoder) encode(s string) string {
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
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r >= 0x20 && r < 0x7f:
			b.WriteByte(byte(r))
		case e.m[r] != 0:
			e.seen[r] = struct{}{}
			b.WriteByte(e.m[r])
		default:
			e.seen[r] = struct{}{}
			e.missing = true
			b.WriteByte('?')
		}
	}
	return b.String()
}
