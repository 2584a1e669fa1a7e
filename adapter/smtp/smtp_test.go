package smtp_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/smtp"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
)

var sent = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func transport(t *testing.T, mp *testenv.Mailpit, mutate ...func(*smtp.Config)) *smtp.Transport {
	t.Helper()
	cfg := smtp.Config{Host: mp.SMTPHost, Port: mp.SMTPPort, TLS: smtp.TLSNone, HELO: "mietwerk.test",
		ConnectTimeout: 3 * time.Second, SendTimeout: 10 * time.Second, Now: func() time.Time { return sent }}
	for _, m := range mutate {
		m(&cfg)
	}
	tr, err := smtp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func invoicePDF(t *testing.T, lang document.Lang) []byte {
	t.Helper()
	day := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	party := invoice.Party{Name: "Autohaus König GmbH", TaxNumber: "22/123/45678",
		Address: invoice.Address{Street: "Große Straße 12", PostalCode: "20095", City: "Hamburg"}}
	b, err := pdf.New().Invoice(context.Background(), document.InvoiceDoc{Lang: lang, Invoice: invoice.Invoice{
		Kind: invoice.KindAdvance, Number: "RE-2026-000042", IssueDate: day, Currency: "EUR",
		ServicePeriod: invoice.Period{From: day, To: day}, Supplier: party,
		Recipient: invoice.Party{Name: "Jörg Müßig", Address: invoice.Address{Street: "Weg 1", PostalCode: "80331", City: "München"}},
		Lines:     []invoice.Line{{Description: "Miete 1 Tag", QuantityMilli: 1000, Unit: "day", UnitGross: 4999, VATRateBP: 1900}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func message(lang string, attachments ...mail.Attachment) mail.Message {
	subject, text, html := "Ihre Rechnung über 49,99 € – Grüße aus Köln", "Sehr geehrter Herr Müßig,\nanbei Ihre Rechnung.", "<p>Sehr geehrter Herr Müßig,</p>"
	if lang == "en" {
		subject, text, html = "Your invoice for €49.99", "Dear Mr Müßig,\nplease find your invoice attached.", "<p>Dear Mr Müßig,</p>"
	}
	return mail.Message{
		TenantID: "tenant-1", Kind: mail.KindAdvanceInvoice, Lang: lang,
		From:    mail.Address{Name: "Autohaus König", Email: "noreply@koenig.test"},
		ReplyTo: mail.Address{Name: "Filiale Süd", Email: "sued@koenig.test"},
		To:      mail.Address{Name: "Jörg Müßig", Email: "joerg@kunde.test"},
		Subject: subject, Text: text, HTML: html,
		MessageID:   mail.NewMessageID("outbox-"+lang, "koenig.test"),
		Attachments: attachments,
	}
}

func TestDelivery(t *testing.T) {
	mp := testenv.StartMailpit(t)
	tr := transport(t, mp)
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	for _, lang := range []string{"de", "en"} {
		t.Run(lang, func(t *testing.T) {
			mp.DeleteAll()
			pdfBytes := invoicePDF(t, document.Lang(lang))
			m := message(lang,
				mail.Attachment{Filename: "RE-2026-000042.pdf", ContentType: "application/pdf", Data: pdfBytes},
				mail.Attachment{Filename: "daten.bin", ContentType: "application/octet-stream", Data: binary},
			)
			resp, err := tr.Send(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(resp, "250") {
				t.Errorf("response %q; want a 250 reply", resp)
			}
			msgs := mp.WaitForMessages(1, 5*time.Second)
			got := mp.Message(msgs[0].ID)
			if got.Subject != m.Subject {
				t.Errorf("Subject = %q; want %q", got.Subject, m.Subject)
			}
			if got.From.Name != "Autohaus König" || got.From.Address != "noreply@koenig.test" {
				t.Errorf("From = %+v", got.From)
			}
			if len(got.To) != 1 || got.To[0].Name != "Jörg Müßig" || got.To[0].Address != "joerg@kunde.test" {
				t.Errorf("To = %+v", got.To)
			}
			if len(got.ReplyTo) != 1 || got.ReplyTo[0].Address != "sued@koenig.test" || got.ReplyTo[0].Name != "Filiale Süd" {
				t.Errorf("Reply-To = %+v", got.ReplyTo)
			}
			if got.MessageID != "outbox-"+lang+"@koenig.test" {
				t.Errorf("Message-ID = %q", got.MessageID)
			}
			if !got.Date.Equal(sent) {
				t.Errorf("Date = %v; want %v (injected clock)", got.Date, sent)
			}
			if !strings.Contains(got.Text, "Müßig") || !strings.Contains(got.HTML, "<p>") {
				t.Errorf("bodies: text %q html %q", got.Text, got.HTML)
			}
			raw := string(mp.Raw(got.ID))
			if !strings.Contains(raw, "multipart/alternative") {
				t.Error("raw message has no multipart/alternative part")
			}
			if len(got.Attachments) != 2 {
				t.Fatalf("attachments = %+v", got.Attachments)
			}
			want := map[string][]byte{"RE-2026-000042.pdf": pdfBytes, "daten.bin": binary}
			for _, a := range got.Attachments {
				data := mp.Part(got.ID, a.PartID)
				if sha256.Sum256(data) != sha256.Sum256(want[a.FileName]) {
					t.Errorf("attachment %q: SHA-256 differs from what was sent", a.FileName)
				}
				if a.FileName == "RE-2026-000042.pdf" {
					text := testenv.PDFText(t, data)
					for _, w := range []string{"RE-2026-000042", "Jörg Müßig"} {
						if !strings.Contains(text, w) {
							t.Errorf("attached PDF text lacks %q", w)
						}
					}
				}
			}
		})
	}
}

func TestAuthMechanisms(t *testing.T) {
	mp := testenv.StartMailpit(t)
	for _, auth := range []smtp.Auth{smtp.AuthPlain, smtp.AuthLogin} {
		t.Run(string(auth), func(t *testing.T) {
			tr := transport(t, mp, func(c *smtp.Config) {
				c.Auth, c.Username, c.Password, c.AllowInsecureAuth = auth, "user", "secret", true
			})
			if _, err := tr.Send(context.Background(), message("de")); err != nil {
				t.Fatal(err)
			}
		})
	}
	mp.WaitForMessages(2, 5*time.Second)
}

func TestPermanentRejection(t *testing.T) {
	mp := testenv.StartMailpit(t, "--smtp-allowed-recipients", `@kunde\.test$`)
	tr := transport(t, mp)
	m := message("de")
	m.To.Email = "someone@blocked.test"
	_, err := tr.Send(context.Background(), m)
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Permanent || se.Code < 500 || se.Code > 599 {
		t.Fatalf("err = %#v; want a permanent 5xx SendError", err)
	}
	if _, err := tr.Send(context.Background(), message("de")); err != nil {
		t.Fatalf("allowed recipient: %v", err)
	}
}

func TestTemporaryWhenServerDown(t *testing.T) {
	mp := testenv.StartMailpit(t)
	tr := transport(t, mp)
	mp.Stop()
	_, err := tr.Send(context.Background(), message("de"))
	if err == nil {
		t.Fatal("send succeeded with the server down")
	}
	var se *mail.SendError
	if !errors.As(err, &se) || se.Permanent || mail.Permanent(err) {
		t.Fatalf("err = %v; want a temporary SendError", err)
	}
	mp.Start()
	if _, err := tr.Send(context.Background(), message("de")); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	mp.WaitForMessages(1, 5*time.Second)
}

func TestMandatoryStartTLSWithoutServerSupportIsTemporary(t *testing.T) {
	mp := testenv.StartMailpit(t)
	tr := transport(t, mp, func(c *smtp.Config) { c.TLS = smtp.TLSStartTLS })
	_, err := tr.Send(context.Background(), message("de"))
	if err == nil || mail.Permanent(err) {
		t.Fatalf("err = %v; want a temporary failure (server offers no STARTTLS)", err)
	}
	if n := len(mp.Messages()); n != 0 {
		t.Errorf("%d messages delivered in clear text despite mandatory STARTTLS", n)
	}
}

func TestInvalidMessageIsPermanent(t *testing.T) {
	tr, err := smtp.New(smtp.Config{Host: "127.0.0.1", Port: 1, TLS: smtp.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	m := message("de")
	m.Subject = ""
	_, err = tr.Send(context.Background(), m)
	if !mail.Permanent(err) || !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("err = %v; want permanent and invalid", err)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name  string
		cfg   smtp.Config
		field string
	}{
		{"no host", smtp.Config{}, "host"},
		{"bad tls", smtp.Config{Host: "h", TLS: "ssl3"}, "tls"},
		{"bad auth", smtp.Config{Host: "h", Auth: "cram"}, "auth"},
		{"auth without user", smtp.Config{Host: "h", Auth: smtp.AuthPlain}, "username"},
		{"password in clear", smtp.Config{Host: "h", TLS: smtp.TLSNone, Auth: smtp.AuthLogin, Username: "u"}, "auth"},
		{"bad port", smtp.Config{Host: "h", Port: 70000}, "port"},
		{"ok", smtp.Config{Host: "h"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := smtp.New(tt.cfg)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || !errs.Fields(e.Fields).Has(tt.field) {
				t.Fatalf("err = %v; want field %q", err, tt.field)
			}
		})
	}
}

// TestDisplayNamesWithBackslashesAndQuotes: display names ending in a
// backslash or holding quotes, ASCII or not, are sent (go-mail used to
// refuse them, a permanent failure) and mailpit reads them back as typed;
// in a non-ASCII name a backslash arrives as the look-alike "＼", because
// net/mail cannot encode it there (see mail.Address.HeaderName).
func TestDisplayNamesWithBackslashesAndQuotes(t *testing.T) {
	mp := testenv.StartMailpit(t)
	tr := transport(t, mp)
	for _, tc := range []struct{ from, to, reply, wantTo string }{
		{`Autohaus König \`, `Eva "Evi" Huber \`, `Filiale "Süd"`, `Eva "Evi" Huber \`},
		{`O'Brien \ Sohn`, `Jörg Müßig \`, `a\"b`, `Jörg Müßig ＼`},
		{`"Autohaus"`, `„Kö"nig“ (Kunde)`, `Süd \ Nord`, `„Kö"nig“ (Kunde)`},
	} {
		mp.DeleteAll()
		m := message("de")
		m.From.Name, m.To.Name, m.ReplyTo.Name = tc.from, tc.to, tc.reply
		if _, err := tr.Send(context.Background(), m); err != nil {
			t.Fatalf("%q → %q: %v", tc.from, tc.to, err)
		}
		got := mp.Message(mp.WaitForMessages(1, 5*time.Second)[0].ID)
		if got.From.Name != (mail.Address{Name: tc.from}).HeaderName() || got.From.Address != m.From.Email {
			t.Errorf("From = %+v, want name %q", got.From, tc.from)
		}
		if len(got.To) != 1 || got.To[0].Name != tc.wantTo || got.To[0].Address != m.To.Email {
			t.Errorf("To = %+v, want name %q", got.To, tc.wantTo)
		}
		if len(got.ReplyTo) != 1 || got.ReplyTo[0].Name != (mail.Address{Name: tc.reply}).HeaderName() {
			t.Errorf("Reply-To = %+v, want name %q", got.ReplyTo, tc.reply)
		}
	}
}
