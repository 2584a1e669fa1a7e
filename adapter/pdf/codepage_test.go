package pdf

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestFontPathFollowsText: a document whose text is all Windows-1252 gets
// the prepared WinAnsi fonts; a name with characters beyond it gets the
// first code page that has every character of the document (German labels
// and footer included): Windows-1250 for Polish and Czech, 1254 for
// Turkish, 1257 for Lithuanian; text no code page has (Cyrillic, Greek,
// mixed) switches the whole document to the Unicode fonts. Every character
// reads back from the PDF.
func TestFontPathFollowsText(t *testing.T) {
	r, ctx := New(), context.Background()
	cases := []struct {
		name, recipient string
		page            string // "" for the Unicode fonts
	}{
		{"german", "Jörg Müßig „Pünktlich“ – 5 € …", "cp1252"},
		{"french", "Françoise Lefèvre Œuvre", "cp1252"},
		{"polish", "Łukasz Wójcik", "cp1250"},
		{"czech", "Dvořák Čapek", "cp1250"},
		{"turkish", "Şükrü Yılmaz", "cp1254"},
		{"lithuanian", "Žydrūnas Ilgauskas", "cp1257"},
		{"russian", "Дмитрий Иванов", ""},
		{"polish and french", "Łukasz Lefèvre", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := finalInvoice()
			inv.Recipient.Name = c.recipient
			out, err := r.Invoice(ctx, invoiceDoc(inv, document.German))
			if err != nil {
				t.Fatal(err)
			}
			unicode := bytes.Contains(out, []byte("/Identity-H"))
			winAnsi := bytes.Contains(out, []byte("/WinAnsiEncoding")) && !bytes.Contains(out, []byte("/Differences"))
			switch {
			case c.page == "" && !unicode, c.page != "" && unicode, c.page == "cp1252" && !winAnsi,
				c.page != "" && c.page != "cp1252" && !bytes.Contains(out, []byte("/Differences")):
				t.Fatalf("Unicode fonts %v, plain WinAnsi %v; want %q", unicode, winAnsi, c.page)
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
// footer (written when the page is closed) also switches the code page.
func TestWinAnsiFooterCharacters(t *testing.T) {
	d := invoiceDoc(finalInvoice(), document.German)
	d.Branding.ManagingDirectors = []string{"Zoë Łęcka"}
	out, err := New().Invoice(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("/Differences")) { // Windows-1250 (Zoë Łęcka)
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
		e := newEncoder(codePages[0])
		if got := e.encode(c.in); got != c.out || e.missing != c.missing {
			t.Errorf("encode(%q) = %q, missing %v; want %q, %v", c.in, got, e.missing, c.out, c.missing)
		}
	}
}
