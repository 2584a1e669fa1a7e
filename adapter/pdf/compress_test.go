package pdf

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/document"
)

// palettePNG is an indexed-colour PNG: fpdf writes its palette as a bare
// stream, which is compressed like a page.
func palettePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, 60, 20), color.Palette{color.White, color.Black, color.RGBA{200, 0, 0, 255}})
	for x := range 60 {
		img.SetColorIndex(x, x%20, uint8(x%3))
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCompressionLikeFpdf renders every document type, with each font
// path (WinAnsi, another code page, Unicode), a logo with a palette, a
// signature and several pages, once with fpdf's own compression and once
// uncompressed and compressed by compressStreams: the bytes must be the
// same, so the change of where compression happens changes no document.
func TestCompressionLikeFpdf(t *testing.T) {
	ctx := context.Background()
	r := New()
	cases := map[string]func(r *Renderer) ([]byte, error){}
	for text, path := range map[string]string{"Straubing": "winansi", "Łódź Żółć": "cp1250", "Кириллица שלום": "unicode"} {
		for name, render := range withText(text) {
			cases[path+" "+name] = render
		}
	}
	long := finalInvoice()
	for range 6 {
		long.Lines = append(long.Lines, long.Lines...) // several pages
	}
	cases["long invoice"] = func(r *Renderer) ([]byte, error) { return r.Invoice(ctx, invoiceDoc(long, document.German)) }
	pal := invoiceDoc(advanceInvoice(), document.German)
	pal.Branding.LogoPNG = palettePNG(t)
	cases["palette logo"] = func(r *Renderer) ([]byte, error) { return r.Invoice(ctx, pal) }
	date := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	cases["letter"] = func(r *Renderer) ([]byte, error) {
		return r.Letter(ctx, document.LetterDoc{Lang: document.German, Branding: branding(), Date: date,
			Recipient: []string{"Stadt Straubing", "Bußgeldstelle"}, Subject: "Anhörung", Facts: [][2]string{{"Aktenzeichen", "4711"}},
			Paragraphs: []string{strings.Repeat("Sehr geehrte Damen und Herren, ", 40)}, Closing: "Mit freundlichen Grüßen",
			Signature: &document.LetterSignature{Label: "Straubing, 05.12.2026", PNG: testPNG(80, 30, color.Black), Name: "Erika Mustermann"}})
	}
	cases["trip log"] = func(r *Renderer) ([]byte, error) {
		d := document.TripLogDoc{Lang: document.German, Branding: branding(), Created: date, Title: "Fahrtenbuch"}
		for i := range 80 {
			d.Rows = append(d.Rows, [8]string{"05.12.2026", "SR-06" + string(rune('0'+i%10)), "Probefahrt", "12", "34", "22", "Max", "ok"})
		}
		return r.TripLog(ctx, d)
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			ours, err := render(r)
			if err != nil {
				t.Fatal(err)
			}
			fpdfCompresses = true
			theirs, err := render(r)
			fpdfCompresses = false
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours, theirs) {
				i := 0
				for i < min(len(ours), len(theirs)) && ours[i] == theirs[i] {
					i++
				}
				t.Fatalf("differs from fpdf's compression at byte %d of %d/%d: %q vs %q", i, len(ours), len(theirs),
					ours[max(0, i-40):min(len(ours), i+40)], theirs[max(0, i-40):min(len(theirs), i+40)])
			}
			if !bytes.Contains(ours, []byte("/Filter /FlateDecode /Length")) {
				t.Error("no compressed page")
			}
		})
	}
}

// TestCompressStreamsRejectsOtherLayouts: what fpdf does not write is an
// error, never a PDF with a broken cross-reference table.
func TestCompressStreamsRejectsOtherLayouts(t *testing.T) {
	good, err := New().Invoice(context.Background(), invoiceDoc(advanceInvoice(), document.German))
	if err != nil {
		t.Fatal(err)
	}
	for name, pdf := range map[string][]byte{
		"no startxref":      bytes.Replace(good, []byte("startxref"), []byte("startxyz"), 1),
		"startxref too far": bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n9"), 1),
		"cut":               good[:len(good)-200],
		"entry changed":     bytes.Replace(good, []byte(" 00000 n \n"), []byte(" 00000 x \n"), 1),
	} {
		if _, err := compressStreams(pdf); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
