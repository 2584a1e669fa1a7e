package mailmime

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
	mw "mietwerk.dev/mietwerk/mail"
)

func TestBytesIsParseableMIME(t *testing.T) {
	pdf := []byte("%PDF-1.4\x00\x01\xff binary \r\n bytes")
	m := mw.Message{
		Lang: "de", From: mw.Address{Name: "Autohaus König", Email: "noreply@koenig.example"},
		To: mw.Address{Name: "Jörg Müßig", Email: "joerg@example.org"}, ReplyTo: mw.Address{Email: "filiale@koenig.example"},
		Subject: "Ihre Rechnung über 49,99 € – Übergabe", Text: "Grüße aus Hamburg", HTML: "<p>Grüße</p>",
		MessageID: "<outbox-7@koenig.example>", Headers: []mw.Header{{Name: "X-Mietwerk-Tenant", Value: "t1"}},
		Attachments: []mw.Attachment{{Filename: "RE-1.pdf", ContentType: "application/pdf", Data: pdf}},
	}
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	raw, err := Bytes(m, now)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	checks := map[string]string{
		"Subject":           "Ihre Rechnung über 49,99 € – Übergabe",
		"Message-ID":        "<outbox-7@koenig.example>",
		"Content-Language":  "de",
		"Auto-Submitted":    "auto-generated",
		"X-Mietwerk-Tenant": "t1",
	}
	for h, want := range checks {
		got := msg.Header.Get(h)
		if h == "Subject" {
			got = subj
		}
		if got != want {
			t.Errorf("%s = %q; want %q", h, got, want)
		}
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(now) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if from, _ := msg.Header.AddressList("From"); len(from) != 1 || from[0].Name != "Autohaus König" {
		t.Errorf("From = %v", from)
	}
	// find the attachment and compare bytes
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("top-level type %q", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var found, alt bool
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/alternative") {
			alt = true
		}
		if strings.HasPrefix(ct, "application/pdf") {
			found = true
			data, _ := io.ReadAll(p) // multipart.Reader decodes quoted-printable only; decode base64 here
			got, err := decodeB64(data)
			if err != nil || !bytes.Equal(got, pdf) {
				t.Errorf("attachment bytes differ: %v", err)
			}
		}
	}
	if !found || !alt {
		t.Errorf("attachment found=%v, alternative found=%v", found, alt)
	}
}

func TestBuildRejectsInvalid(t *testing.T) {
	_, err := Build(mw.Message{Subject: "x"}, time.Now())
	if !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("err = %v", err)
	}
}
