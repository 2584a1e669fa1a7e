package mailtmpl

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template/parse"

	"mietwerk.dev/mietwerk/internal/tmplkeys"
	"mietwerk.dev/mietwerk/locale"
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

// TestEveryTemplateKeyInCatalog fails when a template is missing or names a
// text that the message catalog lacks (the templates hold no prose; the
// catalog's completeness test covers both languages).
func TestEveryTemplateKeyInCatalog(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, s := range r.sets {
		var trees []*parse.Tree
		for _, tm := range s.text.Templates() {
			trees = append(trees, tm.Tree)
		}
		for _, tm := range s.html.Templates() {
			trees = append(trees, tm.Tree)
		}
		for _, tree := range trees {
			for key := range tmplkeys.Keys(tree, "t") {
				n++
				if !locale.Has(locale.Key(key)) {
					t.Errorf("%s/%s: text %q is not in the catalog", k.lang, k.name, key)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d key uses: the scan is broken", n)
	}
}
