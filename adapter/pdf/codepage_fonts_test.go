package pdf

import (
	"bytes"
	"compress/zlib"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"codeberg.org/go-pdf/fpdf"
)

var updateFonts = flag.Bool("update", false, "rewrite the prepared code-page fonts in fonts/")

// TestCodePageFonts checks that the prepared fonts of every code page in
// fonts/ are what the embedded DejaVu TTFs give (rewrite them with
// -update): the code page's glyphs cut out of each TTF by fpdf's subsetter,
// turned into fpdf font definitions by fpdf.MakeFont with the page's map
// file (fpdf's own, in fonts/).
func TestCodePageFonts(t *testing.T) {
	if n := len(cp1252()); n != 123 {
		t.Fatalf("Windows-1252 has %d characters beyond ASCII, want 123", n)
	}
	for _, cp := range codePages {
		var repertoire []rune
		for r := rune(0x20); r < 0x7f; r++ {
			repertoire = append(repertoire, r)
		}
		for r := range cp.runes() {
			repertoire = append(repertoire, r)
		}
		slices.Sort(repertoire)
		dir := t.TempDir()
		for _, c := range []struct {
			name      string
			ttf       []byte
			json, zfn []byte
		}{
			{cp.regular, fontRegular, cp.regularJSON, cp.regularZ},
			{cp.boldName, fontBold, cp.boldJSON, cp.boldZ},
		} {
			ttf := filepath.Join(dir, c.name+".ttf")
			if err := os.WriteFile(ttf, cutFont(t, c.ttf, string(repertoire)), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := fpdf.MakeFont(ttf, filepath.Join("fonts", cp.name+".map"), dir, nil, true); err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(filepath.Join(dir, c.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			z, err := os.ReadFile(filepath.Join(dir, c.name+".z"))
			if err != nil {
				t.Fatal(err)
			}
			if *updateFonts {
				// a font program that did not change keeps its bytes (and so
				// every PDF its bytes); a new one is compressed as well as zlib can
				files := map[string][]byte{".json": js}
				if len(c.zfn) == 0 || !bytes.Equal(inflate(t, z), inflate(t, c.zfn)) {
					files[".z"] = deflateBest(t, inflate(t, z))
				}
				for ext, b := range files {
					if err := os.WriteFile(filepath.Join("fonts", c.name+ext), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				continue
			}
			if !bytes.Equal(js, c.json) {
				t.Errorf("fonts/%s.json is out of date: run go test ./adapter/pdf -run TestCodePageFonts -update", c.name)
			}
			// compare the font programs, not their zlib bytes (which may differ
			// between Go versions)
			if !bytes.Equal(inflate(t, z), inflate(t, c.zfn)) {
				t.Errorf("fonts/%s.z is out of date: run go test ./adapter/pdf -run TestCodePageFonts -update", c.name)
			}
		}
	}
}

// cutFont returns fpdf's subset of ttf holding the glyphs of text: the
// FontFile2 program of a PDF that prints text in that font.
func cutFont(t *testing.T, ttf []byte, text string) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("X", "", ttf)
	f.AddPage()
	f.SetFont("X", "", 10)
	r := []rune(text)
	for len(r) > 0 { // lines of 30 characters, each with a space inside
		n := min(30, len(r))
		f.CellFormat(0, 5, "a "+string(r[:n]), "", 1, "L", false, 0, "")
		r = r[n:]
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	m := regexp.MustCompile(`/Length (\d+)\n/Filter /FlateDecode\n/Length1 (\d+)\n>>\nstream\n`).FindSubmatchIndex(out)
	if m == nil {
		t.Fatal("no FontFile2 stream in fpdf's output")
	}
	n, _ := strconv.Atoi(string(out[m[2]:m[3]]))
	return inflate(t, out[m[1]:m[1]+n])
}

func deflateBest(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := zlib.NewWriterLevel(&out, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
