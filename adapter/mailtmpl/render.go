// Package mailtmpl renders Mietwerk's customer e-mails (reservation
// confirmation with calendar entries, invoices, protocols, notices) from
// embedded html/template and text/template files, in German (default) and
// English, into mail.Messages with an HTML body, a plain-text alternative,
// the tenant's branding and legal footer, and attachments.
package mailtmpl

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
)

//go:embed templates
var files embed.FS

// Names lists every template; each exists as templates/<name>.txt
// (defining "subject" and "body") and <name>.html (defining "body"). The
// templates hold no prose: every text is a key of the message catalog
// (package locale), printed by the function t in the message's language.
var Names = []mail.Kind{
	mail.KindReservationConfirmation,
	mail.KindAdvanceInvoice,
	mail.KindHandoverProtocol,
	mail.KindReturnProtocol,
	mail.KindFinalInvoice,
	mail.KindCreditNote,
	mail.KindContractChange,
	mail.KindPaymentFailed,
	mail.KindBookingCancellation,
	mail.KindPaymentReceipt,
	mail.KindBookingChange,
	mail.KindDamageClaim,
	mail.KindContractDocument,
	mail.KindFineLetter,
	mail.KindPayerInvoice,
	mail.KindPayerDunning,
	mail.KindWebhookDisabled,
	mail.KindBookingFailed,
}

// Langs lists the template languages.
var Langs = []document.Lang{document.German, document.English}

const logoCID = "logo@mietwerk"

type key struct {
	lang document.Lang
	name mail.Kind
}

type set struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

// Renderer holds the parsed templates; it is safe for concurrent use.
type Renderer struct {
	sets map[key]set
}

// New parses every template for each language; it fails when one is
// missing or does not parse.
func New() (*Renderer, error) {
	r := &Renderer{sets: map[key]set{}}
	for _, lang := range Langs {
		funcs := funcMap(lang)
		dir := "templates/"
		for _, name := range Names {
			h, err := htmltemplate.New("layout.html").Funcs(htmltemplate.FuncMap(funcs)).
				ParseFS(files, dir+"layout.html", dir+string(name)+".html")
			if err != nil {
				return nil, fmt.Errorf("mailtmpl: %s/%s.html: %w", lang, name, err)
			}
			t, err := texttemplate.New("layout.txt").Funcs(texttemplate.FuncMap(funcs)).
				ParseFS(files, dir+"layout.txt", dir+string(name)+".txt")
			if err != nil {
				return nil, fmt.Errorf("mailtmpl: %s/%s.txt: %w", lang, name, err)
			}
			if t.Lookup("subject") == nil || t.Lookup("body") == nil || h.Lookup("body") == nil {
				return nil, fmt.Errorf("mailtmpl: %s/%s lacks a subject or body block", lang, name)
			}
			r.sets[key{lang, name}] = set{html: h, text: t}
		}
	}
	return r, nil
}

// view is the data every template sees: .E (envelope), .B (branding),
// .D (the message's content), .Loc, and the logo source.
type view struct {
	E       Envelope
	B       document.Branding
	D       any
	Loc     *time.Location
	LogoSrc htmltemplate.URL
	Addr    []string // the tenant's address lines
	Extra   htmltemplate.HTML
}

// render executes template name for env and data and assembles the
// message with the given attachments (plus the inline logo).
func (r *Renderer) render(env Envelope, name mail.Kind, data any, extraHead htmltemplate.HTML, atts ...mail.Attachment) (mail.Message, error) {
	lang := env.Lang.Or()
	s, ok := r.sets[key{lang, name}]
	if !ok {
		return mail.Message{}, fmt.Errorf("mailtmpl: no template %s/%s", lang, name)
	}
	v := view{E: env, B: env.Branding, D: data, Loc: env.Location, Addr: addressLines(env.Branding.Address), Extra: extraHead}
	var inline []mail.Attachment
	switch {
	case env.LogoURL != "":
		v.LogoSrc = htmltemplate.URL(env.LogoURL)
	case len(env.Branding.LogoPNG) > 0:
		v.LogoSrc = htmltemplate.URL("cid:" + logoCID)
		inline = append(inline, mail.Attachment{Filename: "logo.png", ContentType: "image/png", Data: env.Branding.LogoPNG, Inline: true, ContentID: logoCID})
	}
	var subj, text, html bytes.Buffer
	if err := s.text.ExecuteTemplate(&subj, "subject", v); err != nil {
		return mail.Message{}, fmt.Errorf("mailtmpl: %s subject: %w", name, err)
	}
	if err := s.text.Execute(&text, v); err != nil {
		return mail.Message{}, fmt.Errorf("mailtmpl: %s text: %w", name, err)
	}
	if err := s.html.Execute(&html, v); err != nil {
		return mail.Message{}, fmt.Errorf("mailtmpl: %s html: %w", name, err)
	}
	m := mail.Message{
		TenantID: env.TenantID, Kind: name, Lang: string(lang),
		From: cleanAddress(env.From), ReplyTo: cleanAddress(env.ReplyTo), To: cleanAddress(env.To), MessageID: env.MessageID,
		Subject:     strings.Join(strings.Fields(headerText(subj.String())), " "),
		Text:        tidyText(bodyText(text.String())),
		HTML:        bodyText(html.String()),
		Attachments: append(inline, nonEmpty(atts)...),
	}
	return m, m.Validate()
}

// cleanAddress returns a with a display name fit for a header.
func cleanAddress(a mail.Address) mail.Address {
	a.Name = headerText(a.Name)
	return a
}

func nonEmpty(atts []mail.Attachment) []mail.Attachment {
	var out []mail.Attachment
	for _, a := range atts {
		if len(a.Data) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// tidyText trims trailing spaces and collapses runs of blank lines that
// template actions leave behind.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		if l != "-- " { // keep the RFC 3676 signature separator
			l = strings.TrimRight(l, " \t")
		}
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}

func addressLines(a invoice.Address) []string {
	var out []string
	for _, s := range []string{a.Street, a.Extra, strings.TrimSpace(a.PostalCode + " " + a.City)} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func funcMap(lang document.Lang) map[string]any {
	return map[string]any{
		"t":        func(key string, args ...any) string { return lang.T(locale.Key(key), args...) },
		"lang":     func() string { return string(lang) },
		"money":    func(c int64) string { return lang.Money(c) },
		"abs":      func(c int64) int64 { return max(c, -c) },
		"date":     func(loc *time.Location, t time.Time) string { return lang.Date(locale.In(t, loc)) },
		"datetime": func(loc *time.Location, t time.Time) string { return lang.DateTime(locale.In(t, loc)) },
		"num":      func(n int64) string { return lang.Number(n) },
		"fuel":     locale.Fuel,
		"addr":     addressLines,
		"join":     strings.Join,
	}
}
