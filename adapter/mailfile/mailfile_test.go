package mailfile

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mw "mietwerk.dev/mietwerk/mail"
)

var now = time.Date(2026, 3, 14, 9, 30, 5, 0, time.UTC)

func msg() mw.Message {
	return mw.Message{
		Lang: "de", From: mw.Address{Name: "Autohaus König", Email: "noreply@koenig.test"},
		To: mw.Address{Name: "Jörg Müßig", Email: "joerg@kunde.test"}, Subject: "Übergabeprotokoll MV-1",
		Text: "Grüße", HTML: "<p>Grüße</p>", MessageID: "<outbox-9@koenig.test>",
		Attachments: []mw.Attachment{{Filename: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}},
	}
}

func TestSendWritesEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	tr, err := New(dir, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.Send(context.Background(), msg())
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "20260314T093005Z-outbox-9@koenig.test.eml")
	if resp != "kept "+want {
		t.Fatalf("response %q; want it to name %s", resp, want)
	}
	raw, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v", err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subj != "Übergabeprotokoll MV-1" || m.Header.Get("Message-ID") != "<outbox-9@koenig.test>" {
		t.Errorf("headers: subject %q, id %q", subj, m.Header.Get("Message-ID"))
	}
	if d, _ := m.Header.Date(); !d.Equal(now) {
		t.Errorf("Date = %v", d)
	}
	if !strings.Contains(string(raw), "a.pdf") {
		t.Error("attachment missing")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in dir; want only the message (no temp files left)", len(entries))
	}
}

func TestSendNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	tr, _ := New(dir, func() time.Time { return now })
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		resp, err := tr.Send(context.Background(), msg())
		if err != nil {
			t.Fatal(err)
		}
		if seen[resp] {
			t.Fatalf("second message kept as %s again", resp)
		}
		seen[resp] = true
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("%d files; want 3", len(entries))
	}
}

func TestSendErrors(t *testing.T) {
	dir := t.TempDir()
	tr, _ := New(dir, nil)
	bad := msg()
	bad.To.Email = ""
	if _, err := tr.Send(context.Background(), bad); !mw.Permanent(err) {
		t.Errorf("invalid message: err = %v; want permanent", err)
	}
	// the directory vanishes: a temporary failure
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := tr.Send(context.Background(), msg())
	if err == nil || mw.Permanent(err) {
		t.Errorf("unwritable dir: err = %v; want temporary", err)
	}
}

func TestSafeName(t *testing.T) {
	tests := map[string]string{
		"<a@b.c>":         "a@b.c",
		"<../../etc/x@y>": ".._.._etc_x@y",
		"":                "message",
		"<ä b>":           "__b",
	}
	for in, want := range tests {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q; want %q", in, got, want)
		}
	}
}
