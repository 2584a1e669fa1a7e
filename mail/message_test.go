package mail

import (
	"testing"

	"mietwerk.dev/mietwerk/errs"
)

func validMessage() Message {
	return Message{
		TenantID: "t1", Kind: KindAdvanceInvoice, Lang: "de",
		From: Address{"Autohaus König", "noreply@koenig.example"}, To: Address{"Jörg Müßig", "joerg@example.org"},
		Subject: "Ihre Rechnung", Text: "Hallo", MessageID: NewMessageID("outbox-42", "koenig.example"),
		Attachments: []Attachment{{Filename: "RE-2026-000001.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Message)
		field  string // "" means valid
	}{
		{"valid", func(*Message) {}, ""},
		{"reply-to ok", func(m *Message) { m.ReplyTo = Address{"Filiale", "filiale@koenig.example"} }, ""},
		{"no from", func(m *Message) { m.From.Email = "" }, "from"},
		{"bad to", func(m *Message) { m.To.Email = "not an address" }, "to"},
		{"header injection in to", func(m *Message) { m.To.Email = "a@b.c>\r\nBcc: x@y.z" }, "to"},
		{"bad reply-to", func(m *Message) { m.ReplyTo.Email = "@" }, "reply_to"},
		{"no subject", func(m *Message) { m.Subject = " " }, "subject"},
		{"multi-line subject", func(m *Message) { m.Subject = "a\r\nBcc: x@y.z" }, "subject"},
		{"no text", func(m *Message) { m.Text = "" }, "text"},
		{"bad message id", func(m *Message) { m.MessageID = "abc" }, "message_id"},
		{"bad header", func(m *Message) { m.Headers = []Header{{"X-A", "b\nc"}} }, "headers"},
		{"attachment without name", func(m *Message) { m.Attachments[0].Filename = "" }, "attachments"},
		{"attachment path", func(m *Message) { m.Attachments[0].Filename = "../x.pdf" }, "attachments"},
		{"inline without cid", func(m *Message) { m.Attachments[0].Inline = true }, "attachments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			tt.mutate(&m)
			err := m.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || !errs.Fields(e.Fields).Has(tt.field) {
				t.Fatalf("Validate = %v; want invalid %q", err, tt.field)
			}
		})
	}
}

func TestAddressString(t *testing.T) {
	if got := (Address{"Jörg Müßig", "j@example.org"}).String(); got != "=?utf-8?q?J=C3=B6rg_M=C3=BC=C3=9Fig?= <j@example.org>" {
		t.Errorf("got %q", got)
	}
	if got := (Address{"", "j@example.org"}).String(); got != "<j@example.org>" {
		t.Errorf("got %q", got)
	}
}
