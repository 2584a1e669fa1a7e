package mailtmpl

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/mail"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden renders a message in a stable, reviewable text form.
func golden(m mail.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kind: %s\nLang: %s\nTenant: %s\nFrom: %s\nReply-To: %s\nTo: %s\nMessage-ID: %s\nSubject: %s\n",
		m.Kind, m.Lang, m.TenantID, m.From, m.ReplyTo, m.To, m.MessageID, m.Subject)
	for _, a := range m.Attachments {
		fmt.Fprintf(&b, "Attachment: %s (%s) inline=%v cid=%q %d bytes sha256=%x\n", a.Filename, a.ContentType, a.Inline, a.ContentID, len(a.Data), sha256.Sum256(a.Data))
	}
	b.WriteString("\n===== text =====\n")
	b.WriteString(m.Text)
	b.WriteString("\n===== html =====\n")
	b.WriteString(m.HTML)
	for _, a := range m.Attachments {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			b.WriteString("\n===== " + a.Filename + " =====\n")
			b.WriteString(strings.ReplaceAll(string(a.Data), "\r\n", "␍\n"))
		}
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Langs {
		for kind, render := range cases(r, lang) {
			t.Run(string(kind)+"."+string(lang), func(t *testing.T) {
				m, err := render()
				if err != nil {
					t.Fatal(err)
				}
				got := golden(m)
				path := filepath.Join("testdata", string(kind)+"."+string(lang)+".golden")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./mailtmpl -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the rendered message (rerun with -update if intended):\n%s", path, diff(string(want), got))
				}
			})
		}
	}
}

// TestGoldenCoverage requires one case, and so one golden file, per template and language.
func TestGoldenCoverage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Langs {
		c := cases(r, lang)
		for _, name := range Names {
			if c[name] == nil {
				t.Errorf("no golden case for %s/%s", lang, name)
			}
		}
	}
}

// diff shows the first differing line with some context.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want: %q\n  got: %q", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}

func TestEveryTemplateInBothLanguages(t *testing.T) {
	for _, name := range Names {
		for _, lang := range Langs {
			for _, ext := range []string{".txt", ".html"} {
				p := "templates/" + string(lang) + "/" + string(name) + ext
				if _, err := files.Open(p); err != nil {
					t.Errorf("missing template %s", p)
				}
			}
		}
	}
	// and no template exists in one language only
	list := func(lang document.Lang) map[string]bool {
		entries, err := files.ReadDir("templates/" + string(lang))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range entries {
			out[e.Name()] = true
		}
		return out
	}
	de, en := list(document.German), list(document.English)
	for f := range de {
		if !en[f] {
			t.Errorf("%s exists in de but not in en", f)
		}
	}
	for f := range en {
		if !de[f] {
			t.Errorf("%s exists in en but not in de", f)
		}
	}
	if len(de) != 2*len(Names)+2 {
		t.Errorf("de has %d files; want %d (a .txt and .html per template plus the layouts)", len(de), 2*len(Names)+2)
	}
}
