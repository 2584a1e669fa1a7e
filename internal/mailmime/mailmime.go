// Package mailmime turns a mail.Message into an RFC 5322 MIME message with
// github.com/wneessen/go-mail. It is shared by the mail adapters (smtp,
// mailfile) so that what is kept on disk is exactly what would be sent; it
// is internal because it is an implementation detail of those adapters.
package mailmime

import (
	"bytes"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"mietwerk.dev/mietwerk/mail"
)

// Build returns m as a go-mail message dated now: From, To, Reply-To,
// Subject, Message-ID (m.MessageID, or a random one when empty), Date,
// Content-Language, Auto-Submitted, m's extra headers, a text/plain body
// with an optional text/html alternative, inline parts and attachments
// with their bytes unchanged (base64). It returns m.Validate's error for
// an invalid message.
func Build(m mail.Message, now time.Time) (*gomail.Msg, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	// The addresses go in as parsed values: go-mail's *Format functions
	// join name and address into text and parse that, which fails for a
	// display name ending in a backslash or holding a quote (a permanent
	// failure of every message to that customer). m.Validate checked them.
	g.FromMailAddress(headerAddress(m.From))
	g.AddToMailAddress(headerAddress(m.To))
	if !m.ReplyTo.IsZero() {
		g.ReplyToMailAddress(headerAddress(m.ReplyTo))
	}
	g.Subject(m.Subject)
	if m.MessageID != "" {
		g.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	} else {
		g.SetMessageID()
	}
	g.SetDateWithValue(now)
	if m.Lang != "" {
		g.SetGenHeader(gomail.Header("Content-Language"), m.Lang)
	}
	g.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	for _, h := range m.Headers {
		g.SetGenHeader(gomail.Header(h.Name), h.Value)
	}
	g.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		g.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		opts := []gomail.FileOption{gomail.WithFileContentType(gomail.ContentType(a.ContentType)), gomail.WithFileEncoding(gomail.EncodingB64)}
		var err error
		if a.Inline {
			opts = append(opts, gomail.WithFileContentID(a.ContentID))
			err = g.EmbedReader(a.Filename, bytes.NewReader(a.Data), opts...)
		} else {
			err = g.AttachReader(a.Filename, bytes.NewReader(a.Data), opts...)
		}
		if err != nil {
			return nil, fmt.Errorf("mailmime: attachment %q: %w", a.Filename, err)
		}
	}
	return g, nil
}

// headerAddress is a for go-mail, which writes it with net/mail (see
// mail.Address.HeaderName).
func headerAddress(a mail.Address) *netmail.Address {
	return &netmail.Address{Name: a.HeaderName(), Address: a.Email}
}

// Bytes returns m rendered as an RFC 5322 message dated now.
func Bytes(m mail.Message, now time.Time) ([]byte, error) {
	g, err := Build(m, now)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mailmime: write: %w", err)
	}
	return buf.Bytes(), nil
}
