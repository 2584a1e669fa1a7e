package pdf

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestFontPathFollowsText: a document whose text is all Windows-1252 gets
// the prepared WinAnsi fonts; a name with characters beyond it (Polish,
// Czech, Turkish, Cyrillic) switches the whole document to the Unicode
// fonts, and every character reads back from the PDF.
func TestFontPathFollowsText(t *testing.T) {
	r, ctx := New(), context.Background()
	cases := []struct {
		name, recipient string
		winAnsi         bool
	}{
		{"german", "Jörg Müßig „Pünktlich“ – 5 € …", true},
		{"french", "Françoise Lefèvre Œuvre", true},
		{"polish", "Łukasz Wójcik", false},
		{"czech", "Dvořák Čapek", false},
		{"turkish", "Şükrü Yılmaz", false},
		{"russian", "Дмитрий Иванов", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := finalInvoice()
			inv.Recipient.Name = c.recipient
			out, err := r.Invoice(ctx, invoiceDoc(inv, document.German))
			if err != nil {
				t.Fatal(err)
			}
			ansi := bytes.Contains(out, []byte("/WinAnsiEncoding"))
			unicode := bytes.Contains(out, []byte("/Identity-H"))
			if ansi != c.winAnsi || unicode == c.winAnsi {
				t.Fatalf("WinAnsi fonts %v, Unicode fonts %v; want WinAnsi only = %v", ansi, unicode, c.winAnsi)
			}
			text := pdfText(t, out)
			if !strings.Contains(text, c.recipient) {
				t.Fatalf("PDF text lacks %q:\n%s", c.recipient, text)
			}
			if !strings.Contains(text, "Straßenkarte Süddeutschland") || !strings.Contains(text, "170,48 €") {
				t.Fatalf("PDF text lacks the lines:\n%s", text)
			}
		})
	}
}

// TestWinAnsiFooterCharacters: text beyond Windows-1252 that is only in the
// footer (written when the page is closed) also switches fonts.
func TestWinAnsiFooterCharacters(t *testing.T) {
	d := invoiceDoc(finalInvoice(), document.German)
	d.Branding.ManagingDirectors = []string{"Zoë Łęcka"}
	out, err := New().Invoice(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("/Identity-H")) {
		t.Fatal("a footer name beyond Windows-1252 was rendered with the WinAnsi fonts")
	}
	if text := pdfText(t, out); !strings.Contains(text, "Zoë Łęcka") {
		t.Fatalf("PDF text lacks the footer name:\n%s", text)
	}
}

// TestWinAnsiEncode covers the encoder's mapping and its missing flag.
func TestWinAnsiEncode(t *testing.T) {
	for _, c := range []struct {
		in, out string
		missing bool
	}{
		{"plain ASCII", "plain ASCII", false},
		{"Größe €", "Gr\xf6\xdfe \x80", false},
		{"„x“ – y…", "\x84x\x93 \x96 y\x85", false},
		{"Ł", "?", true},
		{"a\tb", "a?b", true},
	} {
		var e winAnsi
		if got := e.encode(c.in); got != c.out || e.missing != c.missing {
			t.Errorf("encode(%q) = %q, missing %v; want %q, %v", c.in, got, e.missing, c.out, c.missing)
		}
	}
}
